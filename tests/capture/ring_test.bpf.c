// SPDX-License-Identifier: GPL-2.0
/*
 * Harness for the ring reader (capture-helper/ring_reader.c): rings in an
 * array of maps, as ctrcap's programs have them, and a program that
 * BPF_PROG_TEST_RUN drives to put one event with a chosen time into a
 * chosen ring, committed or discarded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ctrcap.h"
#include "ring_test.h"

struct ring_test_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RING_TEST_BYTES);
};

/* Filled by the test, as ctrcap fills its events table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, RING_TEST_RINGS);
	__type(key, __u32);
	__array(values, struct ring_test_ring);
} rings SEC(".maps");

/* The packet's bytes are a struct ring_test_put; returns a RING_TEST_* code. */
SEC("tc")
int ring_put(struct __sk_buff *skb)
{
	struct ring_test_event *e;
	struct ring_test_put p;
	void *ring;

	if (bpf_skb_load_bytes(skb, 0, &p, sizeof(p)))
		return RING_TEST_BAD_INPUT;
	ring = bpf_map_lookup_elem(&rings, &p.ring);
	if (!ring)
		return RING_TEST_NO_RING;
	e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e)
		return RING_TEST_FULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = CTRCAP_EV_FORK;
	e->ts_ns = p.ts_ns;
	e->seq = p.seq;
	if (p.discard)
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
	else
		bpf_ringbuf_submit(e, 0);
	return RING_TEST_PUT;
}

char LICENSE[] SEC("license") = "GPL";
