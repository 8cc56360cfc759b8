/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event rings' reader: one BPF ring buffer, or one per group of CPUs
 * (--rings), read as one stream in timestamp order.
 */
#ifndef CTRCAP_RING_READER_H
#define CTRCAP_RING_READER_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_rings;

/* Handles one event; a negative return stops the read and is returned by it. */
typedef int (*ctrcap_ring_event_fn)(void *ctx, void *data, size_t size);

/*
 * Map the n ring-buffer maps in fds; NULL with the reason in err. Their
 * events carry their time (bpf_ktime_get_ns) at CTRCAP_EV_TS_OFFSET.
 */
struct ctrcap_rings *ctrcap_rings_open(const int *fds, unsigned n, ctrcap_ring_event_fn fn,
				       void *ctx, char *err, size_t errlen);

/* An event's time (bpf_ktime_get_ns), or 0 if it is too short to have one. */
uint64_t ctrcap_ring_event_ts(const void *data, size_t size);

/*
 * Hand fn the committed events in time order; with several rings, holds
 * back an event that one of them, now empty, may still precede. Returns
 * the events handled.
 */
int ctrcap_rings_read(struct ctrcap_rings *r);

/* Hand fn every committed event (the capture stopped: nothing is awaited). */
int ctrcap_rings_drain(struct ctrcap_rings *r);

/* Wait up to timeout_ms for a ring to have data, then read. Returns the events handled. */
int ctrcap_rings_wait(struct ctrcap_rings *r, int timeout_ms);

/* Unmap the rings (the map fds stay the caller's). */
void ctrcap_rings_close(struct ctrcap_rings *r);

#endif
