/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounds-checked walk over a ctrcap identity record payload (version byte +
 * TLVs, see common/include/ctrcap/record.h). Free of epan so that it can be
 * fuzzed and unit-tested on its own; the Wireshark plugin builds its tree
 * from the offsets this walk yields.
 */
#ifndef CTRCAP_TLV_H
#define CTRCAP_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a TLV type's value is. */
enum ctrcap_tlv_kind {
	CTRCAP_KIND_UNKNOWN = 0, /* a type this reader does not know: skipped */
	CTRCAP_KIND_U8,
	CTRCAP_KIND_U32,
	CTRCAP_KIND_U64,
	CTRCAP_KIND_STRING,
};

/* Why a walk stopped early. */
enum ctrcap_walk_status {
	CTRCAP_WALK_OK = 0,
	CTRCAP_WALK_EMPTY,	  /* no version byte */
	CTRCAP_WALK_VERSION,	  /* version byte this reader does not understand */
	CTRCAP_WALK_SHORT_HEADER, /* fewer than 4 bytes left for a TLV header */
	CTRCAP_WALK_SHORT_VALUE,  /* a TLV length runs past the end of the record */
};

/* One TLV; offsets count from the start of the payload (the version byte). */
struct ctrcap_tlv {
	uint16_t type;
	uint16_t len;
	uint32_t hdr_offset;   /* of the type field */
	uint32_t value_offset; /* of the value */
};

struct ctrcap_tlv_iter {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint8_t version;
	enum ctrcap_walk_status status;
	size_t err_offset; /* where the walk stopped when status != OK */
};

/* Start a walk over payload buf; returns the status (OK, EMPTY or VERSION). */
enum ctrcap_walk_status ctrcap_tlv_iter_init(struct ctrcap_tlv_iter *it, const uint8_t *buf,
					     size_t len);

/*
 * Next TLV into t. Returns 1 for a TLV, 0 at the clean end of the record,
 * -1 when the record is truncated or malformed (it->status, it->err_offset).
 * Never reads outside [buf, buf + len).
 */
int ctrcap_tlv_next(struct ctrcap_tlv_iter *it, struct ctrcap_tlv *t);

/* The value kind the contract gives a TLV type. */
enum ctrcap_tlv_kind ctrcap_tlv_kind_of(uint16_t type);

/* True if t's length is right for its kind (fixed size for numbers). */
bool ctrcap_tlv_size_ok(const struct ctrcap_tlv *t);

/* Short English name of a TLV type ("pid", "container name"), or NULL if unknown. */
const char *ctrcap_tlv_type_name(uint16_t type);

/* Human-readable text for a walk status. */
const char *ctrcap_walk_status_str(enum ctrcap_walk_status s);

/* Big-endian readers used with offsets the walk produced. */
static inline uint32_t ctrcap_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ctrcap_be64(const uint8_t *p)
{
	return (uint64_t)ctrcap_be32(p) << 32 | ctrcap_be32(p + 4);
}

#endif /* CTRCAP_TLV_H */
