/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wrapping one captured packet and its identity into a LINKTYPE_PKTAP frame
 * (layout in ctrcap/pktap.h).
 */
#ifndef CTRCAP_PKTAP_FRAME_H
#define CTRCAP_PKTAP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ctrcap/record.h"

/* Inner bytes kept ahead of the identity when the snap length is tight. */
#define PKTAP_FRAME_INNER_RESERVE 96u

/* Smallest snap length a session accepts: the header plus some packet. */
#define PKTAP_FRAME_MIN_SNAPLEN 128u

struct pktap_frame_in {
	uint32_t linktype;		/* inner frame's LINKTYPE_ */
	const char *ifname;		/* may be NULL */
	uint32_t direction;		/* CTRCAP_DIR_* */
	const struct ctrcap_identity *id; /* NULL = no identity */
	const uint8_t *data;
	uint32_t caplen, origlen;
};

struct pktap_frame_out {
	uint32_t caplen;	/* bytes written to buf */
	uint32_t wirelen;	/* header + extension + inner origlen */
	uint32_t hdrlen;	/* pth_length: where the inner frame starts */
};

/*
 * Build the frame into buf (cap bytes), at most snaplen bytes long: the
 * 108-byte header always, then the identity as far as it fits leaving
 * PKTAP_FRAME_INNER_RESERVE bytes for the packet, then the packet cut to
 * what is left. Returns 0, or -1 if snaplen or cap is below
 * PKTAP_FRAME_MIN_SNAPLEN.
 */
int pktap_frame_build(const struct pktap_frame_in *in, uint32_t snaplen, uint8_t *buf, size_t cap,
		      struct pktap_frame_out *out);

#endif /* CTRCAP_PKTAP_FRAME_H */
