// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Wireshark postdissector for ctrcap's per-packet identity: turns the
 * pcapng custom option (PEN + version + TLVs), the same record carried in a
 * PKTAP header extension (the rpcap path) and ptcpdump's opt_comment text
 * into process.*, container.*, k8s.* and node.* fields.
 *
 * The fields keep the names users type (process.pid, container.name), but
 * the protocol's own filter name is "ctrcap": Wireshark 4.6's falco-events
 * plugin registers protocols named "process" and "container", and a second
 * protocol with either name aborts start-up. Field abbreviations need no
 * protocol of the same name (4.0's proto.c only checks their characters and
 * chains same-named fields; 4.6.9 was seen to accept them next to
 * falco-events), so both live side by side.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <epan/epan.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tap.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

#include "ctrcap/record.h"
#include "ctrcap_idref.h"
#include "ctrcap_journey.h"
#include "ctrcap_reccache.h"
#include "ctrcap_tap.h"
#include "ctrcap_tlv.h"
#include "packet-ctrcap.h"
#include "ws_at_least.h"
#include "ctrcap/ptcpdump_text.h"

/* PKTAP (LINKTYPE 258): a standard header is 108 bytes; ctrcap appends PEN + record. */
#define PKTAP_STD_HDR_LEN 108u

enum ctrcap_source {
	SRC_OPTION = 1,
	SRC_PKTAP = 2,
	SRC_PTCPDUMP = 3,
};

static const value_string source_vals[] = {
	{ SRC_OPTION, "pcapng custom option" },
	{ SRC_PKTAP, "PKTAP header extension" },
	{ SRC_PTCPDUMP, "ptcpdump comment" },
	{ 0, NULL },
};

static const value_string attribution_vals[] = {
	{ CTRCAP_ATTR_NONE, "none" },
	{ CTRCAP_ATTR_SOCKET, "socket" },
	{ CTRCAP_ATTR_FLOW, "flow" },
	{ CTRCAP_ATTR_REVERSE_FLOW, "reverse-flow" },
	{ CTRCAP_ATTR_EARLIER_HOP, "earlier-hop" },
	{ CTRCAP_ATTR_IFACE_NETNS, "interface-netns" },
	{ CTRCAP_ATTR_LISTENER, "listener" },
	{ 0, NULL },
};

static const value_string proc_state_vals[] = {
	{ CTRCAP_PROC_PID_REUSED, "gone (exited; its pid names another process now)" },
	{ 0, NULL },
};

/* Single-valued fields, in the order the tree shows them. */
enum fld {
	F_PID,
	F_TID,
	F_COMM,
	F_THREAD_NAME,
	F_EXE,
	F_ARGS,
	F_START,
	F_PSTATE,
	F_UID,
	F_GID,
	F_USER,
	F_PPID,
	F_PCOMM,
	F_PEXE,
	F_PARGS,
	F_CNAME,
	F_CID,
	F_CIMAGE,
	F_CRUNTIME,
	F_POD_NAME,
	F_POD_NS,
	F_POD_UID,
	F_K8S_CNAME,
	F_NODE_NAME,
	F_NETNS,
	F_CGROUP,
	F_ATTR,
	F_IDKEY,
	F_IDREF,
	F_DROP_CODE,
	F_DROP_REASON,
	F_DROP_LOC,
	F_COUNT,
};

/* Repeated fields: one entry per label. */
enum lst {
	L_CLABEL,
	L_PLABEL,
	L_PANNOT,
	L_COUNT,
};

static int proto_ctrcap = -1;
static int hf_f[F_COUNT];
static int hf_l[L_COUNT];
static int hf_source = -1;
static int hf_pen = -1;
static int hf_version = -1;
static int hf_rec_len = -1;
static int hf_tlv_type = -1;
static int hf_tlv_len = -1;
static int hf_tlv_value = -1;

static gint ett_ctrcap = -1;
static gint ett_process = -1;
static gint ett_user = -1;
static gint ett_parent = -1;
static gint ett_container = -1;
static gint ett_k8s = -1;
static gint ett_node = -1;
static gint ett_context = -1;
static gint ett_record = -1;
static gint ett_tlv = -1;
static gint ett_drop = -1;
static int hf_drop = -1;
static expert_field ei_drop = EI_INIT;

static expert_field ei_truncated = EI_INIT;
static expert_field ei_empty = EI_INIT;
static expert_field ei_version = EI_INIT;
static expert_field ei_bad_length = EI_INIT;
static expert_field ei_attribution = EI_INIT;
static expert_field ei_pktap_length = EI_INIT;
static expert_field ei_pktap_pen = EI_INIT;
static expert_field ei_ptcpdump_number = EI_INIT;
static expert_field ei_ptcpdump_labels = EI_INIT;
static expert_field ei_idref_missing = EI_INIT;

static dissector_handle_t ctrcap_handle;
/* 4.4 moved preference storage from gboolean to bool. */
#if WS_AT_LEAST(4, 4)
static bool pref_info_column = false;
#else
static gboolean pref_info_column = FALSE;
#endif
static guint pref_extra_pen = 0;

/*
 * Where a value sits: (tvb, off, len); str is set for values that are not
 * raw bytes. utf8: a string TLV of a kept record as tvb_get_string_enc()
 * makes it (file scope), so that a packet adds the field without converting
 * its bytes again; NULL when not kept or when the conversion is shorter than
 * the bytes (a NUL inside), where only proto_tree_add_item() behaves as before.
 */
struct val {
	tvbuff_t *tvb;
	int off, len;
	uint64_t num;
	const char *str;
	const char *utf8;
	bool set;
};

struct problem {
	expert_field *ei;
	tvbuff_t *tvb;
	int off, len;
	const char *msg;
};

struct unknown_tlv {
	tvbuff_t *tvb;
	struct ctrcap_tlv tlv;
};

/*
 * One record payload parsed: values and problems at offsets in the record,
 * their tvb unset (merge_record() sets it per packet). Kept per file in
 * ctrcap_reccache when there is room (kept), else made per packet.
 */
struct parsed {
	const guint8 *bytes; /* a copy of the record that outlives the packet's tree */
	int version;	     /* -1 when the record is empty */
	bool kept;
	struct val f[F_COUNT];
	wmem_array_t *l[L_COUNT];     /* of struct val */
	wmem_array_t *unknown;	      /* of struct unknown_tlv */
	wmem_array_t *problems;	      /* of struct problem */
	struct texts *texts;	      /* of an identity of this record alone; file scope */
	const char *rec_text;	      /* "Record 1 (N bytes)" when kept; file scope */
};

/*
 * The item and subtree texts of a shown identity: made once per kept record
 * when it is the packet's only one, else per packet. NULL: no such item.
 */
struct texts {
	const char *top; /* before " (from SOURCE)" */
	const char *process, *user, *parent, *container, *k8s, *node, *context;
	/* the top item's whole label per source, made on first use (NULL: not yet) */
	const char *label[SRC_PTCPDUMP + 1];
	wmem_allocator_t *scope; /* where the texts live */
};

struct record {
	tvbuff_t *tvb; /* the record payload: version byte + TLVs */
	struct parsed *parsed;
	tvbuff_t *pen_tvb;
	int pen_off;
	uint32_t pen;
	int version; /* -1 when the record is empty */
};

struct ident {
	packet_info *pinfo;
	enum ctrcap_source source;
	tvbuff_t *top_tvb;
	int top_off, top_len;
	struct val f[F_COUNT];
	wmem_array_t *l[L_COUNT];	/* of struct val */
	wmem_array_t *records;		/* of struct record */
	wmem_array_t *unknown;		/* of struct unknown_tlv */
	wmem_array_t *problems;		/* of struct problem */
	bool visible;			/* the tree is shown: text items, every field */
};

static void ident_init(struct ident *id, packet_info *pinfo, bool visible)
{
	memset(id, 0, sizeof(*id));
	id->pinfo = pinfo;
	id->visible = visible;
}

/* Append to a list made on first use: most packets have no labels or problems. */
static void append(wmem_allocator_t *scope, wmem_array_t **a, const void *elem, gsize size)
{
	if (!*a)
		*a = wmem_array_new(scope, size);
	wmem_array_append(*a, elem, 1);
}

static guint count_of(wmem_array_t *a)
{
	return a ? wmem_array_get_count(a) : 0;
}

static void add_problem(struct ident *id, expert_field *ei, tvbuff_t *tvb, int off, int len,
			const char *msg)
{
	struct problem p = { ei, tvb, off, len, msg };

	append(id->pinfo->pool, &id->problems, &p, sizeof(p));
}

/* ------------------------------------------------------------ the record */

static int fld_of_type(uint16_t type)
{
	switch (type) {
	case CTRCAP_T_PID:
		return F_PID;
	case CTRCAP_T_TID:
		return F_TID;
	case CTRCAP_T_COMM:
		return F_COMM;
	case CTRCAP_T_EXE:
		return F_EXE;
	case CTRCAP_T_ARGS:
		return F_ARGS;
	case CTRCAP_T_UID:
		return F_UID;
	case CTRCAP_T_GID:
		return F_GID;
	case CTRCAP_T_USER:
		return F_USER;
	case CTRCAP_T_START_TIME:
		return F_START;
	case CTRCAP_T_PROC_STATE:
		return F_PSTATE;
	case CTRCAP_T_PARENT_PID:
		return F_PPID;
	case CTRCAP_T_PARENT_EXE:
		return F_PEXE;
	case CTRCAP_T_PARENT_ARGS:
		return F_PARGS;
	case CTRCAP_T_PARENT_COMM:
		return F_PCOMM;
	case CTRCAP_T_CTR_ID:
		return F_CID;
	case CTRCAP_T_CTR_NAME:
		return F_CNAME;
	case CTRCAP_T_CTR_IMAGE:
		return F_CIMAGE;
	case CTRCAP_T_CTR_RUNTIME:
		return F_CRUNTIME;
	case CTRCAP_T_POD_NAME:
		return F_POD_NAME;
	case CTRCAP_T_POD_NAMESPACE:
		return F_POD_NS;
	case CTRCAP_T_POD_UID:
		return F_POD_UID;
	case CTRCAP_T_K8S_CTR_NAME:
		return F_K8S_CNAME;
	case CTRCAP_T_NODE_NAME:
		return F_NODE_NAME;
	case CTRCAP_T_NETNS:
		return F_NETNS;
	case CTRCAP_T_CGROUP_ID:
		return F_CGROUP;
	case CTRCAP_T_ATTRIBUTION:
		return F_ATTR;
	case CTRCAP_T_IDENTITY_KEY:
		return F_IDKEY;
	case CTRCAP_T_IDENTITY_REF:
		return F_IDREF;
	case CTRCAP_T_DROP_REASON_CODE:
		return F_DROP_CODE;
	case CTRCAP_T_DROP_REASON:
		return F_DROP_REASON;
	case CTRCAP_T_DROP_LOCATION:
		return F_DROP_LOC;
	}
	return -1;
}

/* A problem of a parsed record, its tvb set by merge_record(). */
static void parsed_problem(struct parsed *pr, wmem_allocator_t *scope, expert_field *ei, int off,
			   int len, const char *msg)
{
	struct problem p = { ei, NULL, off, len, msg };

	append(scope, &pr->problems, &p, sizeof(p));
}

/* Walk one record payload (buf, len bytes) into pr; what it allocates lives in scope. */
static void parse_record(struct parsed *pr, wmem_allocator_t *scope, const guint8 *buf, guint len)
{
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;
	int r;
	guint n = 0;

	switch (ctrcap_tlv_iter_init(&it, len ? buf : NULL, len)) {
	case CTRCAP_WALK_EMPTY:
		pr->version = -1;
		parsed_problem(pr, scope, &ei_empty, 0, 0, "Empty ctrcap record: no version byte");
		return;
	case CTRCAP_WALK_VERSION:
		pr->version = it.version;
		parsed_problem(pr, scope, &ei_version, 0, 1,
			       wmem_strdup_printf(scope,
						  "Unknown ctrcap record version %u (this reader knows "
						  "%u); %u bytes not decoded",
						  it.version, CTRCAP_RECORD_VERSION, len - 1));
		return;
	default:
		pr->version = it.version;
		break;
	}

	/* Each TLV consumes at least 4 bytes, so this ends within len / 4 passes. */
	while ((r = ctrcap_tlv_next(&it, &t)) == 1 && n++ <= len) {
		enum ctrcap_tlv_kind kind = ctrcap_tlv_kind_of(t.type);
		struct val v = { NULL, (int)t.value_offset, t.len, 0, NULL, NULL, true };
		const uint8_t *p = buf + t.value_offset;
		int f;

		if (kind == CTRCAP_KIND_UNKNOWN) {
			struct unknown_tlv u = { NULL, t };

			append(scope, &pr->unknown, &u, sizeof(u));
			continue;
		}
		if (!ctrcap_tlv_size_ok(&t)) {
			parsed_problem(pr, scope, &ei_bad_length, (int)t.hdr_offset,
				       CTRCAP_TLV_HDR + t.len,
				       wmem_strdup_printf(scope,
							  "ctrcap TLV 0x%04x (%s) has length %u, wrong "
							  "for its type; value ignored",
							  t.type, ctrcap_tlv_type_name(t.type), t.len));
			continue;
		}
		switch (kind) {
		case CTRCAP_KIND_U8:
			v.num = p[0];
			break;
		case CTRCAP_KIND_U32:
			v.num = ctrcap_be32(p);
			break;
		case CTRCAP_KIND_U64:
			v.num = ctrcap_be64(p);
			break;
		default:
			break;
		}
		if (t.type == CTRCAP_T_CTR_LABEL) {
			append(scope, &pr->l[L_CLABEL], &v, sizeof(v));
			continue;
		}
		if (t.type == CTRCAP_T_POD_LABEL) {
			append(scope, &pr->l[L_PLABEL], &v, sizeof(v));
			continue;
		}
		f = fld_of_type(t.type);
		if (f >= 0)
			pr->f[f] = v; /* a later TLV overrides an earlier one */
	}
	if (r < 0) {
		int off = (int)it.err_offset;

		parsed_problem(pr, scope, &ei_truncated, off, (int)len - off,
			       wmem_strdup_printf(scope, "Malformed ctrcap record: %s at offset %d",
						  ctrcap_walk_status_str(it.status), off));
	}
}

/* v's bytes in tvb as proto_tree_add_item() would show them, if that is v->utf8's to keep. */
static void keep_utf8(struct val *v, tvbuff_t *tvb)
{
	const char *s;

	if (!v->set)
		return;
	s = (const char *)tvb_get_string_enc(wmem_file_scope(), tvb, v->off, v->len, ENC_UTF_8);
	/*
	 * proto_tree_add_item() looks for characters after a NUL in the first
	 * len bytes of the string it made; a string as long as the bytes has none.
	 */
	if (strlen(s) >= (size_t)v->len)
		v->utf8 = s;
}

/* The strings of a kept parse (bytes: its file-scope copy), converted once for every packet. */
static void keep_strings(struct parsed *pr, guint len)
{
	tvbuff_t *tvb;
	guint i, j;

	if (!len)
		return;
	tvb = tvb_new_real_data(pr->bytes, len, (gint)len);
	for (i = 0; i < F_COUNT; i++) {
		if (proto_registrar_get_ftype(hf_f[i]) == FT_STRING)
			keep_utf8(&pr->f[i], tvb);
	}
	for (i = 0; i < L_COUNT; i++) {
		for (j = 0; j < count_of(pr->l[i]); j++)
			keep_utf8((struct val *)wmem_array_index(pr->l[i], j), tvb);
	}
	tvb_free(tvb);
}

/*
 * What a record (buf, len bytes) parses to: the file's kept parse of the
 * same bytes, else a new one, kept when the cache has room. Only the bytes
 * decide the parse (not the PEN, source or preferences), so they are the key.
 */
static struct parsed *parse_cached(packet_info *pinfo, const guint8 *buf, guint len)
{
	struct parsed *pr = (struct parsed *)ctrcap_reccache_get(buf, len);
	wmem_allocator_t *scope;

	if (pr)
		return pr;
	scope = ctrcap_reccache_has_room() ? wmem_file_scope() : pinfo->pool;
	pr = wmem_new0(scope, struct parsed);
	parse_record(pr, scope, buf, len);
	if (scope == pinfo->pool) {
		pr->bytes = len ? (const guint8 *)wmem_memdup(scope, buf, len) : NULL;
		return pr;
	}
	pr->kept = true;
	pr->bytes = ctrcap_reccache_put(buf, len, pr);
	keep_strings(pr, len);
	pr->rec_text = wmem_strdup_printf(scope, "Record 1 (%u bytes)", len);
	return pr;
}

/* A list's values, their tvb set, appended to the identity's list. */
static void merge_vals(struct ident *id, wmem_array_t **to, wmem_array_t *from, tvbuff_t *tvb)
{
	guint i, n = count_of(from);

	for (i = 0; i < n; i++) {
		struct val v = *(const struct val *)wmem_array_index(from, i);

		v.tvb = tvb;
		append(id->pinfo->pool, to, &v, sizeof(v));
	}
}

/* Add a parsed record, held by tvb (offset 0, whole tvb), to id: it is id's newest record. */
static void merge_record(struct ident *id, struct parsed *pr, tvbuff_t *tvb)
{
	struct record *rec;
	guint i, n;

	rec = (struct record *)wmem_array_index(id->records, count_of(id->records) - 1);
	rec->version = pr->version;
	rec->parsed = pr;
	for (i = 0; i < F_COUNT; i++) {
		if (!pr->f[i].set)
			continue;
		id->f[i] = pr->f[i]; /* a later option overrides an earlier one */
		id->f[i].tvb = tvb;
	}
	for (i = 0; i < L_COUNT; i++)
		merge_vals(id, &id->l[i], pr->l[i], tvb);
	n = count_of(pr->unknown);
	for (i = 0; i < n; i++) {
		struct unknown_tlv u = *(const struct unknown_tlv *)wmem_array_index(pr->unknown, i);

		u.tvb = tvb;
		append(id->pinfo->pool, &id->unknown, &u, sizeof(u));
	}
	n = count_of(pr->problems);
	for (i = 0; i < n; i++) {
		const struct problem *p = (const struct problem *)wmem_array_index(pr->problems, i);

		add_problem(id, p->ei, tvb, p->off, p->len, p->msg);
	}
}

static bool pen_accepted(uint32_t pen)
{
	return pen == CTRCAP_PEN || (pref_extra_pen != 0 && pen == pref_extra_pen);
}

struct opt_walk {
	struct ident *id;
	/* --compact-identity: the resolved record shown for the frame's first ctrcap option */
	const struct ctrcap_idref *idref;
	bool visible;
	tvbuff_t *frame_tvb;
	guint n_options;
	guint n_comments;
	const char *comments[64];
};

static void take_custom_option(struct opt_walk *w, uint32_t pen, const void *data, gsize len)
{
	struct ident *id = w->id;
	struct record rec = { 0 };
	struct parsed *pr;
	tvbuff_t *tvb;

	if (!pen_accepted(pen) || len > CTRCAP_RECORD_MAX)
		return;
	/* A reference resolved on the first pass: its definition's TLVs and the frame's own. */
	if (w->idref && w->idref->is_ref && !w->idref->dangling && w->n_options == 0) {
		data = w->idref->rec;
		len = w->idref->len;
	}
	/* The option's memory belongs to the record being read; the tree may outlive it. */
	pr = parse_cached(id->pinfo, (const guint8 *)data, (guint)len);
	tvb = tvb_new_child_real_data(w->frame_tvb, pr->bytes, (guint)len, (gint)len);
	if (w->visible)
		add_new_data_source(id->pinfo, tvb,
				    data == (const void *)(w->idref ? w->idref->rec : NULL) ?
					    "ctrcap record (identity resolved)" :
					    "ctrcap record");
	rec.tvb = tvb;
	rec.pen = pen;
	rec.pen_tvb = NULL;
	append(id->pinfo->pool, &id->records, &rec, sizeof(rec));
	if (w->n_options++ == 0) {
		id->top_tvb = tvb;
		id->top_off = 0;
		id->top_len = (int)len;
	}
	merge_record(id, pr, tvb);
	if (w->idref && w->idref->dangling && w->n_options == 1)
		add_problem(id, &ei_idref_missing, tvb, 0, (int)len,
			    wmem_strdup_printf(id->pinfo->pool,
					       "Identity reference %u on interface %u names no "
					       "identity defined earlier in this file (the packet "
					       "defining it was cut out of a --compact-identity "
					       "capture?): shown without identity",
					       w->idref->key, w->idref->if_id));
}

/* What a wtap_block_foreach_option callback returns (4.4 made it bool). */
#if WS_AT_LEAST(4, 4)
typedef bool opt_cb_ret;
#else
typedef gboolean opt_cb_ret;
#endif

/* A custom option's PEN and bytes (4.6 renamed the struct). */
static void custom_data(wtap_optval_t *val, guint32 *pen, const guint8 **data, gsize *len)
{
#if WS_AT_LEAST(4, 6)
	*pen = val->custom_binaryval.pen;
	*data = (const guint8 *)val->custom_binaryval.data.custom_data;
	*len = val->custom_binaryval.data.custom_data_len;
#else
	*pen = val->custom_opt.pen;
	*data = (const guint8 *)val->custom_opt.data.generic_data.custom_data;
	*len = val->custom_opt.data.generic_data.custom_data_len;
#endif
}

/* A drop TLV's string as display text: printable ASCII kept, anything else '?'. */
static const char *drop_text(packet_info *pinfo, const guint8 *p, guint16 len)
{
	char *s = (char *)wmem_alloc(pinfo->pool, (gsize)len + 1);

	for (guint16 i = 0; i < len; i++)
		s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s[len] = '\0';
	return s;
}

struct drop_walk {
	packet_info *pinfo;
	struct ctrcap_journey_drop d;
};

/* Collect a drop's reason and location from our records (first pass, undirected frames). */
static opt_cb_ret drop_cb(wtap_block_t block _U_, guint option_id, wtap_opttype_e type _U_,
			  wtap_optval_t *val, void *user)
{
	struct drop_walk *dw = (struct drop_walk *)user;
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;
	const guint8 *data;
	guint32 pen;
	gsize len;

	if (option_id != OPT_CUSTOM_BIN_COPY)
		return TRUE;
	custom_data(val, &pen, &data, &len);
	if (!pen_accepted(pen) || len > CTRCAP_RECORD_MAX ||
	    ctrcap_tlv_iter_init(&it, data, len) != CTRCAP_WALK_OK)
		return TRUE;
	while (ctrcap_tlv_next(&it, &t) == 1) {
		if (t.type == CTRCAP_T_DROP_REASON)
			dw->d.reason = drop_text(dw->pinfo, data + t.value_offset, t.len);
		else if (t.type == CTRCAP_T_DROP_LOCATION)
			dw->d.where = drop_text(dw->pinfo, data + t.value_offset, t.len);
	}
	return TRUE;
}

/*
 * On the first pass, whether the frame is a kernel drop, for its journey:
 * only frames without a direction (as ctrcap writes drops) are looked into.
 */
static const struct ctrcap_journey_drop *find_drop(packet_info *pinfo, wtap_block_t block,
						   struct drop_walk *dw)
{
	guint64 id;
	guint32 flags;

	if (PINFO_FD_VISITED(pinfo) || !block ||
	    wtap_block_get_uint64_option_value(block, OPT_PKT_PACKETID, &id) !=
		    WTAP_OPTTYPE_SUCCESS ||
	    (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &flags) ==
		     WTAP_OPTTYPE_SUCCESS &&
	     (flags & 3)))
		return NULL;
	memset(dw, 0, sizeof(*dw));
	dw->pinfo = pinfo;
	wtap_block_foreach_option(block, drop_cb, dw);
	return dw->d.where ? &dw->d : NULL;
}

struct first_rec {
	const guint8 *data;
	gsize len;
};

/* The frame's first ctrcap option, for ctrcap_idref_frame(); stops the walk there. */
static opt_cb_ret first_rec_cb(wtap_block_t block _U_, guint option_id, wtap_opttype_e type _U_,
			       wtap_optval_t *val, void *user)
{
	struct first_rec *f = (struct first_rec *)user;
	guint32 pen;

	if (option_id != OPT_CUSTOM_BIN_COPY)
		return TRUE;
	custom_data(val, &pen, &f->data, &f->len);
	if (pen_accepted(pen))
		return FALSE;
	f->data = NULL;
	return TRUE;
}

/*
 * The frame's --compact-identity resolution: made on the first pass from
 * its first ctrcap option (a key is noted even when nothing is shown, a
 * later click needs it), looked up later.
 */
static const struct ctrcap_idref *frame_idref(packet_info *pinfo, wtap_block_t block)
{
	struct first_rec f = { NULL, 0 };

	if (!PINFO_FD_VISITED(pinfo) && block)
		wtap_block_foreach_option(block, first_rec_cb, &f);
	return ctrcap_idref_frame(pinfo, f.data, f.len);
}

static opt_cb_ret option_cb(wtap_block_t block _U_, guint option_id, wtap_opttype_e type _U_,
			    wtap_optval_t *val, void *user)
{
	struct opt_walk *w = (struct opt_walk *)user;

	if (option_id == OPT_CUSTOM_BIN_COPY) {
		guint32 pen;
		const guint8 *data;
		gsize len;

		custom_data(val, &pen, &data, &len);
		take_custom_option(w, pen, data, len);
	} else if (option_id == OPT_COMMENT && val->stringval &&
		   w->n_comments < G_N_ELEMENTS(w->comments)) {
		w->comments[w->n_comments++] = val->stringval;
	}
	return TRUE;
}

/* ------------------------------------------------------------ PKTAP */

static void collect_pktap(struct ident *id, tvbuff_t *tvb)
{
	guint caplen = tvb_captured_length(tvb), len;
	guint32 hdrlen, pen;
	struct record rec = { 0 };

	if (caplen < 4)
		return;
	hdrlen = tvb_get_letohl(tvb, 0);
	if (hdrlen <= PKTAP_STD_HDR_LEN)
		return;

	id->source = SRC_PKTAP;
	id->top_tvb = tvb;
	id->top_off = PKTAP_STD_HDR_LEN;
	if (hdrlen > caplen || hdrlen - PKTAP_STD_HDR_LEN < 4) {
		id->top_len = (int)(MIN(hdrlen, caplen) - PKTAP_STD_HDR_LEN);
		add_problem(id, &ei_pktap_length, tvb, 0, 4,
			    wmem_strdup_printf(id->pinfo->pool,
					       "PKTAP header length %u: %s", hdrlen,
					       hdrlen > caplen
						       ? "longer than the captured packet"
						       : "extension too short for a PEN"));
		return;
	}
	id->top_len = (int)(hdrlen - PKTAP_STD_HDR_LEN);
	pen = tvb_get_ntohl(tvb, PKTAP_STD_HDR_LEN);
	if (!pen_accepted(pen)) {
		add_problem(id, &ei_pktap_pen, tvb, PKTAP_STD_HDR_LEN, 4,
			    wmem_strdup_printf(id->pinfo->pool,
					       "PKTAP header extension with PEN %u, not ctrcap's; "
					       "not decoded",
					       pen));
		return;
	}
	rec.tvb = tvb_new_subset_length(tvb, PKTAP_STD_HDR_LEN + 4,
					(gint)(hdrlen - PKTAP_STD_HDR_LEN - 4));
	rec.pen = pen;
	rec.pen_tvb = tvb;
	rec.pen_off = PKTAP_STD_HDR_LEN;
	append(id->pinfo->pool, &id->records, &rec, sizeof(rec));
	/* hdrlen <= caplen: the whole record is captured. */
	len = tvb_captured_length(rec.tvb);
	merge_record(id, parse_cached(id->pinfo, len ? tvb_get_ptr(rec.tvb, 0, (gint)len) : NULL, len),
		     rec.tvb);
}

/* ------------------------------------------------------------ ptcpdump */

static void set_text(struct ident *id, int f, tvbuff_t *tvb, const struct ptcpdump_line *l)
{
	struct val v = { tvb, (int)l->value_off, (int)l->value_len, 0, NULL, NULL, true };

	id->f[f] = v;
}

/* process.comm as ptcpdump names the process (ptcpdump_comm): it writes no comm. */
static void set_comm_from_cmd(struct ident *id, tvbuff_t *tvb, const char *s)
{
	const struct val *exe = &id->f[F_EXE], *args = &id->f[F_ARGS];
	struct val v = { tvb, 0, 0, 0, NULL, NULL, true };
	const char *p;
	size_t n;

	if (!exe->set || exe->tvb != tvb || id->f[F_COMM].set)
		return;
	p = ptcpdump_comm(s + exe->off, (size_t)exe->len,
			  args->set && args->tvb == tvb ? s + args->off : NULL,
			  args->set && args->tvb == tvb ? (size_t)args->len : 0, &n);
	if (!p)
		return;
	v.off = (int)(p - s);
	v.len = (int)n;
	id->f[F_COMM] = v;
}

static void set_number(struct ident *id, int f, tvbuff_t *tvb, const char *s,
		       const struct ptcpdump_line *l)
{
	struct val v = { tvb, (int)l->value_off, (int)l->value_len, 0, NULL, NULL, true };
	uint32_t n;

	if (!ptcpdump_parse_u32(s + l->value_off, l->value_len, &n)) {
		add_problem(id, &ei_ptcpdump_number, tvb, v.off, v.len,
			    "ptcpdump comment: value is not an unsigned 32-bit number");
		return;
	}
	v.num = n;
	id->f[f] = v;
}

static void add_json_labels(struct ident *id, enum lst which, tvbuff_t *tvb, const char *s,
			    const struct ptcpdump_line *l)
{
	struct ptcpdump_json_iter it;
	char buf[1024];
	int r;
	guint n = 0;

	ptcpdump_json_init(&it, s + l->value_off, l->value_len);
	/* A member takes at least 6 bytes ("k":"v",); the count bound is a backstop. */
	while ((r = ptcpdump_json_next(&it, buf, sizeof(buf))) == 1 && n++ <= l->value_len) {
		struct val v = { tvb, (int)l->value_off, (int)l->value_len, 0, NULL, NULL, true };

		v.str = wmem_strdup(id->pinfo->pool, buf);
		append(id->pinfo->pool, &id->l[which], &v, sizeof(v));
	}
	if (r < 0) {
		add_problem(id, &ei_ptcpdump_labels, tvb, (int)l->value_off, (int)l->value_len,
			    "ptcpdump comment: labels are not a JSON object of strings");
	}
}

static void collect_comment(struct ident *id, tvbuff_t *frame_tvb, const char *comment,
			    bool visible)
{
	size_t len = strlen(comment);
	struct ptcpdump_iter it;
	struct ptcpdump_line l;
	tvbuff_t *tvb;
	const char *s;
	guint n = 0;

	if (len > G_MAXINT || !ptcpdump_is_identity(comment, len))
		return;
	s = (const char *)wmem_memdup(id->pinfo->pool, comment, len);
	tvb = tvb_new_child_real_data(frame_tvb, (const guint8 *)s, (guint)len, (gint)len);
	if (visible)
		add_new_data_source(id->pinfo, tvb, "ptcpdump comment");
	if (!id->top_tvb) {
		id->top_tvb = tvb;
		id->top_off = 0;
		id->top_len = (int)len;
	}
	id->source = SRC_PTCPDUMP;

	ptcpdump_iter_init(&it, s, len);
	/* Each line consumes at least one byte. */
	while (ptcpdump_next(&it, &l) == 1 && n++ <= len) {
		switch (l.key) {
		case PTCPDUMP_K_PID:
			set_number(id, F_PID, tvb, s, &l);
			break;
		case PTCPDUMP_K_TID:
			set_number(id, F_TID, tvb, s, &l);
			break;
		case PTCPDUMP_K_USER_ID:
			set_number(id, F_UID, tvb, s, &l);
			break;
		case PTCPDUMP_K_PARENT_PID:
			set_number(id, F_PPID, tvb, s, &l);
			break;
		case PTCPDUMP_K_THREAD_NAME:
			set_text(id, F_THREAD_NAME, tvb, &l);
			break;
		case PTCPDUMP_K_CMD:
			set_text(id, F_EXE, tvb, &l);
			break;
		case PTCPDUMP_K_ARGS:
			set_text(id, F_ARGS, tvb, &l);
			break;
		case PTCPDUMP_K_PARENT_CMD:
			set_text(id, F_PEXE, tvb, &l);
			break;
		case PTCPDUMP_K_PARENT_ARGS:
			set_text(id, F_PARGS, tvb, &l);
			break;
		case PTCPDUMP_K_CTR_NAME:
			set_text(id, F_CNAME, tvb, &l);
			break;
		case PTCPDUMP_K_CTR_ID:
			set_text(id, F_CID, tvb, &l);
			break;
		case PTCPDUMP_K_CTR_IMAGE:
			set_text(id, F_CIMAGE, tvb, &l);
			break;
		case PTCPDUMP_K_POD_NAME:
			set_text(id, F_POD_NAME, tvb, &l);
			break;
		case PTCPDUMP_K_POD_NAMESPACE:
			set_text(id, F_POD_NS, tvb, &l);
			break;
		case PTCPDUMP_K_POD_UID:
			set_text(id, F_POD_UID, tvb, &l);
			break;
		case PTCPDUMP_K_CTR_LABELS:
			add_json_labels(id, L_CLABEL, tvb, s, &l);
			break;
		case PTCPDUMP_K_POD_LABELS:
			add_json_labels(id, L_PLABEL, tvb, s, &l);
			break;
		case PTCPDUMP_K_POD_ANNOTATIONS:
			add_json_labels(id, L_PANNOT, tvb, s, &l);
			break;
		case PTCPDUMP_K_NONE:
			break;
		}
	}
	set_comm_from_cmd(id, tvb, s);
}

/* ------------------------------------------------------------ the tree */

/* A value as display text: control characters replaced, valid UTF-8. */
static const char *val_str(struct ident *id, const struct val *v)
{
	char *s;
	size_t i;

	if (!v->set)
		return "";
	if (v->str)
		s = wmem_strdup(id->pinfo->pool, v->str);
	else
		s = (char *)tvb_get_string_enc(id->pinfo->pool, v->tvb, v->off, v->len, ENC_UTF_8);
	for (i = 0; s[i]; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
	return s;
}

static void add_field(struct ident *id, proto_tree *tree, int f)
{
	struct val *v = &id->f[f];
	int hf = hf_f[f];
	header_field_info *hfi;
	proto_item *pi;
	nstime_t ts;

	if (!v->set)
		return;
	/* In a tree not shown only what is asked for (a filter, -e, a column) is added. */
	if (!proto_field_is_referenced(tree, hf) && !(f == F_ATTR && v->num > CTRCAP_ATTR_MAX))
		return;
	hfi = proto_registrar_get_nth(hf);
	switch (hfi->type) {
	case FT_STRING:
		if (v->utf8)
			proto_tree_add_string(tree, hf, v->tvb, v->off, v->len, v->utf8);
		else
			proto_tree_add_item(tree, hf, v->tvb, v->off, v->len, ENC_UTF_8);
		break;
	case FT_ABSOLUTE_TIME:
		ts.secs = (time_t)(v->num / 1000000000u);
		ts.nsecs = (int)(v->num % 1000000000u);
		proto_tree_add_time(tree, hf, v->tvb, v->off, v->len, &ts);
		break;
	case FT_UINT64:
		proto_tree_add_uint64(tree, hf, v->tvb, v->off, v->len, v->num);
		break;
	default:
		pi = proto_tree_add_uint(tree, hf, v->tvb, v->off, v->len, (guint32)v->num);
		if (f == F_ATTR && v->num > CTRCAP_ATTR_MAX)
			expert_add_info_format(id->pinfo, pi, &ei_attribution,
					       "Attribution method %u is unknown to this reader",
					       (unsigned)v->num);
		break;
	}
}

static void add_list(struct ident *id, proto_tree *tree, enum lst which)
{
	guint i, n = count_of(id->l[which]);

	if (!proto_field_is_referenced(tree, hf_l[which]))
		return;
	for (i = 0; i < n; i++) {
		struct val *v = (struct val *)wmem_array_index(id->l[which], i);

		if (v->str || v->utf8)
			proto_tree_add_string(tree, hf_l[which], v->tvb, v->off, v->len,
					      v->str ? v->str : v->utf8);
		else
			proto_tree_add_item(tree, hf_l[which], v->tvb, v->off, v->len, ENC_UTF_8);
	}
}

static bool any_set(const struct ident *id, int first, int last)
{
	int i;

	for (i = first; i <= last; i++) {
		if (id->f[i].set)
			return true;
	}
	return false;
}

/*
 * A group's subtree, anchored at its first set field, labelled text (one
 * label made per item: an empty label set again costs a second printf).
 * In a tree not shown a text item holds nothing to filter on, and its
 * fields go into tree itself; unless the caller wants the item, to hang
 * expert info on (which only an item makes filterable).
 */
static proto_tree *group(struct ident *id, proto_tree *tree, gint ett, int first, int last,
			 proto_item **item, const char *text)
{
	int i;

	if (!id->visible && !item)
		return tree;
	for (i = first; i <= last; i++) {
		if (id->f[i].set)
			return proto_tree_add_subtree(tree, id->f[i].tvb, id->f[i].off, id->f[i].len,
						      ett, item, text);
	}
	return proto_tree_add_subtree(tree, id->top_tvb, id->top_off, 0, ett, item, text);
}

static void append_part(wmem_strbuf_t *sb, const char *name, const char *value)
{
	if (wmem_strbuf_get_len(sb) > 0)
		wmem_strbuf_append(sb, ", ");
	wmem_strbuf_append_printf(sb, "%s %s", name, value);
}

static const char *labels_str(struct ident *id, enum lst which)
{
	wmem_strbuf_t *sb = wmem_strbuf_new(id->pinfo->pool, "{");
	guint i, n = count_of(id->l[which]);

	for (i = 0; i < n; i++)
		wmem_strbuf_append_printf(sb, "%s%s", i ? ", " : "",
					  val_str(id, (struct val *)wmem_array_index(id->l[which], i)));
	wmem_strbuf_append_c(sb, '}');
	return wmem_strbuf_get_str(sb);
}

/* "NAME (TEXT)" in the pool: a subtree's text from its parts. */
static const char *titled(struct ident *id, const char *name, wmem_strbuf_t *sb)
{
	return wmem_strdup_printf(id->pinfo->pool, "%s (%s)", name, wmem_strbuf_get_str(sb));
}

/* The Process subtree's text; NULL when there is no such subtree. */
static const char *process_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_PID, F_PSTATE)) {
		/* A user or parent is never shown alone: name the missing process. */
		if (any_set(id, F_UID, F_USER) || any_set(id, F_PPID, F_PARGS))
			return "Process (pid unknown (the identity record names no process))";
		return NULL;
	}
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_PID].set)
		wmem_strbuf_append_printf(sb, "pid %" PRIu64, id->f[F_PID].num);
	if (id->f[F_TID].set && (!id->f[F_PID].set || id->f[F_TID].num != id->f[F_PID].num))
		append_part(sb, "tid", wmem_strdup_printf(id->pinfo->pool, "%" PRIu64,
							  id->f[F_TID].num));
	if (id->f[F_EXE].set)
		append_part(sb, "cmd", val_str(id, &id->f[F_EXE]));
	else if (id->f[F_COMM].set)
		append_part(sb, "cmd", val_str(id, &id->f[F_COMM]));
	if (id->f[F_ARGS].set)
		append_part(sb, "args", val_str(id, &id->f[F_ARGS]));
	if (id->f[F_PSTATE].set)
		append_part(sb, "state", val_to_str_const((guint32)id->f[F_PSTATE].num,
							  proc_state_vals, "unknown"));
	return titled(id, "Process", sb);
}

/* The User subtree's text; NULL when there is no such subtree. */
static const char *user_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_UID, F_USER))
		return NULL;
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_UID].set)
		wmem_strbuf_append_printf(sb, "uid %" PRIu64, id->f[F_UID].num);
	if (id->f[F_GID].set) {
		if (wmem_strbuf_get_len(sb))
			wmem_strbuf_append(sb, ", ");
		wmem_strbuf_append_printf(sb, "gid %" PRIu64, id->f[F_GID].num);
	}
	if (id->f[F_USER].set)
		append_part(sb, "name", val_str(id, &id->f[F_USER]));
	return titled(id, "User", sb);
}

/* The ParentProc subtree's text; NULL when there is no such subtree. */
static const char *parent_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_PPID, F_PARGS))
		return NULL;
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_PPID].set)
		wmem_strbuf_append_printf(sb, "pid %" PRIu64, id->f[F_PPID].num);
	if (id->f[F_PEXE].set)
		append_part(sb, "cmd", val_str(id, &id->f[F_PEXE]));
	else if (id->f[F_PCOMM].set)
		append_part(sb, "cmd", val_str(id, &id->f[F_PCOMM]));
	if (id->f[F_PARGS].set)
		append_part(sb, "args", val_str(id, &id->f[F_PARGS]));
	return titled(id, "ParentProc", sb);
}

/* The Container subtree's text; NULL when there is no such subtree. */
static const char *container_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_CNAME, F_CRUNTIME) && count_of(id->l[L_CLABEL]) == 0)
		return NULL;
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_CNAME].set)
		append_part(sb, "name", val_str(id, &id->f[F_CNAME]));
	if (id->f[F_CID].set)
		append_part(sb, "id", val_str(id, &id->f[F_CID]));
	if (id->f[F_CIMAGE].set)
		append_part(sb, "image", val_str(id, &id->f[F_CIMAGE]));
	if (id->f[F_CRUNTIME].set)
		append_part(sb, "runtime", val_str(id, &id->f[F_CRUNTIME]));
	if (count_of(id->l[L_CLABEL]))
		append_part(sb, "labels", labels_str(id, L_CLABEL));
	return titled(id, "Container", sb);
}

/* The Kubernetes subtree's text; NULL when there is no such subtree. */
static const char *k8s_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_POD_NAME, F_K8S_CNAME) && count_of(id->l[L_PLABEL]) == 0 &&
	    count_of(id->l[L_PANNOT]) == 0)
		return NULL;
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_POD_NAME].set)
		append_part(sb, "pod", val_str(id, &id->f[F_POD_NAME]));
	if (id->f[F_POD_NS].set)
		append_part(sb, "namespace", val_str(id, &id->f[F_POD_NS]));
	if (id->f[F_K8S_CNAME].set)
		append_part(sb, "container", val_str(id, &id->f[F_K8S_CNAME]));
	if (id->f[F_POD_UID].set)
		append_part(sb, "uid", val_str(id, &id->f[F_POD_UID]));
	if (count_of(id->l[L_PLABEL]))
		append_part(sb, "labels", labels_str(id, L_PLABEL));
	return titled(id, "Kubernetes", sb);
}

/* The Node subtree's text; NULL when there is no such subtree. */
static const char *node_text(struct ident *id)
{
	if (!id->f[F_NODE_NAME].set)
		return NULL;
	return wmem_strdup_printf(id->pinfo->pool, "Node (name %s)",
				  val_str(id, &id->f[F_NODE_NAME]));
}

/* The Context subtree's text; NULL when there is no such subtree. */
static const char *context_text(struct ident *id)
{
	wmem_strbuf_t *sb;

	if (!any_set(id, F_NETNS, F_IDREF))
		return NULL;
	sb = wmem_strbuf_new(id->pinfo->pool, "");
	if (id->f[F_NETNS].set)
		append_part(sb, "netns", wmem_strdup_printf(id->pinfo->pool, "%" PRIu64,
							    id->f[F_NETNS].num));
	if (id->f[F_CGROUP].set)
		append_part(sb, "cgroup", wmem_strdup_printf(id->pinfo->pool, "%" PRIu64,
							     id->f[F_CGROUP].num));
	if (id->f[F_ATTR].set)
		append_part(sb, "attribution",
			    val_to_str_const((guint32)id->f[F_ATTR].num, attribution_vals,
					     "unknown"));
	return titled(id, "Context", sb);
}

/* The top item's summary (before " (from SOURCE)"). */
static const char *top_text(struct ident *id)
{
	wmem_strbuf_t *sb = wmem_strbuf_new(id->pinfo->pool, "");

	if (id->f[F_CNAME].set)
		append_part(sb, "Container", val_str(id, &id->f[F_CNAME]));
	if (id->f[F_POD_NAME].set)
		append_part(sb, "Pod", val_str(id, &id->f[F_POD_NAME]));
	if (id->f[F_NODE_NAME].set)
		append_part(sb, "Node", val_str(id, &id->f[F_NODE_NAME]));
	if (id->f[F_PID].set)
		append_part(sb, "PID", wmem_strdup_printf(id->pinfo->pool, "%" PRIu64,
							  id->f[F_PID].num));
	if (id->f[F_EXE].set)
		append_part(sb, "Cmd", val_str(id, &id->f[F_EXE]));
	else if (id->f[F_COMM].set)
		append_part(sb, "Cmd", val_str(id, &id->f[F_COMM]));
	if (wmem_strbuf_get_len(sb) == 0)
		wmem_strbuf_append(sb, "no identity");
	return wmem_strbuf_get_str(sb);
}

/* s, copied into scope unless that is the packet's pool it was made in. */
static const char *in_scope(struct ident *id, wmem_allocator_t *scope, const char *s)
{
	return s && scope != id->pinfo->pool ? wmem_strdup(scope, s) : s;
}

/* All of id's texts, allocated in scope. */
static void make_texts(struct ident *id, wmem_allocator_t *scope, struct texts *t)
{
	memset(t->label, 0, sizeof(t->label));
	t->scope = scope;
	t->top = in_scope(id, scope, top_text(id));
	t->process = in_scope(id, scope, process_text(id));
	t->user = in_scope(id, scope, user_text(id));
	t->parent = in_scope(id, scope, parent_text(id));
	t->container = in_scope(id, scope, container_text(id));
	t->k8s = in_scope(id, scope, k8s_text(id));
	t->node = in_scope(id, scope, node_text(id));
	t->context = in_scope(id, scope, context_text(id));
}

/*
 * id's texts: those kept with its record when that is its only one (the
 * texts depend on nothing else), else made for this packet into fresh.
 */
static struct texts *texts_of(struct ident *id, struct texts *fresh)
{
	struct parsed *pr = NULL;
	struct texts *t;

	if (count_of(id->records) == 1)
		pr = ((struct record *)wmem_array_index(id->records, 0))->parsed;
	if (!pr || !pr->kept) {
		make_texts(id, id->pinfo->pool, fresh);
		return fresh;
	}
	if (!pr->texts) {
		t = wmem_new(wmem_file_scope(), struct texts);
		make_texts(id, wmem_file_scope(), t);
		pr->texts = t;
	}
	return pr->texts;
}

/* tx (the packet's texts) is NULL when the tree is not shown: no texts are set then. */
static void build_process(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_PID, F_PSTATE)) {
		if (tx && tx->process)
			group(id, tree, ett_process, F_PID, F_PSTATE, NULL, tx->process);
		return;
	}
	t = group(id, tree, ett_process, F_PID, F_PSTATE, NULL, tx ? tx->process : "");
	for (int f = F_PID; f <= F_PSTATE; f++)
		add_field(id, t, f);
}

/* The User subtree (uid, gid, name) when the record names any of them. */
static void build_user(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_UID, F_USER))
		return;
	t = group(id, tree, ett_user, F_UID, F_USER, NULL, tx ? tx->user : "");
	for (int f = F_UID; f <= F_USER; f++)
		add_field(id, t, f);
}

/* The ParentProc subtree when the record names a parent. */
static void build_parent(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_PPID, F_PARGS))
		return;
	t = group(id, tree, ett_parent, F_PPID, F_PARGS, NULL, tx ? tx->parent : "");
	for (int f = F_PPID; f <= F_PARGS; f++)
		add_field(id, t, f);
}

/* The Container subtree and its labels. */
static void build_container(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_CNAME, F_CRUNTIME) && count_of(id->l[L_CLABEL]) == 0)
		return;
	t = group(id, tree, ett_container, F_CNAME, F_CRUNTIME, NULL, tx ? tx->container : "");
	for (int f = F_CNAME; f <= F_CRUNTIME; f++)
		add_field(id, t, f);
	add_list(id, t, L_CLABEL);
}

/* The Kubernetes subtree, its pod labels and annotations. */
static void build_k8s(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_POD_NAME, F_K8S_CNAME) && count_of(id->l[L_PLABEL]) == 0 &&
	    count_of(id->l[L_PANNOT]) == 0)
		return;
	t = group(id, tree, ett_k8s, F_POD_NAME, F_K8S_CNAME, NULL, tx ? tx->k8s : "");
	for (int f = F_POD_NAME; f <= F_K8S_CNAME; f++)
		add_field(id, t, f);
	add_list(id, t, L_PLABEL);
	add_list(id, t, L_PANNOT);
}

/* The Node subtree when the record names the capturing node. */
static void build_node(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!id->f[F_NODE_NAME].set)
		return;
	t = group(id, tree, ett_node, F_NODE_NAME, F_NODE_NAME, NULL, tx ? tx->node : "");
	add_field(id, t, F_NODE_NAME);
}

/* The Context subtree: netns, cgroup, attribution, compact-identity key or reference. */
static void build_context(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	proto_tree *t;

	if (!any_set(id, F_NETNS, F_IDREF))
		return;
	t = group(id, tree, ett_context, F_NETNS, F_IDREF, NULL, tx ? tx->context : "");
	for (int f = F_NETNS; f <= F_IDREF; f++)
		add_field(id, t, f);
}

/*
 * A packet the kernel dropped (ctrcap --drops): ctrcap.drop, its reason and
 * location, and an expert warning naming them.
 */
static void build_drop(struct ident *id, proto_tree *tree, const struct texts *tx)
{
	const char *reason, *where;
	proto_item *it;
	proto_tree *t;

	if (!any_set(id, F_DROP_CODE, F_DROP_LOC))
		return;
	if (id->f[F_DROP_REASON].set)
		reason = val_str(id, &id->f[F_DROP_REASON]);
	else if (id->f[F_DROP_CODE].set)
		reason = wmem_strdup_printf(id->pinfo->pool, "reason %" PRIu64,
					    id->f[F_DROP_CODE].num);
	else
		reason = "no reason given";
	where = id->f[F_DROP_LOC].set ? val_str(id, &id->f[F_DROP_LOC]) : "an unknown location";
	t = group(id, tree, ett_drop, F_DROP_CODE, F_DROP_LOC, &it,
		  tx ? wmem_strdup_printf(id->pinfo->pool, "Kernel drop (%s at %s)", reason, where) :
		       "");
	if (proto_field_is_referenced(t, hf_drop))
		proto_item_set_generated(
		    proto_tree_add_item(t, hf_drop, id->top_tvb, id->top_off, 0, ENC_NA));
	for (int f = F_DROP_CODE; f <= F_DROP_LOC; f++)
		add_field(id, t, f);
	expert_add_info_format(id->pinfo, it, &ei_drop, "Dropped by the kernel: %s at %s", reason,
			       where);
}

/* One subtree per record: its PEN, version and length. */
static void build_records(struct ident *id, proto_tree *tree)
{
	guint i, n = count_of(id->records);

	for (i = 0; i < n; i++) {
		struct record *r = (struct record *)wmem_array_index(id->records, i);
		guint len = tvb_reported_length(r->tvb);
		proto_tree *t = tree;
		proto_item *pi;

		if (id->visible && i == 0 && r->parsed && r->parsed->rec_text)
			t = proto_tree_add_subtree(tree, r->tvb, 0, (gint)len, ett_record, NULL,
						   r->parsed->rec_text);
		else if (id->visible)
			t = proto_tree_add_subtree_format(tree, r->tvb, 0, (gint)len, ett_record,
							  NULL, "Record %u (%u bytes)", i + 1,
							  len);
		if (proto_field_is_referenced(t, hf_pen)) {
			if (r->pen_tvb)
				pi = proto_tree_add_uint(t, hf_pen, r->pen_tvb, r->pen_off, 4,
							 r->pen);
			else
				pi = proto_tree_add_uint(t, hf_pen, r->tvb, 0, 0, r->pen);
			proto_item_set_generated(pi);
		}
		if (r->version >= 0 && proto_field_is_referenced(t, hf_version))
			proto_tree_add_item(t, hf_version, r->tvb, 0, 1, ENC_NA);
		if (proto_field_is_referenced(t, hf_rec_len)) {
			pi = proto_tree_add_uint(t, hf_rec_len, r->tvb, 0, (gint)len, len);
			proto_item_set_generated(pi);
		}
	}
}

static void build_unknown(struct ident *id, proto_tree *tree)
{
	guint i, n = count_of(id->unknown);

	for (i = 0; i < n; i++) {
		struct unknown_tlv *u = (struct unknown_tlv *)wmem_array_index(id->unknown, i);
		proto_tree *t;

		t = proto_tree_add_subtree_format(tree, u->tvb, (gint)u->tlv.hdr_offset,
						  CTRCAP_TLV_HDR + u->tlv.len, ett_tlv, NULL,
						  "Unknown TLV (type 0x%04x, %u bytes)", u->tlv.type,
						  u->tlv.len);
		proto_tree_add_item(t, hf_tlv_type, u->tvb, (gint)u->tlv.hdr_offset, 2,
				    ENC_BIG_ENDIAN);
		proto_tree_add_item(t, hf_tlv_len, u->tvb, (gint)u->tlv.hdr_offset + 2, 2,
				    ENC_BIG_ENDIAN);
		if (u->tlv.len)
			proto_tree_add_item(t, hf_tlv_value, u->tvb, (gint)u->tlv.value_offset,
					    u->tlv.len, ENC_NA);
	}
}

static void build_problems(struct ident *id, proto_tree *tree)
{
	guint i, n = count_of(id->problems);

	for (i = 0; i < n; i++) {
		struct problem *p = (struct problem *)wmem_array_index(id->problems, i);

		proto_tree_add_expert_format(tree, id->pinfo, p->ei, p->tvb, p->off, p->len, "%s",
					     p->msg);
	}
}

/*
 * The top item's label, "Container Identity (ctrcap), SUMMARY (from
 * SOURCE)": kept with tx per source, set with one printf of "%s" instead of
 * the protocol's label made and then appended to. A label too long for an
 * item is still appended, which cuts it where appending always did.
 */
static void label_top(struct ident *id, proto_item *ti, struct texts *tx)
{
	const char *src = val_to_str_const(id->source, source_vals, "?");
	const char **label = &tx->label[id->source];

	if (!*label)
		*label = wmem_strdup_printf(tx->scope, "%s, %s (from %s)",
					    proto_registrar_get_nth(proto_ctrcap)->name, tx->top,
					    src);
	if (strlen(*label) < ITEM_LABEL_LENGTH)
		proto_item_set_text(ti, "%s", *label);
	else
		proto_item_append_text(ti, ", %s (from %s)", tx->top, src);
}

static bool expert_listening(void)
{
	static int expert_tap = -2;

	if (expert_tap == -2)
		expert_tap = find_tap_id("expert");
	return expert_tap >= 0 && have_tap_listener(expert_tap);
}

static int dissect_ctrcap(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	const struct ctrcap_journey *hop;
	const struct ctrcap_journey_drop *drop;
	const struct ctrcap_idref *idref;
	struct texts *tx;
	struct texts fresh;
	struct drop_walk dw;
	struct ident id;
	struct opt_walk w;
	wtap_block_t block = NULL;
	proto_item *ti;
	proto_tree *ctree;
	bool visible = tree && PTREE_DATA(tree)->visible;
	guint i;

	if (!pinfo->rec || pinfo->rec->rec_type != REC_TYPE_PACKET)
		return 0;
	if (pinfo->fd->has_modified_block)
		block = epan_get_modified_block(pinfo->epan, pinfo->fd);
	else
		block = pinfo->rec->block;
	/* Noted on the first pass whatever is shown: a later click needs the whole journey. */
	drop = find_drop(pinfo, block, &dw);
	hop = ctrcap_journey_note(pinfo, block, drop);
	idref = frame_idref(pinfo, block);
	ctrcap_tap_frame(tvb, pinfo, block, hop, drop);
	/*
	 * Nothing to do when no tree is shown, no field of ours is asked for
	 * (filters, -e, custom columns prime them), nobody collects expert
	 * info and the Info column is left alone.
	 */
	if (!visible && !proto_field_is_referenced(tree, proto_ctrcap) && !expert_listening() &&
	    !(pref_info_column && pinfo->cinfo))
		return 0;
	ident_init(&id, pinfo, visible);
	memset(&w, 0, sizeof(w));
	w.id = &id;
	w.idref = idref;
	w.visible = visible;
	w.frame_tvb = tvb;

	if (block)
		wtap_block_foreach_option(block, option_cb, &w);

	if (w.n_options > 0) {
		id.source = SRC_OPTION;
	} else if (proto_is_frame_protocol(pinfo->layers, "pktap") ||
		   pinfo->rec->rec_header.packet_header.pkt_encap == WTAP_ENCAP_PKTAP) {
		/* pcap_pktdata rewrites the record's encapsulation to the inner
		 * DLT, so the pktap layer is the reliable sign. */
		collect_pktap(&id, tvb);
	}
	if (!id.source) {
		for (i = 0; i < w.n_comments; i++)
			collect_comment(&id, tvb, w.comments[i], visible);
	}
	if (!id.source && !hop)
		return 0;
	if (!id.source) {
		/* A packet id but no identity: the journey alone, and `!ctrcap` still matches. */
		ctrcap_journey_tree(tree, tvb, pinfo, hop);
		return (int)tvb_captured_length(tvb);
	}

	ti = proto_tree_add_item(tree, proto_ctrcap, id.top_tvb, id.top_off, id.top_len, ENC_NA);
	ctree = proto_item_add_subtree(ti, ett_ctrcap);
	if (visible && ti != tree && tree->first_child && tree->first_child != ti)
		proto_tree_move_item(tree, tree->first_child, ti);
	tx = visible ? texts_of(&id, &fresh) : NULL;
	if (tx)
		label_top(&id, ti, tx);
	proto_tree_add_uint(ctree, hf_source, id.top_tvb, id.top_off, 0, id.source);

	build_process(&id, ctree, tx);
	build_user(&id, ctree, tx);
	build_parent(&id, ctree, tx);
	build_container(&id, ctree, tx);
	build_k8s(&id, ctree, tx);
	build_node(&id, ctree, tx);
	build_context(&id, ctree, tx);
	build_drop(&id, ctree, tx);
	if (hop)
		ctrcap_journey_tree(ctree, tvb, pinfo, hop);
	build_records(&id, ctree);
	build_unknown(&id, ctree);
	build_problems(&id, ctree);

	if (pref_info_column && id.f[F_CNAME].set)
		col_append_fstr(pinfo->cinfo, COL_INFO, " [container %s]",
				val_str(&id, &id.f[F_CNAME]));
	return (int)tvb_captured_length(tvb);
}

/* ------------------------------------------------------------ registration */

#define HF_STR(idx, name, abbrev, blurb)                                                           \
	{ &hf_f[idx], { name, abbrev, FT_STRING, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define HF_U32(idx, name, abbrev, blurb)                                                           \
	{ &hf_f[idx], { name, abbrev, FT_UINT32, BASE_DEC, NULL, 0x0, blurb, HFILL } }

/* Register the protocol, its fields, expert infos and preferences. */
void proto_register_ctrcap(void)
{
	static hf_register_info hf[] = {
		HF_U32(F_PID, "Process ID", "process.pid", "Process (thread group) id"),
		HF_U32(F_TID, "Thread ID", "process.tid", NULL),
		HF_STR(F_COMM, "Command", "process.comm", "Kernel task name (comm)"),
		HF_STR(F_THREAD_NAME, "Thread name", "process.thread_name", NULL),
		HF_STR(F_EXE, "Executable", "process.exe", "Executable path (ptcpdump's Cmd)"),
		HF_STR(F_ARGS, "Arguments", "process.args", "argv joined by spaces"),
		{ &hf_f[F_START],
		  { "Start time", "process.start_time", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL,
		    0x0, NULL, HFILL } },
		{ &hf_f[F_PSTATE],
		  { "Process state", "process.state", FT_UINT8, BASE_DEC, VALS(proc_state_vals),
		    0x0, "Set when the process is gone and its pid names another one now",
		    HFILL } },
		HF_U32(F_UID, "User ID", "process.uid", NULL),
		HF_U32(F_GID, "Group ID", "process.gid", NULL),
		HF_STR(F_USER, "User name", "process.user", NULL),
		HF_U32(F_PPID, "Parent process ID", "process.parent.pid", NULL),
		HF_STR(F_PCOMM, "Parent command", "process.parent.comm", NULL),
		HF_STR(F_PEXE, "Parent executable", "process.parent.exe", NULL),
		HF_STR(F_PARGS, "Parent arguments", "process.parent.args", NULL),
		HF_STR(F_CNAME, "Container name", "container.name", NULL),
		HF_STR(F_CID, "Container ID", "container.id", NULL),
		HF_STR(F_CIMAGE, "Container image", "container.image", NULL),
		HF_STR(F_CRUNTIME, "Container runtime", "container.runtime",
		       "docker, containerd, cri-o, podman"),
		HF_STR(F_POD_NAME, "Pod name", "k8s.pod.name", NULL),
		HF_STR(F_POD_NS, "Pod namespace", "k8s.pod.namespace", NULL),
		HF_STR(F_POD_UID, "Pod UID", "k8s.pod.uid", NULL),
		HF_STR(F_K8S_CNAME, "Container name in pod", "k8s.container.name", NULL),
		HF_STR(F_NODE_NAME, "Node name", "node.name",
		       "The host (Kubernetes node) that captured the packet"),
		HF_U32(F_NETNS, "Network namespace", "ctrcap.netns", "Inode of the netns"),
		HF_U32(F_IDKEY, "Identity key", "ctrcap.identity_key",
		       "--compact-identity: this packet defines the identity of this key"),
		HF_U32(F_IDREF, "Identity reference", "ctrcap.identity_ref",
		       "--compact-identity: the identity is the one an earlier packet of this "
		       "interface defined under this key"),
		{ &hf_f[F_CGROUP],
		  { "Cgroup ID", "ctrcap.cgroup_id", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "cgroup-v2 id (inode of its directory)", HFILL } },
		{ &hf_f[F_ATTR],
		  { "Attribution", "ctrcap.attribution", FT_UINT8, BASE_DEC,
		    VALS(attribution_vals), 0x0, "How the packet was tied to its process",
		    HFILL } },
		HF_U32(F_DROP_CODE, "Drop reason code", "ctrcap.drop.reason_code",
		       "The kernel's enum skb_drop_reason value (differs between kernels)"),
		HF_STR(F_DROP_REASON, "Drop reason", "ctrcap.drop.reason",
		       "The kernel's drop reason, without SKB_DROP_REASON_"),
		HF_STR(F_DROP_LOC, "Drop location", "ctrcap.drop.location",
		       "Kernel code that dropped the packet: symbol+offset, or its address"),
		{ &hf_drop,
		  { "Dropped by the kernel", "ctrcap.drop", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Present on a packet the kernel dropped (ctrcap --drops)", HFILL } },
		{ &hf_l[L_CLABEL],
		  { "Container label", "container.label", FT_STRING, BASE_NONE, NULL, 0x0,
		    "key=value", HFILL } },
		{ &hf_l[L_PLABEL],
		  { "Pod label", "k8s.label", FT_STRING, BASE_NONE, NULL, 0x0, "key=value",
		    HFILL } },
		{ &hf_l[L_PANNOT],
		  { "Pod annotation", "k8s.pod.annotation", FT_STRING, BASE_NONE, NULL, 0x0,
		    "key=value", HFILL } },
		{ &hf_source,
		  { "Identity source", "ctrcap.source", FT_UINT8, BASE_DEC, VALS(source_vals),
		    0x0, NULL, HFILL } },
		{ &hf_pen,
		  { "Enterprise number", "ctrcap.pen", FT_UINT32, BASE_DEC, NULL, 0x0, NULL,
		    HFILL } },
		{ &hf_version,
		  { "Record version", "ctrcap.version", FT_UINT8, BASE_DEC, NULL, 0x0, NULL,
		    HFILL } },
		{ &hf_rec_len,
		  { "Record length", "ctrcap.record_length", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_tlv_type,
		  { "TLV type", "ctrcap.tlv.type", FT_UINT16, BASE_HEX, NULL, 0x0, NULL,
		    HFILL } },
		{ &hf_tlv_len,
		  { "TLV length", "ctrcap.tlv.length", FT_UINT16, BASE_DEC, NULL, 0x0, NULL,
		    HFILL } },
		{ &hf_tlv_value,
		  { "TLV value", "ctrcap.tlv.value", FT_BYTES, BASE_NONE, NULL, 0x0, NULL,
		    HFILL } },
	};
	static gint *ett[] = {
		&ett_ctrcap, &ett_process, &ett_user,	&ett_parent, &ett_container,
		&ett_k8s,    &ett_node,    &ett_context, &ett_record, &ett_tlv,
		&ett_drop,
	};
	static ei_register_info ei[] = {
		{ &ei_truncated,
		  { "ctrcap.malformed", PI_MALFORMED, PI_ERROR, "Malformed ctrcap record",
		    EXPFILL } },
		{ &ei_empty,
		  { "ctrcap.empty", PI_MALFORMED, PI_WARN, "Empty ctrcap record", EXPFILL } },
		{ &ei_version,
		  { "ctrcap.unknown_version", PI_PROTOCOL, PI_WARN,
		    "Unknown ctrcap record version", EXPFILL } },
		{ &ei_bad_length,
		  { "ctrcap.bad_length", PI_MALFORMED, PI_ERROR,
		    "ctrcap TLV length wrong for its type", EXPFILL } },
		{ &ei_attribution,
		  { "ctrcap.unknown_attribution", PI_PROTOCOL, PI_NOTE,
		    "Unknown attribution method", EXPFILL } },
		{ &ei_pktap_length,
		  { "ctrcap.pktap.bad_length", PI_MALFORMED, PI_ERROR,
		    "Bad PKTAP header length for a ctrcap extension", EXPFILL } },
		{ &ei_pktap_pen,
		  { "ctrcap.pktap.other_pen", PI_PROTOCOL, PI_NOTE,
		    "PKTAP header extension from another enterprise", EXPFILL } },
		{ &ei_ptcpdump_number,
		  { "ctrcap.ptcpdump.bad_number", PI_MALFORMED, PI_WARN,
		    "Bad number in ptcpdump comment", EXPFILL } },
		{ &ei_ptcpdump_labels,
		  { "ctrcap.ptcpdump.bad_labels", PI_MALFORMED, PI_WARN,
		    "Bad labels in ptcpdump comment", EXPFILL } },
		{ &ei_idref_missing,
		  { "ctrcap.identity_ref.missing", PI_UNDECODED, PI_WARN,
		    "Identity reference without its definition", EXPFILL } },
		{ &ei_drop,
		  { "ctrcap.drop.expert", PI_SEQUENCE, PI_WARN, "Packet dropped by the kernel",
		    EXPFILL } },
	};
	module_t *module;
	expert_module_t *expert;
	int i;

	for (i = 0; i < F_COUNT; i++)
		hf_f[i] = -1;
	for (i = 0; i < L_COUNT; i++)
		hf_l[i] = -1;

	proto_ctrcap = proto_register_protocol("Container Identity (ctrcap)", "ctrcap", "ctrcap");
	proto_register_field_array(proto_ctrcap, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
	expert = expert_register_protocol(proto_ctrcap);
	expert_register_field_array(expert, ei, array_length(ei));
	ctrcap_journey_register(proto_ctrcap, expert);
	ctrcap_idref_register(proto_ctrcap);
	ctrcap_reccache_register();
	ctrcap_tap_register();

	module = prefs_register_protocol(proto_ctrcap, NULL);
	prefs_register_bool_preference(module, "info_column", "Container name in the Info column",
				       "Append \"[container NAME]\" to the Info column",
				       &pref_info_column);
	prefs_register_uint_preference(module, "extra_pen", "Additional enterprise number",
				       "Also decode records carrying this PEN (0 = only 32473)",
				       10, &pref_extra_pen);

	ctrcap_handle = create_dissector_handle(dissect_ctrcap, proto_ctrcap);
}

/* Run after every other dissector, on every frame. */
void proto_reg_handoff_ctrcap(void)
{
	register_postdissector(ctrcap_handle);
}
