// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * block_edge (pcap-module/extcap/block_edge.c): the block boundaries of a
 * pcapng stream fed in arbitrary pieces, in both byte orders, the bytes
 * that finish a block begun before a stop, and garbage that is not pcapng.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block_edge.h"

#define MAX_BLOCKS 16

struct stream {
	uint8_t b[4096];
	size_t len;
	size_t ends[MAX_BLOCKS]; /* offset after each block */
	size_t n_ends;
};

static void put32(struct stream *s, uint32_t v, int big)
{
	if (big)
		v = __builtin_bswap32(v);
	memcpy(s->b + s->len, &v, 4);
	s->len += 4;
}

/* A block of total length len (a multiple of 4, at least 12) with filler body. */
static void block(struct stream *s, uint32_t type, uint32_t len, int big)
{
	put32(s, type, big);
	put32(s, len, big);
	for (uint32_t i = 12; i < len; i += 4)
		put32(s, type == BLOCK_EDGE_SHB && i == 12 ? 0 : 0x11223344, big);
	put32(s, len, big);
	s->ends[s->n_ends++] = s->len;
}

static void shb(struct stream *s, int big)
{
	size_t start = s->len;

	block(s, BLOCK_EDGE_SHB, 28, big);
	/* the byte-order magic right after the length */
	memcpy(s->b + start + 8, big ? "\x1a\x2b\x3c\x4d" : "\x4d\x3c\x2b\x1a", 4);
}

/* Two sections, little- then big-endian, with blocks of several sizes. */
static void make(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	shb(s, 0);
	block(s, 1, 20, 0);
	block(s, 6, 92, 0);
	block(s, 6, 12, 0);
	block(s, 6, 1024, 0);
	shb(s, 1);
	block(s, 1, 20, 1);
	block(s, 6, 300, 1);
}

static int is_end(const struct stream *s, size_t off)
{
	if (off == 0)
		return 1;
	for (size_t i = 0; i < s->n_ends; i++) {
		if (s->ends[i] == off)
			return 1;
	}
	return 0;
}

static void test_boundaries_any_split(void **state)
{
	struct stream s;

	(void)state;
	make(&s);
	/* Every piece size from 1 to 40 bytes: the boundary is known after each piece. */
	for (size_t piece = 1; piece <= 40; piece++) {
		struct block_edge e;
		size_t off = 0;

		block_edge_init(&e);
		while (off < s.len) {
			size_t n = s.len - off < piece ? s.len - off : piece;

			block_edge_advance(&e, s.b + off, n);
			off += n;
			assert_false(e.lost);
			assert_int_equal(block_edge_at_boundary(&e), is_end(&s, off));
		}
		assert_true(block_edge_at_boundary(&e));
	}
}

static void test_finish_from_anywhere(void **state)
{
	struct stream s;

	(void)state;
	make(&s);
	/* Stopped after any byte: finish gives exactly up to the next block end. */
	for (size_t stop = 0; stop < s.len; stop++) {
		struct block_edge e;
		size_t next = stop, k;

		while (!is_end(&s, next))
			next++;
		block_edge_init(&e);
		block_edge_advance(&e, s.b, stop);
		/* In two pieces, split at 5 bytes, to cross a header. */
		k = block_edge_finish(&e, s.b + stop, s.len - stop < 5 ? s.len - stop : 5);
		if (stop + k < next) {
			assert_int_equal(k, s.len - stop < 5 ? s.len - stop : 5);
			k += block_edge_finish(&e, s.b + stop + k, s.len - stop - k);
		}
		assert_int_equal(stop + k, next);
		assert_true(block_edge_at_boundary(&e));
		/* At a boundary nothing more is passed on. */
		assert_int_equal(block_edge_finish(&e, s.b + next, s.len - next), 0);
	}
}

static void test_not_pcapng(void **state)
{
	struct block_edge e;
	uint8_t bad_len[12] = { 6, 0, 0, 0, 13, 0, 0, 0 }; /* not a multiple of 4 */
	uint8_t bad_magic[12] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4 };

	(void)state;
	block_edge_init(&e);
	block_edge_advance(&e, bad_len, sizeof(bad_len));
	assert_true(e.lost);
	/* Lost framing: a stop passes on nothing more. */
	assert_true(block_edge_at_boundary(&e));
	assert_int_equal(block_edge_finish(&e, bad_len, sizeof(bad_len)), 0);

	block_edge_init(&e);
	block_edge_advance(&e, bad_magic, sizeof(bad_magic));
	assert_true(e.lost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries_any_split),
		cmocka_unit_test(test_finish_from_anywhere),
		cmocka_unit_test(test_not_pcapng),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
