/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --hops: which copies of a packet seen on several hops (container eth0,
 * host veth, bridge, peer's eth0; all with the same epb_packetid) are
 * written. Decided in user space at output time from a bounded table of
 * recently seen packet ids, so the BPF side stays as it is on every kernel.
 */
#ifndef CTRCAP_HOPS_H
#define CTRCAP_HOPS_H

#include <stdbool.h>
#include <stdint.h>

enum ctrcap_hops_mode {
	CTRCAP_HOPS_ALL = 0,   /* every hop (the default of ctrcap) */
	CTRCAP_HOPS_FIRST,     /* the first hop a packet was seen on */
	CTRCAP_HOPS_CONTAINER, /* the hop in the sender's or receiver's container netns */
	/*
	 * Every hop, printed folded: one line per packet, its later hops
	 * listed at its end (hop_fold.h). Written to -w as with all: it is a
	 * shape of the text, and a file keeps every hop.
	 */
	CTRCAP_HOPS_FOLD,
};

/* Where a hop is, as --hops container ranks it. */
enum ctrcap_hop_place {
	CTRCAP_HOP_CONTAINER, /* an interface in a namespace other than the helper's */
	CTRCAP_HOP_PLUMBING,  /* a veth or bridge in the helper's namespace */
	CTRCAP_HOP_HOST,      /* any other interface of the helper's namespace (lo, uplink) */
};

/* Slots of the table of recently seen packet ids (a power of two). */
#define CTRCAP_HOPS_SLOTS 8192

struct ctrcap_hops;

/* Parse "all", "first", "container" or "fold"; -1 for anything else. */
int ctrcap_hops_parse(const char *s);

/* The option's spelling of mode m. */
const char *ctrcap_hops_name(enum ctrcap_hops_mode m);

/* A table for mode m; NULL when out of memory. */
struct ctrcap_hops *ctrcap_hops_new(enum ctrcap_hops_mode m);

/* Free h (NULL is fine). */
void ctrcap_hops_free(struct ctrcap_hops *h);

/*
 * True when the copy of packet id seen at monotonic time ts_ns at a hop
 * in place is to be written; false counts it as a left-out hop copy.
 */
bool ctrcap_hops_keep(struct ctrcap_hops *h, uint64_t id, uint64_t ts_ns,
		      enum ctrcap_hop_place place);

/* How many hop copies ctrcap_hops_keep left out. */
uint64_t ctrcap_hops_skipped(const struct ctrcap_hops *h);

#endif /* CTRCAP_HOPS_H */
