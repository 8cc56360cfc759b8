// SPDX-License-Identifier: GPL-2.0-or-later
/* Identity references of --compact-identity files, resolved on the first pass (ctrcap_idref.h). */
#include "ctrcap_idref.h"

#include <string.h>

#include <epan/proto_data.h>
#include <wiretap/wtap.h>

#include "ctrcap/record.h"
#include "ws_at_least.h"

/* (section, interface, key): the scope of a key (pcapng-format.md, section 2.1). */
struct def_key {
	guint32 section, if_id, key;
};

struct def {
	struct def_key k;
	const guint8 *bytes;	/* the identity part: version byte + TLVs */
	guint len;
};

static int proto_ctrcap = -1;
static wmem_map_t *defs;

static guint def_hash(gconstpointer p)
{
	const struct def_key *k = (const struct def_key *)p;

	return (k->section * 0x9e3779b1u) ^ (k->if_id * 0x85ebca6bu) ^ k->key;
}

static gboolean def_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(struct def_key)) == 0;
}

void ctrcap_idref_register(int proto)
{
	proto_ctrcap = proto;
	defs = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), def_hash, def_equal);
}

/* The frame's (section, interface) part of a key. */
static void frame_scope(packet_info *pinfo, struct def_key *k)
{
	k->section = 0;
#if WS_AT_LEAST(4, 3)
	if (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER)
		k->section = pinfo->rec->section_number;
#endif
	k->if_id = pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID ?
			   pinfo->rec->rec_header.packet_header.interface_id :
			   0;
}

/* First pass: note a definition or resolve a reference; NULL when the record has neither. */
static struct ctrcap_idref *first_pass(packet_info *pinfo, const guint8 *rec, gsize len)
{
	wmem_allocator_t *fs = wmem_file_scope();
	struct ctrcap_idref *r;
	struct def_key k;
	struct def *d;
	guint8 *def, *pp, *out, *p;
	size_t def_len, pp_len;
	uint32_t key, ref;
	int has;

	has = ctrcap_record_idref(rec, len, &key, &ref);
	if (has <= 0)
		return NULL;
	def = (guint8 *)wmem_alloc(pinfo->pool, len);
	pp = (guint8 *)wmem_alloc(pinfo->pool, len);
	if (ctrcap_record_split(rec, len, def, &def_len, pp, &pp_len) < 0)
		return NULL;
	frame_scope(pinfo, &k);
	r = wmem_new0(fs, struct ctrcap_idref);
	r->if_id = k.if_id;
	if (has & CTRCAP_IDREF_KEY) {
		k.key = key;
		d = wmem_new(fs, struct def);
		d->k = k;
		d->bytes = (const guint8 *)wmem_memdup(fs, def, def_len);
		d->len = (guint)def_len;
		/* A later definition of the same key replaces the earlier one. */
		wmem_map_insert(defs, &d->k, d);
		r->key = key;
		r->rec = (const guint8 *)wmem_memdup(fs, rec, len);
		r->len = (guint)len;
		return r;
	}
	k.key = ref;
	r->key = ref;
	r->is_ref = true;
	d = (struct def *)wmem_map_lookup(defs, &k);
	if (!d) {
		r->dangling = true;
		r->rec = (const guint8 *)wmem_memdup(fs, rec, len);
		r->len = (guint)len;
		return r;
	}
	/* Version and the reference (shown as ctrcap.identity_ref), the definition, the packet's own. */
	out = (guint8 *)wmem_alloc(fs, 1 + 8 + d->len - 1 + pp_len);
	p = out;
	*p++ = CTRCAP_RECORD_VERSION;
	p = ctrcap_tlv_put_u32(p, CTRCAP_T_IDENTITY_REF, ref);
	memcpy(p, d->bytes + 1, d->len - 1);
	p += d->len - 1;
	memcpy(p, pp, pp_len);
	p += pp_len;
	r->rec = out;
	r->len = (guint)(p - out);
	return r;
}

const struct ctrcap_idref *ctrcap_idref_frame(packet_info *pinfo, const guint8 *rec, gsize len)
{
	struct ctrcap_idref *r;

	if (pinfo->fd->visited)
		return (const struct ctrcap_idref *)p_get_proto_data(wmem_file_scope(), pinfo,
								      proto_ctrcap, 1);
	if (!rec || len > CTRCAP_RECORD_MAX)
		return NULL;
	r = first_pass(pinfo, rec, len);
	if (r)
		p_add_proto_data(wmem_file_scope(), pinfo, proto_ctrcap, 1, r);
	return r;
}
