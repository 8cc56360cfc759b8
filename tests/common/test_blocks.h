/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-built pcapng in either byte order, independent of the library's
 * writer, so the reader is tested against bytes it did not produce.
 */
#ifndef CTRCAP_TEST_BLOCKS_H
#define CTRCAP_TEST_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct bb {
	uint8_t p[1 << 16];
	size_t len;
	bool be; /* big-endian section */
};

static inline void bb_bytes(struct bb *b, const void *v, size_t n)
{
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static inline void bb_uint(struct bb *b, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned shift = b->be ? 8 * (n - 1 - i) : 8 * i;

		b->p[b->len++] = (uint8_t)(v >> shift);
	}
}

static inline void bb_pad(struct bb *b)
{
	while (b->len % 4)
		b->p[b->len++] = 0;
}

/* Start a block; returns its offset for bb_end(). */
static inline size_t bb_begin(struct bb *b, uint32_t type)
{
	size_t start = b->len;

	bb_uint(b, type, 4);
	bb_uint(b, 0, 4);
	return start;
}

static inline void bb_end(struct bb *b, size_t start)
{
	uint32_t total = (uint32_t)(b->len - start + 4);
	size_t save = b->len;

	b->len = start + 4;
	bb_uint(b, total, 4);
	b->len = save;
	bb_uint(b, total, 4);
}

static inline void bb_opt(struct bb *b, uint16_t code, const void *v, uint16_t n)
{
	bb_uint(b, code, 2);
	bb_uint(b, n, 2);
	bb_bytes(b, v, n);
	bb_pad(b);
}

static inline void bb_opt_u32(struct bb *b, uint16_t code, uint32_t v)
{
	bb_uint(b, code, 2);
	bb_uint(b, 4, 2);
	bb_uint(b, v, 4);
}

static inline void bb_opt_u64(struct bb *b, uint16_t code, uint64_t v)
{
	bb_uint(b, code, 2);
	bb_uint(b, 8, 2);
	bb_uint(b, v, 8);
}

static inline void bb_opt_end(struct bb *b)
{
	bb_uint(b, 0, 4);
}

/* SHB with shb_userappl. */
static inline void bb_shb(struct bb *b, const char *userappl)
{
	size_t s = bb_begin(b, 0x0A0D0D0A);

	bb_uint(b, 0x1A2B3C4D, 4);
	bb_uint(b, 1, 2);
	bb_uint(b, 0, 2);
	bb_uint(b, UINT64_MAX, 8);
	bb_opt(b, 4, userappl, (uint16_t)strlen(userappl));
	bb_opt_end(b);
	bb_end(b, s);
}

/* IDB; tsresol < 0 leaves if_tsresol out (default microseconds). */
static inline void bb_idb(struct bb *b, uint16_t linktype, uint32_t snaplen, const char *name,
			  int tsresol)
{
	size_t s = bb_begin(b, 1);
	uint8_t r = (uint8_t)tsresol;

	bb_uint(b, linktype, 2);
	bb_uint(b, 0, 2);
	bb_uint(b, snaplen, 4);
	bb_opt(b, 2, name, (uint16_t)strlen(name));
	if (tsresol >= 0)
		bb_opt(b, 9, &r, 1);
	bb_opt_end(b);
	bb_end(b, s);
}

/* The value of a ctrcap custom option: PEN in section order, then the record. */
static inline void bb_opt_ctrcap(struct bb *b, uint32_t pen, const uint8_t *rec, uint16_t n)
{
	bb_uint(b, 2989, 2);
	bb_uint(b, 4 + n, 2);
	bb_uint(b, pen, 4);
	bb_bytes(b, rec, n);
	bb_pad(b);
}

/* EPB header and data; options follow via bb_opt*() and then bb_opt_end + bb_end. */
static inline size_t bb_epb_begin(struct bb *b, uint32_t if_id, uint64_t ts, const void *data,
				  uint32_t caplen, uint32_t origlen)
{
	size_t s = bb_begin(b, 6);

	bb_uint(b, if_id, 4);
	bb_uint(b, ts >> 32, 4);
	bb_uint(b, (uint32_t)ts, 4);
	bb_uint(b, caplen, 4);
	bb_uint(b, origlen, 4);
	bb_bytes(b, data, caplen);
	bb_pad(b);
	return s;
}

#endif /* CTRCAP_TEST_BLOCKS_H */
