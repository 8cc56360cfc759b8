/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the running kernel offers the BPF programs, probed at start-up
 * with tiny load tests, so that ctrcap loads the programs this kernel
 * accepts (bpf_program__set_autoload) and says once what it cannot do here.
 */
#ifndef CTRCAP_KERNEL_FEATURES_H
#define CTRCAP_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

struct ctrcap_kernel_features {
	char release[65];	/* uname -r */
	bool probed;		/* false: no privilege to load BPF programs */
	bool ringbuf;		/* BPF ring buffer (5.8): required */
	bool kern_ctx;		/* kfunc bpf_cast_to_kern_ctx (6.2) for tc */
	bool skb_current;	/* current-task helpers in cgroup_skb programs */
	bool tcx;		/* tcx attachment (6.6); else classic tc */
	bool netns_cookie;	/* SO_NETNS_COOKIE (5.14) */
	bool sockops_netns;	/* bpf_get_netns_cookie in sock_ops (5.15) */
	bool ct;		/* kfunc bpf_skb_ct_lookup (5.18, nf_conntrack loaded) */
	bool sk_storage;	/* bpf_sk_storage_get in every socket hook and in tc */
	bool task_start;	/* socket hooks read the current task: owners' start times */
	bool drop_reasons;	/* skb:kfree_skb passes a drop reason (5.17; BTF enum skb_drop_reason) */
};

struct btf;

/*
 * The running kernel's BTF, NULL (errno set) if it has none. Mapped where
 * the kernel allows it: read() hands /sys/kernel/btf/vmlinux out 4 KiB a
 * call, some 1500 calls and ~30 ms of start-up for a 6 MB BTF.
 */
struct btf *ctrcap_vmlinux_btf(void);

/*
 * Probe the running kernel; never fails (unknown features are false). With
 * @btf, the kernel's BTF the probes parsed is handed over there (NULL if
 * none; the caller btf__free()s it), for a later reader to skip a second parse.
 */
void ctrcap_kernel_probe(struct ctrcap_kernel_features *kf, struct btf **btf);

/*
 * Print what this kernel lacks and what that costs, one line each, every
 * line starting with @prefix; nothing when it lacks nothing. Returns the
 * number of lines printed.
 */
int ctrcap_kernel_report(FILE *out, const char *prefix, const struct ctrcap_kernel_features *kf);

/* One line naming the kernel and each feature as yes/no (for --version). */
void ctrcap_kernel_summary(FILE *out, const struct ctrcap_kernel_features *kf);

#endif /* CTRCAP_KERNEL_FEATURES_H */
