// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DNS decoding for text output (see dns_text.h). The message comes from
 * the network: every length, count and compression pointer is checked
 * against the bytes captured, pointers are followed a bounded number of
 * times, and anything odd makes the caller print the plain UDP line.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>

#include "dns_text.h"
#include "text_buf.h"

#define MAX_JUMPS 16   /* compression pointers followed per name */
#define MAX_NAME  256  /* 255 bytes on the wire, printed with dots */
#define MAX_RR	  32   /* answers printed; the rest are counted only */

/*
 * The name at *off into out ("example.com.", "." for the root); *off moves
 * past it in the message (past the first pointer, if any). -1 if bad.
 */
static int read_name(const uint8_t *m, uint32_t n, uint32_t *off, char *out)
{
	uint32_t pos = *off, len = 0;
	bool jumped = false;
	int jumps = 0;

	for (;;) {
		uint8_t l;

		if (pos >= n)
			return -1;
		l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= n || ++jumps > MAX_JUMPS)
				return -1;
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = (l & 0x3f) << 8 | m[pos + 1];
			continue;
		}
		if (l & 0xc0)
			return -1; /* the reserved label types */
		if (!l)
			break;
		if (pos + 1 + l > n || len + l + 2 > MAX_NAME)
			return -1;
		for (uint32_t i = 0; i < l; i++) {
			uint8_t c = m[pos + 1 + i];

			out[len++] = c > 0x20 && c < 0x7f ? (char)c : '?';
		}
		out[len++] = '.';
		pos += 1 + l;
	}
	if (!jumped)
		*off = pos + 1;
	if (!len)
		out[len++] = '.';
	out[len] = '\0';
	return 0;
}

static const struct text_name type_names[] = {
	{ 1, "A" },
	{ 2, "NS" },
	{ 5, "CNAME" },
	{ 6, "SOA" },
	{ 12, "PTR" },
	{ 15, "MX" },
	{ 16, "TXT" },
	{ 28, "AAAA" },
	{ 33, "SRV" },
	{ 65, "HTTPS" },
	{ 255, "ANY" },
};

static const char *type_name(uint16_t t)
{
	return TEXT_NAME(type_names, t, NULL);
}

static void add_type(struct text_buf *b, uint16_t t)
{
	const char *s = type_name(t);

	if (s)
		text_buf_add(b, "%s", s);
	else
		text_buf_add(b, "TYPE%u", t);
}

static const char *const rcodes[] = { "", " FormErr", " ServFail", " NXDomain", " NotImp",
				      " Refused" };

/* One answer record at *off: " A 10.99.0.1", " CNAME web.", " MX"... -1 if bad. */
static int answer(struct text_buf *b, const uint8_t *m, uint32_t n, uint32_t *off)
{
	char name[MAX_NAME + 1], addr[INET6_ADDRSTRLEN];
	uint16_t type, rdlen;
	uint32_t rd;

	if (read_name(m, n, off, name) || *off + 10 > n)
		return -1;
	type = rd16(m + *off);
	rdlen = rd16(m + *off + 8);
	rd = *off + 10;
	if (rd + rdlen > n)
		return -1;
	*off = rd + rdlen;
	text_buf_add(b, " ");
	add_type(b, type);
	if (type == 1 && rdlen == 4) {
		text_buf_add(b, " %s", inet_ntop(AF_INET, m + rd, addr, sizeof(addr)));
	} else if (type == 28 && rdlen == 16) {
		text_buf_add(b, " %s", inet_ntop(AF_INET6, m + rd, addr, sizeof(addr)));
	} else if (type == 5 || type == 12 || type == 2) {
		uint32_t at = rd;

		/* The name must lie within the record's data. */
		if (read_name(m, n, &at, name) || at > rd + rdlen)
			return -1;
		text_buf_add(b, " %s", name);
	}
	return 0;
}

int ctrcap_dns_text(const uint8_t *m, uint32_t n, uint32_t len, char *out, size_t cap)
{
	struct text_buf b = { out, cap, 0 };
	char name[MAX_NAME + 1];
	uint16_t flags, qd, an, ns, ar;
	uint32_t off = 12;

	if (!cap || n < 12 || n < len)
		return -1;
	n = len; /* past the UDP payload: padding, not DNS */
	flags = rd16(m + 2);
	qd = rd16(m + 4);
	an = rd16(m + 6);
	ns = rd16(m + 8);
	ar = rd16(m + 10);
	out[0] = '\0';
	text_buf_add(&b, "%u", rd16(m));
	if ((flags >> 11) & 0xf)
		text_buf_add(&b, " op%u", (flags >> 11) & 0xf);
	if (!(flags & 0x8000)) {
		/* A query: its first question. */
		if (flags & 0x0100)
			text_buf_add(&b, "+");
		if (qd != 1)
			text_buf_add(&b, " [%uq]", qd);
		if (qd) {
			if (read_name(m, n, &off, name) || off + 4 > n)
				return -1;
			text_buf_add(&b, " ");
			add_type(&b, rd16(m + off));
			text_buf_add(&b, "? %s", name);
		}
		text_buf_add(&b, " (%u)", len);
		return 0;
	}
	if (flags & 0x0400)
		text_buf_add(&b, "*");
	if (!(flags & 0x0080))
		text_buf_add(&b, "-");
	if (flags & 0x0200)
		text_buf_add(&b, "|");
	if ((flags & 0xf) < sizeof(rcodes) / sizeof(rcodes[0]))
		text_buf_add(&b, "%s", rcodes[flags & 0xf]);
	else
		text_buf_add(&b, " rcode%u", flags & 0xf);
	text_buf_add(&b, " %u/%u/%u", an, ns, ar);
	for (uint16_t i = 0; i < qd; i++) {
		if (read_name(m, n, &off, name) || off + 4 > n)
			return -1;
		off += 4;
	}
	for (uint16_t i = 0; i < an && i < MAX_RR; i++) {
		if (i)
			text_buf_add(&b, ",");
		if (answer(&b, m, n, &off))
			return -1;
	}
	if (an > MAX_RR)
		text_buf_add(&b, ", ...");
	text_buf_add(&b, " (%u)", len);
	return 0;
}
