/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --drops: packets the kernel drops, from the raw tracepoint skb:kfree_skb
 * (consume_skb is the tracepoint of normal frees). Each is parsed and
 * attributed as on a tc hop (ctrcap_tc.bpf.h), reading the kernel skb's
 * linear bytes, and handed to user space with the drop reason and the
 * dropping code's address. Only drops on a captured interface (or, with no
 * device, in a captured namespace) reach the ring: a flood of drops
 * elsewhere costs a map lookup each, not ring space. User space applies
 * the pcap filter and the identity filters.
 */
#ifndef CTRCAP_DROP_BPF_H
#define CTRCAP_DROP_BPF_H

#include "ctrcap_tc.bpf.h"
#include "ctrcap_drop_maps.bpf.h"

/* Set by user space: --drops given (the programs are not loaded otherwise). */
const volatile bool cfg_drops = false;
/* Set by user space: a pcap filter to run on drops in the kernel (drop_tail). */
const volatile bool cfg_drop_filter = false;

/*
 * Where drops are captured: the interfaces the tc programs are attached to
 * and their namespaces (struct ctrcap_drop_where), kept by user space
 * (capture-helper/drop_select.c) as it attaches and detaches.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CTRCAP_DROP_WHERE_MAX);
	__type(key, struct ctrcap_drop_where);
	__type(value, __u8);
} drop_where SEC(".maps");

/* Hand a drop to user space and count it. */
static __always_inline void ctrcap_drop_out(const struct ctrcap_src *src,
					     const struct ctrcap_drop_event *d)
{
	struct ctrcap_drop_counters *cnt;
	__u32 zero = 0;
	int err = ctrcap_emit_sized(src, d, sizeof(*d), d->pkt.caplen);

	cnt = bpf_map_lookup_elem(&drop_counts, &zero);
	if (!cnt)
		return;
	if (err)
		cnt->lost++;
	else
		cnt->captured++;
}

/*
 * Through the pcap filter first: the drop goes into this CPU's scratch
 * with its first bytes, and the filter program for its framing takes it
 * from there (it tail-calls ctrcap_drop_emit, or counts a rejection). A
 * drop that interrupted another one's way through (busy) or finds no
 * filter program goes out unfiltered: user space filters every drop again.
 */
static __always_inline void ctrcap_drop_filter(void *ctx, const struct ctrcap_src *src,
					       const struct ctrcap_drop_event *d)
{
	struct ctrcap_drop_scratch *sc;
	__u32 zero = 0;
	__u64 n = d->pkt.caplen;

	sc = bpf_map_lookup_elem(&drop_scratch, &zero);
	if (!sc || sc->busy)
		return;
	sc->busy = 1;
	__builtin_memcpy(&sc->d, d, sizeof(*d));
	sc->src_data = (__u64)(unsigned long)src->data;
	sc->src_len = src->len;
	if (n > CTRCAP_DROP_FILTER_BYTES)
		n = CTRCAP_DROP_FILTER_BYTES;
	/* As in ctrcap_emit: a range 1..CTRCAP_DROP_FILTER_BYTES every verifier accepts. */
	asm volatile("" : "+r"(n));
	/* No bytes to judge (none, or unreadable): the filter would reject what user space may keep. */
	if (!n)
		goto out;
	n = ((n - 1) & (CTRCAP_DROP_FILTER_BYTES - 1)) + 1;
	if (ctrcap_load(src, 0, sc->bytes, n))
		goto out;
	sc->copied = n;
	bpf_tail_call(ctx, &drop_tail, d->start == CTRCAP_DROP_FROM_MAC ? CTRCAP_DROP_TAIL_ETH
								      : CTRCAP_DROP_TAIL_RAW);
out:
	sc->busy = 0;
}

/*
 * A reason that is no drop: the skb was freed after use (SKB_CONSUMED,
 * 6.1+, traced as consume_skb but kept here for kernels that route it
 * through kfree_skb), or a plain kfree_skb() with no reason given
 * (NOT_SPECIFIED: error and cleanup paths that are not packet drops).
 * Values from the running kernel's BTF: they differ between kernels.
 */
static __always_inline bool ctrcap_drop_normal(__u32 reason)
{
	if (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
		return true;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return true;
	return bpf_core_enum_value_exists(enum skb_drop_reason, SKB_NOT_DROPPED_YET) &&
	       reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET);
}

/*
 * Where the dropped packet is: its device's netns, index and type, else
 * (a packet not yet routed out) its socket's netns.
 */
static __always_inline void ctrcap_drop_locate(struct sk_buff *skb, struct ctrcap_pkt_event *h)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	struct sock *sk;

	if (dev) {
		h->ifindex = BPF_CORE_READ(dev, ifindex);
		h->dev_type = BPF_CORE_READ(dev, type);
		h->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
		return;
	}
	sk = BPF_CORE_READ(skb, sk);
	if (sk)
		h->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/*
 * Capture one dropped skb. @has_reason: the tracepoint passes the reason
 * (args: skb, location, reason[, rx_sk]); a constant, so the program for
 * kernels without it has no relocation against enum skb_drop_reason.
 */
static __always_inline int ctrcap_drop(void *ctx, __u64 *args, bool has_reason)
{
	struct sk_buff *skb = (struct sk_buff *)args[0];
	struct ctrcap_drop_event d = {};
	struct ctrcap_parsed p = {};
	struct ctrcap_src src = { .kern = true };
	struct ctrcap_drop_counters *cnt;
	struct ctrcap_drop_where where;
	enum ctrcap_hop_match match = CTRCAP_HOP_NONE;
	struct ctrcap_hop *hop;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, start, tail, data, len;
	__u16 mac, net;
	unsigned char *head;
	__u8 ver = 0;
	bool eth;

	if (!cfg_drops || !skb)
		return 0;
	if (has_reason) {
		d.reason = (__u32)args[2];
		d.has_reason = 1;
		if (ctrcap_drop_normal(d.reason))
			return 0;
	}
	d.location = args[1];
	ctrcap_drop_locate(skb, &d.pkt);
	where.netns = d.pkt.netns;
	where.ifindex = d.pkt.ifindex;
	if (!where.netns || !bpf_map_lookup_elem(&drop_where, &where)) {
		cnt = bpf_map_lookup_elem(&drop_counts, &zero);
		if (cnt)
			cnt->elsewhere++;
		return 0;
	}

	/*
	 * From the mac header when an Ethernet-framed device set one (an
	 * arriving or forwarded packet), else from the network header (a
	 * packet dropped on its way out, before its link header is built).
	 */
	head = BPF_CORE_READ(skb, head);
	mac = BPF_CORE_READ(skb, mac_header);
	net = BPF_CORE_READ(skb, network_header);
	tail = BPF_CORE_READ(skb, tail);
	data = BPF_CORE_READ(skb, data) - head;
	eth = (d.pkt.dev_type == ARPHRD_ETHER || d.pkt.dev_type == ARPHRD_LOOPBACK) &&
	      mac != (__u16)~0U && net != (__u16)~0U && net >= mac + 14;
	if (eth) {
		start = mac;
		d.start = CTRCAP_DROP_FROM_MAC;
	} else {
		start = net != (__u16)~0U ? net : data;
		d.start = CTRCAP_DROP_FROM_NET;
	}
	if (tail <= start || start > data + 64)
		return 0;
	src.data = head + start;
	src.len = tail - start;
	if (!eth) {
		/* The IP version, not skb->protocol, which a packet on its way out may not have yet. */
		ctrcap_load(&src, 0, &ver, 1);
		ver >>= 4;
		if (ver == 4)
			src.protocol = bpf_htons(ETH_P_IP);
		else if (ver == 6)
			src.protocol = bpf_htons(ETH_P_IPV6);
		else
			return 0;
	}

	ctrcap_parse(&src, eth, &p);
	ctrcap_hop_keys(&p);
	/*
	 * Attributed as a hop is, read-only: a drop is the end of a journey,
	 * not a copy later hops should match, nor a socket's own packet.
	 */
	hop = ctrcap_attribute(NULL, &p, now, false, &d.pkt, &match);
	if (!d.pkt.attribution)
		d.pkt.attribution = CTRCAP_BPF_ATTR_IFACE_NETNS;
	/*
	 * The same id as the packet's earlier hops, so the journey ends in
	 * its drop. A drop in process context may be interrupted by a tc
	 * program on this CPU between the read and the write of the id
	 * counter: rarely, two packets then share an id (as on PREEMPT_RT).
	 */
	d.pkt.packet_id = hop ? hop->packet_id : ctrcap_new_packet_id();
	d.pkt.type = CTRCAP_EV_DROP;
	d.pkt.ts_ns = now;
	len = BPF_CORE_READ(skb, len) + data - start;
	d.pkt.len = len;
	d.pkt.caplen = ctrcap_caplen(len < src.len ? len : src.len);

	if (cfg_drop_filter)
		ctrcap_drop_filter(ctx, &src, &d);
	ctrcap_drop_out(&src, &d);
	return 0;
}

/* Kernels whose skb:kfree_skb passes the drop reason (5.17+). */
SEC("raw_tp/kfree_skb")
int ctrcap_drop_reason(struct bpf_raw_tracepoint_args *ctx)
{
	return ctrcap_drop(ctx, ctx->args, true);
}

/* Older kernels: skb and location only; every kfree_skb() is a drop there. */
SEC("raw_tp/kfree_skb")
int ctrcap_drop_noreason(struct bpf_raw_tracepoint_args *ctx)
{
	return ctrcap_drop(ctx, ctx->args, false);
}

/*
 * A drop the pcap filter accepted, from this CPU's scratch (tail-called
 * by the filter program; never attached itself).
 */
SEC("raw_tp")
int ctrcap_drop_emit(struct bpf_raw_tracepoint_args *ctx)
{
	struct ctrcap_drop_scratch *sc;
	struct ctrcap_src src = { .kern = true };
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&drop_scratch, &zero);
	if (!sc)
		return 0;
	src.data = (const __u8 *)(unsigned long)sc->src_data;
	src.len = sc->src_len;
	ctrcap_drop_out(&src, &sc->d);
	sc->busy = 0;
	return 0;
}

#endif /* CTRCAP_DROP_BPF_H */
