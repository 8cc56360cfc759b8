// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The identity record codec: struct ctrcap_identity <-> version byte + TLVs.
 * docs/pcapng-format.md is the normative description.
 */
#include <stdio.h>
#include <string.h>

#include "ctrcap/errbuf.h"
#include "ctrcap/record.h"
#include "utf8.h"

const char *ctrcap_attribution_name(uint8_t attribution)
{
	switch (attribution) {
	case CTRCAP_ATTR_NONE:
		return "none";
	case CTRCAP_ATTR_SOCKET:
		return "socket";
	case CTRCAP_ATTR_FLOW:
		return "flow";
	case CTRCAP_ATTR_REVERSE_FLOW:
		return "reverse-flow";
	case CTRCAP_ATTR_EARLIER_HOP:
		return "earlier-hop";
	case CTRCAP_ATTR_IFACE_NETNS:
		return "interface-netns";
	case CTRCAP_ATTR_LISTENER:
		return "listener";
	}
	return "unknown";
}

const char *ctrcap_proc_state_name(uint8_t state)
{
	switch (state) {
	case CTRCAP_PROC_PID_REUSED:
		return "gone (exited; its pid names another process now)";
	}
	return "unknown";
}

const char *ctrcap_tlv_name(uint16_t type)
{
	switch (type) {
	case CTRCAP_T_PID:
		return "pid";
	case CTRCAP_T_TID:
		return "tid";
	case CTRCAP_T_COMM:
		return "comm";
	case CTRCAP_T_EXE:
		return "exe";
	case CTRCAP_T_ARGS:
		return "args";
	case CTRCAP_T_UID:
		return "uid";
	case CTRCAP_T_GID:
		return "gid";
	case CTRCAP_T_USER:
		return "user";
	case CTRCAP_T_START_TIME:
		return "start-time";
	case CTRCAP_T_PROC_STATE:
		return "process-state";
	case CTRCAP_T_PARENT_PID:
		return "parent-pid";
	case CTRCAP_T_PARENT_EXE:
		return "parent-exe";
	case CTRCAP_T_PARENT_ARGS:
		return "parent-args";
	case CTRCAP_T_PARENT_COMM:
		return "parent-comm";
	case CTRCAP_T_CTR_ID:
		return "container-id";
	case CTRCAP_T_CTR_NAME:
		return "container-name";
	case CTRCAP_T_CTR_IMAGE:
		return "container-image";
	case CTRCAP_T_CTR_RUNTIME:
		return "container-runtime";
	case CTRCAP_T_CTR_LABEL:
		return "container-label";
	case CTRCAP_T_POD_NAME:
		return "pod-name";
	case CTRCAP_T_POD_NAMESPACE:
		return "pod-namespace";
	case CTRCAP_T_POD_UID:
		return "pod-uid";
	case CTRCAP_T_K8S_CTR_NAME:
		return "k8s-container-name";
	case CTRCAP_T_POD_LABEL:
		return "pod-label";
	case CTRCAP_T_NETNS:
		return "netns";
	case CTRCAP_T_CGROUP_ID:
		return "cgroup-id";
	case CTRCAP_T_ATTRIBUTION:
		return "attribution";
	case CTRCAP_T_DROP_REASON_CODE:
		return "drop-reason-code";
	case CTRCAP_T_DROP_REASON:
		return "drop-reason";
	case CTRCAP_T_DROP_LOCATION:
		return "drop-location";
	case CTRCAP_T_NODE_NAME:
		return "node-name";
	case CTRCAP_T_IDENTITY_KEY:
		return "identity-key";
	case CTRCAP_T_IDENTITY_REF:
		return "identity-ref";
	}
	return NULL;
}

/* ------------------------------------------------------------------ encode */

static inline void put_hdr(uint8_t *p, uint16_t type, uint16_t len)
{
	uint32_t v = __builtin_bswap32(((uint32_t)type << 16) | len);

	memcpy(p, &v, 4);
}

/*
 * memcpy for the short strings most TLVs hold, inlined: a libc call per
 * field costs more than the copy. Overlapping word moves never touch bytes
 * outside [s, s + n) or [d, d + n).
 */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
	uint8_t v[16], t[16];
	uint64_t a, b;
	uint32_t x, y;
	size_t i;

	if (n > 128) {
		memcpy(d, s, n);
	} else if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16) {
			memcpy(v, s + i, 16);
			memcpy(d + i, v, 16);
		}
		memcpy(t, s + n - 16, 16);
		memcpy(d + n - 16, t, 16);
	} else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else {
		for (i = 0; i < n; i++)
			d[i] = s[i];
	}
}

/*
 * Append one TLV at p if it fits before end, returning the new end of the
 * record; a TLV that does not fit is left out whole. Cursor in and out by
 * value: through a struct, every byte store could alias it and force reloads.
 */
static inline uint8_t *enc_tlv(uint8_t *p, const uint8_t *end, uint16_t type, const void *val,
			       size_t len)
{
	if ((size_t)(end - p) < CTRCAP_TLV_HDR + len)
		return p;
	put_hdr(p, type, (uint16_t)len);
	copy_bytes(p + CTRCAP_TLV_HDR, val, len);
	return p + CTRCAP_TLV_HDR + len;
}

static inline uint8_t *enc_u32(uint8_t *p, const uint8_t *end, uint16_t type, uint32_t v)
{
	v = __builtin_bswap32(v);
	return enc_tlv(p, end, type, &v, 4);
}

uint8_t *ctrcap_tlv_put_u32(uint8_t *p, uint16_t type, uint32_t v)
{
	put_hdr(p, type, 4);
	v = __builtin_bswap32(v);
	memcpy(p + CTRCAP_TLV_HDR, &v, 4);
	return p + CTRCAP_TLV_HDR + 4;
}

static inline uint8_t *enc_u64(uint8_t *p, const uint8_t *end, uint16_t type, uint64_t v)
{
	v = __builtin_bswap64(v);
	return enc_tlv(p, end, type, &v, 8);
}

/* A string TLV of at most max bytes, cut at a UTF-8 boundary. */
static inline uint8_t *enc_str_max(uint8_t *p, const uint8_t *end, uint16_t type,
				   const struct ctrcap_str *s, size_t max)
{
	if (!s->ptr)
		return p;
	/* Only strings over the limit need the UTF-8 boundary search. */
	return enc_tlv(p, end, type, s->ptr,
		       s->len <= max ? s->len : ctrcap_utf8_cut(s->ptr, s->len, max));
}

static inline uint8_t *enc_str(uint8_t *p, const uint8_t *end, uint16_t type,
			       const struct ctrcap_str *s)
{
	return enc_str_max(p, end, type, s, CTRCAP_STR_MAX);
}

int ctrcap_record_encode(const struct ctrcap_identity *id, uint8_t *buf, size_t cap)
{
	const uint8_t *end = buf + (cap < CTRCAP_RECORD_MAX ? cap : CTRCAP_RECORD_MAX);
	uint8_t *p = buf;
	unsigned i, n;

	if (cap < 1)
		return -1;
	*p++ = CTRCAP_RECORD_VERSION;

	/* Fixed-size facts first: they are small and what filters use most. */
	if (id->present & CTRCAP_HAS_PID)
		p = enc_u32(p, end, CTRCAP_T_PID, id->pid);
	if (id->present & CTRCAP_HAS_TID)
		p = enc_u32(p, end, CTRCAP_T_TID, id->tid);
	if (id->present & CTRCAP_HAS_UID)
		p = enc_u32(p, end, CTRCAP_T_UID, id->uid);
	if (id->present & CTRCAP_HAS_GID)
		p = enc_u32(p, end, CTRCAP_T_GID, id->gid);
	if (id->present & CTRCAP_HAS_START_TIME)
		p = enc_u64(p, end, CTRCAP_T_START_TIME, id->start_time_ns);
	if (id->present & CTRCAP_HAS_PROC_STATE)
		p = enc_tlv(p, end, CTRCAP_T_PROC_STATE, &id->proc_state, 1);
	if (id->present & CTRCAP_HAS_PARENT_PID)
		p = enc_u32(p, end, CTRCAP_T_PARENT_PID, id->parent_pid);
	if (id->present & CTRCAP_HAS_NETNS)
		p = enc_u32(p, end, CTRCAP_T_NETNS, id->netns);
	if (id->present & CTRCAP_HAS_CGROUP_ID)
		p = enc_u64(p, end, CTRCAP_T_CGROUP_ID, id->cgroup_id);
	if (id->present & CTRCAP_HAS_ATTRIBUTION)
		p = enc_tlv(p, end, CTRCAP_T_ATTRIBUTION, &id->attribution, 1);
	if (id->present & CTRCAP_HAS_DROP_REASON)
		p = enc_u32(p, end, CTRCAP_T_DROP_REASON_CODE, id->drop_reason_code);
	p = enc_str(p, end, CTRCAP_T_DROP_REASON, &id->drop_reason);
	p = enc_str(p, end, CTRCAP_T_DROP_LOCATION, &id->drop_location);

	p = enc_str(p, end, CTRCAP_T_COMM, &id->comm);
	p = enc_str(p, end, CTRCAP_T_EXE, &id->exe);
	p = enc_str(p, end, CTRCAP_T_ARGS, &id->args);
	p = enc_str(p, end, CTRCAP_T_USER, &id->user);
	p = enc_str(p, end, CTRCAP_T_PARENT_COMM, &id->parent_comm);
	p = enc_str(p, end, CTRCAP_T_PARENT_EXE, &id->parent_exe);
	p = enc_str(p, end, CTRCAP_T_PARENT_ARGS, &id->parent_args);
	p = enc_str(p, end, CTRCAP_T_CTR_ID, &id->ctr_id);
	p = enc_str(p, end, CTRCAP_T_CTR_NAME, &id->ctr_name);
	p = enc_str(p, end, CTRCAP_T_CTR_IMAGE, &id->ctr_image);
	p = enc_str(p, end, CTRCAP_T_CTR_RUNTIME, &id->ctr_runtime);
	p = enc_str(p, end, CTRCAP_T_POD_NAME, &id->pod_name);
	p = enc_str(p, end, CTRCAP_T_POD_NAMESPACE, &id->pod_namespace);
	p = enc_str(p, end, CTRCAP_T_POD_UID, &id->pod_uid);
	p = enc_str(p, end, CTRCAP_T_K8S_CTR_NAME, &id->k8s_ctr_name);
	p = enc_str_max(p, end, CTRCAP_T_NODE_NAME, &id->node_name, CTRCAP_NODE_NAME_MAX);

	/* Labels last: when space runs out, whole labels are what is left out. */
	n = id->n_ctr_labels < CTRCAP_MAX_LABELS ? id->n_ctr_labels : CTRCAP_MAX_LABELS;
	for (i = 0; i < n; i++)
		p = enc_str(p, end, CTRCAP_T_CTR_LABEL, &id->ctr_labels[i]);
	n = id->n_pod_labels < CTRCAP_MAX_LABELS ? id->n_pod_labels : CTRCAP_MAX_LABELS;
	for (i = 0; i < n; i++)
		p = enc_str(p, end, CTRCAP_T_POD_LABEL, &id->pod_labels[i]);
	return (int)(p - buf);
}

/* ------------------------------------------------------------------ decode */

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Where a string TLV lands in the identity, or NULL for non-string types. */
static struct ctrcap_str *str_slot(struct ctrcap_identity *id, uint16_t type)
{
	switch (type) {
	case CTRCAP_T_COMM:
		return &id->comm;
	case CTRCAP_T_EXE:
		return &id->exe;
	case CTRCAP_T_ARGS:
		return &id->args;
	case CTRCAP_T_USER:
		return &id->user;
	case CTRCAP_T_PARENT_EXE:
		return &id->parent_exe;
	case CTRCAP_T_PARENT_ARGS:
		return &id->parent_args;
	case CTRCAP_T_PARENT_COMM:
		return &id->parent_comm;
	case CTRCAP_T_CTR_ID:
		return &id->ctr_id;
	case CTRCAP_T_CTR_NAME:
		return &id->ctr_name;
	case CTRCAP_T_CTR_IMAGE:
		return &id->ctr_image;
	case CTRCAP_T_CTR_RUNTIME:
		return &id->ctr_runtime;
	case CTRCAP_T_POD_NAME:
		return &id->pod_name;
	case CTRCAP_T_POD_NAMESPACE:
		return &id->pod_namespace;
	case CTRCAP_T_POD_UID:
		return &id->pod_uid;
	case CTRCAP_T_K8S_CTR_NAME:
		return &id->k8s_ctr_name;
	case CTRCAP_T_DROP_REASON:
		return &id->drop_reason;
	case CTRCAP_T_DROP_LOCATION:
		return &id->drop_location;
	case CTRCAP_T_NODE_NAME:
		return &id->node_name;
	}
	return NULL;
}

/* Fixed value size of a numeric TLV type, 0 if the type is not numeric. */
static unsigned num_size(uint16_t type)
{
	switch (type) {
	case CTRCAP_T_PID:
	case CTRCAP_T_TID:
	case CTRCAP_T_UID:
	case CTRCAP_T_GID:
	case CTRCAP_T_PARENT_PID:
	case CTRCAP_T_NETNS:
	case CTRCAP_T_DROP_REASON_CODE:
	case CTRCAP_T_IDENTITY_KEY:
	case CTRCAP_T_IDENTITY_REF:
		return 4;
	case CTRCAP_T_START_TIME:
	case CTRCAP_T_CGROUP_ID:
		return 8;
	case CTRCAP_T_ATTRIBUTION:
	case CTRCAP_T_PROC_STATE:
		return 1;
	}
	return 0;
}

static void set_num(struct ctrcap_identity *id, uint16_t type, uint64_t v)
{
	switch (type) {
	case CTRCAP_T_PID:
		id->pid = (uint32_t)v;
		id->present |= CTRCAP_HAS_PID;
		break;
	case CTRCAP_T_TID:
		id->tid = (uint32_t)v;
		id->present |= CTRCAP_HAS_TID;
		break;
	case CTRCAP_T_UID:
		id->uid = (uint32_t)v;
		id->present |= CTRCAP_HAS_UID;
		break;
	case CTRCAP_T_GID:
		id->gid = (uint32_t)v;
		id->present |= CTRCAP_HAS_GID;
		break;
	case CTRCAP_T_PARENT_PID:
		id->parent_pid = (uint32_t)v;
		id->present |= CTRCAP_HAS_PARENT_PID;
		break;
	case CTRCAP_T_NETNS:
		id->netns = (uint32_t)v;
		id->present |= CTRCAP_HAS_NETNS;
		break;
	case CTRCAP_T_START_TIME:
		id->start_time_ns = v;
		id->present |= CTRCAP_HAS_START_TIME;
		break;
	case CTRCAP_T_CGROUP_ID:
		id->cgroup_id = v;
		id->present |= CTRCAP_HAS_CGROUP_ID;
		break;
	case CTRCAP_T_ATTRIBUTION:
		id->attribution = (uint8_t)v;
		id->present |= CTRCAP_HAS_ATTRIBUTION;
		break;
	case CTRCAP_T_PROC_STATE:
		id->proc_state = (uint8_t)v;
		id->present |= CTRCAP_HAS_PROC_STATE;
		break;
	case CTRCAP_T_DROP_REASON_CODE:
		id->drop_reason_code = (uint32_t)v;
		id->present |= CTRCAP_HAS_DROP_REASON;
		break;
	case CTRCAP_T_IDENTITY_KEY:
		id->identity_key = (uint32_t)v;
		id->present |= CTRCAP_HAS_IDENTITY_KEY;
		break;
	case CTRCAP_T_IDENTITY_REF:
		id->identity_ref = (uint32_t)v;
		id->present |= CTRCAP_HAS_IDENTITY_REF;
		break;
	}
}

static void add_label(struct ctrcap_identity *id, uint16_t type, const uint8_t *val, uint16_t len)
{
	struct ctrcap_str *arr = type == CTRCAP_T_CTR_LABEL ? id->ctr_labels : id->pod_labels;
	uint16_t *n = type == CTRCAP_T_CTR_LABEL ? &id->n_ctr_labels : &id->n_pod_labels;

	if (*n >= CTRCAP_MAX_LABELS) {
		if (id->n_labels_dropped < UINT16_MAX)
			id->n_labels_dropped++;
		return;
	}
	arr[*n].ptr = (const char *)val;
	arr[*n].len = len;
	(*n)++;
}

/*
 * The TLV header at off: 0 with its type and value length, 1 when fewer
 * than 4 bytes are left, 2 when the value runs past len. The one TLV walk
 * of decode and split.
 */
static int tlv_hdr(const uint8_t *buf, size_t len, size_t off, uint16_t *type, uint16_t *vlen)
{
	if (len - off < CTRCAP_TLV_HDR)
		return 1;
	*type = (uint16_t)get_be(buf + off, 2);
	*vlen = (uint16_t)get_be(buf + off + 2, 2);
	return *vlen > len - off - CTRCAP_TLV_HDR ? 2 : 0;
}

bool ctrcap_tlv_per_packet(uint16_t type)
{
	switch (type) {
	case CTRCAP_T_TID:
	case CTRCAP_T_ATTRIBUTION:
	case CTRCAP_T_DROP_REASON_CODE:
	case CTRCAP_T_DROP_REASON:
	case CTRCAP_T_DROP_LOCATION:
		return true;
	}
	return false;
}

int ctrcap_record_split(const uint8_t *rec, size_t len, uint8_t *def, size_t *def_len,
			uint8_t *pp, size_t *pp_len)
{
	size_t off = 1, d = 1, q = 0;

	if (!len || !rec || rec[0] != CTRCAP_RECORD_VERSION)
		return -1;
	def[0] = rec[0];
	while (off < len) {
		uint16_t type, vlen;
		size_t n;

		if (tlv_hdr(rec, len, off, &type, &vlen))
			return -1;
		n = CTRCAP_TLV_HDR + (size_t)vlen;
		if (type == CTRCAP_T_IDENTITY_KEY || type == CTRCAP_T_IDENTITY_REF) {
			/* carrier, not identity: the writer or reader sets its own */
		} else if (ctrcap_tlv_per_packet(type)) {
			memcpy(pp + q, rec + off, n);
			q += n;
		} else {
			memcpy(def + d, rec + off, n);
			d += n;
		}
		off += n;
	}
	*def_len = d;
	*pp_len = q;
	return 0;
}

int ctrcap_record_idref(const uint8_t *rec, size_t len, uint32_t *key, uint32_t *ref)
{
	size_t off = 1;
	int has = 0;

	if (!len || !rec || rec[0] != CTRCAP_RECORD_VERSION)
		return -1;
	while (off < len) {
		uint16_t type, vlen;

		if (tlv_hdr(rec, len, off, &type, &vlen))
			return -1;
		if (type == CTRCAP_T_IDENTITY_KEY || type == CTRCAP_T_IDENTITY_REF) {
			if (vlen != 4)
				return -1;
			if (type == CTRCAP_T_IDENTITY_KEY) {
				*key = (uint32_t)get_be(rec + off + CTRCAP_TLV_HDR, 4);
				has |= CTRCAP_IDREF_KEY;
			} else {
				*ref = (uint32_t)get_be(rec + off + CTRCAP_TLV_HDR, 4);
				has |= CTRCAP_IDREF_REF;
			}
		}
		off += CTRCAP_TLV_HDR + vlen;
	}
	return has;
}

int ctrcap_record_decode(const uint8_t *buf, size_t len, struct ctrcap_identity *id, char *err,
			 size_t errlen)
{
	size_t off = 1;

	if (len == 0 || !buf) {
		ctrcap_errf(err, errlen, "empty record: no version byte");
		return -1;
	}
	if (buf[0] != CTRCAP_RECORD_VERSION) {
		ctrcap_errf(err, errlen, "unknown record version %u (this reader knows version %u)",
			buf[0], CTRCAP_RECORD_VERSION);
		return -1;
	}
	while (off < len) {
		uint16_t type, vlen;
		const uint8_t *val;
		struct ctrcap_str *s;
		unsigned want;
		int h = tlv_hdr(buf, len, off, &type, &vlen);

		if (h == 1) {
			ctrcap_errf(err, errlen,
				"TLV header at offset %zu: only %zu bytes left, a header needs %u",
				off, len - off, CTRCAP_TLV_HDR);
			return -1;
		}
		if (h == 2) {
			ctrcap_errf(err, errlen,
				"TLV 0x%04x at offset %zu: length %u runs past the end (%zu bytes)",
				type, off, vlen, len);
			return -1;
		}
		val = buf + off + CTRCAP_TLV_HDR;

		want = num_size(type);
		s = str_slot(id, type);
		if (want) {
			if (vlen != want) {
				ctrcap_errf(err, errlen,
					"TLV 0x%04x (%s) at offset %zu: length %u, a %s needs %u",
					type, ctrcap_tlv_name(type), off, vlen,
					want == 1   ? "u8"
					: want == 4 ? "u32"
						    : "u64",
					want);
				return -1;
			}
			set_num(id, type, get_be(val, want));
		} else if (s) {
			s->ptr = (const char *)val;
			s->len = vlen;
		} else if (type == CTRCAP_T_CTR_LABEL || type == CTRCAP_T_POD_LABEL) {
			add_label(id, type, val, vlen);
		} else if (id->n_unknown < UINT16_MAX) {
			id->n_unknown++;
		}
		off += CTRCAP_TLV_HDR + vlen;
	}
	return 0;
}
