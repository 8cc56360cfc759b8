// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring reader (capture-helper/ring_reader.c) on real BPF ring buffers
 * (root): events that ring_test.bpf.c puts through BPF_PROG_TEST_RUN come
 * back in time order across rings, held back while an empty ring may still
 * precede them, discarded ones skipped, all of them at a drain, and none
 * twice when the handler stops a read; across many wraps of the rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctrcap.h"
#include "ring_reader.h"
#include "ring_test.h"
#include "ring_test.skel.h"

_Static_assert(offsetof(struct ring_test_event, ts_ns) == CTRCAP_EV_TS_OFFSET, "event time");

#define MAX_SEEN 8192

struct fixture {
	struct ring_test *skel;
	int fds[RING_TEST_RINGS];
	struct ctrcap_rings *r;
	uint64_t seen[MAX_SEEN];
	unsigned n_seen;
	unsigned stop_at;	/* the handler fails at this event (1-based), 0 = never */
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int on_ev(void *ctx, void *data, size_t size)
{
	struct fixture *f = ctx;
	const struct ring_test_event *e = data;

	assert_int_equal(size, sizeof(*e));
	assert_true(f->n_seen < MAX_SEEN);
	f->seen[f->n_seen++] = e->seq;
	return f->stop_at && f->n_seen == f->stop_at ? -42 : 0;
}

/* Put one event into a ring through the test program. */
static void put(struct fixture *f, unsigned ring, uint64_t ts, uint64_t seq, bool discard)
{
	struct ring_test_put p = { .ring = ring, .discard = discard, .ts_ns = ts, .seq = seq };
	uint8_t pkt[64] = { 0 };

	memcpy(pkt, &p, sizeof(p));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.ring_put), &o), 0);
	assert_int_equal(o.retval, RING_TEST_PUT);
}

/* The events seen, in order, are these sequence numbers. */
static void expect_seen(struct fixture *f, const uint64_t *seq, unsigned n)
{
	assert_int_equal(f->n_seen, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(f->seen[i], seq[i]);
	f->n_seen = 0;
}

static struct fixture *open_rings(unsigned n)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int outer;

	assert_non_null(f);
	f->skel = ring_test__open_and_load();
	assert_non_null(f->skel);
	outer = bpf_map__fd(f->skel->maps.rings);
	for (unsigned i = 0; i < RING_TEST_RINGS; i++) {
		f->fds[i] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ring_test", 0, 0, RING_TEST_BYTES,
					   NULL);
		assert_true(f->fds[i] >= 0);
		assert_int_equal(bpf_map_update_elem(outer, &i, &f->fds[i], BPF_ANY), 0);
	}
	f->r = ctrcap_rings_open(f->fds, n, on_ev, f, err, sizeof(err));
	if (!f->r)
		fail_msg("ctrcap_rings_open: %s", err);
	return f;
}

static void close_rings(struct fixture *f)
{
	ctrcap_rings_close(f->r);
	for (unsigned i = 0; i < RING_TEST_RINGS; i++)
		close(f->fds[i]);
	ring_test__destroy(f->skel);
	free(f);
}

static void test_merge(void **state)
{
	struct fixture *f = open_rings(3);
	const uint64_t want[] = { 1, 2, 3, 4, 5, 6, 7 };

	(void)state;
	put(f, 0, 10, 1, false);
	put(f, 0, 30, 3, false);
	put(f, 0, 50, 5, false);
	put(f, 1, 20, 2, false);
	put(f, 1, 40, 4, false);
	put(f, 1, 60, 6, false);
	put(f, 2, 70, 7, false);
	assert_int_equal(ctrcap_rings_read(f->r), 7);
	expect_seen(f, want, 7);
	assert_int_equal(ctrcap_rings_read(f->r), 0);
	close_rings(f);
}

/* An event stamped after the read's clock waits while another ring is empty. */
static void test_hold_back(void **state)
{
	struct fixture *f = open_rings(2);
	uint64_t later = now_ns() + 60ull * 1000000000;
	const uint64_t first[] = { 1 }, second[] = { 2 }, third[] = { 3 };

	(void)state;
	put(f, 0, later, 1, false);
	assert_int_equal(ctrcap_rings_read(f->r), 0);
	assert_int_equal(ctrcap_rings_drain(f->r), 1);
	expect_seen(f, first, 1);
	/* Both rings have one: the older goes, then the other waits for ring 0. */
	put(f, 1, later + 2, 3, false);
	put(f, 0, later + 1, 2, false);
	assert_int_equal(ctrcap_rings_read(f->r), 1);
	expect_seen(f, second, 1);
	assert_int_equal(ctrcap_rings_read(f->r), 0);
	assert_int_equal(ctrcap_rings_drain(f->r), 1);
	expect_seen(f, third, 1);
	close_rings(f);
}

/* One ring: its own order, whatever the times say, and nothing held back. */
static void test_one_ring(void **state)
{
	struct fixture *f = open_rings(1);
	const uint64_t want[] = { 1, 2, 3 };

	(void)state;
	put(f, 0, 50, 1, false);
	put(f, 0, 10, 2, false);
	put(f, 0, now_ns() + 60ull * 1000000000, 3, false);
	assert_int_equal(ctrcap_rings_read(f->r), 3);
	expect_seen(f, want, 3);
	close_rings(f);
}

static void test_discarded(void **state)
{
	struct fixture *f = open_rings(2);
	const uint64_t want[] = { 2, 3 };

	(void)state;
	put(f, 0, 1, 1, true);
	put(f, 0, 5, 2, false);
	put(f, 1, 7, 3, false);
	put(f, 1, 8, 4, true);
	assert_int_equal(ctrcap_rings_read(f->r), 2);
	expect_seen(f, want, 2);
	close_rings(f);
}

/* A handler's error stops the read; the event it failed on is not seen again. */
static void test_stop(void **state)
{
	struct fixture *f = open_rings(2);
	const uint64_t first[] = { 1, 2 }, rest[] = { 3 };

	(void)state;
	put(f, 0, 1, 1, false);
	put(f, 1, 2, 2, false);
	put(f, 0, 3, 3, false);
	f->stop_at = 2;
	assert_int_equal(ctrcap_rings_read(f->r), -42);
	f->stop_at = 0;
	expect_seen(f, first, 2);
	assert_int_equal(ctrcap_rings_read(f->r), 1);
	expect_seen(f, rest, 1);
	close_rings(f);
}

/* Thousands of events through 4 KiB rings: every wrap read right, in order. */
static void test_wrap(void **state)
{
	struct fixture *f = open_rings(3);
	uint64_t seq = 0, want = 0;

	(void)state;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 30; i++) {
			seq++;
			/* Times increase; the ring is seq's remainder, in no pattern. */
			put(f, (seq * 7 + (seq >> 3)) % 3, seq * 100, seq, false);
		}
		assert_int_equal(ctrcap_rings_drain(f->r), 30);
		for (unsigned i = 0; i < f->n_seen; i++)
			assert_int_equal(f->seen[i], ++want);
		f->n_seen = 0;
	}
	close_rings(f);
}

static void test_wait(void **state)
{
	struct fixture *f = open_rings(2);
	const uint64_t want[] = { 1 };

	(void)state;
	assert_int_equal(ctrcap_rings_wait(f->r, 0), 0);
	put(f, 1, 5, 1, false);
	assert_int_equal(ctrcap_rings_wait(f->r, 1000), 1);
	expect_seen(f, want, 1);
	close_rings(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),	   cmocka_unit_test(test_hold_back),
		cmocka_unit_test(test_one_ring),   cmocka_unit_test(test_discarded),
		cmocka_unit_test(test_stop),	   cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
