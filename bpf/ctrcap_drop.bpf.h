/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --drops: packets the kernel drops, from the raw tracepoint skb:kfree_skb
 * (consume_skb is the tracepoint of normal frees). Each is parsed and
 * attributed as on a tc hop (ctrcap_tc.bpf.h), reading the kernel skb's
 * linear bytes, and handed to user space with the drop reason and the
 * dropping code's address. User space keeps the drops of the captured
 * namespaces that pass the filters.
 */
#ifndef CTRCAP_DROP_BPF_H
#define CTRCAP_DROP_BPF_H

#include "ctrcap_tc.bpf.h"

/* Set by user space: --drops given (the programs are not loaded otherwise). */
const volatile bool cfg_drops = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ctrcap_drop_counters);
} drop_counts SEC(".maps");

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
static __always_inline void ctrcap_drop_where(struct sk_buff *skb, struct ctrcap_pkt_event *h)
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
static __always_inline int ctrcap_drop(__u64 *args, bool has_reason)
{
	struct sk_buff *skb = (struct sk_buff *)args[0];
	struct ctrcap_drop_event d = {};
	struct ctrcap_parsed p = {};
	struct ctrcap_src src = { .kern = true };
	struct ctrcap_drop_counters *cnt;
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
	ctrcap_drop_where(skb, &d.pkt);

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

	cnt = bpf_map_lookup_elem(&drop_counts, &zero);
	if (ctrcap_emit_sized(&src, &d, sizeof(d), d.pkt.caplen)) {
		if (cnt)
			cnt->lost++;
	} else if (cnt) {
		cnt->captured++;
	}
	return 0;
}

/* Kernels whose skb:kfree_skb passes the drop reason (5.17+). */
SEC("raw_tp/kfree_skb")
int ctrcap_drop_reason(struct bpf_raw_tracepoint_args *ctx)
{
	return ctrcap_drop(ctx->args, true);
}

/* Older kernels: skb and location only; every kfree_skb() is a drop there. */
SEC("raw_tp/kfree_skb")
int ctrcap_drop_noreason(struct bpf_raw_tracepoint_args *ctx)
{
	return ctrcap_drop(ctx->args, false);
}

#endif /* CTRCAP_DROP_BPF_H */
