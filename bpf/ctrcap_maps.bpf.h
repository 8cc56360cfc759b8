/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maps and load-time configuration shared by all ctrcap BPF programs. */
#ifndef CTRCAP_MAPS_BPF_H
#define CTRCAP_MAPS_BPF_H

#include "ctrcap.h"

/* Set by user space before load. */
const volatile __u32 cfg_snaplen = 262144;
/* Track packets across hops (off when one non-loopback interface is captured). */
const volatile bool cfg_hops = true;
/*
 * Owners live in socket storage (sk_owner): every program type here may
 * call bpf_sk_storage_get (capture-helper/kernel_features.c probes it).
 * When false the calls are dead code the verifier never visits, and owners
 * live in sock_owner by cookie.
 */
const volatile bool cfg_sk_storage = true;
/*
 * The socket hooks may read the current task (bpf_get_current_task_btf in
 * cgroup_sock and cgroup_sock_addr programs; capture-helper/kernel_features.c
 * probes it): owners then carry their process's start time.
 */
const volatile bool cfg_task_start = false;

/*
 * How many rings carry the events (--rings): CPU i writes to ring
 * i % cfg_n_rings, so that CPUs flooding at once do not meet on one
 * ring's lock. User space merges them by time.
 */
const volatile __u32 cfg_n_rings = 1;

/* One ring of packets and process events to user space; sized by user space (-B). */
struct ctrcap_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
};

/* The rings, made and put in place by user space before anything is attached. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ctrcap_ring);
} events SEC(".maps");

/* Reserve size bytes (a constant) in this CPU's ring; NULL when it is full. */
static __always_inline void *ctrcap_ring_reserve(__u64 size)
{
	__u32 i = cfg_n_rings > 1 ? bpf_get_smp_processor_id() % cfg_n_rings : 0;
	void *ring = bpf_map_lookup_elem(&events, &i);

	return ring ? bpf_ringbuf_reserve(ring, size, 0) : NULL;
}

/*
 * A socket's owner, kept with the socket: it dies with it, so no churn of
 * other sockets can push it out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ctrcap_sock_rec);
} sk_owner SEC(".maps");

/*
 * socket cookie -> owner, for the sockets the start-up scan found (user
 * space cannot reach their socket storage) and, without cfg_sk_storage,
 * for all. Not an LRU: the cgroup sock_release hook removes a closed
 * socket's entry, and when it is full a new socket is left out (its
 * packets get a weaker attribution) rather than a live one pushed out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct ctrcap_sock_rec);
} sock_owner SEC(".maps");

/* 5-tuple -> owner, for hops where the packet has no socket any more. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ctrcap_flow_key);
	__type(value, struct ctrcap_owner);
} flow_owner SEC(".maps");

/*
 * A NAT'd copy's rewritten 5-tuple -> the owner of the packet it is a copy
 * of (ctrcap_nat_record): the reply to it, seen before NAT is undone, finds
 * the owner as its reverse flow. Apart from flow_owner, whose entries are
 * local sockets' flows, so these neither evict them nor pass for a socket.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct ctrcap_flow_key);
	__type(value, struct ctrcap_owner);
} nat_owner SEC(".maps");

/*
 * Bound TCP sockets by (netns, protocol, address, port), so that SYN-ACKs and
 * accepted connections name their listener. Removed at release, like
 * sock_owner. SO_REUSEPORT sockets share a key: the last to bind holds it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct ctrcap_listen_key);
	__type(value, struct ctrcap_sock_rec);
} listen_owner SEC(".maps");

/* A bound TCP socket's cookie -> its listen_owner key, to remove it at release. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ctrcap_listen_key);
} bound_key SEC(".maps");

/* A hop_seen slot: a packet's hop key and where it was seen first. */
struct ctrcap_hop_slot {
	__u64 key;	/* 0 while the slot is being written */
	struct ctrcap_hop hop;
};

/*
 * A packet's hop keys (its hop-invariant header fields with the source, and
 * with the destination endpoint) -> where it was seen first. Two entries a
 * packet, needed only for the time a packet takes to cross the host.
 * Two-way set-associative (a key's set is slots 2n and 2n+1, n from its low
 * bits): filing a packet is two array lookups and a copy, with no lock and
 * no allocation. An LRU hash map cost ~1.1 us a packet here for the two
 * updates (its locks and eviction; bench/capture/run, both-ends row). The
 * table holds the newest ~65536 packets; one a key collision pushes out
 * earlier loses only its hop match (a new packet id, attribution by flow).
 */
#define CTRCAP_HOP_SLOTS 131072
const volatile __u32 cfg_hop_mask = CTRCAP_HOP_SLOTS - 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CTRCAP_HOP_SLOTS);
	__type(key, __u32);
	__type(value, struct ctrcap_hop_slot);
} hop_seen SEC(".maps");

/*
 * Per-interface counters, indexed by the slot user space gives each
 * interface. The generated filter program in front of the capture program
 * counts seen and filtered packets there and passes the slot in cb[0].
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTRCAP_IF_SLOTS);
	__type(key, __u32);
	__type(value, struct ctrcap_counters);
} if_counters SEC(".maps");

/* The capture programs the filter programs tail-call: 0 ingress, 1 egress. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} tc_capture SEC(".maps");

/*
 * Packet ids need only be unique: a per-CPU counter with the CPU number in
 * the low bits. No cache line is shared between CPUs, and no atomic fetch
 * (BPF_ATOMIC with BPF_FETCH needs 5.12) is needed. tc programs do not nest
 * on one CPU (egress runs with bottom halves off, ingress in softirq).
 * Limits: ids are unique up to 4096 CPUs; on PREEMPT_RT kernels two tc runs
 * on one CPU may interleave and, rarely, repeat an id.
 */
#define CTRCAP_ID_CPU_BITS 12
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} packet_ids SEC(".maps");

/* A new packet id, never 0. */
static __always_inline __u64 ctrcap_new_packet_id(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&packet_ids, &zero);

	if (!n)
		return 0;
	*n += 1;
	return *n << CTRCAP_ID_CPU_BITS |
	       (bpf_get_smp_processor_id() & ((1u << CTRCAP_ID_CPU_BITS) - 1));
}

/*
 * Set by user space (through the mmap'd .bss) while its reader sleeps
 * because the ring was idle; clear while it polls. The value is read at
 * each submit, so it is not load-time configuration.
 */
volatile __u32 rb_reader_asleep;

/*
 * Ring-buffer flags for a submit: a polling reader needs no wakeup (each
 * costs an irq_work); a sleeping one is woken by every event, forced, so
 * that an event committed just before it slept cannot keep it asleep.
 */
static __always_inline __u64 ctrcap_rb_flags(void)
{
	return rb_reader_asleep ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Fill owner from the current task (process context only). */
static __always_inline void ctrcap_owner_current(struct ctrcap_owner *o)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	o->tgid = pid_tgid >> 32;
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)uid_gid;
	o->gid = uid_gid >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->start_ns = 0;
	/*
	 * Where the verifier refuses the helper, cfg_task_start is false and
	 * the branch is dead code it never checks.
	 */
	if (cfg_task_start) {
		struct task_struct *t = bpf_get_current_task_btf();

		o->start_ns = t->group_leader->start_boottime;
	}
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/*
 * The owner record of a full socket (@sk may be NULL): its socket storage,
 * else the cookie map (sockets from before the start, or no socket storage).
 */
static __always_inline struct ctrcap_sock_rec *ctrcap_sock_rec_get(struct bpf_sock *sk,
								   __u64 cookie)
{
	struct ctrcap_sock_rec *r = NULL;

	if (cfg_sk_storage && sk)
		r = bpf_sk_storage_get(&sk_owner, sk, 0, 0);
	if (!r && cookie)
		r = bpf_map_lookup_elem(&sock_owner, &cookie);
	return r;
}

/*
 * The listener of a bound address: @k's own address first, then the
 * wildcard address (@k's address is cleared for that).
 */
static __always_inline struct ctrcap_sock_rec *ctrcap_listener_find(struct ctrcap_listen_key *k)
{
	struct ctrcap_sock_rec *r = bpf_map_lookup_elem(&listen_owner, k);

	if (r)
		return r;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	return bpf_map_lookup_elem(&listen_owner, k);
}

#endif /* CTRCAP_MAPS_BPF_H */
