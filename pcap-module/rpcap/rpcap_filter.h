/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client's capture filter, run in user space on each PKTAP frame before
 * it is sent (see the filter rules in ctrcap/pktap.h).
 */
#ifndef CTRCAP_RPCAP_FILTER_H
#define CTRCAP_RPCAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpcap_proto.h"

struct bpf_insn;

struct rpcap_bpf {
	struct bpf_insn *insns;
	unsigned len;
	bool inner;		/* run on the inner frame only (marker found) */
	uint32_t inner_dlt;	/* link type the inner program was compiled for */
};

/*
 * Turn a parsed rpcap filter into a validated program (bpf_validate).
 * Returns 0, or -1 with a message in err; out is untouched on failure.
 */
int rpcap_bpf_load(const struct rpcap_filter_msg *m, struct rpcap_bpf *out, char *err,
		   size_t errlen);

/*
 * Run the filter on one PKTAP frame of caplen bytes (wirelen on the wire)
 * whose inner frame starts at hdrlen and has link type dlt. Returns the
 * number of bytes of the frame to keep (0 = drop), at most caplen.
 * An empty filter (len 0) keeps everything.
 */
uint32_t rpcap_bpf_run(const struct rpcap_bpf *f, const uint8_t *frame, uint32_t caplen,
		       uint32_t wirelen, uint32_t hdrlen, uint32_t dlt);

/* Free the program and reset f to the empty filter. */
void rpcap_bpf_free(struct rpcap_bpf *f);

#endif /* CTRCAP_RPCAP_FILTER_H */
