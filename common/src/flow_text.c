// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A frame's flow as text, for the journey table: the link header skipped,
 * the IP header and the ports read, nothing more. Both the helper (-r
 * --journey) and the plugin's tap call it on the same bytes, so both name a
 * flow alike whatever Wireshark's own dissection makes of the frame.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctrcap/journey.h"

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Offset of the network header and its ethertype for linktype; -1 if none. */
static int net_offset(uint16_t linktype, const uint8_t *d, uint32_t len, unsigned *etype)
{
	uint32_t off;

	switch (linktype) {
	case 1: /* Ethernet, with up to two VLAN tags */
		if (len < 14)
			return -1;
		off = 12;
		*etype = be16(d + off);
		for (int tags = 0; tags < 2 && (*etype == 0x8100 || *etype == 0x88a8); tags++) {
			if (len < off + 6)
				return -1;
			off += 4;
			*etype = be16(d + off);
		}
		return (int)off + 2;
	case 113: /* Linux cooked v1: protocol at 14 */
		if (len < 16)
			return -1;
		*etype = be16(d + 14);
		return 16;
	case 276: /* Linux cooked v2: protocol first */
		if (len < 20)
			return -1;
		*etype = be16(d);
		return 20;
	case 12: case 14: case 101: case 228: case 229: /* raw IP: the version says which */
		if (len < 1)
			return -1;
		*etype = (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
		return 0;
	default:
		return -1;
	}
}

/* "TCP", "UDP", ... for an IP protocol number; NULL for one without a name here. */
static const char *proto_name(unsigned p)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 58: return "ICMPv6";
	case 132: return "SCTP";
	default: return NULL;
	}
}

static void print_flow(char *buf, size_t cap, int family, unsigned proto, const uint8_t *src,
		       const uint8_t *dst, const uint8_t *l4, uint32_t l4len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pname[24];
	const char *name = proto_name(proto);
	bool ports = l4 && l4len >= 4 && (proto == 6 || proto == 17 || proto == 132);
	bool v6 = family == AF_INET6;

	inet_ntop(family, src, a, sizeof(a));
	inet_ntop(family, dst, b, sizeof(b));
	if (!name) {
		snprintf(pname, sizeof(pname), "%s proto %u", v6 ? "IPv6" : "IP", proto);
		name = pname;
	}
	if (!ports) {
		snprintf(buf, cap, "%s %s > %s", name, a, b);
		return;
	}
	snprintf(buf, cap, v6 ? "%s [%s]:%u > [%s]:%u" : "%s %s:%u > %s:%u", name, a, be16(l4), b,
		 be16(l4 + 2));
}

/* The IPv6 header at d: extension headers skipped to the transport header. */
static void flow_v6(const uint8_t *d, uint32_t len, char *buf, size_t cap)
{
	unsigned nh = d[6];
	uint32_t off = 40;
	bool first_frag = true;

	for (int n = 0; n < 8 && off + 8 <= len; n++) {
		if (nh == 0 || nh == 43 || nh == 60) {
			uint32_t l = ((uint32_t)d[off + 1] + 1) * 8;

			nh = d[off];
			off += l;
		} else if (nh == 44) {
			first_frag = (be16(d + off + 2) & 0xfff8) == 0;
			nh = d[off];
			off += 8;
		} else if (nh == 51) {
			uint32_t l = ((uint32_t)d[off + 1] + 2) * 4;

			nh = d[off];
			off += l;
		} else {
			break;
		}
	}
	print_flow(buf, cap, AF_INET6, nh, d + 8, d + 24, first_frag && off < len ? d + off : NULL,
		   off < len ? len - off : 0);
}

void ctrcap_flow_text(uint16_t linktype, const uint8_t *data, uint32_t caplen, char *buf,
		      size_t cap)
{
	unsigned etype = 0;
	int off = net_offset(linktype, data, caplen, &etype);
	const uint8_t *d;
	uint32_t len, ihl;
	bool first_frag;

	if (off < 0) {
		snprintf(buf, cap, "link-type %u", linktype);
		return;
	}
	d = data + off;
	len = caplen - (uint32_t)off;
	if (etype == 0x0800 && len >= 20 && (d[0] >> 4) == 4) {
		ihl = (uint32_t)(d[0] & 15) * 4;
		/* A later fragment has no ports: the flow without them. */
		first_frag = (be16(d + 6) & 0x1fff) == 0;

		print_flow(buf, cap, AF_INET, d[9], d + 12, d + 16,
			   ihl >= 20 && ihl < len && first_frag ? d + ihl : NULL,
			   ihl < len ? len - ihl : 0);
		return;
	}
	if (etype == 0x86dd && len >= 40 && (d[0] >> 4) == 6) {
		flow_v6(d, len, buf, cap);
		return;
	}
	snprintf(buf, cap, "ethertype 0x%04x", etype);
}
