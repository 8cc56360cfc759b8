/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tc ingress/egress capture, tail-called by the filter program user space
 * generates per interface (capture-helper/pkt_filter_ebpf.c) for packets the
 * pcap filter accepted: attribution (own socket, the same packet seen on an
 * earlier hop, the flow, the reverse flow, as a NAT'd copy had it or through
 * conntrack), then one ring-buffer record
 * sized for this packet, not for the snaplen.
 */
#ifndef CTRCAP_TC_BPF_H
#define CTRCAP_TC_BPF_H

#include "ctrcap_maps.bpf.h"
#include "ctrcap_ct.bpf.h"

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

/*
 * What the header parse found: the flow, a hash of the fields no hop
 * changes, and the keys the packet is filed under in hop_seen
 * (ctrcap_hop_keys).
 */
struct ctrcap_parsed {
	struct ctrcap_flow_key fk;
	__u64 hop_hash;
	__u64 src_key;	/* hop_hash, source address and port */
	__u64 dst_key;	/* hop_hash, destination address and port */
	__u64 tuple;	/* both: equal on every hop NAT did not rewrite */
	bool has_flow;
	bool v6;	/* IPv6 (fk holds IPv4 as v4-mapped) */
};

/*
 * Where the parse and the copy read a packet: a tc program's skb
 * (bpf_skb_load_bytes), or, for a packet the kernel drops, the linear bytes
 * of its kernel skb from the header the capture starts at (len of them,
 * read with bpf_probe_read_kernel). kern is a constant at every use, so
 * each program keeps only its own branch.
 */
struct ctrcap_src {
	struct __sk_buff *skb;
	const __u8 *data;
	__u32 len;
	__u16 protocol;	/* skb->protocol (network order), for a packet without link header */
	bool kern;
};

/* Copy len bytes at offset off of the packet into to; 0 or negative. */
static __always_inline long ctrcap_load(const struct ctrcap_src *s, __u32 off, void *to, __u32 len)
{
	if (!s->kern)
		return bpf_skb_load_bytes(s->skb, off, to, len);
	if (off > s->len || len > s->len - off)
		return -1;
	return bpf_probe_read_kernel(to, len, s->data + off);
}

static __always_inline __u64 ctrcap_mix(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/*
 * Hash the fields no hop changes (not TTL, addresses, ports or checksums,
 * which NAT and routing rewrite; the endpoints go into the keys of
 * ctrcap_hop_keys): IP id/length/protocol, TCP seq/ack/flags/window and,
 * but on a SYN, the first 12 option bytes, UDP length, ICMP
 * type/code/sequence, and the first payload bytes.
 */
static __always_inline void ctrcap_parse_l4(const struct ctrcap_src *s, __u32 off, __u8 proto,
					    struct ctrcap_parsed *p)
{
	__u8 b[16] = {};
	__u64 w0 = 0, w1 = 0, w2 = 0;

	p->fk.proto = proto;
	if (proto == IPPROTO_TCP) {
		if (ctrcap_load(s, off, b, 16))
			return;
		__builtin_memcpy(&p->fk.sport, b, 2);
		__builtin_memcpy(&p->fk.dport, b + 2, 2);
		p->has_flow = true;
		__builtin_memcpy(&w0, b + 4, 8);	/* seq, ack */
		__builtin_memcpy(&w1, b + 12, 4);	/* offset, flags, window */
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w1);
		/*
		 * The options hold the timestamp, new in every transmission:
		 * with it a retransmission (which IPv6 gives no IP id to tell
		 * it apart) is a packet of its own. Where Linux puts it, in
		 * the first 12 bytes (NOP NOP TS, or SACK-permitted and TS).
		 * Not on a SYN or SYN-ACK: a router clamping the MSS rewrites
		 * those options, and a SYN is sent again only after 1 s.
		 */
		if (!(b[13] & 0x02) && (b[12] >> 4) >= 8) {
			__u32 w3 = 0;

			w2 = 0;
			ctrcap_load(s, off + 20, &w2, 8);
			ctrcap_load(s, off + 28, &w3, 4);
			p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w2), w3);
		}
		return;
	}
	if (proto == IPPROTO_UDP) {
		if (ctrcap_load(s, off, b, 8))
			return;
		__builtin_memcpy(&p->fk.sport, b, 2);
		__builtin_memcpy(&p->fk.dport, b + 2, 2);
		p->has_flow = true;
		__builtin_memcpy(&w0, b + 4, 2);	/* length */
		ctrcap_load(s, off + 8, &w2, 8);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w2);
		return;
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		if (ctrcap_load(s, off, b, 8))
			return;
		/* type, code and sequence; NAT rewrites the echo id. */
		w0 = (__u64)b[0] << 24 | (__u64)b[1] << 16 | (__u64)b[6] << 8 | b[7];
		ctrcap_load(s, off + 8, &w2, 8);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w0), w2);
	}
}

static __always_inline void ctrcap_parse(const struct ctrcap_src *s, bool eth,
					 struct ctrcap_parsed *p)
{
	__u32 off = 0;
	__u16 proto;
	__u8 b[40];

	if (eth) {
		if (ctrcap_load(s, 12, &proto, 2))
			return;
		off = 14;
		if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
			if (ctrcap_load(s, 16, &proto, 2))
				return;
			off = 18;
		}
	} else {
		proto = s->protocol;
	}
	p->hop_hash = ctrcap_mix(0, proto);
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 sa, da;
		__u8 ihl;

		if (ctrcap_load(s, off, b, 20))
			return;
		ihl = (b[0] & 0xf) * 4;
		if (ihl < 20)
			return;
		/* id, total length, protocol, fragment field */
		p->hop_hash = ctrcap_mix(p->hop_hash, (__u64)b[2] << 56 | (__u64)b[3] << 48 |
							       (__u64)b[4] << 40 | (__u64)b[5] << 32 |
							       (__u64)b[6] << 24 | (__u64)b[7] << 16 | b[9]);
		__builtin_memcpy(&sa, b + 12, 4);
		__builtin_memcpy(&da, b + 16, 4);
		ctrcap_v4mapped(p->fk.saddr, sa);
		ctrcap_v4mapped(p->fk.daddr, da);
		/* Only the first fragment has the L4 header. */
		if ((b[6] & 0x1f) || b[7])
			return;
		ctrcap_parse_l4(s, off + ihl, b[9], p);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (ctrcap_load(s, off, b, 40))
			return;
		p->v6 = true;
		/* flow label, payload length, next header */
		p->hop_hash = ctrcap_mix(p->hop_hash, (__u64)(b[1] & 0xf) << 48 | (__u64)b[2] << 40 |
							       (__u64)b[3] << 32 | (__u64)b[4] << 24 |
							       (__u64)b[5] << 16 | b[6]);
		__builtin_memcpy(p->fk.saddr, b + 8, 16);
		__builtin_memcpy(p->fk.daddr, b + 24, 16);
		ctrcap_parse_l4(s, off + 40, b[6], p);
	} else {
		/* ARP and others: hash the first bytes after the link header. */
		__u64 w[2] = {};

		ctrcap_load(s, off, w, 16);
		p->hop_hash = ctrcap_mix(ctrcap_mix(p->hop_hash, w[0]), w[1]);
	}
}

/*
 * The two keys a copy of a packet is filed under in hop_seen: the
 * hop-invariant hash with either endpoint (address and TCP/UDP port; 0 for
 * what the packet does not have). Two senders' equal datagrams to one
 * server differ in their source key, a reply differs from its request in
 * both (each key is salted with its side). NAT rewrites one endpoint per
 * direction, SNAT the source, DNAT and the replies to SNAT the destination,
 * so a copy past it keeps one key, and the tuple hash tells such a copy
 * from one on a plain hop, which keeps both.
 */
static __always_inline void ctrcap_hop_keys(struct ctrcap_parsed *p)
{
	__u64 a[2];

	__builtin_memcpy(a, p->fk.saddr, 16);
	p->src_key = ctrcap_mix(ctrcap_mix(ctrcap_mix(ctrcap_mix(p->hop_hash, 1), a[0]), a[1]),
				p->fk.sport);
	__builtin_memcpy(a, p->fk.daddr, 16);
	p->dst_key = ctrcap_mix(ctrcap_mix(ctrcap_mix(ctrcap_mix(p->hop_hash, 2), a[0]), a[1]),
				p->fk.dport);
	p->tuple = ctrcap_mix(p->src_key, p->dst_key);
}

/* How the copy found by ctrcap_hop_find matched this one. */
enum ctrcap_hop_match {
	CTRCAP_HOP_NONE,
	CTRCAP_HOP_TUPLE,	/* both endpoints: a plain hop */
	CTRCAP_HOP_DST,		/* only the destination: past SNAT, or another sender */
	CTRCAP_HOP_SRC,		/* only the source: past DNAT, or another destination */
};

/* Way @way (0 or 1) of the hop_seen set @key belongs to. */
static __always_inline struct ctrcap_hop_slot *ctrcap_hop_slot(__u64 key, __u32 way)
{
	__u32 idx = ((__u32)key & cfg_hop_mask & ~1u) | way;

	return bpf_map_lookup_elem(&hop_seen, &idx);
}

/* The copy filed under @key within the hop window, if any. */
static __always_inline struct ctrcap_hop *ctrcap_hop_get(__u64 key, __u64 now)
{
	struct ctrcap_hop_slot *s;
	__u32 way;

	for (way = 0; way < 2; way++) {
		s = ctrcap_hop_slot(key, way);
		if (s && s->key == key && now - s->hop.ts_ns < CTRCAP_HOP_WINDOW_NS)
			return &s->hop;
	}
	return NULL;
}

/*
 * File @h under @key: in the way that holds @key already, else in the
 * older of the two. The key is cleared while the copy is written, so that
 * a program on another CPU does not match a half-written slot (the
 * compiler keeps the order; the window left on weakly ordered CPUs is a
 * few nanoseconds of one slot).
 */
static __always_inline void ctrcap_hop_put(__u64 key, const struct ctrcap_hop *h)
{
	struct ctrcap_hop_slot *a = ctrcap_hop_slot(key, 0);
	struct ctrcap_hop_slot *b = ctrcap_hop_slot(key, 1);
	struct ctrcap_hop_slot *s;

	if (!a || !b)
		return;
	if (a->key == key)
		s = a;
	else if (b->key == key)
		s = b;
	else
		s = a->hop.ts_ns <= b->hop.ts_ns ? a : b;
	*(volatile __u64 *)&s->key = 0;
	asm volatile("" ::: "memory");
	s->hop = *h;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->key = key;
}

/*
 * An earlier copy of this packet seen within the window, and how it
 * matched. The destination key first: on the hops of a container's
 * outgoing packet it holds the packet's whole tuple unless a later packet
 * to the same server took its place, and then the source key still does.
 * Of two one-sided matches the newer is taken.
 */
static __always_inline struct ctrcap_hop *ctrcap_hop_find(const struct ctrcap_parsed *p,
							  __u64 now, enum ctrcap_hop_match *m)
{
	struct ctrcap_hop *d, *s;

	d = ctrcap_hop_get(p->dst_key, now);
	if (d && d->tuple == p->tuple) {
		*m = CTRCAP_HOP_TUPLE;
		return d;
	}
	s = ctrcap_hop_get(p->src_key, now);
	if (s && s->tuple == p->tuple) {
		*m = CTRCAP_HOP_TUPLE;
		return s;
	}
	if (d && (!s || d->ts_ns >= s->ts_ns)) {
		*m = CTRCAP_HOP_DST;
		return d;
	}
	*m = s ? CTRCAP_HOP_SRC : CTRCAP_HOP_NONE;
	return s;
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
 * Reserve a record of the hdr_len bytes at hdr and this packet's bytes in
 * a bucket of 'bucket' bytes (a power of two above caplen) and fill it;
 * hdr starts with a struct ctrcap_pkt_event.
 */
static __always_inline int ctrcap_emit(const struct ctrcap_src *s, const void *hdr,
				       const __u32 hdr_len, __u32 caplen, const __u32 bucket)
{
	struct ctrcap_pkt_event *e;
	__u64 n = caplen;

	e = ctrcap_ring_reserve(hdr_len + bucket);
	if (!e)
		return -1;
	__builtin_memcpy(e, hdr, hdr_len);
	/*
	 * Hide the caller's range so the mask the verifier needs stays, and
	 * copy ((n - 1) & mask) + 1 bytes (n itself, as n < bucket): a range
	 * of 1..bucket that 6.1's verifier accepts, where a "n == 0" test
	 * does not raise the minimum it knows.
	 */
	asm volatile("" : "+r"(n));
	if (n) {
		n = ((n - 1) & (bucket - 1)) + 1;
		if (ctrcap_load(s, 0, (void *)e + hdr_len, n))
			n = 0;
	}
	e->caplen = n;
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

/*
 * One record for the packet, sized for caplen bytes, not for the snaplen
 * (ctrcap_emit). 0, or -1 when the ring buffer is full.
 */
static __always_inline int ctrcap_emit_sized(const struct ctrcap_src *s, const void *hdr,
					     const __u32 hdr_len, __u32 caplen)
{
	/* Unrolled: each call gets its bucket (128 ... 32768) as the constant it needs. */
#pragma unroll
	for (int b = 7; b < 16; b++) {
		if (caplen < (1u << b))
			return ctrcap_emit(s, hdr, hdr_len, caplen, 1u << b);
	}
	return ctrcap_emit(s, hdr, hdr_len, caplen, 65536);
}

/* The capture length of a packet of len bytes: the snaplen, at most CTRCAP_MAX_CAPLEN. */
static __always_inline __u32 ctrcap_caplen(__u32 len)
{
	if (len > cfg_snaplen)
		len = cfg_snaplen;
	if (len > CTRCAP_MAX_CAPLEN)
		len = CTRCAP_MAX_CAPLEN;
	return len;
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

/*
 * The owner of a sent packet's socket: its record (socket storage, or the
 * cookie map), else, for a TCP socket with none (a request socket sending
 * a SYN-ACK, an accepted connection on a kernel where sock_ops cannot find
 * its listener), the listener of the packet's source address and port,
 * labelled as such and never as the socket's own.
 */
static __always_inline struct ctrcap_sock_rec *ctrcap_sk_owner(struct __sk_buff *skb, __u64 cookie,
							       const struct ctrcap_parsed *p,
							       __u64 netns_cookie)
{
	struct bpf_sock *sk = skb->sk;
	struct ctrcap_listen_key lk = {};
	struct ctrcap_sock_rec *r;

	if (!sk)
		return NULL;
	r = ctrcap_sock_rec_get(bpf_sk_fullsock(sk), cookie);
	if (r || !netns_cookie || !p->has_flow || p->fk.proto != IPPROTO_TCP)
		return r;
	lk.netns_cookie = netns_cookie;
	__builtin_memcpy(lk.addr, p->fk.saddr, 16);
	lk.port = bpf_ntohs(p->fk.sport);
	lk.proto = IPPROTO_TCP;
	return ctrcap_listener_find(&lk);
}

/*
 * Attribute a packet no socket record names (h->attribution 0 on entry):
 * the same packet on an earlier hop, the flow, the reverse flow (as a NAT'd
 * copy had it, or with @ct through conntrack; @skb is only read for that).
 * Sets h's attribution and owner when one is found; returns the earlier
 * hop matched (NULL if none, or if it is not this packet), how in *match.
 */
static __always_inline struct ctrcap_hop *ctrcap_attribute(struct __sk_buff *skb,
							   const struct ctrcap_parsed *p, __u64 now,
							   bool ct, struct ctrcap_pkt_event *h,
							   enum ctrcap_hop_match *match)
{
	struct ctrcap_owner *o = NULL;
	struct ctrcap_hop *hop = NULL;

	if (cfg_hops)
		hop = ctrcap_hop_find(p, now, match);
	if (p->has_flow && (!hop || *match != CTRCAP_HOP_TUPLE || !hop->owner.tgid))
		o = bpf_map_lookup_elem(&flow_owner, &p->fk);
	/*
	 * A copy matched by one endpoint only is this packet past a NAT
	 * or another packet of equal content that shares that endpoint
	 * (two clients' equal datagrams to one server). Past a NAT the
	 * tuple is nobody's socket; when it is a local socket's flow,
	 * this is that socket's own packet, a different one.
	 */
	if (o && *match != CTRCAP_HOP_TUPLE)
		hop = NULL;
	if (hop && hop->owner.tgid) {
		h->attribution = CTRCAP_BPF_ATTR_EARLIER_HOP;
		h->owner = hop->owner;
	} else if (o) {
		h->attribution = CTRCAP_BPF_ATTR_FLOW;
		h->owner = *o;
	} else if (p->has_flow) {
		struct ctrcap_flow_key rk = {};

		__builtin_memcpy(rk.saddr, p->fk.daddr, 16);
		__builtin_memcpy(rk.daddr, p->fk.saddr, 16);
		rk.sport = p->fk.dport;
		rk.dport = p->fk.sport;
		rk.proto = p->fk.proto;
		o = bpf_map_lookup_elem(&flow_owner, &rk);
		if (!o)
			o = ctrcap_nat_owner(skb, &p->fk, &rk, p->v6, ct);
		if (o) {
			h->attribution = CTRCAP_BPF_ATTR_REVERSE_FLOW;
			h->owner = *o;
		}
	}
	return hop;
}

/*
 * Capture and attribute one packet. @kctx: the device from the kernel skb
 * (ctrcap_where); @ct: conntrack may name a NAT reply's owner (ingress).
 */
static __always_inline int ctrcap_capture(struct __sk_buff *skb, __u8 direction, bool kctx,
					  bool ct)
{
	struct ctrcap_pkt_event h = {};
	struct ctrcap_parsed p = {};
	struct ctrcap_counters *c;
	__u32 slot = skb->cb[CTRCAP_CB_SLOT];
	__u64 netns_cookie;
	struct ctrcap_src src = { .skb = skb, .protocol = skb->protocol };
	struct ctrcap_hop *hop = NULL;
	enum ctrcap_hop_match match = CTRCAP_HOP_NONE;
	__u64 now = bpf_ktime_get_ns();
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

	ctrcap_parse(&src, eth, &p);
	ctrcap_hop_keys(&p);
	if (h.cookie && direction == 2) {
		struct ctrcap_sock_rec *r = ctrcap_sk_owner(skb, h.cookie, &p, netns_cookie);

		if (r) {
			h.attribution = r->attribution;
			h.owner = r->owner;
		}
	}
	/* Without a socket or listener: an earlier hop, the flow, the reverse flow. */
	if (!h.attribution) {
		hop = ctrcap_attribute(skb, &p, now, ct, &h, &match);
		if (!h.attribution) {
			h.attribution = CTRCAP_BPF_ATTR_IFACE_NETNS;
			/* Egress from a socket we never saw created: its cgroup at least. */
			if (h.cookie && direction == 2)
				h.owner.cgroup_id = bpf_skb_cgroup_id(skb);
		}
	}

	if ((h.attribution == CTRCAP_BPF_ATTR_SOCKET || h.attribution == CTRCAP_BPF_ATTR_LISTENER) &&
	    p.has_flow) {
		struct ctrcap_owner *fo = bpf_map_lookup_elem(&flow_owner, &p.fk);

		if (!fo || fo->tid != h.owner.tid || fo->cgroup_id != h.owner.cgroup_id ||
		    fo->start_ns != h.owner.start_ns)
			bpf_map_update_elem(&flow_owner, &p.fk, &h.owner, BPF_ANY);
	}

	/* The first hop of a packet (or a new send from a socket) gets a new id. */
	if (hop) {
		h.packet_id = hop->packet_id;
		if (!hop->owner.tgid && h.owner.tgid) {
			hop->owner = h.owner;
			hop->attribution = h.attribution;
		}
		/*
		 * Past a NAT: file this copy's rewritten side too, so that the
		 * hops after this one match it by their whole tuple.
		 */
		if (match != CTRCAP_HOP_TUPLE) {
			struct ctrcap_hop nh = {};

			nh.packet_id = hop->packet_id;
			nh.ts_ns = hop->ts_ns;
			nh.tuple = p.tuple;
			nh.attribution = h.attribution;
			nh.owner = h.owner;
			ctrcap_hop_put(match == CTRCAP_HOP_DST ? p.src_key : p.dst_key, &nh);
			/* The replies to it, before NAT is undone, find the owner. */
			if (h.attribution == CTRCAP_BPF_ATTR_EARLIER_HOP && p.has_flow)
				ctrcap_nat_record(&p.fk, &h.owner);
		}
	} else if (!cfg_hops) {
		h.packet_id = ctrcap_new_packet_id();
	} else {
		struct ctrcap_hop nh = {};

		h.packet_id = ctrcap_new_packet_id();
		nh.packet_id = h.packet_id;
		nh.ts_ns = now;
		nh.tuple = p.tuple;
		nh.attribution = h.attribution;
		nh.owner = h.owner;
		ctrcap_hop_put(p.src_key, &nh);
		ctrcap_hop_put(p.dst_key, &nh);
	}

	h.caplen = ctrcap_caplen(skb->len);
	err = ctrcap_emit_sized(&src, &h, sizeof(h), h.caplen);
	ctrcap_count(c, err != 0);
	return TC_ACT_UNSPEC;
}

/* The pair used where the kernel has bpf_cast_to_kern_ctx (6.2+). */
SEC("tc")
int ctrcap_tc_ingress(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, true, false);
}

SEC("tc")
int ctrcap_tc_egress(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 2, true, false);
}

/* The pair for older kernels: the device's namespace and type from skb->cb. */
SEC("tc")
int ctrcap_tc_ingress_cb(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, false, false);
}

SEC("tc")
int ctrcap_tc_egress_cb(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 2, false, false);
}

/*
 * Ingress with conntrack (the nf_conntrack kfuncs, 5.18+, with nf_conntrack
 * loaded), in place of the one above without: replies arrive before NAT is
 * undone on ingress; on egress it is undone already.
 */
SEC("tc")
int ctrcap_tc_ingress_ct(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, true, true);
}

SEC("tc")
int ctrcap_tc_ingress_cb_ct(struct __sk_buff *skb)
{
	return ctrcap_capture(skb, 1, false, true);
}

#endif /* CTRCAP_TC_BPF_H */
