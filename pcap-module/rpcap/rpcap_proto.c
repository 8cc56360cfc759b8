// SPDX-License-Identifier: GPL-2.0-or-later
/* rpcap message parsing and building on byte buffers (see rpcap_proto.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rpcap_proto.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static bool log_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

void rpcap_log_escape(const char *in, size_t inlen, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, total = 0, room;

	if (!outlen)
		return;
	for (size_t i = 0; i < inlen; i++)
		total += log_plain((unsigned char)in[i]) ? 1 : 4;
	/* When it does not all fit, keep room for "..." at the end. */
	room = total <= outlen - 1 ? outlen - 1 : (outlen - 1 >= 3 ? outlen - 4 : 0);
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (o + (log_plain(c) ? 1 : 4) > room)
			break;
		if (log_plain(c)) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (total > outlen - 1 && outlen - 1 >= 3) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

const char *rpcap_msg_name(uint8_t type)
{
	switch (type & ~RPCAP_MSG_IS_REPLY) {
	case RPCAP_MSG_ERROR: return "ERROR";
	case RPCAP_MSG_FINDALLIF_REQ: return "FINDALLIF";
	case RPCAP_MSG_OPEN_REQ: return "OPEN";
	case RPCAP_MSG_STARTCAP_REQ: return "STARTCAP";
	case RPCAP_MSG_UPDATEFILTER_REQ: return "UPDATEFILTER";
	case RPCAP_MSG_CLOSE: return "CLOSE";
	case RPCAP_MSG_PACKET: return "PACKET";
	case RPCAP_MSG_AUTH_REQ: return "AUTH";
	case RPCAP_MSG_STATS_REQ: return "STATS";
	case RPCAP_MSG_ENDCAP_REQ: return "ENDCAP";
	case RPCAP_MSG_SETSAMPLING_REQ: return "SETSAMPLING";
	}
	return "unknown";
}

void rpcap_hdr_parse(const uint8_t buf[RPCAP_HDR_LEN], struct rpcap_hdr *h)
{
	h->ver = buf[0];
	h->type = buf[1];
	h->value = get16(buf + 2);
	h->plen = get32(buf + 4);
}

void rpcap_hdr_build(uint8_t buf[RPCAP_HDR_LEN], uint8_t ver, uint8_t type, uint16_t value,
		     uint32_t plen)
{
	buf[0] = ver;
	buf[1] = type;
	put16(buf + 2, value);
	put32(buf + 4, plen);
}

int rpcap_hdr_check(const struct rpcap_hdr *h, char *err, size_t errlen, bool *fatal)
{
	*fatal = false;
	if (h->plen > RPCAP_MAX_PAYLOAD) {
		snprintf(err, errlen, "%s message of %u bytes is larger than the %u-byte limit",
			 rpcap_msg_name(h->type), h->plen, RPCAP_MAX_PAYLOAD);
		*fatal = true;
		return RPCAP_ERR_WRONGMSG;
	}
	if (h->ver != RPCAP_VERSION) {
		snprintf(err, errlen, "%s message has protocol version %u; this server speaks %u",
			 rpcap_msg_name(h->type), h->ver, RPCAP_VERSION);
		return RPCAP_ERR_WRONGVER;
	}
	switch (h->type) {
	case RPCAP_MSG_ERROR:
	case RPCAP_MSG_FINDALLIF_REQ:
	case RPCAP_MSG_OPEN_REQ:
	case RPCAP_MSG_STARTCAP_REQ:
	case RPCAP_MSG_UPDATEFILTER_REQ:
	case RPCAP_MSG_CLOSE:
	case RPCAP_MSG_AUTH_REQ:
	case RPCAP_MSG_STATS_REQ:
	case RPCAP_MSG_ENDCAP_REQ:
	case RPCAP_MSG_SETSAMPLING_REQ:
		return 0;
	}
	if (h->type & RPCAP_MSG_IS_REPLY)
		snprintf(err, errlen, "client sent a reply message (type 0x%02x, %s)", h->type,
			 rpcap_msg_name(h->type));
	else
		snprintf(err, errlen, "message type 0x%02x (%s) is not a request", h->type,
			 rpcap_msg_name(h->type));
	return RPCAP_ERR_WRONGMSG;
}

int rpcap_auth_parse(const uint8_t *p, size_t len, struct rpcap_auth_msg *m, char *err,
		     size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len < RPCAP_AUTH_LEN) {
		snprintf(err, errlen, "AUTH payload of %zu bytes is shorter than %u", len,
			 RPCAP_AUTH_LEN);
		return -1;
	}
	m->type = get16(p);
	if (m->type != RPCAP_AUTH_PWD)
		return 0; /* null auth carries no strings; the caller decides */
	m->user_len = get16(p + 4);
	m->pass_len = get16(p + 6);
	if (m->user_len > RPCAP_MAX_AUTH_STR || m->pass_len > RPCAP_MAX_AUTH_STR) {
		snprintf(err, errlen, "AUTH user/password lengths %u/%u exceed %u", m->user_len,
			 m->pass_len, RPCAP_MAX_AUTH_STR);
		return -1;
	}
	if ((size_t)RPCAP_AUTH_LEN + m->user_len + m->pass_len != len) {
		snprintf(err, errlen, "AUTH payload is %zu bytes but its lengths say %u", len,
			 RPCAP_AUTH_LEN + m->user_len + m->pass_len);
		return -1;
	}
	m->user = (const char *)p + RPCAP_AUTH_LEN;
	m->pass = m->user + m->user_len;
	return 0;
}

int rpcap_open_parse(const uint8_t *p, size_t len, char *name, size_t namelen, char *err,
		     size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "OPEN without a source name");
		return -1;
	}
	if (len > RPCAP_MAX_DEVNAME || len >= namelen) {
		snprintf(err, errlen, "OPEN source name of %zu bytes is longer than %u", len,
			 RPCAP_MAX_DEVNAME);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e) {
			snprintf(err, errlen, "OPEN source name has byte 0x%02x at %zu", p[i], i);
			return -1;
		}
	}
	memcpy(name, p, len);
	name[len] = '\0';
	return 0;
}

int rpcap_filter_parse(const uint8_t *p, size_t len, struct rpcap_filter_msg *m, char *err,
		       size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len < RPCAP_FILTER_LEN) {
		snprintf(err, errlen, "filter of %zu bytes is shorter than its %u-byte header", len,
			 RPCAP_FILTER_LEN);
		return -1;
	}
	m->type = get16(p);
	m->nitems = get32(p + 4);
	if (m->type != RPCAP_UPDATEFILTER_BPF) {
		snprintf(err, errlen, "filter type %u is not BPF (%u)", m->type,
			 RPCAP_UPDATEFILTER_BPF);
		return -1;
	}
	if (m->nitems == 0 || m->nitems > RPCAP_MAX_INSNS) {
		snprintf(err, errlen, "filter has %u instructions; 1 to %u are allowed", m->nitems,
			 RPCAP_MAX_INSNS);
		return -1;
	}
	if ((len - RPCAP_FILTER_LEN) != (size_t)m->nitems * RPCAP_INSN_LEN) {
		snprintf(err, errlen,
			 "filter says %u instructions (%zu bytes) but the message holds %zu bytes "
			 "of instructions%s",
			 m->nitems, (size_t)m->nitems * RPCAP_INSN_LEN, len - RPCAP_FILTER_LEN,
			 len == RPCAP_FILTER_LEN ? " (libpcap 1.10.3 sends this when no filter "
						   "was set: call pcap_setfilter() first)"
						 : "");
		return -1;
	}
	m->insns = p + RPCAP_FILTER_LEN;
	return 0;
}

int rpcap_startcap_parse(const uint8_t *p, size_t len, struct rpcap_startcap_msg *m, char *err,
			 size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len < RPCAP_STARTCAPREQ_LEN) {
		snprintf(err, errlen, "STARTCAP payload of %zu bytes is shorter than %u", len,
			 RPCAP_STARTCAPREQ_LEN);
		return -1;
	}
	m->snaplen = get32(p);
	m->read_timeout = get32(p + 4);
	m->flags = get16(p + 8);
	m->portdata = get16(p + 10);
	if (rpcap_filter_parse(p + RPCAP_STARTCAPREQ_LEN, len - RPCAP_STARTCAPREQ_LEN, &m->filter,
			       err, errlen) < 0) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "STARTCAP: %s", tmp);
		return -1;
	}
	return 0;
}

void rpcap_filter_insn(const struct rpcap_filter_msg *m, uint32_t i, struct rpcap_insn *out)
{
	const uint8_t *q = m->insns + (size_t)i * RPCAP_INSN_LEN;

	out->code = get16(q);
	out->jt = q[2];
	out->jf = q[3];
	out->k = get32(q + 4);
}

int rpcap_sampling_parse(const uint8_t *p, size_t len, uint8_t *method, uint32_t *value,
			 char *err, size_t errlen)
{
	if (len != RPCAP_SAMPLING_LEN) {
		snprintf(err, errlen, "SETSAMPLING payload is %zu bytes, expected %u", len,
			 RPCAP_SAMPLING_LEN);
		return -1;
	}
	*method = p[0];
	*value = get32(p + 4);
	return 0;
}

void rpcap_authreply_build(uint8_t buf[RPCAP_AUTHREPLY_LEN])
{
	uint32_t magic = RPCAP_BYTE_ORDER_MAGIC;

	buf[0] = RPCAP_VERSION; /* minvers */
	buf[1] = RPCAP_VERSION; /* maxvers */
	buf[2] = 0;
	buf[3] = 0;
	/* Server byte order on purpose: the client compares it unconverted. */
	memcpy(buf + 4, &magic, sizeof(magic));
}

void rpcap_openreply_build(uint8_t buf[RPCAP_OPENREPLY_LEN], int32_t linktype)
{
	put32(buf, (uint32_t)linktype);
	put32(buf + 4, 0); /* tzoff, unused by clients */
}

void rpcap_startcapreply_build(uint8_t buf[RPCAP_STARTCAPREPLY_LEN], int32_t bufsize,
			       uint16_t port)
{
	put32(buf, (uint32_t)bufsize);
	put16(buf + 4, port);
	put16(buf + 6, 0);
}

void rpcap_stats_build(uint8_t buf[RPCAP_STATS_LEN], const struct rpcap_stats_msg *s)
{
	put32(buf, s->ifrecv);
	put32(buf + 4, s->ifdrop);
	put32(buf + 8, s->krnldrop);
	put32(buf + 12, s->svrcapt);
}

int rpcap_findalldevs_if_build(uint8_t *buf, size_t cap, size_t *off, const char *name,
			       const char *desc, uint32_t flags)
{
	size_t nl = strlen(name), dl = strlen(desc);
	uint8_t *q;

	if (nl > 0xffff || dl > 0xffff)
		return -1;
	if (*off > cap || cap - *off < RPCAP_FINDALLDEVS_IF_LEN + nl + dl)
		return -1;
	q = buf + *off;
	put16(q, (uint16_t)nl);
	put16(q + 2, (uint16_t)dl);
	put32(q + 4, flags);
	put16(q + 8, 0); /* naddr: containers are listed without addresses */
	put16(q + 10, 0);
	memcpy(q + RPCAP_FINDALLDEVS_IF_LEN, name, nl);
	memcpy(q + RPCAP_FINDALLDEVS_IF_LEN + nl, desc, dl);
	*off += RPCAP_FINDALLDEVS_IF_LEN + nl + dl;
	return 0;
}

void rpcap_packet_hdr_build(uint8_t buf[RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN],
			    const struct rpcap_pkt_meta *m)
{
	rpcap_hdr_build(buf, RPCAP_VERSION, RPCAP_MSG_PACKET, 0, RPCAP_PKTHDR_LEN + m->caplen);
	put32(buf + 8, m->ts_sec);
	put32(buf + 12, m->ts_usec);
	put32(buf + 16, m->caplen);
	put32(buf + 20, m->len);
	put32(buf + 24, m->npkt);
}

size_t rpcap_auth_req_build(uint8_t *buf, size_t cap, const char *user, const char *pass)
{
	size_t ul = user ? strlen(user) : 0, pl = pass ? strlen(pass) : 0;

	if (ul > RPCAP_MAX_AUTH_STR || pl > RPCAP_MAX_AUTH_STR || RPCAP_AUTH_LEN + ul + pl > cap)
		return 0;
	memset(buf, 0, RPCAP_AUTH_LEN);
	put16(buf, user ? RPCAP_AUTH_PWD : RPCAP_AUTH_NULL);
	put16(buf + 4, (uint16_t)ul);
	put16(buf + 6, (uint16_t)pl);
	if (ul)
		memcpy(buf + RPCAP_AUTH_LEN, user, ul);
	if (pl)
		memcpy(buf + RPCAP_AUTH_LEN + ul, pass, pl);
	return RPCAP_AUTH_LEN + ul + pl;
}

size_t rpcap_startcap_req_build(uint8_t *buf, size_t cap, uint32_t snaplen, uint32_t read_timeout,
				const struct rpcap_insn *insns, uint32_t n)
{
	size_t len = RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN + (size_t)n * RPCAP_INSN_LEN;
	uint8_t *q;

	if (!n || n > RPCAP_MAX_INSNS || len > cap)
		return 0;
	memset(buf, 0, RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN);
	put32(buf, snaplen);
	put32(buf + 4, read_timeout);
	/* flags 0, portdata 0: the server listens, the client opens the data connection. */
	put16(buf + RPCAP_STARTCAPREQ_LEN, RPCAP_UPDATEFILTER_BPF);
	put32(buf + RPCAP_STARTCAPREQ_LEN + 4, n);
	q = buf + RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN;
	for (uint32_t i = 0; i < n; i++, q += RPCAP_INSN_LEN) {
		put16(q, insns[i].code);
		q[2] = insns[i].jt;
		q[3] = insns[i].jf;
		put32(q + 4, insns[i].k);
	}
	return len;
}

int32_t rpcap_openreply_linktype(const uint8_t buf[RPCAP_OPENREPLY_LEN])
{
	return (int32_t)get32(buf);
}

uint16_t rpcap_startcapreply_port(const uint8_t buf[RPCAP_STARTCAPREPLY_LEN])
{
	return get16(buf + 4);
}

void rpcap_pkthdr_parse(const uint8_t buf[RPCAP_PKTHDR_LEN], struct rpcap_pkt_meta *m)
{
	m->ts_sec = get32(buf);
	m->ts_usec = get32(buf + 4);
	m->caplen = get32(buf + 8);
	m->len = get32(buf + 12);
	m->npkt = get32(buf + 16);
}
