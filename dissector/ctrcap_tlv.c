// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounds-checked walk over a ctrcap identity record payload. */
#include "ctrcap_tlv.h"

#include "ctrcap/record.h"

struct tlv_desc {
	uint16_t type;
	enum ctrcap_tlv_kind kind;
	const char *name;
};

static const struct tlv_desc tlv_descs[] = {
	{ CTRCAP_T_PID, CTRCAP_KIND_U32, "pid" },
	{ CTRCAP_T_TID, CTRCAP_KIND_U32, "tid" },
	{ CTRCAP_T_COMM, CTRCAP_KIND_STRING, "comm" },
	{ CTRCAP_T_EXE, CTRCAP_KIND_STRING, "executable" },
	{ CTRCAP_T_ARGS, CTRCAP_KIND_STRING, "arguments" },
	{ CTRCAP_T_UID, CTRCAP_KIND_U32, "uid" },
	{ CTRCAP_T_GID, CTRCAP_KIND_U32, "gid" },
	{ CTRCAP_T_USER, CTRCAP_KIND_STRING, "user" },
	{ CTRCAP_T_START_TIME, CTRCAP_KIND_U64, "start time" },
	{ CTRCAP_T_PROC_STATE, CTRCAP_KIND_U8, "process state" },
	{ CTRCAP_T_PARENT_PID, CTRCAP_KIND_U32, "parent pid" },
	{ CTRCAP_T_PARENT_EXE, CTRCAP_KIND_STRING, "parent executable" },
	{ CTRCAP_T_PARENT_ARGS, CTRCAP_KIND_STRING, "parent arguments" },
	{ CTRCAP_T_PARENT_COMM, CTRCAP_KIND_STRING, "parent comm" },
	{ CTRCAP_T_CTR_ID, CTRCAP_KIND_STRING, "container id" },
	{ CTRCAP_T_CTR_NAME, CTRCAP_KIND_STRING, "container name" },
	{ CTRCAP_T_CTR_IMAGE, CTRCAP_KIND_STRING, "container image" },
	{ CTRCAP_T_CTR_RUNTIME, CTRCAP_KIND_STRING, "container runtime" },
	{ CTRCAP_T_CTR_LABEL, CTRCAP_KIND_STRING, "container label" },
	{ CTRCAP_T_POD_NAME, CTRCAP_KIND_STRING, "pod name" },
	{ CTRCAP_T_POD_NAMESPACE, CTRCAP_KIND_STRING, "pod namespace" },
	{ CTRCAP_T_POD_UID, CTRCAP_KIND_STRING, "pod uid" },
	{ CTRCAP_T_K8S_CTR_NAME, CTRCAP_KIND_STRING, "k8s container name" },
	{ CTRCAP_T_POD_LABEL, CTRCAP_KIND_STRING, "pod label" },
	{ CTRCAP_T_NETNS, CTRCAP_KIND_U32, "netns" },
	{ CTRCAP_T_CGROUP_ID, CTRCAP_KIND_U64, "cgroup id" },
	{ CTRCAP_T_ATTRIBUTION, CTRCAP_KIND_U8, "attribution" },
	{ CTRCAP_T_IDENTITY_KEY, CTRCAP_KIND_U32, "identity key" },
	{ CTRCAP_T_IDENTITY_REF, CTRCAP_KIND_U32, "identity reference" },
	{ CTRCAP_T_DROP_REASON_CODE, CTRCAP_KIND_U32, "drop reason code" },
	{ CTRCAP_T_DROP_REASON, CTRCAP_KIND_STRING, "drop reason" },
	{ CTRCAP_T_DROP_LOCATION, CTRCAP_KIND_STRING, "drop location" },
	{ CTRCAP_T_NODE_NAME, CTRCAP_KIND_STRING, "node name" },
};

static const struct tlv_desc *tlv_desc_of(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(tlv_descs) / sizeof(tlv_descs[0]); i++) {
		if (tlv_descs[i].type == type)
			return &tlv_descs[i];
	}
	return NULL;
}

enum ctrcap_tlv_kind ctrcap_tlv_kind_of(uint16_t type)
{
	const struct tlv_desc *d = tlv_desc_of(type);

	return d ? d->kind : CTRCAP_KIND_UNKNOWN;
}

const char *ctrcap_tlv_type_name(uint16_t type)
{
	const struct tlv_desc *d = tlv_desc_of(type);

	return d ? d->name : NULL;
}

bool ctrcap_tlv_size_ok(const struct ctrcap_tlv *t)
{
	switch (ctrcap_tlv_kind_of(t->type)) {
	case CTRCAP_KIND_U8:
		return t->len == 1;
	case CTRCAP_KIND_U32:
		return t->len == 4;
	case CTRCAP_KIND_U64:
		return t->len == 8;
	case CTRCAP_KIND_STRING:
	case CTRCAP_KIND_UNKNOWN:
		break;
	}
	return true;
}

const char *ctrcap_walk_status_str(enum ctrcap_walk_status s)
{
	switch (s) {
	case CTRCAP_WALK_OK:
		return "ok";
	case CTRCAP_WALK_EMPTY:
		return "empty record (no version byte)";
	case CTRCAP_WALK_VERSION:
		return "unknown record version";
	case CTRCAP_WALK_SHORT_HEADER:
		return "truncated TLV header";
	case CTRCAP_WALK_SHORT_VALUE:
		return "TLV length runs past the end of the record";
	}
	return "unknown status";
}

enum ctrcap_walk_status ctrcap_tlv_iter_init(struct ctrcap_tlv_iter *it, const uint8_t *buf,
					     size_t len)
{
	it->buf = buf;
	it->len = buf ? len : 0;
	it->pos = 0;
	it->version = 0;
	it->err_offset = 0;
	it->status = CTRCAP_WALK_OK;

	if (it->len == 0) {
		it->status = CTRCAP_WALK_EMPTY;
		return it->status;
	}
	it->version = buf[0];
	it->pos = 1;
	if (it->version != CTRCAP_RECORD_VERSION)
		it->status = CTRCAP_WALK_VERSION;
	return it->status;
}

int ctrcap_tlv_next(struct ctrcap_tlv_iter *it, struct ctrcap_tlv *t)
{
	size_t left;
	uint16_t vlen;

	if (it->status != CTRCAP_WALK_OK)
		return -1;
	if (it->pos >= it->len)
		return 0;

	left = it->len - it->pos;
	if (left < CTRCAP_TLV_HDR) {
		it->status = CTRCAP_WALK_SHORT_HEADER;
		it->err_offset = it->pos;
		return -1;
	}
	vlen = (uint16_t)(it->buf[it->pos + 2] << 8 | it->buf[it->pos + 3]);
	if (vlen > left - CTRCAP_TLV_HDR) {
		it->status = CTRCAP_WALK_SHORT_VALUE;
		it->err_offset = it->pos;
		return -1;
	}
	/* Payloads fit in a pcapng option (< 64 KiB), so offsets fit in u32. */
	t->type = (uint16_t)(it->buf[it->pos] << 8 | it->buf[it->pos + 1]);
	t->len = vlen;
	t->hdr_offset = (uint32_t)it->pos;
	t->value_offset = (uint32_t)(it->pos + CTRCAP_TLV_HDR);
	it->pos += CTRCAP_TLV_HDR + (size_t)vlen;
	return 1;
}
