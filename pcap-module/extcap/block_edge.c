// SPDX-License-Identifier: GPL-2.0-or-later
/* Tracking pcapng block boundaries in the stream ctrcapdump forwards. */
#include <string.h>

#include "block_edge.h"

/* Largest block we believe in; anything longer means the framing is lost. */
#define BLOCK_EDGE_MAX (256u << 20)

void block_edge_init(struct block_edge *e)
{
	memset(e, 0, sizeof(*e));
}

static uint32_t get32(const struct block_edge *e, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return e->swap ? __builtin_bswap32(v) : v;
}

/* A block header is complete: learn the byte order (SHB) and the length. */
static void header_done(struct block_edge *e)
{
	uint32_t type, len, magic;

	memcpy(&type, e->hdr, 4);
	if (type == BLOCK_EDGE_SHB) {
		memcpy(&magic, e->hdr + 8, 4);
		if (magic == BLOCK_EDGE_MAGIC) {
			e->swap = false;
		} else if (magic == __builtin_bswap32(BLOCK_EDGE_MAGIC)) {
			e->swap = true;
		} else {
			e->lost = true;
			return;
		}
	}
	len = get32(e, e->hdr + 4);
	if (len < 12 || len % 4 || len > BLOCK_EDGE_MAX) {
		e->lost = true;
		return;
	}
	e->hdr_len = 0;
	e->left = len - 12;
}

void block_edge_advance(struct block_edge *e, const uint8_t *buf, size_t n)
{
	while (n && !e->lost) {
		size_t k;

		if (e->left) {
			k = n < e->left ? n : (size_t)e->left;
			e->left -= k;
		} else {
			k = sizeof(e->hdr) - e->hdr_len;
			k = n < k ? n : k;
			memcpy(e->hdr + e->hdr_len, buf, k);
			e->hdr_len += k;
			if (e->hdr_len == sizeof(e->hdr))
				header_done(e);
		}
		buf += k;
		n -= k;
	}
}

bool block_edge_at_boundary(const struct block_edge *e)
{
	return e->lost || (!e->hdr_len && !e->left);
}

size_t block_edge_finish(struct block_edge *e, const uint8_t *buf, size_t n)
{
	size_t used = 0, k;

	if (block_edge_at_boundary(e))
		return 0;
	if (e->hdr_len) {
		k = sizeof(e->hdr) - e->hdr_len;
		k = n < k ? n : k;
		block_edge_advance(e, buf, k);
		used = k;
		if (e->hdr_len || e->lost)
			return used;
	}
	k = n - used < e->left ? n - used : (size_t)e->left;
	block_edge_advance(e, buf + used, k);
	return used + k;
}
