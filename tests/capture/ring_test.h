/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by ring_test.bpf.c and test_ring_reader.c: what the test puts in the rings. */
#ifndef CTRCAP_RING_TEST_H
#define CTRCAP_RING_TEST_H

#define RING_TEST_RINGS 3
#define RING_TEST_BYTES 4096

/* ring_put's return values. */
#define RING_TEST_PUT 10
#define RING_TEST_BAD_INPUT 11
#define RING_TEST_NO_RING 12
#define RING_TEST_FULL 13

/* One event to put: its ring, time and sequence number; discard = reserve and throw away. */
struct ring_test_put {
	__u32 ring;
	__u32 discard;
	__u64 ts_ns;
	__u64 seq;
};

/* The event: its time where every ctrcap event has it (CTRCAP_EV_TS_OFFSET). */
struct ring_test_event {
	__u32 type;
	__u32 pad[5];
	__u64 ts_ns;
	__u64 seq;
};

#endif
