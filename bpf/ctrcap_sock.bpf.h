/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cgroup socket hooks, attached at the cgroup-v2 root: they run in the
 * context of the process that creates, connects or binds a socket and
 * record its process in the socket's storage (sk_owner; by cookie in
 * sock_owner where the kernel has no socket storage there), and bound
 * addresses in listen_owner; sock_release removes what is keyed by the
 * socket. sock_ops (softirq, no process) ties
 * established connections' 5-tuples to the owners recorded here, and the
 * cgroup_skb egress hook moves a UDP socket to the thread that sends on it.
 */
#ifndef CTRCAP_SOCK_BPF_H
#define CTRCAP_SOCK_BPF_H

#include "ctrcap_maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/*
 * Record the current process as the owner of a socket: in its storage
 * (@sk, the pointer bpf_sk_storage_get takes in this program type) or, with
 * no socket storage, by its cookie.
 */
static __always_inline void ctrcap_note_owner(void *sk, __u64 cookie)
{
	struct ctrcap_sock_rec rec = {}, *r;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!cookie)
		return;
	if (cfg_sk_storage) {
		r = bpf_sk_storage_get(&sk_owner, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		/* connect() may repeat on a UDP socket: only write when the owner changed. */
		if (!r || (r->attribution == CTRCAP_BPF_ATTR_SOCKET && r->owner.tid == tid))
			return;
		ctrcap_owner_current(&r->owner);
		r->cookie = cookie;
		r->attribution = CTRCAP_BPF_ATTR_SOCKET;
		return;
	}
	r = bpf_map_lookup_elem(&sock_owner, &cookie);
	if (r && r->attribution == CTRCAP_BPF_ATTR_SOCKET && r->owner.tid == tid)
		return;
	ctrcap_owner_current(&rec.owner);
	rec.cookie = cookie;
	rec.attribution = CTRCAP_BPF_ATTR_SOCKET;
	bpf_map_update_elem(&sock_owner, &cookie, &rec, BPF_ANY);
}

SEC("cgroup/sock_create")
int ctrcap_sock_create(struct bpf_sock *sk)
{
	ctrcap_note_owner(sk, bpf_get_socket_cookie(sk));
	return 1;
}

static __always_inline void ctrcap_note_connect(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk;

	if (!cfg_sk_storage) {
		ctrcap_note_owner(NULL, bpf_get_socket_cookie(ctx));
		return;
	}
	sk = ctx->sk;
	if (sk)
		ctrcap_note_owner(sk, bpf_get_socket_cookie(ctx));
}

SEC("cgroup/connect4")
int ctrcap_connect4(struct bpf_sock_addr *ctx)
{
	ctrcap_note_connect(ctx);
	return 1;
}

SEC("cgroup/connect6")
int ctrcap_connect6(struct bpf_sock_addr *ctx)
{
	ctrcap_note_connect(ctx);
	return 1;
}

/* IPv4 address (network order) as v4-mapped IPv6 bytes. */
static __always_inline void ctrcap_v4mapped(__u8 *dst, __u32 a)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &a, 4);
}

/*
 * A bound TCP socket: remember its owner, and by address and port for
 * the SYN-ACKs and accepted children of a listener. @k has the address
 * (0.0.0.0 and :: both all zeros, the wildcard key).
 */
static __always_inline void ctrcap_note_bind(struct bpf_sock *sk, struct ctrcap_listen_key *k)
{
	struct ctrcap_sock_rec rec = {};
	__u64 cookie = bpf_get_socket_cookie(sk);

	ctrcap_note_owner(sk, cookie);
	if (sk->protocol != IPPROTO_TCP)
		return;
	ctrcap_owner_current(&rec.owner);
	rec.cookie = cookie;
	rec.attribution = CTRCAP_BPF_ATTR_LISTENER;
	k->netns_cookie = bpf_get_netns_cookie(sk);
	k->port = sk->src_port;
	k->proto = IPPROTO_TCP;
	if (bpf_map_update_elem(&listen_owner, k, &rec, BPF_ANY) == 0)
		bpf_map_update_elem(&bound_key, &cookie, k, BPF_ANY);
}

SEC("cgroup/post_bind4")
int ctrcap_post_bind4(struct bpf_sock *sk)
{
	struct ctrcap_listen_key k = {};
	__u32 a = sk->src_ip4;

	if (a)
		ctrcap_v4mapped(k.addr, a);
	ctrcap_note_bind(sk, &k);
	return 1;
}

SEC("cgroup/post_bind6")
int ctrcap_post_bind6(struct bpf_sock *sk)
{
	struct ctrcap_listen_key k = {};
	__u32 a[4];

	a[0] = sk->src_ip6[0];
	a[1] = sk->src_ip6[1];
	a[2] = sk->src_ip6[2];
	a[3] = sk->src_ip6[3];
	__builtin_memcpy(k.addr, a, 16);
	ctrcap_note_bind(sk, &k);
	return 1;
}

/*
 * A socket is closed: drop what the maps keyed by it hold (its socket
 * storage goes with it). The listener entry only if it is still this
 * socket's: another SO_REUSEPORT socket may have bound the address since.
 */
SEC("cgroup/sock_release")
int ctrcap_sock_release(struct bpf_sock *sk)
{
	struct ctrcap_listen_key *k;
	struct ctrcap_sock_rec *r;
	__u64 cookie = bpf_get_socket_cookie(sk);

	bpf_map_delete_elem(&sock_owner, &cookie);
	k = bpf_map_lookup_elem(&bound_key, &cookie);
	if (!k)
		return 1;
	r = bpf_map_lookup_elem(&listen_owner, k);
	if (r && r->cookie == cookie)
		bpf_map_delete_elem(&listen_owner, k);
	bpf_map_delete_elem(&bound_key, &cookie);
	return 1;
}

/*
 * Established TCP connections: their 5-tuple -> owner. An accepted one
 * (passive) inherits its listener's owner, found by (netns cookie, local
 * address, port) and marked as such (CTRCAP_BPF_ATTR_LISTENER): with
 * SO_REUSEPORT the listener may not be the process that accepted it. With
 * @listeners false (kernels before 5.15: no bpf_get_netns_cookie in
 * sock_ops) accepted connections are left to the other attributions.
 */
static __always_inline int ctrcap_sockops_common(struct bpf_sock_ops *skops, bool listeners)
{
	struct ctrcap_flow_key fk = {};
	struct ctrcap_sock_rec rec = {}, *r;
	struct bpf_sock *sk = NULL;
	__u64 cookie;
	__u32 op = skops->op;

	if (op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB && op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	cookie = bpf_get_socket_cookie(skops);
	/* skops->sk only where socket storage is used: it is a 5.10 field. */
	if (cfg_sk_storage)
		sk = skops->sk;
	if (skops->family == AF_INET) {
		ctrcap_v4mapped(fk.saddr, skops->local_ip4);
		ctrcap_v4mapped(fk.daddr, skops->remote_ip4);
	} else if (skops->family == AF_INET6) {
		__u32 a[4];

		a[0] = skops->local_ip6[0];
		a[1] = skops->local_ip6[1];
		a[2] = skops->local_ip6[2];
		a[3] = skops->local_ip6[3];
		__builtin_memcpy(fk.saddr, a, 16);
		a[0] = skops->remote_ip6[0];
		a[1] = skops->remote_ip6[1];
		a[2] = skops->remote_ip6[2];
		a[3] = skops->remote_ip6[3];
		__builtin_memcpy(fk.daddr, a, 16);
	} else {
		return 1;
	}
	if (op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		struct ctrcap_listen_key lk = {};

		if (!listeners)
			return 1;
		lk.netns_cookie = bpf_get_netns_cookie(skops);
		__builtin_memcpy(lk.addr, fk.saddr, 16);
		lk.port = skops->local_port;
		lk.proto = IPPROTO_TCP;
		r = ctrcap_listener_find(&lk);
		if (!r)
			return 1;
		rec = *r;
		rec.cookie = cookie;
		rec.attribution = CTRCAP_BPF_ATTR_LISTENER;
		if (!cfg_sk_storage) {
			bpf_map_update_elem(&sock_owner, &cookie, &rec, BPF_ANY);
		} else if (sk) {
			r = bpf_sk_storage_get(&sk_owner, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
			if (r)
				*r = rec;
		}
	} else {
		r = ctrcap_sock_rec_get(sk, cookie);
		if (!r)
			return 1;
		rec.owner = r->owner;
	}
	fk.sport = bpf_htons((__u16)skops->local_port);
	/* sock_ops keeps the remote port in network order in the upper 16 bits. */
	fk.dport = bpf_htons((__u16)bpf_ntohl(skops->remote_port));
	fk.proto = IPPROTO_TCP;
	bpf_map_update_elem(&flow_owner, &fk, &rec.owner, BPF_ANY);
	return 1;
}

SEC("sockops")
int ctrcap_sockops(struct bpf_sock_ops *skops)
{
	return ctrcap_sockops_common(skops, true);
}

/* For kernels whose sock_ops programs cannot read the netns cookie. */
SEC("sockops")
int ctrcap_sockops_nolisten(struct bpf_sock_ops *skops)
{
	return ctrcap_sockops_common(skops, false);
}

/* Every CTRCAP_SK_REFRESH-th packet of a socket takes the full path anyway. */
#define CTRCAP_SK_REFRESH 64

/*
 * What the egress hook last recorded for a socket. While a socket sends on
 * the same flow from the same thread (the common case), the flow map
 * already says so and the two hash lookups are skipped; the periodic full
 * pass puts back a flow the LRU map evicted under pressure.
 */
struct ctrcap_sk_last {
	struct ctrcap_flow_key fk;
	__u32 tid;
	__u32 n;	/* packets since the last full pass */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ctrcap_sk_last);
} sk_last SEC(".maps");

static __always_inline bool ctrcap_flow_eq(const struct ctrcap_flow_key *a,
					   const struct ctrcap_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/*
 * Every locally sent IP packet with a known socket: remember its 5-tuple's
 * owner, so a hop that sees the packet without its socket (the peer's
 * ingress, a bridge, a capture on the receiving side only) finds it by
 * flow. Runs for all cgroups (attached at the root): a socket-storage
 * lookup while the socket's flow and thread stay the same (sk_last).
 *
 * With @task it also keeps a UDP socket's owner current. An unconnected
 * UDP socket is often shared: a forked child or another thread sends on
 * it, and those packets must name the sender, not the creator. A cgroup
 * sendmsg hook would see every datagram too, but merely attaching one
 * costs about 10% of a UDP sender's rate (plus lock_sock per datagram);
 * this hook is attached anyway and runs in the sending task's context for
 * user UDP sockets. Older kernels (Debian 12's 6.1 and 13's 6.12 among
 * them) refuse the current-task helpers in cgroup_skb programs: there
 * @task is false (capture-helper/kernel_features.c probes it) and the
 * socket keeps its creator.
 */
static __always_inline int ctrcap_skb_egress_common(struct __sk_buff *skb, bool task)
{
	struct ctrcap_flow_key fk = {};
	struct ctrcap_sock_rec cur = {}, *r, *sr;
	struct ctrcap_owner *o, *old;
	struct ctrcap_sk_last *last = NULL;
	struct bpf_sock *sk = skb->sk;
	__u32 tid = task ? (__u32)bpf_get_current_pid_tgid() : 0;
	__u64 cookie;
	bool in_sk;
	__u8 b[40];
	__u32 l4;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	if (skb->protocol == bpf_htons(0x0800)) {
		__u32 s, d;

		if (bpf_skb_load_bytes(skb, 0, b, 20))
			return 1;
		if ((b[6] & 0x1f) || b[7]) /* not a first fragment */
			return 1;
		fk.proto = b[9];
		l4 = (b[0] & 0xf) * 4;
		__builtin_memcpy(&s, b + 12, 4);
		__builtin_memcpy(&d, b + 16, 4);
		ctrcap_v4mapped(fk.saddr, s);
		ctrcap_v4mapped(fk.daddr, d);
	} else if (skb->protocol == bpf_htons(0x86DD)) {
		if (bpf_skb_load_bytes(skb, 0, b, 40))
			return 1;
		fk.proto = b[6];
		l4 = 40;
		__builtin_memcpy(fk.saddr, b + 8, 16);
		__builtin_memcpy(fk.daddr, b + 24, 16);
	} else {
		return 1;
	}
	if (fk.proto != IPPROTO_TCP && fk.proto != IPPROTO_UDP)
		return 1;
	if (bpf_skb_load_bytes(skb, l4, &fk.sport, 4))
		return 1;
	last = bpf_sk_storage_get(&sk_last, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (last && ++last->n < CTRCAP_SK_REFRESH && ctrcap_flow_eq(&last->fk, &fk) &&
	    (fk.proto != IPPROTO_UDP || last->tid == tid))
		return 1;
	cookie = bpf_get_socket_cookie(skb);
	r = cfg_sk_storage ? bpf_sk_storage_get(&sk_owner, sk, 0, 0) : NULL;
	in_sk = r;
	if (!r) {
		r = cookie ? bpf_map_lookup_elem(&sock_owner, &cookie) : NULL;
		if (!r)
			return 1;
		/*
		 * A socket from before the start, known by cookie: move it into
		 * its socket storage, where it stays until the socket closes.
		 */
		sr = cfg_sk_storage ? bpf_sk_storage_get(&sk_owner, sk, 0,
							 BPF_SK_STORAGE_GET_F_CREATE) : NULL;
		if (sr) {
			*sr = *r;
			bpf_map_delete_elem(&sock_owner, &cookie);
			r = sr;
			in_sk = true;
		}
	}
	o = &r->owner;
	/*
	 * Only rewrite an entry that exists: a user socket got one from
	 * sock_create or the start-up scan, while kernel tunnel sockets (vxlan
	 * and the like) send from whatever task is current and must not gain
	 * one here. TCP is left alone: its egress also runs in softirq
	 * (ACKs, retransmits), where the current task is unrelated.
	 */
	if (task && fk.proto == IPPROTO_UDP && o->tid != tid) {
		ctrcap_owner_current(&cur.owner);
		cur.cookie = r->cookie;
		cur.attribution = CTRCAP_BPF_ATTR_SOCKET;
		if (in_sk) {
			*r = cur;
		} else if (bpf_map_update_elem(&sock_owner, &cookie, &cur, BPF_EXIST)) {
			/* BPF_EXIST: the socket may have closed since the lookup. */
			return 1;
		}
		/* The update may have replaced the element o points to: use the copy. */
		o = &cur.owner;
	}
	old = bpf_map_lookup_elem(&flow_owner, &fk);
	if (!old || old->tid != o->tid || old->cgroup_id != o->cgroup_id ||
	    old->start_ns != o->start_ns)
		bpf_map_update_elem(&flow_owner, &fk, o, BPF_ANY);
	if (last) {
		last->fk = fk;
		last->tid = task ? o->tid : 0;
		last->n = 0;
	}
	return 1;
}

SEC("cgroup_skb/egress")
int ctrcap_skb_egress(struct __sk_buff *skb)
{
	return ctrcap_skb_egress_common(skb, true);
}

/* For kernels whose cgroup_skb programs may not ask for the current task. */
SEC("cgroup_skb/egress")
int ctrcap_skb_egress_flow(struct __sk_buff *skb)
{
	return ctrcap_skb_egress_common(skb, false);
}

#endif /* CTRCAP_SOCK_BPF_H */
