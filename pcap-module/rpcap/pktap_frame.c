// SPDX-License-Identifier: GPL-2.0-or-later
/* PKTAP framing of a captured packet (see pktap_frame.h). */
#include <string.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "pktap_frame.h"

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* Copy a view into a fixed NUL-terminated field, cut to fit. */
static void put_str(uint8_t *dst, size_t size, const char *s, size_t len)
{
	if (!s)
		return;
	if (len > size - 1)
		len = size - 1;
	memcpy(dst, s, len);
}

static uint16_t iftype_of(uint32_t linktype, const char *ifname)
{
	if (ifname && strcmp(ifname, "lo") == 0)
		return CTRCAP_PTH_IFT_LOOP;
	return linktype == 1 ? CTRCAP_PTH_IFT_ETHER : CTRCAP_PTH_IFT_OTHER;
}

int pktap_frame_build(const struct pktap_frame_in *in, uint32_t snaplen, uint8_t *buf, size_t cap,
		      struct pktap_frame_out *out)
{
	const struct ctrcap_identity *id = in->id;
	uint32_t limit = snaplen, hdrlen = CTRCAP_PKTAP_HDR_LEN, flags = 0, inner;
	int32_t pid = CTRCAP_PTH_PID_NONE;

	if (cap < limit)
		limit = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	if (limit < PKTAP_FRAME_MIN_SNAPLEN)
		return -1;

	memset(buf, 0, CTRCAP_PKTAP_HDR_LEN);
	le32(buf + CTRCAP_PTH_TYPE_NEXT_OFF, CTRCAP_PTH_TYPE_PACKET);
	le32(buf + CTRCAP_PTH_DLT_OFF, in->linktype);
	if (in->ifname)
		put_str(buf + CTRCAP_PTH_IFNAME_OFF, CTRCAP_PTH_IFNAME_LEN, in->ifname,
			strlen(in->ifname));
	if (in->direction == CTRCAP_DIR_IN)
		flags |= CTRCAP_PTH_FLAG_DIR_IN;
	else if (in->direction == CTRCAP_DIR_OUT)
		flags |= CTRCAP_PTH_FLAG_DIR_OUT;
	le32(buf + CTRCAP_PTH_FLAGS_OFF, flags);
	if (id && (id->present & CTRCAP_HAS_PID))
		pid = (int32_t)id->pid;
	le32(buf + CTRCAP_PTH_PID_OFF, (uint32_t)pid);
	if (id)
		put_str(buf + CTRCAP_PTH_COMM_OFF, CTRCAP_PTH_COMM_LEN, id->comm.ptr,
			id->comm.len);
	le16(buf + CTRCAP_PTH_IFTYPE_OFF, iftype_of(in->linktype, in->ifname));
	le32(buf + CTRCAP_PTH_EPID_OFF, (uint32_t)CTRCAP_PTH_PID_NONE);

	if (id) {
		uint32_t reserve = in->caplen;

		uint32_t room = limit - CTRCAP_PKTAP_RECORD_OFF;
		int n;

		if (reserve > PKTAP_FRAME_INNER_RESERVE)
			reserve = PKTAP_FRAME_INNER_RESERVE;
		room = room > reserve ? room - reserve : 0;
		if (room > CTRCAP_RECORD_MAX)
			room = CTRCAP_RECORD_MAX;
		n = room > 1 ? ctrcap_record_encode(id, buf + CTRCAP_PKTAP_RECORD_OFF, room) : -1;
		/* A bare version byte says nothing: leave the extension out. */
		if (n > 1) {
			buf[CTRCAP_PKTAP_EXT_OFF] = (CTRCAP_PEN >> 24) & 0xff;
			buf[CTRCAP_PKTAP_EXT_OFF + 1] = (CTRCAP_PEN >> 16) & 0xff;
			buf[CTRCAP_PKTAP_EXT_OFF + 2] = (CTRCAP_PEN >> 8) & 0xff;
			buf[CTRCAP_PKTAP_EXT_OFF + 3] = CTRCAP_PEN & 0xff;
			hdrlen = CTRCAP_PKTAP_RECORD_OFF + (uint32_t)n;
		}
	}
	le32(buf + CTRCAP_PTH_LENGTH_OFF, hdrlen);

	inner = in->caplen;
	if (inner > limit - hdrlen)
		inner = limit - hdrlen;
	memcpy(buf + hdrlen, in->data, inner);
	out->hdrlen = hdrlen;
	out->caplen = hdrlen + inner;
	out->wirelen = hdrlen + (in->origlen > in->caplen ? in->origlen : in->caplen);
	return 0;
}
