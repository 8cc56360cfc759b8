// SPDX-License-Identifier: GPL-2.0-or-later
/* Per-file cache of parsed ctrcap records, keyed by their bytes (ctrcap_reccache.h). */
#include "ctrcap_reccache.h"

#include <string.h>

#include <epan/wmem_scopes.h>

struct rc_key {
	guint hash;
	guint len;
	const guint8 *bytes;
};

static wmem_map_t *cache;

/*
 * A hash of the bytes and their length, eight bytes a step: it runs for
 * every packet shown, on records of a few hundred bytes. Only this process
 * reads it, so the words' byte order does not matter.
 */
static guint bytes_hash(const guint8 *p, guint len)
{
	guint64 h = 0x9e3779b97f4a7c15ull ^ len, w;
	guint i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (guint)(h ^ (h >> 29));
}

static guint key_hash(gconstpointer p)
{
	return ((const struct rc_key *)p)->hash;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
	const struct rc_key *x = (const struct rc_key *)a, *y = (const struct rc_key *)b;

	return x->hash == y->hash && x->len == y->len &&
	       (x->len == 0 || memcmp(x->bytes, y->bytes, x->len) == 0);
}

void ctrcap_reccache_register(void)
{
	cache = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), key_hash, key_equal);
}

void *ctrcap_reccache_get(const guint8 *bytes, guint len)
{
	struct rc_key k = { bytes_hash(bytes, len), len, bytes };

	return wmem_map_lookup(cache, &k);
}

gboolean ctrcap_reccache_has_room(void)
{
	return wmem_map_size(cache) < CTRCAP_RECCACHE_MAX;
}

const guint8 *ctrcap_reccache_put(const guint8 *bytes, guint len, void *value)
{
	wmem_allocator_t *fs = wmem_file_scope();
	struct rc_key *k = wmem_new(fs, struct rc_key);
	/* One byte more so that an empty record still has an address of its own. */
	guint8 *copy = (guint8 *)wmem_alloc(fs, (gsize)len + 1);

	if (len)
		memcpy(copy, bytes, len);
	k->hash = bytes_hash(bytes, len);
	k->len = len;
	k->bytes = copy;
	wmem_map_insert(cache, k, value);
	return copy;
}
