/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maps and load-time configuration shared by all ctrcap BPF programs. */
#ifndef CTRCAP_MAPS_BPF_H
#define CTRCAP_MAPS_BPF_H

#include "ctrcap.h"

/* Set by user space before load. */
const volatile __u32 cfg_snaplen = 262144;
const volatile bool cfg_wakeup = false;
/* Track packets across hops (off when one non-loopback interface is captured). */
const volatile bool cfg_hops = true;
/*
 * The socket hooks may read the current task (bpf_get_current_task_btf in
 * cgroup_sock and cgroup_sock_addr programs; capture-helper/kernel_features.c
 * probes it): owners then carry their process's start time.
 */
const volatile bool cfg_task_start = false;

/* Packets and process events to user space; sized by user space (-B). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} events SEC(".maps");

/* socket cookie -> process that created/used the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct ctrcap_owner);
} sock_owner SEC(".maps");

/* 5-tuple -> owner, for hops where the packet has no socket any more. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ctrcap_flow_key);
	__type(value, struct ctrcap_owner);
} flow_owner SEC(".maps");

/* Listening sockets, so accepted connections inherit the server's identity. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ctrcap_listen_key);
	__type(value, struct ctrcap_owner);
} listen_owner SEC(".maps");

/*
 * A packet's hop keys (its hop-invariant header fields with the source, and
 * with the destination endpoint) -> where it was seen first. Two entries a
 * packet; the LRU drops the oldest, which hop matching needs only for the
 * time a packet takes to cross the host.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct ctrcap_hop);
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

/* Ring-buffer flags for a submit: wake the consumer only when asked to. */
static __always_inline __u64 ctrcap_rb_flags(void)
{
	return cfg_wakeup ? 0 : BPF_RB_NO_WAKEUP;
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

#endif /* CTRCAP_MAPS_BPF_H */
