// SPDX-License-Identifier: GPL-2.0-or-later
/* Ring events held back while an interface is looked for (see event_park.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_park.h"

/* Each event is a size header, then its bytes, padded to 8 (its u64 fields). */
struct park_hdr {
	uint64_t size;
};

struct ctrcap_park {
	uint8_t *buf;		/* allocated at the first event: most captures never park */
	size_t cap, used, count;
};

static size_t padded(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct ctrcap_park *ctrcap_park_new(size_t cap)
{
	struct ctrcap_park *p = calloc(1, sizeof(*p));

	if (p)
		p->cap = cap;
	return p;
}

bool ctrcap_park_add(struct ctrcap_park *p, const void *data, size_t size)
{
	size_t need = sizeof(struct park_hdr) + padded(size);
	struct park_hdr h = { .size = size };

	if (need > p->cap - p->used)
		return false;
	if (!p->buf && !(p->buf = malloc(p->cap)))
		return false;
	memcpy(p->buf + p->used, &h, sizeof(h));
	memcpy(p->buf + p->used + sizeof(h), data, size);
	p->used += need;
	p->count++;
	return true;
}

size_t ctrcap_park_count(const struct ctrcap_park *p)
{
	return p->count;
}

void ctrcap_park_replay(struct ctrcap_park *p, int (*fn)(void *ctx, void *data, size_t size),
			void *ctx)
{
	for (size_t off = 0; off < p->used;) {
		struct park_hdr h;

		memcpy(&h, p->buf + off, sizeof(h));
		fn(ctx, p->buf + off + sizeof(h), h.size);
		off += sizeof(h) + padded(h.size);
	}
	p->used = 0;
	p->count = 0;
}

void ctrcap_park_free(struct ctrcap_park *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}
