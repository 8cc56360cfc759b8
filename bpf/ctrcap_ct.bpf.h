/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replies to NAT seen before NAT is undone (tc ingress runs before
 * netfilter): their reverse flow is the NAT'd tuple, no local socket's.
 * Two ways to the owner: the NAT'd copies' tuples, filed by hop matching
 * (every kernel), and conntrack, whose entry for the packet holds the
 * other direction's tuple as the local socket has it (only in the capture
 * programs loaded where the kernel has the nf_conntrack kfuncs:
 * kernel_features.c, "ct").
 */
#ifndef CTRCAP_CT_BPF_H
#define CTRCAP_CT_BPF_H

#include "ctrcap_maps.bpf.h"

/*
 * nf_conntrack_bpf (5.18+, XDP and tc), in vmlinux or, where nf_conntrack is
 * a module, in its BTF while it is loaded. Weak: elsewhere the programs that
 * call them are not loaded and libbpf leaves them unresolved.
 */
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;

/*
 * The options size every kernel with the kfunc accepts (5.18 to 6.x take
 * exactly 12, later ones 12 or 16): netns_id, error, l4proto and 3 bytes
 * that are zero on input.
 */
#define CTRCAP_CT_OPTS_SZ 12
#define CTRCAP_CT_CURRENT_NETNS (-1)

/* A conntrack tuple as a flow key (v4 as v4-mapped, like the packet's). */
static __always_inline void ctrcap_ct_key(const struct nf_conntrack_tuple *t, bool v6,
					  struct ctrcap_flow_key *k)
{
	if (v6) {
		__u32 a[4];

		a[0] = t->src.u3.all[0];
		a[1] = t->src.u3.all[1];
		a[2] = t->src.u3.all[2];
		a[3] = t->src.u3.all[3];
		__builtin_memcpy(k->saddr, a, 16);
		a[0] = t->dst.u3.all[0];
		a[1] = t->dst.u3.all[1];
		a[2] = t->dst.u3.all[2];
		a[3] = t->dst.u3.all[3];
		__builtin_memcpy(k->daddr, a, 16);
	} else {
		ctrcap_v4mapped(k->saddr, t->src.u3.ip);
		ctrcap_v4mapped(k->daddr, t->dst.u3.ip);
	}
	k->sport = t->src.u.all;
	k->dport = t->dst.u.all;
}

/* Do both keys have the same source address and port? */
static __always_inline bool ctrcap_same_source(const struct ctrcap_flow_key *a,
					       const struct ctrcap_flow_key *b)
{
	__u64 x[2], y[2];

	__builtin_memcpy(x, a->saddr, 16);
	__builtin_memcpy(y, b->saddr, 16);
	return x[0] == y[0] && x[1] == y[1] && a->sport == b->sport;
}

/*
 * The owner of this packet's connection by conntrack, or NULL: look the
 * packet's tuple up, take the tuple of the connection's other direction
 * (the original one for a reply to SNAT, the reply one for a packet to
 * DNAT) and find the local socket's flow under it. Only TCP and UDP (what
 * the kfunc looks up); the connection must be in this interface's netns.
 */
static __always_inline struct ctrcap_owner *ctrcap_ct_owner(struct __sk_buff *skb,
							    const struct ctrcap_flow_key *fk,
							    bool v6)
{
	struct bpf_sock_tuple t = {};
	struct bpf_ct_opts opts = {};
	struct ctrcap_flow_key k = {};
	struct nf_conn *ct;
	__u32 sz;

	if (fk->proto != IPPROTO_TCP && fk->proto != IPPROTO_UDP)
		return NULL;
	if (v6) {
		__builtin_memcpy(t.ipv6.saddr, fk->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, fk->daddr, 16);
		t.ipv6.sport = fk->sport;
		t.ipv6.dport = fk->dport;
		sz = sizeof(t.ipv6);
	} else {
		__builtin_memcpy(&t.ipv4.saddr, fk->saddr + 12, 4);
		__builtin_memcpy(&t.ipv4.daddr, fk->daddr + 12, 4);
		t.ipv4.sport = fk->sport;
		t.ipv4.dport = fk->dport;
		sz = sizeof(t.ipv4);
	}
	opts.netns_id = CTRCAP_CT_CURRENT_NETNS;
	opts.l4proto = fk->proto;
	ct = bpf_skb_ct_lookup(skb, &t, sz, &opts, CTRCAP_CT_OPTS_SZ);
	if (!ct)
		return NULL;
	/*
	 * The packet is the original direction when its source is the
	 * original tuple's (opts.dir says so only since 6.1).
	 */
	ctrcap_ct_key(&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple, v6, &k);
	if (ctrcap_same_source(&k, fk))
		ctrcap_ct_key(&ct->tuplehash[IP_CT_DIR_REPLY].tuple, v6, &k);
	bpf_ct_release(ct);
	k.proto = fk->proto;
	return bpf_map_lookup_elem(&flow_owner, &k);
}

/*
 * The owner of a packet whose reverse flow @rk is no local socket's: the
 * reverse flow as a NAT'd copy had it (nat_owner) or, with @ct, through
 * conntrack. For a reply arriving before NAT is undone.
 */
static __always_inline struct ctrcap_owner *ctrcap_nat_owner(struct __sk_buff *skb,
							     const struct ctrcap_flow_key *fk,
							     const struct ctrcap_flow_key *rk,
							     bool v6, bool ct)
{
	struct ctrcap_owner *o = bpf_map_lookup_elem(&nat_owner, rk);

	if (!o && ct)
		o = ctrcap_ct_owner(skb, fk, v6);
	return o;
}

/*
 * File a NAT'd copy's 5-tuple @fk under the owner of the packet it is a
 * copy of, unless it is there already: one lookup a NAT'd packet, an
 * update only for a new flow or a new owner.
 */
static __always_inline void ctrcap_nat_record(const struct ctrcap_flow_key *fk,
					      const struct ctrcap_owner *o)
{
	struct ctrcap_owner *old = bpf_map_lookup_elem(&nat_owner, fk);

	if (!old || old->tid != o->tid || old->cgroup_id != o->cgroup_id ||
	    old->start_ns != o->start_ns)
		bpf_map_update_elem(&nat_owner, fk, o, BPF_ANY);
}

#endif /* CTRCAP_CT_BPF_H */
