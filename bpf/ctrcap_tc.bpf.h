/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tc ingress/egress capture, tail-called by the filter program user space
 * generates per interface (capture-helper/pkt_filter_ebpf.c) for packets the
 * pcap filter accepted: attribution (own socket, the same packet seen on an
 * earlier hop, the flow, the reverse flow), then one ring-buffer record
 * sized for this packet, not for the snaplen.
 */
#ifndef CTRCAP_TC_BPF_H
#define CTRCAP_TC_BPF_H

#include "ctrcap_maps.bpf.h"

#define TC_ACT_UNSPEC (-1)
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define IPPROTO_ICMP 1
#define IPPROTO_ICMPV6 58

/*
 * 6.2+. Weak: on older kernels the programs that call it are not loaded
 * (capture.c sets their autoload off) and libbpf leaves it unresolved.
 */
extern void *bpf_cast_to_kern_ctx(void *) __ksym __weak;

/* What the header parse found: the flow and a hop-invariant hash. */
struct ctrcap_parsed {
	struct ctrcap_flow_key fk;
	__u64 hop_hash;
	bool has_flow;
};

static __always_inline __u64 ctrcap_mix(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/*
 * Hash the fields no hop changes (not TTL, addresses, ports or checksums,
 * which NAT and routing rewrite): IP id/length/protocol, TCP seq/ack/flags,
 * UDP length, ICMP type/code/sequence, and the first payload bytes.
 */
static __always_inline void ctrcap_parse_l4(struct __sk_buff *skb, __u32 off, __u8 proto,
					    struct ctrcap_parsed *p)
{
	__u8 b[16] = {};
	__u64 w0 = 0, w1 = 0, w2 = 0;

	p->fk.proto = proto;
	if (proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, b, 16))
			return;
		__builtin_memcpy(&p->fk.sport, b, 2);
		__builtin_memcpy(&p->fk.dport, b + 2, 2);
		p->has_flow = true;
		__builtin_memcpy(&w0, b + 4, 8);	/* seq, ack */
		__builtin_memcpy(&w1, b + 12, 4);	/* offset, flags, window */
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w1);
		return;
	}
	if (proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, off, b, 8))
			return;
		__builtin_memcpy(&p->fk.sport, b, 2);
		__builtin_memcpy(&p->fk.dport, b + 2, 2);
		p->has_flow = true;
		__builtin_memcpy(&w0, b + 4, 2);	/* length */
		bpf_skb_load_bytes(skb, off + 8, &w2, 8);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w2);
		return;
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		if (bpf_skb_load_bytes(skb, off, b, 8))
			return;
		/* type, code and sequence; NAT rewrites the echo id. */
		w0 = (__u64)b[0] << 24 | (__u64)b[1] << 16 | (__u64)b[6] << 8 | b[7];
		bpf_skb_load_bytes(skb, off + 8, &w2, 8);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w2);
	}
}

static __always_inline void ctrcap_parse(struct __sk_buff *skb, bool eth, struct ctrcap_parsed *p)
{
	__u32 off = 0;
	__u16 proto;
	__u8 b[40];

	if (eth) {
		if (bpf_skb_load_bytes(skb, 12, &proto, 2))
			return;
		off = 14;
		if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
			if (bpf_skb_load_bytes(skb, 16, &proto, 2))
				return;
			off = 18;
		}
	} else {
		proto = skb->protocol;
	}
	p->hop_hash = ctrcap_mix(0, proto);
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 s, d;
		__u8 ihl;

		if (bpf_skb_load_bytes(skb, off, b, 20))
			return;
		ihl = (b[0] & 0xf) * 4;
		if (ihl < 20)
			return;
		/* id, total length, protocol, fragment field */
		p->hop_hash = ctrcap_mix(p->hop_hash, (__u64)b[2] << 56 | (__u64)b[3] << 48 |
							       (__u64)b[4] << 40 | (__u64)b[5] << 32 |
							       (__u64)b[6] << 24 | (__u64)b[7] << 16 | b[9]);
		__builtin_memcpy(&s, b + 12, 4);
		__builtin_memcpy(&d, b + 16, 4);
		ctrcap_v4mapped(p->fk.saddr, s);
		ctrcap_v4mapped(p->fk.daddr, d);
		/* Only the first fragment has the L4 header. */
		if ((b[6] & 0x1f) || b[7])
			return;
		ctrcap_parse_l4(skb, off + ihl, b[9], p);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, off, b, 40))
			return;
		/* flow label, payload length, next header */
		p->hop_hash = ctrcap_mix(p->hop_hash, (__u64)(b[1] & 0xf) << 48 | (__u64)b[2] << 40 |
							       (__u64)b[3] << 32 | (__u64)b[4] << 24 |
							       (__u64)b[5] << 16 | b[6]);
		__builtin_memcpy(p->fk.saddr, b + 8, 16);
		__builtin_memcpy(p->fk.daddr, b + 24, 16);
		ctrcap_parse_l4(skb, off + 40, b[6], p);
	} else {
		/* ARP and others: hash the first bytes after the link header. */
		__u64 w[2] = {};

		bpf_skb_load_bytes(skb, off, w, 16);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w[0]), w[1]);
	}
}

/* Count a matched packet as captured or, when the ring buffer was full, dropped. */
static __always_inline void ctrcap_count(struct ctrcap_counters *c, bool dropped)
{
	if (!c)
		return;
	if (dropped)
		c->dropped++;
	else
		c->captured++;
}

/*
 * Reserve a record for this packet in a bucket of 'bucket' bytes (a power
 * of two above caplen) and fill it.
 */
static __always_inline int ctrcap_emit(struct __sk_buff *skb, const struct ctrcap_pkt_event *h,
				       __u32 caplen, const __u32 bucket)
{
	struct ctrcap_pkt_event *e;
	__u64 n = caplen;

	e = bpf_ringbuf_reserve(&events, sizeof(*e) + bucket, 0);
	if (!e)
		return -1;
	__builtin_memcpy(e, h, sizeof(*e));
	/*
	 * Hide the caller's range so the mask the verifier needs stays, and
	 * copy ((n - 1) & mask) + 1 bytes (n itself, as n < bucket): a range
	 * of 1..bucket that 6.1's verifier accepts, where a "n == 0" test
	 * does not raise the minimum it knows.
	 */
	asm volatile("" : "+r"(n));
	if (n) {
		n = ((n - 1) & (bucket - 1)) + 1;
		if (bpf_skb_load_bytes(skb, 0, (void *)(e + 1), n))
			n = 0;
	}
	e->caplen = n;
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

/*
 * Where the packet is: its device's netns (inode and cookie) and type.
 * With kctx (6.2+) read from the device on every packet, so a device that
 * moved to another namespace is named right at once; without, the values
 * the interface's filter program put in skb->cb when it was loaded.
 */
static __always_inline void ctrcap_where(struct __sk_buff *skb, bool kctx,
					 struct ctrcap_pkt_event *h, __u64 *netns_cookie)
{
	if (kctx) {
		/*
		 * Direct loads through the kernel skb (CO-RE relocated, faulting
		 * loads the verifier guards): a BPF_CORE_READ chain would be
		 * several helper calls.
		 */
		struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
		struct net_device *dev = kskb->dev;
		struct net *net = dev->nd_net.net;

		h->netns = net->ns.inum;
		h->dev_type = dev->type;
		*netns_cookie = net->net_cookie;
		return;
	}
	h->netns = skb->cb[CTRCAP_CB_NETNS];
	h->dev_type = skb->cb[CTRCAP_CB_DEV_TYPE];
	*netns_cookie = (__u64)skb->cb[CTRCAP_CB_COOKIE_HI] << 32 | skb->cb[CTRCAP_CB_COOKIE_LO];
}

static __always_inline int ctrcap_capture(struct __sk_buff *skb, __u8 direction, bool kctx)
{
	struct ctrcap_pkt_event h = {};
	struct ctrcap_parsed p = {};
	struct ctrcap_counters *c;
	__u32 slot = skb->cb[CTRCAP_CB_SLOT];
	__u64 netns_cookie;
	struct ctrcap_owner *o = NULL;
	struct ctrcap_hop *hop = NULL;
	__u64 now = bpf_ktime_get_ns();
	__u32 caplen;
	bool eth;
	int err;

	ctrcap_where(skb, kctx, &h, &netns_cookie);
	h.ifindex = skb->ifindex;
	eth = h.dev_type == ARPHRD_ETHER || h.dev_type == ARPHRD_LOOPBACK;
	c = bpf_map_lookup_elem(&if_counters, &slot);
	h.type = CTRCAP_EV_PACKET;
	h.len = skb->len;
	h.direction = direction;
	h.ts_ns = now;
	h.cookie = bpf_get_socket_cookie(skb);

	ctrcap_parse(skb, eth, &p);
	if (h.cookie && direction == 2) {
		o = bpf_map_lookup_elem(&sock_owner, &h.cookie);
		/* A SYN-ACK leaves from a request socket: its listener owns it. */
		if (!o && p.has_flow && netns_cookie) {
			struct ctrcap_listen_key lk = {};

			lk.netns_cookie = netns_cookie;
			lk.port = bpf_ntohs(p.fk.sport);
			lk.proto = p.fk.proto;
			o = bpf_map_lookup_elem(&listen_owner, &lk);
		}
	}
	if (o) {
		h.attribution = CTRCAP_BPF_ATTR_SOCKET;
		h.owner = *o;
	} else {
		if (cfg_hops)
			hop = bpf_map_lookup_elem(&hop_seen, &p.hop_hash);
		if (hop && now - hop->ts_ns < CTRCAP_HOP_WINDOW_NS && hop->owner.tgid) {
			h.attribution = CTRCAP_BPF_ATTR_EARLIER_HOP;
			h.owner = hop->owner;
		} else if (p.has_flow && (o = bpf_map_lookup_elem(&flow_owner, &p.fk))) {
			h.attribution = CTRCAP_BPF_ATTR_FLOW;
			h.owner = *o;
		} else if (p.has_flow) {
			struct ctrcap_flow_key rk = {};

			__builtin_memcpy(rk.saddr, p.fk.daddr, 16);
			__builtin_memcpy(rk.daddr, p.fk.saddr, 16);
			rk.sport = p.fk.dport;
			rk.dport = p.fk.sport;
			rk.proto = p.fk.proto;
			o = bpf_map_lookup_elem(&flow_owner, &rk);
			if (o) {
				h.attribution = CTRCAP_BPF_ATTR_REVERSE_FLOW;
				h.owner = *o;
			}
		}
		if (!h.attribution) {
			h.attribution = CTRCAP_BPF_ATTR_IFACE_NETNS;
			/* Egress from a socket we never saw created: its cgroup at least. */
			if (h.cookie && direction == 2)
				h.owner.cgroup_id = bpf_skb_cgroup_id(skb);
		}
	}

	if (h.attribution == CTRCAP_BPF_ATTR_SOCKET && p.has_flow) {
		struct ctrcap_owner *fo = bpf_map_lookup_elem(&flow_owner, &p.fk);

		if (!fo || fo->tid != h.owner.tid || fo->cgroup_id != h.owner.cgroup_id)
			bpf_map_update_elem(&flow_owner, &p.fk, &h.owner, BPF_ANY);
	}

	/* The first hop of a packet (or a new send from a socket) gets a new id. */
	if (hop && h.attribution != CTRCAP_BPF_ATTR_SOCKET && now - hop->ts_ns < CTRCAP_HOP_WINDOW_NS) {
		h.packet_id = hop->packet_id;
		if (!hop->owner.tgid && h.owner.tgid) {
			hop->owner = h.owner;
			hop->attribution = h.attribution;
		}
	} else if (!cfg_hops) {
		h.packet_id = ctrcap_new_packet_id();
	} else {
		struct ctrcap_hop nh = {};

		h.packet_id = ctrcap_new_packet_id();
		nh.packet_id = h.packet_id;
		nh.ts_ns = now;
		nh.attribution = h.attribution;
		nh.owner = h.owner;
		bpf_map_update_elem(&hop_seen, &p.hop_hash, &nh, BPF_ANY);
	}

	caplen = skb->len;
	if (caplen > cfg_snaplen)
		caplen = cfg_snaplen;
	if (caplen > CTRCAP_MAX_CAPLEN)
		caplen = CTRCAP_MAX_CAPLEN;
	h.caplen = caplen;

	if (caplen < 128)
		err = ctrcap_emit(skb, &h, caplen, 128);
	else if (caplen < 256)
		err = ctrcap_emit(skb, &h, caplen, 256);
	else if (caplen < 512)
		err = ctrcap_emit(skb, &h, caplen, 512);
	else if (caplen < 1024)
		err = ctrcap_emit(skb, &h, caplen, 1024);
	else if (caplen < 2048)
		err = ctrcap_emit(skb, &h, caplen, 2048);
	else if (caplen < 4096)
		err = ctrcap_emit(skb, &h, caplen, 4096);
	else if (caplen < 8192)
		err = ctrcap_emit(skb, &h, caplen, 8192);
	else if (caplen < 16384)
		err = ctrcap_emit(skb, &h, caplen, 16384);
	else if (caplen < 32768)
		err = ctrcap_emit(skb, &h, caplen, 32768);
	else
		err = ctrcap_emit(skb, &h, caplen, 65536);
	ctrcap_count(c, err != 0);
	return TC_ACT_UNSPEC;
}

/* The pair used where the kernel has bpf_cast_to_kern_ctx (6.2+). */
SEC("tc")
int ctrcap_tc_ingress(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, true);
}

SEC("tc")
int ctrcap_tc_egress(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 2, true);
}

/* The pair for older kernels: the device's namespace and type from skb->cb. */
SEC("tc")
int ctrcap_tc_ingress_cb(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, false);
}

SEC("tc")
int ctrcap_tc_egress_cb(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 2, false);
}

#endif /* CTRCAP_TC_BPF_H */
