// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading a LINKTYPE_PKTAP frame (ctrcap/pktap.h): the header's numbers,
 * ctrcap's identity extension and the inner frame, never trusting a length.
 */
#include <stdio.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "ctrcap/record.h"

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Copy a fixed-size header string field, NUL-terminated whatever the frame holds. */
static void field_str(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n - 1);
	dst[n - 1] = '\0';
}

int ctrcap_pktap_parse(const uint8_t *frame, uint32_t caplen, uint32_t len,
		       struct ctrcap_pktap_view *v, char *err, size_t errlen)
{
	uint32_t flags;

	memset(v, 0, sizeof(*v));
	v->pid = CTRCAP_PTH_PID_NONE;
	if (caplen < CTRCAP_PKTAP_HDR_LEN) {
		snprintf(err, errlen, "PKTAP frame of %u bytes is shorter than its %u-byte header",
			 caplen, CTRCAP_PKTAP_HDR_LEN);
		return -1;
	}
	v->hdrlen = le32_at(frame + CTRCAP_PTH_LENGTH_OFF);
	if (v->hdrlen < CTRCAP_PKTAP_HDR_LEN || v->hdrlen > caplen) {
		snprintf(err, errlen, "PKTAP header length %u outside [%u, %u] (the frame)",
			 v->hdrlen, CTRCAP_PKTAP_HDR_LEN, caplen);
		return -1;
	}
	v->dlt = le32_at(frame + CTRCAP_PTH_DLT_OFF);
	flags = le32_at(frame + CTRCAP_PTH_FLAGS_OFF);
	v->direction = (flags & CTRCAP_PTH_FLAG_DIR_IN)	   ? CTRCAP_DIR_IN :
		       (flags & CTRCAP_PTH_FLAG_DIR_OUT) ? CTRCAP_DIR_OUT :
							   CTRCAP_DIR_UNKNOWN;
	v->pid = (int32_t)le32_at(frame + CTRCAP_PTH_PID_OFF);
	field_str(v->ifname, frame + CTRCAP_PTH_IFNAME_OFF, sizeof(v->ifname));
	field_str(v->comm, frame + CTRCAP_PTH_COMM_OFF, sizeof(v->comm));
	if (v->hdrlen > CTRCAP_PKTAP_RECORD_OFF &&
	    be32_at(frame + CTRCAP_PKTAP_EXT_OFF) == CTRCAP_PEN) {
		v->record = frame + CTRCAP_PKTAP_RECORD_OFF;
		v->record_len = v->hdrlen - CTRCAP_PKTAP_RECORD_OFF;
	}
	v->inner = frame + v->hdrlen;
	v->inner_caplen = caplen - v->hdrlen;
	/* The wire length counts the header too (pktap_frame_out.wirelen). */
	v->inner_len = len > v->hdrlen ? len - v->hdrlen : v->inner_caplen;
	if (v->inner_len < v->inner_caplen)
		v->inner_len = v->inner_caplen;
	return 0;
}

int ctrcap_pktap_identity(const struct ctrcap_pktap_view *v, struct ctrcap_identity *id, char *err,
			  size_t errlen)
{
	size_t n = strlen(v->comm);

	memset(id, 0, sizeof(*id));
	if (v->record) {
		if (v->record_len > CTRCAP_RECORD_MAX) {
			snprintf(err, errlen, "PKTAP identity extension of %zu bytes (at most %u)",
				 v->record_len, (unsigned)CTRCAP_RECORD_MAX);
			return -1;
		}
		return ctrcap_record_decode(v->record, v->record_len, id, err, errlen) ? -1 : 1;
	}
	/* A stock PKTAP header (macOS tcpdump -k): the process id and name it has. */
	if (v->pid >= 0) {
		id->present |= CTRCAP_HAS_PID;
		id->pid = (uint32_t)v->pid;
	}
	if (n) {
		id->comm.ptr = v->comm;
		id->comm.len = (uint16_t)n;
	}
	return v->pid >= 0 || n;
}
