// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --compact-identity: the writer's choice between defining an identity and
 * referring to it (docs/pcapng-format.md, section 2.1). Scope is (section,
 * interface id), so mergecap, the node merge (one IDB per node interface)
 * and rotation keep every reference resolvable in its own file.
 */
#include <stdlib.h>
#include <string.h>

#include "ctrcap/identity_refs.h"
#include "pcapng_int.h"

/*
 * A writer forgets its definitions past this many bytes and defines again:
 * a key keeps its identity (keys come from the bytes), so a reader that
 * sees a definition twice loses nothing.
 */
#define COMPACT_MAX_BYTES (32u << 20)
/*
 * Interfaces remembered for the shortcut: a packet whose record equals its
 * interface's last one that became a reference is that reference again,
 * without the split and hash (about 0.1 us a packet, bench/writer).
 */
#define WR_MEMOS 16

int wr_compact_open(struct ctrcap_pcapng_writer *w)
{
	if (!w->o.compact_identity)
		return 0;
	w->idrefs = ctrcap_idrefs_new();
	w->crec = malloc(CTRCAP_RECORD_MAX);
	w->cdef = malloc(CTRCAP_RECORD_MAX);
	w->cpp = malloc(CTRCAP_RECORD_MAX);
	w->memos = calloc(WR_MEMOS, sizeof(*w->memos));
	return w->idrefs && w->crec && w->cdef && w->cpp && w->memos ? 0 : -1;
}

/* Forget the shortcuts: the keys they name may mean other identities from now on. */
static void memos_clear(struct ctrcap_pcapng_writer *w)
{
	for (unsigned i = 0; w->memos && i < WR_MEMOS; i++)
		w->memos[i].valid = false;
}

/* Grow *buf to need bytes; false when out of memory. */
static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (*cap >= need)
		return true;
	p = realloc(*buf, need);
	if (!p)
		return false;
	*buf = p;
	*cap = need;
	return true;
}

/* Remember that rec on if_id became the reference out (a failure only loses the shortcut). */
static void memo_store(struct ctrcap_pcapng_writer *w, uint32_t if_id, const uint8_t *rec,
		       size_t rec_len, const uint8_t *out, size_t out_len)
{
	struct wr_memo *m = &w->memos[if_id % WR_MEMOS];

	m->valid = false;
	if (!grow(&m->in, &m->cap_in, rec_len) || !grow(&m->out, &m->cap_out, out_len))
		return;
	memcpy(m->in, rec, rec_len);
	memcpy(m->out, out, out_len);
	m->in_len = rec_len;
	m->out_len = out_len;
	m->if_id = if_id;
	m->valid = true;
}

void wr_compact_free(struct ctrcap_pcapng_writer *w)
{
	for (unsigned i = 0; w->memos && i < WR_MEMOS; i++) {
		free(w->memos[i].in);
		free(w->memos[i].out);
	}
	free(w->memos);
	ctrcap_idrefs_free(w->idrefs);
	free(w->crec);
	free(w->cdef);
	free(w->cpp);
}

void wr_compact_new_section(struct ctrcap_pcapng_writer *w)
{
	ctrcap_idrefs_reset(w->idrefs);
	memos_clear(w);
}

int wr_compact_record(struct ctrcap_pcapng_writer *w, uint32_t if_id, const uint8_t *rec,
		      size_t rec_len, const uint8_t **out, size_t *out_len)
{
	struct wr_memo *m = &w->memos[if_id % WR_MEMOS];
	size_t def_len, pp_len;
	uint32_t key;
	uint8_t *p;
	int rc;

	if (m->valid && m->if_id == if_id && m->in_len == rec_len && !memcmp(m->in, rec, rec_len)) {
		*out = m->out;
		*out_len = m->out_len;
		return 0;
	}
	*out = rec;
	*out_len = rec_len;
	/* A malformed record goes out as given; one at the size limit has no room for a key. */
	if (ctrcap_record_split(rec, rec_len, w->cdef, &def_len, w->cpp, &pp_len) < 0 ||
	    def_len + pp_len + 8 > CTRCAP_RECORD_MAX)
		return 0;
	/* Only an identity with something beyond the version byte is worth a key. */
	if (def_len <= 1)
		return 0;
	if (ctrcap_idrefs_bytes(w->idrefs) > COMPACT_MAX_BYTES) {
		ctrcap_idrefs_reset(w->idrefs);
		memos_clear(w);
	}
	rc = ctrcap_idrefs_intern(w->idrefs, if_id, w->cdef, def_len, &key);
	if (rc < 0) {
		wr_set_err(w, "writing %s: out of memory for the identities of --compact-identity",
			   w->label);
		return -1;
	}
	p = w->crec;
	*p++ = CTRCAP_RECORD_VERSION;
	if (rc == 1) {
		p = ctrcap_tlv_put_u32(p, CTRCAP_T_IDENTITY_KEY, key);
		memcpy(p, w->cdef + 1, def_len - 1);
		p += def_len - 1;
	} else {
		p = ctrcap_tlv_put_u32(p, CTRCAP_T_IDENTITY_REF, key);
	}
	memcpy(p, w->cpp, pp_len);
	p += pp_len;
	*out = w->crec;
	*out_len = (size_t)(p - w->crec);
	if (rc == 0)
		memo_store(w, if_id, rec, rec_len, *out, *out_len);
	return 0;
}
