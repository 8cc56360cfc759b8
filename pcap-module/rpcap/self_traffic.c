// SPDX-License-Identifier: GPL-2.0-or-later
/* The server's own connection in the captured stream (see self_traffic.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "self_traffic.h"

#define LT_ETHERNET 1u
#define LT_RAW 101u
#define LT_LINUX_SLL 113u
#define LT_IPV4 228u
#define LT_IPV6 229u
#define LT_LINUX_SLL2 276u

#define ETH_IP 0x0800u
#define ETH_IP6 0x86ddu
#define ETH_VLAN 0x8100u

static int endpoint(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port,
		    uint8_t *version)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		memset(addr, 0, 16);
		memcpy(addr, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
		*version = 4;
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
		*version = 6;
		return 0;
	}
	return -1;
}

int self_conn_from_fd(struct self_conn *s, int fd)
{
	struct sockaddr_storage l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p);
	uint8_t v2;

	s->set = false;
	if (getsockname(fd, (struct sockaddr *)&l, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&p, &pl) < 0)
		return -1;
	if (endpoint(&l, s->local, &s->local_port, &s->version) < 0 ||
	    endpoint(&p, s->peer, &s->peer_port, &v2) < 0 || v2 != s->version)
		return -1;
	s->set = true;
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset and ethertype of the network header, or -1 for other link types. */
static long l3_offset(uint32_t linktype, const uint8_t *pkt, uint32_t caplen, uint16_t *proto)
{
	switch (linktype) {
	case LT_ETHERNET: {
		uint32_t off = 12;

		if (caplen < 14)
			return -1;
		*proto = be16(pkt + 12);
		if (*proto == ETH_VLAN) {
			if (caplen < 18)
				return -1;
			*proto = be16(pkt + 16);
			off = 16;
		}
		return off + 2;
	}
	case LT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		*proto = be16(pkt + 14);
		return 16;
	case LT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		*proto = be16(pkt);
		return 20;
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
		if (caplen < 1)
			return -1;
		*proto = (pkt[0] >> 4) == 6 ? ETH_IP6 : ETH_IP;
		return 0;
	}
	return -1;
}

static bool ends_match(const struct self_conn *s, const uint8_t *src, const uint8_t *dst,
		       size_t alen, uint16_t sport, uint16_t dport)
{
	if (!memcmp(src, s->local, alen) && !memcmp(dst, s->peer, alen) &&
	    sport == s->local_port && dport == s->peer_port)
		return true;
	return !memcmp(src, s->peer, alen) && !memcmp(dst, s->local, alen) &&
	       sport == s->peer_port && dport == s->local_port;
}

bool self_conn_match(const struct self_conn *s, uint32_t linktype, const uint8_t *pkt,
		     uint32_t caplen)
{
	const uint8_t *ip;
	uint16_t proto = 0;
	uint32_t len, hl;
	long off;

	if (!s->set)
		return false;
	off = l3_offset(linktype, pkt, caplen, &proto);
	if (off < 0)
		return false;
	ip = pkt + off;
	len = caplen - (uint32_t)off;
	if (proto == ETH_IP && s->version == 4) {
		if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
			return false;
		hl = (uint32_t)(ip[0] & 0x0f) * 4;
		if (hl < 20 || len < hl + 4)
			return false;
		return ends_match(s, ip + 12, ip + 16, 4, be16(ip + hl), be16(ip + hl + 2));
	}
	if (proto == ETH_IP6 && s->version == 6) {
		/* Extension headers are not followed: loopback TCP has none. */
		if (len < 40 + 4 || (ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP)
			return false;
		return ends_match(s, ip + 8, ip + 24, 16, be16(ip + 40), be16(ip + 42));
	}
	return false;
}
