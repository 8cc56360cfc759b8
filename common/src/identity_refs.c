// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * (interface, key) -> identity definitions of a --compact-identity
 * section: an open-addressing table, grown at half full, emptied per section.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/identity_refs.h"

struct idref {
	uint32_t iface, key;
	uint32_t len;
	uint8_t *def;	/* NULL: free slot */
};

struct ctrcap_idrefs {
	struct idref *slots;
	uint32_t n_slots;	/* a power of two */
	uint32_t used;
	size_t bytes;
};

static uint32_t slot_hash(uint32_t iface, uint32_t key)
{
	uint64_t k = ((uint64_t)iface << 32 | key) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(k >> 32) ^ (uint32_t)k;
}

/* The slot of (iface, key): the one holding it, or the free one to fill. */
static struct idref *find(const struct ctrcap_idrefs *t, uint32_t iface, uint32_t key)
{
	uint32_t mask = t->n_slots - 1, i = slot_hash(iface, key) & mask;

	for (;;) {
		struct idref *e = &t->slots[i];

		if (!e->def || (e->iface == iface && e->key == key))
			return e;
		i = (i + 1) & mask;
	}
}

struct ctrcap_idrefs *ctrcap_idrefs_new(void)
{
	struct ctrcap_idrefs *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_slots = 64;
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void ctrcap_idrefs_reset(struct ctrcap_idrefs *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_slots; i++)
		free(t->slots[i].def);
	memset(t->slots, 0, t->n_slots * sizeof(*t->slots));
	t->used = 0;
	t->bytes = 0;
}

void ctrcap_idrefs_free(struct ctrcap_idrefs *t)
{
	if (!t)
		return;
	ctrcap_idrefs_reset(t);
	free(t->slots);
	free(t);
}

static int grow(struct ctrcap_idrefs *t)
{
	struct idref *old = t->slots;
	uint32_t n_old = t->n_slots, i;

	if (n_old >= 1u << 30)
		return -1;
	t->slots = calloc((size_t)n_old * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -1;
	}
	t->n_slots = n_old * 2;
	for (i = 0; i < n_old; i++) {
		if (old[i].def)
			*find(t, old[i].iface, old[i].key) = old[i];
	}
	free(old);
	return 0;
}

int ctrcap_idrefs_define(struct ctrcap_idrefs *t, uint32_t iface, uint32_t key,
			 const uint8_t *def, size_t len)
{
	struct idref *e;
	uint8_t *copy;

	if (len > UINT32_MAX || ((t->used + 1) * 2 > t->n_slots && grow(t) < 0))
		return -1;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	memcpy(copy, def, len);
	e = find(t, iface, key);
	if (e->def) {
		t->bytes -= e->len;
		free(e->def);
	} else {
		t->used++;
	}
	*e = (struct idref){ .iface = iface, .key = key, .len = (uint32_t)len, .def = copy };
	t->bytes += len;
	return 0;
}

const uint8_t *ctrcap_idrefs_lookup(const struct ctrcap_idrefs *t, uint32_t iface, uint32_t key,
				    size_t *len)
{
	const struct idref *e = find(t, iface, key);

	if (!e->def)
		return NULL;
	*len = e->len;
	return e->def;
}

/* 32-bit hash of an identity's bytes (FNV-1a over 8-byte words, then mixed). */
static uint32_t content_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

int ctrcap_idrefs_intern(struct ctrcap_idrefs *t, uint32_t iface, const uint8_t *def, size_t len,
			 uint32_t *key)
{
	uint32_t k = content_hash(def, len);

	/* Another identity holds this key on iface: take the next one. */
	for (;;) {
		const struct idref *e = find(t, iface, k);

		if (!e->def)
			break;
		if (e->len == len && !memcmp(e->def, def, len)) {
			*key = k;
			return 0;
		}
		k++;
	}
	if (ctrcap_idrefs_define(t, iface, k, def, len) < 0)
		return -1;
	*key = k;
	return 1;
}

size_t ctrcap_idrefs_bytes(const struct ctrcap_idrefs *t)
{
	return t->bytes;
}
