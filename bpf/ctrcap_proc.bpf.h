/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process tracepoints feeding the user-space process table: exec (with
 * exe path and argv, read while the process surely exists), fork (the child
 * inherits its parent's image) and exit. A process that lives 20 ms and is
 * gone before its packets are printed keeps its identity this way.
 */
#ifndef CTRCAP_PROC_BPF_H
#define CTRCAP_PROC_BPF_H

#include "ctrcap_maps.bpf.h"

/* Process events the ring buffer had no room for, per CPU: user space reports them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} proc_lost SEC(".maps");

/* Reserve a process event, counting it in proc_lost when there is no room. */
static __always_inline void *ctrcap_proc_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	__u32 zero = 0;
	__u64 *n;

	if (e)
		return e;
	n = bpf_map_lookup_elem(&proc_lost, &zero);
	/* An exit tracepoint may interrupt an exec one on this CPU: add atomically. */
	if (n)
		__sync_fetch_and_add(n, 1);
	return NULL;
}

/*
 * Raw tracepoints: they need no tracefs mount and give the task pointers
 * (read with CO-RE, as raw_tp arguments are not typed for the verifier).
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(ctrcap_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ctrcap_exec_event *e;
	unsigned long arg_start, arg_end, n;
	__u64 uid_gid = bpf_get_current_uid_gid();

	e = ctrcap_proc_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->type = CTRCAP_EV_EXEC;
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->start_ns = BPF_CORE_READ(p, start_boottime);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename));
	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	n = arg_end - arg_start;
	if (n > sizeof(e->args))
		n = sizeof(e->args);
	e->args_len = 0;
	if (n > 0 && bpf_probe_read_user(e->args, n, (void *)arg_start) == 0)
		e->args_len = n;
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(ctrcap_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ctrcap_task_event *e;

	/* New threads join their process; only new processes matter here. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	e = ctrcap_proc_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->type = CTRCAP_EV_FORK;
	e->pid = BPF_CORE_READ(child, tgid);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->pad = 0;
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int ctrcap_exit(void *ctx)
{
	struct ctrcap_task_event *e;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	/* Threads exiting leave the process alive. */
	if ((__u32)pid_tgid != pid_tgid >> 32)
		return 0;
	e = ctrcap_proc_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->type = CTRCAP_EV_EXIT;
	e->pid = pid_tgid >> 32;
	e->ppid = 0;
	e->pad = 0;
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

#endif /* CTRCAP_PROC_BPF_H */
