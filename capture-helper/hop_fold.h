/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --hops fold: one printed line per packet. The text of a packet's first
 * hop is held until its packet id's window (CTRCAP_PACKET_ID_WINDOW_NS) has
 * passed; the hops seen meanwhile with the same id are listed at the end of
 * its line with their deltas, and the lines go out in first-hop order.
 */
#ifndef CTRCAP_HOP_FOLD_H
#define CTRCAP_HOP_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Packets held at most; the oldest goes out early when more come. */
#define CTRCAP_FOLD_HELD 4096

struct ctrcap_hop_fold;

/* A folder printing to out; NULL when out of memory. */
struct ctrcap_hop_fold *ctrcap_hop_fold_new(FILE *out);

/* Print what is held and free f (NULL is fine). */
void ctrcap_hop_fold_free(struct ctrcap_hop_fold *f);

/*
 * True when packet id (0 = none) at ts_ns is a later hop of a held packet:
 * then "ifname Dir +delta" (or drop, "DROP reason at location", with the
 * interface) is added to that packet's line, and the caller prints nothing.
 */
bool ctrcap_hop_fold_later(struct ctrcap_hop_fold *f, uint64_t id, uint64_t ts_ns,
			   const char *ifname, uint32_t direction, const char *drop);

/*
 * Hold a first hop: text (len bytes, its packet line first, then any
 * lines under it), to print once id's window has passed. 0, or -1 when out
 * of memory (the text is then printed at once).
 */
int ctrcap_hop_fold_hold(struct ctrcap_hop_fold *f, uint64_t id, uint64_t ts_ns, const char *text,
			 size_t len);

/* Print the held packets whose window ended before now_ns (UINT64_MAX: all). */
void ctrcap_hop_fold_flush(struct ctrcap_hop_fold *f, uint64_t now_ns);

#endif /* CTRCAP_HOP_FOLD_H */
