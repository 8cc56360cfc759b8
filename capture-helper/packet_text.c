// SPDX-License-Identifier: GPL-2.0-or-later
/* tcpdump-like packet lines (see packet_text.h). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "ctrcap/identity_text.h"
#include "ctrcap/pcapng.h"
#include "dns_text.h"
#include "packet_dump.h"
#include "packet_text.h"
#include "tcp_options.h"
#include "tcp_seq.h"
#include "text_buf.h"

/* The summary being built, and what shapes it. */
struct out {
	struct text_buf b;
	const struct ctrcap_text_opts *fmt;
	struct ctrcap_text_state *st; /* NULL: nothing remembered, absolute seq */
};

/* The two ends of an IP packet, printable and as bytes (for the TCP seq table). */
struct ends {
	const char *src, *dst;
	const uint8_t *sa, *da;
	size_t alen;
};

/* Append to the summary, as much as fits. */
#define put(o, ...) text_buf_add(&(o)->b, __VA_ARGS__)

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

/* TCP: p holds n captured bytes (at least 20) of a segment l4len long. */
static void tcp(struct out *o, const uint8_t *p, uint32_t n, uint32_t l4len, const struct ends *e)
{
	uint32_t hl = (p[12] >> 4) * 4;
	uint32_t pl = l4len > hl ? l4len - hl : 0;
	uint32_t seq = rd32(p + 4), ack = rd32(p + 8);
	bool rel = o->st && o->st->seq;

	if (rel)
		ctrcap_tcp_seq_relative(o->st->seq, e->sa, e->da, e->alen, rd16(p), rd16(p + 2),
					p[13], &seq, &ack);
	put(o, "%s.%u > %s.%u: ", e->src, rd16(p), e->dst, rd16(p + 2));
	tcp_flags(o, p[13]);
	if (p[13] & 0x07 || pl)
		put(o, ", seq %u", seq);
	/* The range of bytes carried, so a retransmission shows as one. */
	if (pl)
		put(o, ":%u", seq + pl);
	if (p[13] & 0x10)
		put(o, ", ack %u", ack);
	put(o, ", win %u", rd16(p + 14));
	/* As tcpdump, also without -v; a SACK edge counts as the ack does. */
	if (hl > 20) {
		put(o, ", ");
		ctrcap_tcp_options_text(&o->b, p + 20, hl - 20, n - 20, rel && (p[13] & 0x10),
					rd32(p + 8) - ack);
	}
	put(o, ", length %u", pl);
}

/* UDP; DNS on port 53 shows its question or answers instead of the length. */
static void udp(struct out *o, const uint8_t *p, uint32_t n, const struct ends *e)
{
	uint16_t ul = rd16(p + 4);
	uint32_t pl = ul >= 8 ? ul - 8 : 0;
	char dns[512];

	put(o, "%s.%u > %s.%u: ", e->src, rd16(p), e->dst, rd16(p + 2));
	if ((rd16(p) == 53 || rd16(p + 2) == 53) &&
	    !ctrcap_dns_text(p + 8, n - 8, pl, dns, sizeof(dns))) {
		put(o, "%s", dns);
		return;
	}
	put(o, "UDP, length %u", pl);
}

/* L4 after the addresses. */
static void l4(struct out *o, uint8_t proto, const uint8_t *p, uint32_t n, uint32_t l4len,
	       const struct ends *e, bool v6)
{
	const char *src = e->src, *dst = e->dst;

	if (proto == 6 && n >= 20) {
		tcp(o, p, n, l4len, e);
		return;
	}
	if (proto == 17 && n >= 8) {
		udp(o, p, n, e);
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

static const struct text_name proto_names[] = {
	{ 1, "ICMP" },
	{ 2, "IGMP" },
	{ 6, "TCP" },
	{ 17, "UDP" },
	{ 47, "GRE" },
	{ 50, "ESP" },
	{ 58, "ICMPv6" },
	{ 132, "SCTP" },
};

static const char *proto_name(uint8_t proto)
{
	return TEXT_NAME(proto_names, proto, "unknown");
}

/* -v: the IPv4 header's fields, as tcpdump -v shows them. */
static void ipv4_detail(struct out *o, const uint8_t *p)
{
	uint16_t frag = rd16(p + 6);

	put(o, "(tos 0x%x, ttl %u, id %u, offset %u, flags [", p[1], p[8], rd16(p + 4),
	    (frag & 0x1fff) * 8);
	if (!(frag & 0xe000))
		put(o, "none");
	if (frag & 0x4000)
		put(o, "DF");
	if (frag & 0x2000)
		put(o, "+");
	if (frag & 0x8000)
		put(o, "rsvd");
	put(o, "], proto %s (%u), length %u) ", proto_name(p[9]), p[9], rd16(p + 2));
}

/* -v: the IPv6 header's fields; class and flow label only when set, as tcpdump. */
static void ipv6_detail(struct out *o, const uint8_t *p)
{
	uint32_t w = rd32(p);

	put(o, "(");
	if (w & 0x0ff00000)
		put(o, "class 0x%02x, ", (w >> 20) & 0xff);
	if (w & 0x000fffff)
		put(o, "flowlabel 0x%05x, ", w & 0x000fffff);
	put(o, "hlim %u, next-header %s (%u) payload length: %u) ", p[7], proto_name(p[6]), p[6],
	    rd16(p + 4));
}

static void ipv4(struct out *o, const uint8_t *p, uint32_t n)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct ends e = { s, d, p + 12, p + 16, 4 };
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
	if (o->fmt->ip_detail)
		ipv4_detail(o, p);
	if ((rd16(p + 6) & 0x1fff) || hl < 20 || hl > n) {
		put(o, "%s > %s: ip-proto-%u fragment, length %u", s, d, p[9], tl);
		return;
	}
	l4(o, p[9], p + hl, n - hl, tl > hl ? tl - hl : 0, &e, false);
}

static void ipv6(struct out *o, const uint8_t *p, uint32_t n)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	struct ends e = { s, d, p + 8, p + 24, 16 };

	if (n < 40) {
		put(o, "IP6 truncated");
		return;
	}
	inet_ntop(AF_INET6, p + 8, s, sizeof(s));
	inet_ntop(AF_INET6, p + 24, d, sizeof(d));
	put(o, "IP6 ");
	if (o->fmt->ip_detail)
		ipv6_detail(o, p);
	l4(o, p[6], p + 40, n - 40, rd16(p + 4), &e, true);
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

static const struct text_name ethertype_names[] = {
	{ 0x0800, "IPv4" },
	{ 0x86dd, "IPv6" },
	{ 0x0806, "ARP" },
	{ 0x8100, "802.1Q" },
	{ 0x88a8, "802.1Q-QinQ" },
};

static const char *ethertype_name(uint16_t et)
{
	return TEXT_NAME(ethertype_names, et, "Unknown");
}

static void mac(struct out *o, const uint8_t *m)
{
	put(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* -e: what the link header says, before the network layer's summary. */
static void link_ethertype(struct out *o, uint16_t et, uint32_t len)
{
	put(o, "ethertype %s (0x%04x), length %u: ", ethertype_name(et), et, len);
}

static void ethernet(struct out *o, const struct ctrcap_text_pkt *p)
{
	const uint8_t *d = p->data;
	uint32_t n = p->caplen;
	uint16_t et;

	if (n < 14) {
		put(o, "truncated Ethernet, length %u", p->len);
		return;
	}
	et = rd16(d + 12);
	if (o->fmt->link_header) {
		mac(o, d + 6);
		put(o, " > ");
		mac(o, d);
		put(o, ", ");
		link_ethertype(o, et, p->len);
	}
	d += 14;
	n -= 14;
	if ((et == 0x8100 || et == 0x88a8) && n >= 4) {
		put(o, "vlan %u, ", rd16(d) & 0xfff);
		et = rd16(d + 2);
		if (o->fmt->link_header)
			put(o, "ethertype %s (0x%04x), ", ethertype_name(et), et);
		d += 4;
		n -= 4;
	}
	by_ethertype(o, et, d, n, p->len);
}

/* Linux cooked (SLL): packet type, address type, address length, address, protocol. */
static void linux_cooked(struct out *o, const struct ctrcap_text_pkt *p)
{
	const uint8_t *d = p->data;
	uint16_t et = rd16(d + 14);

	if (o->fmt->link_header) {
		if (rd16(d + 4) == 6) {
			mac(o, d + 6);
			put(o, " ");
		}
		link_ethertype(o, et, p->len);
	}
	by_ethertype(o, et, d + 16, p->caplen - 16, p->len);
}

void ctrcap_packet_summary_fmt(const struct ctrcap_text_pkt *p,
			       const struct ctrcap_text_opts *fmt, struct ctrcap_text_state *st,
			       char *buf, size_t cap)
{
	struct out o = { { buf, cap, 0 }, fmt, st };

	if (cap)
		buf[0] = '\0';
	if (p->linktype == 1) {
		ethernet(&o, p);
	} else if (p->linktype == 101) {
		/* Raw IP has no link header: -e adds nothing. */
		if (p->caplen && (p->data[0] >> 4) == 6)
			ipv6(&o, p->data, p->caplen);
		else
			ipv4(&o, p->data, p->caplen);
	} else if (p->linktype == 113 && p->caplen >= 16) {
		linux_cooked(&o, p);
	} else {
		put(&o, "linktype %u, length %u", p->linktype, p->len);
	}
}

void ctrcap_packet_summary(const struct ctrcap_text_pkt *p, char *buf, size_t cap)
{
	static const struct ctrcap_text_opts plain;

	ctrcap_packet_summary_fmt(p, &plain, NULL, buf, cap);
}

/* "HH:MM:SS.frac" for a (signed) span of time; hours go past 24. */
static void span(char *buf, size_t cap, int64_t ns, bool nano)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	uint64_t sec = a / 1000000000ull;

	snprintf(buf, cap, "%s%02llu:%02u:%02u.", ns < 0 ? "-" : "",
		 (unsigned long long)(sec / 3600), (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
	if (nano)
		snprintf(buf + strlen(buf), cap - strlen(buf), "%09u",
			 (unsigned)(a % 1000000000ull));
	else
		snprintf(buf + strlen(buf), cap - strlen(buf), "%06u",
			 (unsigned)(a % 1000000000ull / 1000));
}

/*
 * The line's time stamp as fmt->ts asks, with the space after it ("" for
 * -t). Deltas may be negative: events of different CPUs come out of the
 * ring buffer slightly out of order.
 */
static void timestamp(char *buf, size_t cap, uint64_t ts_ns, const struct ctrcap_text_opts *fmt,
		      struct ctrcap_text_state *st)
{
	time_t sec = ts_ns / 1000000000ull;
	unsigned frac = fmt->nano ? ts_ns % 1000000000ull : ts_ns % 1000000000ull / 1000;
	int digits = fmt->nano ? 9 : 6;
	struct tm tm;
	char day[40];

	if (!st->seen) {
		st->first_ns = st->prev_ns = ts_ns;
		st->seen = true;
	}
	switch (fmt->ts) {
	case CTRCAP_TS_NONE:
		buf[0] = '\0';
		break;
	case CTRCAP_TS_EPOCH:
		snprintf(buf, cap, "%lld.%0*u ", (long long)sec, digits, frac);
		break;
	case CTRCAP_TS_DELTA:
		span(buf, cap, (int64_t)(ts_ns - st->prev_ns), fmt->nano);
		strncat(buf, " ", cap - strlen(buf) - 1);
		break;
	case CTRCAP_TS_SINCE_1ST:
		span(buf, cap, (int64_t)(ts_ns - st->first_ns), fmt->nano);
		strncat(buf, " ", cap - strlen(buf) - 1);
		break;
	case CTRCAP_TS_DATE:
	case CTRCAP_TS_TIME:
	default:
		localtime_r(&sec, &tm);
		strftime(day, sizeof(day),
			 fmt->ts == CTRCAP_TS_DATE ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
		snprintf(buf, cap, "%s.%0*u ", day, digits, frac);
		break;
	}
	st->prev_ns = ts_ns;
}

/* Bytes of link header before the network layer, as far as captured. */
static uint32_t link_header_len(const struct ctrcap_text_pkt *p)
{
	uint32_t n = 0;
	uint16_t et;

	if (p->linktype == 1) {
		n = 14;
		et = p->caplen >= 18 ? rd16(p->data + 12) : 0;
		if (et == 0x8100 || et == 0x88a8)
			n = 18;
	} else if (p->linktype == 113) {
		n = 16;
	}
	return n < p->caplen ? n : p->caplen;
}

/* -X beats -x beats -A, as in tcpdump; the doubled forms keep the link header. */
static void dump(FILE *f, const struct ctrcap_text_pkt *p, const struct ctrcap_text_opts *fmt)
{
	uint32_t skip = link_header_len(p);

	if (fmt->hex_ascii || fmt->hex) {
		if ((fmt->hex_ascii ? fmt->hex_ascii : fmt->hex) > 1)
			skip = 0;
		ctrcap_dump_hex(f, p->data + skip, p->caplen - skip, fmt->hex_ascii != 0);
	} else if (fmt->ascii) {
		ctrcap_dump_ascii(f, p->data + skip, p->caplen - skip);
	}
}

void ctrcap_drop_text(const struct ctrcap_identity *id, char *buf, size_t cap)
{
	char code[32] = "(no reason)";

	if (id->present & CTRCAP_HAS_DROP_REASON)
		snprintf(code, sizeof(code), "reason %u", id->drop_reason_code);
	snprintf(buf, cap, "DROP %.*s at %.*s",
		 id->drop_reason.ptr ? (int)id->drop_reason.len : (int)strlen(code),
		 id->drop_reason.ptr ? id->drop_reason.ptr : code,
		 id->drop_location.ptr ? (int)id->drop_location.len : 1,
		 id->drop_location.ptr ? id->drop_location.ptr : "?");
}

void ctrcap_packet_print(FILE *f, const struct ctrcap_text_pkt *p,
			 const struct ctrcap_identity *id, uint64_t packet_id,
			 const struct ctrcap_text_identity *how, const struct ctrcap_text_opts *fmt,
			 struct ctrcap_text_state *st)
{
	char sum[768], when[64], brief[1024] = "", drop[512] = "";
	struct ctrcap_identity part;
	bool is_drop = id && ctrcap_identity_is_drop(id);

	timestamp(when, sizeof(when), p->ts_ns, fmt, st);
	ctrcap_packet_summary_fmt(p, fmt, st, sum, sizeof(sum));
	if (is_drop)
		ctrcap_drop_text(id, drop, sizeof(drop));
	/* On the line only without -v: the lines under it say it all. */
	if (id && !how->verbose && how->line_ctx)
		ctrcap_identity_brief(id, how->line_ctx, brief, sizeof(brief));
	/* Like tcpdump, a file that names no interface or direction gets none printed. */
	fprintf(f, "%s%s%s%s%s%s%s%s\n", when, p->ifname, *p->ifname ? " " : "",
		is_drop ? "Drop " :
		p->direction == CTRCAP_DIR_IN ? "In " : p->direction == CTRCAP_DIR_OUT ? "Out " : "",
		sum, brief, is_drop && !how->verbose ? ", " : "", is_drop && !how->verbose ? drop : "");
	if (how->verbose && id) {
		char text[8192];

		if (is_drop)
			fprintf(f, "    %s\n", drop);
		ctrcap_identity_select(id, how->lines_ctx, &part);
		ctrcap_identity_format(&part, "    ", text, sizeof(text));
		fputs(text, f);
		if (how->verbose > 1)
			fprintf(f, "    Capture (packet id %llu, attributed by %s, netns %u, cgroup %llu)\n",
				(unsigned long long)packet_id,
				ctrcap_attribution_name(id->attribution), id->netns,
				(unsigned long long)id->cgroup_id);
	}
	dump(f, p, fmt);
}
