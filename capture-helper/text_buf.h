/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounded text buffer and big-endian reads, for the packet printers. */
#ifndef CTRCAP_TEXT_BUF_H
#define CTRCAP_TEXT_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Text appended into p[cap]; always NUL-terminated, cut when full. */
struct text_buf {
	char *p;
	size_t cap, len;
};

/* Append printf-style text to b, as much as fits. */
__attribute__((format(printf, 2, 3))) void text_buf_add(struct text_buf *b, const char *fmt,
							 ...);

/* A number's name in a table of names. */
struct text_name {
	unsigned v;
	const char *name;
};

/* The name of v in t[n], or dflt. */
const char *text_name(const struct text_name *t, size_t n, unsigned v, const char *dflt);

/* text_name() on a table array. */
#define TEXT_NAME(t, v, dflt) text_name(t, sizeof(t) / sizeof((t)[0]), v, dflt)

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif /* CTRCAP_TEXT_BUF_H */
