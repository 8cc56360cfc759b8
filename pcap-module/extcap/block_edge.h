/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a pcapng byte stream stands relative to its block boundaries. The
 * helper's stream reaches ctrcapdump in pipe-sized pieces that can end in
 * the middle of a block; when a capture stops, ctrcapdump forwards the rest
 * of the block it has begun (and nothing after it), so that the reader
 * never sees a cut block.
 */
#ifndef CTRCAP_EXTCAP_BLOCK_EDGE_H
#define CTRCAP_EXTCAP_BLOCK_EDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Block type and byte-order magic of a Section Header Block. */
#define BLOCK_EDGE_SHB 0x0A0D0D0Au
#define BLOCK_EDGE_MAGIC 0x1A2B3C4Du

struct block_edge {
	uint8_t hdr[12]; /* type, total length, and (for an SHB) the byte-order magic */
	size_t hdr_len;	 /* header bytes of the current block seen so far */
	uint64_t left;	 /* bytes of the current block after its header still to come */
	bool swap;	 /* the section is in the other byte order */
	bool lost;	 /* not pcapng as far as we can tell: boundaries unknown */
};

/* Start at the beginning of a stream. */
void block_edge_init(struct block_edge *e);

/* Account for n bytes of the stream passed on. */
void block_edge_advance(struct block_edge *e, const uint8_t *buf, size_t n);

/*
 * How many leading bytes of buf (n bytes that come next in the stream)
 * complete the block under way, accounting for them: 0 at a boundary or
 * when the framing is lost, n when the block goes on past buf.
 */
size_t block_edge_finish(struct block_edge *e, const uint8_t *buf, size_t n);

/* True between two blocks (or when the framing is lost). */
bool block_edge_at_boundary(const struct block_edge *e);

#endif /* CTRCAP_EXTCAP_BLOCK_EDGE_H */
