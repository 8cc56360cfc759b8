// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event rings' reader (see ring_reader.h). A BPF ring buffer is a
 * consumer-position page the reader writes, then a producer-position page
 * and the data pages (mapped twice in a row, so that a record that wraps
 * reads as one piece) it only reads; each record is an 8-byte header (its
 * length, with a busy and a discard bit) and its bytes, padded to 8.
 *
 * With several rings the events are merged by their timestamps: the ring
 * whose next event is the oldest is read until its next one is newer than
 * another ring's. A ring with nothing (left) to read bounds what may go:
 * it may still receive an event stamped before now, so only events stamped
 * before the clock read that preceded the look at the producers go out.
 * That keeps causes ahead of effects across CPUs: a process's exec event
 * committed on one CPU before its first packet is stamped on another.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../bpf/ctrcap.h"
#include "ring_reader.h"

/* Passes over the rings in one read: a flood that never lets them empty still returns to the loop. */
#define READ_PASSES 16

struct ring {
	uint64_t *cons_pos;	/* starts the consumer position's page (mapped read-write) */
	uint64_t *prod_pos;	/* starts its page, then the data twice (mapped read-only) */
	size_t prod_len;
	uint8_t *data;
	uint64_t mask;
	uint64_t cons, prod;	/* where this read is, and the producer position it saw */
};

struct ctrcap_rings {
	struct ring *ring;
	unsigned n;
	int epfd;
	ctrcap_ring_event_fn fn;
	void *ctx;
	size_t page;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* Map one ring-buffer map; -1 with the reason in err. */
static int ring_map(struct ring *g, int fd, size_t page, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "cannot read the ring buffer's size: %s", strerror(errno));
		return -1;
	}
	g->cons_pos = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g->cons_pos == MAP_FAILED) {
		g->cons_pos = NULL;
		snprintf(err, errlen, "cannot map the ring buffer's consumer page: %s",
			 strerror(errno));
		return -1;
	}
	g->prod_len = page + 2 * (size_t)info.max_entries;
	g->prod_pos = mmap(NULL, g->prod_len, PROT_READ, MAP_SHARED, fd, page);
	if (g->prod_pos == MAP_FAILED) {
		g->prod_pos = NULL;
		snprintf(err, errlen, "cannot map the ring buffer's %u bytes: %s",
			 info.max_entries, strerror(errno));
		return -1;
	}
	g->data = (uint8_t *)g->prod_pos + page;
	g->mask = info.max_entries - 1;
	g->cons = __atomic_load_n(g->cons_pos, __ATOMIC_ACQUIRE);
	return 0;
}

struct ctrcap_rings *ctrcap_rings_open(const int *fds, unsigned n, ctrcap_ring_event_fn fn,
				       void *ctx, char *err, size_t errlen)
{
	struct ctrcap_rings *r = calloc(1, sizeof(*r));

	if (!r || !(r->ring = calloc(n, sizeof(*r->ring)))) {
		snprintf(err, errlen, "out of memory for %u ring buffers", n);
		free(r);
		return NULL;
	}
	r->epfd = -1;
	r->n = n;
	r->fn = fn;
	r->ctx = ctx;
	r->page = sysconf(_SC_PAGESIZE);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		if (ring_map(&r->ring[i], fds[i], r->page, err, errlen))
			goto fail;
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fds[i], &ev)) {
			snprintf(err, errlen, "epoll_ctl on ring buffer %u: %s", i, strerror(errno));
			goto fail;
		}
	}
	return r;
fail:
	ctrcap_rings_close(r);
	return NULL;
}

uint64_t ctrcap_ring_event_ts(const void *data, size_t size)
{
	uint64_t ts;

	if (size < CTRCAP_EV_TS_OFFSET + sizeof(ts))
		return 0;
	memcpy(&ts, (const uint8_t *)data + CTRCAP_EV_TS_OFFSET, sizeof(ts));
	return ts;
}

/* A record's bytes in the ring: header and data, padded to 8. */
static uint64_t record_len(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((uint64_t)len + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
}

/* Give the reader's place to the kernel: the record before it may be reused. */
static void ring_release(struct ring *g, uint32_t len)
{
	g->cons += record_len(len);
	__atomic_store_n(g->cons_pos, g->cons, __ATOMIC_RELEASE);
}

/*
 * The ring's next committed event, discarded records skipped; NULL when it
 * has none before the producer position seen, or its next is still being
 * written.
 */
static void *ring_head(struct ring *g, uint32_t *size)
{
	while (g->cons < g->prod) {
		uint32_t *hdr = (uint32_t *)(g->data + (g->cons & g->mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			return NULL;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			*size = len;
			return (uint8_t *)hdr + BPF_RINGBUF_HDR_SZ;
		}
		ring_release(g, len);
	}
	return NULL;
}

/*
 * One pass: events up to limit (a timestamp; UINT64_MAX for none) out of
 * the producer positions seen at its start, in time order. Returns the
 * events handled or fn's negative return.
 */
static int read_pass(struct ctrcap_rings *r, uint64_t limit)
{
	int count = 0;

	for (unsigned i = 0; i < r->n; i++)
		r->ring[i].prod = __atomic_load_n(r->ring[i].prod_pos, __ATOMIC_ACQUIRE);
	for (;;) {
		uint64_t best_ts = UINT64_MAX, next_ts = UINT64_MAX;
		struct ring *best = NULL;
		bool empty_ring = false;
		uint32_t size = 0;
		void *data = NULL;

		/* With one ring next_ts stays UINT64_MAX: its order is the order. */
		for (unsigned i = 0; i < r->n; i++) {
			uint32_t sz;
			void *d = ring_head(&r->ring[i], &sz);
			uint64_t t;

			if (!d) {
				empty_ring = true;
				continue;
			}
			t = ctrcap_ring_event_ts(d, sz);
			if (!best || t < best_ts) {
				next_ts = best ? best_ts : next_ts;
				best = &r->ring[i];
				best_ts = t;
				data = d;
				size = sz;
			} else if (t < next_ts) {
				next_ts = t;
			}
		}
		if (!best || (empty_ring && best_ts > limit))
			return count;
		if (empty_ring && limit < next_ts)
			next_ts = limit;
		/* The oldest ring's run, up to the next ring's oldest event. */
		do {
			int err = r->fn(r->ctx, data, size);

			ring_release(best, size);
			count++;
			if (err < 0)
				return err;
			data = ring_head(best, &size);
		} while (data && ctrcap_ring_event_ts(data, size) <= next_ts);
	}
}

/* Passes until one finds nothing (or READ_PASSES); all or only settled events. */
static int read_all(struct ctrcap_rings *r, bool drain)
{
	int total = 0;

	for (int pass = 0; pass < READ_PASSES; pass++) {
		/* Read before the producers are: what they commit later is stamped after it or in flight. */
		uint64_t limit = drain || r->n == 1 ? UINT64_MAX : mono_ns();
		int n = read_pass(r, limit);

		if (n < 0)
			return n;
		total += n;
		if (n == 0)
			break;
	}
	return total;
}

int ctrcap_rings_read(struct ctrcap_rings *r)
{
	return read_all(r, false);
}

int ctrcap_rings_drain(struct ctrcap_rings *r)
{
	return read_all(r, true);
}

int ctrcap_rings_wait(struct ctrcap_rings *r, int timeout_ms)
{
	struct epoll_event ev[8];
	int n = epoll_wait(r->epfd, ev, 8, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return ctrcap_rings_read(r);
}

void ctrcap_rings_close(struct ctrcap_rings *r)
{
	if (!r)
		return;
	for (unsigned i = 0; r->ring && i < r->n; i++) {
		if (r->ring[i].cons_pos)
			munmap(r->ring[i].cons_pos, r->page);
		if (r->ring[i].prod_pos)
			munmap(r->ring[i].prod_pos, r->ring[i].prod_len);
	}
	if (r->epfd >= 0)
		close(r->epfd);
	free(r->ring);
	free(r);
}
