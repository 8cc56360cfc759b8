// SPDX-License-Identifier: GPL-2.0
/*
 * Harness for the generated filter programs (capture-helper/pkt_filter_ebpf.c):
 * the counters map and the prog array they are given, and a stand-in for the
 * capture program. BPF_PROG_TEST_RUN then tells from the return value whether
 * a packet was accepted (tail call taken) and which slot reached cb[0].
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ctrcap.h"

/* Per-slot counters, laid out like the capture helper's if_counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct ctrcap_counters);
} counters SEC(".maps");

/* What an accepted packet is tail-called into; entry 1 stays empty. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} tail SEC(".maps");

/* The capture program's place: 100 + the slot, never a real tc verdict. */
SEC("tc")
int accepted(struct __sk_buff *skb)
{
	return 100 + skb->cb[0];
}

/* --drops mode: the drop programs' maps, as ctrcap's own. */
#include "ctrcap_drop_maps.bpf.h"

/* ctrcap_drop_emit's place: 100, which a rejecting drop filter never returns. */
SEC("raw_tp")
int drop_accepted(void *ctx)
{
	return 100;
}

char LICENSE[] SEC("license") = "GPL";
