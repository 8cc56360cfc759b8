// SPDX-License-Identifier: GPL-2.0-or-later
/* tcpdump-like packet lines (see packet_text.h). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "ctrcap/identity_text.h"
#include "ctrcap/pcapng.h"
#include "packet_text.h"

struct out {
	char *buf;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + n < o->cap ? o->len + n : o->cap;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void tcp_flags(struct out *o, uint8_t fl)
{
	put(o, "Flags [");
	if (fl & 0x02)
		put(o, "S");
	if (fl & 0x01)
		put(o, "F");
	if (fl & 0x04)
		put(o, "R");
	if (fl & 0x08)
		put(o, "P");
	if (fl & 0x10)
		put(o, ".");
	if (fl & 0x20)
		put(o, "U");
	if (fl & 0x40)
		put(o, "E");
	if (fl & 0x80)
		put(o, "W");
	put(o, "]");
}

/* L4 after the addresses; src/dst are printable addresses. */
static void l4(struct out *o, uint8_t proto, const uint8_t *p, uint32_t n, uint32_t l4len,
	       const char *src, const char *dst, bool v6)
{
	if (proto == 6 && n >= 20) {
		uint32_t hl = (p[12] >> 4) * 4;
		uint32_t pl = l4len > hl ? l4len - hl : 0;

		put(o, "%s.%u > %s.%u: ", src, rd16(p), dst, rd16(p + 2));
		tcp_flags(o, p[13]);
		if (p[13] & 0x07 || pl)
			put(o, ", seq %u", rd32(p + 4));
		if (p[13] & 0x10)
			put(o, ", ack %u", rd32(p + 8));
		put(o, ", win %u, length %u", rd16(p + 14), pl);
		return;
	}
	if (proto == 17 && n >= 8) {
		uint16_t ul = rd16(p + 4);

		put(o, "%s.%u > %s.%u: UDP, length %u", src, rd16(p), dst, rd16(p + 2),
		    ul >= 8 ? ul - 8 : 0);
		return;
	}
	if (proto == 1 && n >= 8) {
		const char *t = p[0] == 8 ? "echo request" : p[0] == 0 ? "echo reply"
				: p[0] == 3 ? "unreachable" : p[0] == 11 ? "time exceeded" : NULL;

		put(o, "%s > %s: ICMP ", src, dst);
		if (t)
			put(o, "%s", t);
		else
			put(o, "type %u", p[0]);
		if (p[0] == 8 || p[0] == 0)
			put(o, ", id %u, seq %u", rd16(p + 4), rd16(p + 6));
		put(o, ", length %u", l4len);
		return;
	}
	if (proto == 58 && n >= 4) {
		const char *t = p[0] == 128 ? "echo request" : p[0] == 129 ? "echo reply"
				: p[0] == 135 ? "neighbor solicitation"
				: p[0] == 136 ? "neighbor advertisement"
				: p[0] == 133 ? "router solicitation" : NULL;

		put(o, "%s > %s: ICMP6, ", src, dst);
		if (t)
			put(o, "%s", t);
		else
			put(o, "type %u", p[0]);
		if ((p[0] == 128 || p[0] == 129) && n >= 8)
			put(o, ", id %u, seq %u", rd16(p + 4), rd16(p + 6));
		put(o, ", length %u", l4len);
		return;
	}
	put(o, "%s > %s: %s proto %u, length %u", src, dst, v6 ? "ip6" : "ip", proto, l4len);
}

static void ipv4(struct out *o, const uint8_t *p, uint32_t n)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	uint32_t hl, tl;

	if (n < 20 || (p[0] >> 4) != 4) {
		put(o, "IP truncated");
		return;
	}
	hl = (p[0] & 0xf) * 4;
	tl = rd16(p + 2);
	inet_ntop(AF_INET, p + 12, s, sizeof(s));
	inet_ntop(AF_INET, p + 16, d, sizeof(d));
	put(o, "IP ");
	if ((rd16(p + 6) & 0x1fff) || hl < 20 || hl > n) {
		put(o, "%s > %s: ip-proto-%u fragment, length %u", s, d, p[9], tl);
		return;
	}
	l4(o, p[9], p + hl, n - hl, tl > hl ? tl - hl : 0, s, d, false);
}

static void ipv6(struct out *o, const uint8_t *p, uint32_t n)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (n < 40) {
		put(o, "IP6 truncated");
		return;
	}
	inet_ntop(AF_INET6, p + 8, s, sizeof(s));
	inet_ntop(AF_INET6, p + 24, d, sizeof(d));
	put(o, "IP6 ");
	l4(o, p[6], p + 40, n - 40, rd16(p + 4), s, d, true);
}

static void arp(struct out *o, const uint8_t *p, uint32_t n, uint32_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (n < 28 || rd16(p) != 1 || rd16(p + 2) != 0x0800) {
		put(o, "ARP, length %u", len);
		return;
	}
	inet_ntop(AF_INET, p + 14, a, sizeof(a));
	inet_ntop(AF_INET, p + 24, b, sizeof(b));
	if (rd16(p + 6) == 1)
		put(o, "ARP, Request who-has %s tell %s, length %u", b, a, len);
	else if (rd16(p + 6) == 2)
		put(o, "ARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x, length %u", a, p[8],
		    p[9], p[10], p[11], p[12], p[13], len);
	else
		put(o, "ARP, op %u, length %u", rd16(p + 6), len);
}

static void by_ethertype(struct out *o, uint16_t et, const uint8_t *p, uint32_t n, uint32_t len)
{
	if (et == 0x0800)
		ipv4(o, p, n);
	else if (et == 0x86dd)
		ipv6(o, p, n);
	else if (et == 0x0806)
		arp(o, p, n, len);
	else
		put(o, "ethertype 0x%04x, length %u", et, len);
}

void ctrcap_packet_summary(const struct ctrcap_text_pkt *p, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	const uint8_t *d = p->data;
	uint32_t n = p->caplen;

	if (cap)
		buf[0] = '\0';
	if (p->linktype == 1) {
		uint16_t et;

		if (n < 14) {
			put(&o, "truncated Ethernet, length %u", p->len);
			return;
		}
		et = rd16(d + 12);
		d += 14;
		n -= 14;
		if ((et == 0x8100 || et == 0x88a8) && n >= 4) {
			put(&o, "vlan %u, ", rd16(d) & 0xfff);
			et = rd16(d + 2);
			d += 4;
			n -= 4;
		}
		by_ethertype(&o, et, d, n, p->len);
	} else if (p->linktype == 101) {
		if (n && (d[0] >> 4) == 6)
			ipv6(&o, d, n);
		else
			ipv4(&o, d, n);
	} else if (p->linktype == 113 && n >= 16) {
		by_ethertype(&o, rd16(d + 14), d + 16, n - 16, p->len);
	} else {
		put(&o, "linktype %u, length %u", p->linktype, p->len);
	}
}

void ctrcap_packet_print(FILE *f, const struct ctrcap_text_pkt *p,
			 const struct ctrcap_identity *id, uint64_t packet_id,
			 const struct ctrcap_text_identity *how)
{
	char sum[512], when[32], brief[1024] = "";
	time_t sec = p->ts_ns / 1000000000ull;
	struct ctrcap_identity part;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	ctrcap_packet_summary(p, sum, sizeof(sum));
	/* On the line only without -v: the lines under it say it all. */
	if (id && !how->verbose && how->line_ctx)
		ctrcap_identity_brief(id, how->line_ctx, brief, sizeof(brief));
	fprintf(f, "%s.%06llu %s %s %s%s\n", when,
		(unsigned long long)(p->ts_ns % 1000000000ull / 1000), p->ifname,
		p->direction == CTRCAP_DIR_IN ? "In" : p->direction == CTRCAP_DIR_OUT ? "Out" : "?",
		sum, brief);
	if (how->verbose && id) {
		char text[8192];

		ctrcap_identity_select(id, how->lines_ctx, &part);
		ctrcap_identity_format(&part, "    ", text, sizeof(text));
		fputs(text, f);
		if (how->verbose > 1)
			fprintf(f, "    Capture (packet id %llu, attributed by %s, netns %u, cgroup %llu)\n",
				(unsigned long long)packet_id,
				ctrcap_attribution_name(id->attribution), id->netns,
				(unsigned long long)id->cgroup_id);
	}
}
