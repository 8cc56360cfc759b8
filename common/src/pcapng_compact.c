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

int wr_compact_open(struct ctrcap_pcapng_writer *w)
{
	if (!w->o.compact_identity)
		return 0;
	w->idrefs = ctrcap_idrefs_new();
	w->crec = malloc(CTRCAP_RECORD_MAX);
	w->cdef = malloc(CTRCAP_RECORD_MAX);
	w->cpp = malloc(CTRCAP_RECORD_MAX);
	return w->idrefs && w->crec && w->cdef && w->cpp ? 0 : -1;
}

void wr_compact_free(struct ctrcap_pcapng_writer *w)
{
	ctrcap_idrefs_free(w->idrefs);
	free(w->crec);
	free(w->cdef);
	free(w->cpp);
}

void wr_compact_new_section(struct ctrcap_pcapng_writer *w)
{
	ctrcap_idrefs_reset(w->idrefs);
}

int wr_compact_record(struct ctrcap_pcapng_writer *w, uint32_t if_id, const uint8_t *rec,
		      size_t rec_len, const uint8_t **out, size_t *out_len)
{
	size_t def_len, pp_len;
	uint32_t key;
	uint8_t *p;
	int rc;

	*out = rec;
	*out_len = rec_len;
	/* A malformed record goes out as given; one at the size limit has no room for a key. */
	if (ctrcap_record_split(rec, rec_len, w->cdef, &def_len, w->cpp, &pp_len) < 0 ||
	    def_len + pp_len + 8 > CTRCAP_RECORD_MAX)
		return 0;
	/* Only an identity with something beyond the version byte is worth a key. */
	if (def_len <= 1)
		return 0;
	if (ctrcap_idrefs_bytes(w->idrefs) > COMPACT_MAX_BYTES)
		ctrcap_idrefs_reset(w->idrefs);
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
	return 0;
}
