/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --compact-identity files (docs/pcapng-format.md, section 2.1): a frame's
 * record that refers to an identity defined by an earlier frame of its
 * interface, resolved on the first pass and kept per frame, so revisits,
 * the GUI's random access and tshark -2 show the same fields.
 */
#ifndef CTRCAP_IDREF_H
#define CTRCAP_IDREF_H

#include <stdbool.h>

#include <epan/packet.h>

/* What the first pass made of a frame's identity-key or identity-ref. */
struct ctrcap_idref {
	const guint8 *rec;	/* the record to show: the reference's TLVs, then its definition's */
	guint len;
	guint32 if_id, key;
	bool is_ref;		/* identity-ref (else identity-key) */
	bool dangling;		/* a reference with no definition before it: rec is the frame's own */
};

/* Set up the per-file table; proto is the ctrcap protocol (its proto data). */
void ctrcap_idref_register(int proto);

/*
 * The frame's resolution. On the first pass rec (len bytes) is the frame's
 * ctrcap record (NULL: none): a definition is noted, a reference resolved.
 * Later passes return what the first one found. NULL for a frame whose
 * record has neither key nor reference.
 */
const struct ctrcap_idref *ctrcap_idref_frame(packet_info *pinfo, const guint8 *rec, gsize len);

#endif /* CTRCAP_IDREF_H */
