/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process tracepoints feeding the user-space process table: exec (with
 * the path of the file run and argv, read while the process surely exists), fork (the child
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
	void *e = ctrcap_ring_reserve(size);
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

/* Directories and mount points ctrcap_file_path climbs at most. */
#define CTRCAP_PATH_DEPTH 40

/*
 * Write the path of file into e->path as its components leaf first, each
 * NUL-terminated, and their length into e->path_len, the way d_path() climbs
 * it: up the dentries to the root of each mount, then across to the mount
 * point, until the root of the mount namespace. The result is the path
 * inside the file's own namespace, /bin/busybox for a container's busybox,
 * as readlink of /proc/PID/exe shows it. bpf_d_path() would do this but is
 * allowed only in fentry/LSM programs, which these kernels may lack; every
 * field read here exists in all kernels ctrcap supports (5.10 on), so no
 * variant is needed. e->path_len is 0 if the path is too deep or longer
 * than CTRCAP_EXE_LEN.
 */
static __always_inline void ctrcap_exec_path(struct ctrcap_exec_event *e, struct file *file)
{
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct mount *mnt = (void *)vfsmnt - mnt_off;
	/*
	 * The offset lives in the event, not in a register: read back from
	 * memory it is the same unknown value on every pass, so the verifier
	 * prunes the passes instead of following each offset range on its own
	 * (that exceeded its 1M instruction budget).
	 */
	volatile __u32 *off = &e->path_len;
	__u32 o;
	long n;

	*off = 0;
	for (int i = 0; i < CTRCAP_PATH_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (d == BPF_CORE_READ(vfsmnt, mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				return;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (void *)up + mnt_off;
			continue;
		}
		/* The mask shows the verifier what the check below guarantees. */
		o = *off & (CTRCAP_EXE_LEN - 1);
		n = bpf_probe_read_kernel_str(e->path + o, CTRCAP_EXE_LEN,
					      BPF_CORE_READ(d, d_name.name));
		if (n <= 0 || o + n >= CTRCAP_EXE_LEN)
			break;
		*off = o + n;
		/* A file of no directory (a memfd, as runc runs itself from) is its name. */
		if (d == parent)
			return;
		d = parent;
	}
	*off = 0;
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
	e->ts_ns = bpf_ktime_get_ns();
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->start_ns = BPF_CORE_READ(p, start_boottime);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename));
	/*
	 * The filename is only what execve() was given: runc starts containers
	 * as "/proc/self/exe init" and busybox runs its applets as
	 * /proc/self/exe, relative names are common too. Resolving that in user
	 * space races with the process, which may exec again or be gone (a
	 * wget's is) before the event is read. The file the kernel maps is
	 * known here, set by this very exec as mm->exe_file.
	 */
	ctrcap_exec_path(e, BPF_CORE_READ(p, mm, exe_file));
	e->pad = 0;
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
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = BPF_CORE_READ(child, tgid);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->pad = 0;
	e->start_ns = BPF_CORE_READ(child, start_boottime);
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
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->ppid = 0;
	e->pad = 0;
	/* The thread-group leader is the task exiting here (checked above). */
	e->start_ns = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), start_boottime);
	bpf_ringbuf_submit(e, ctrcap_rb_flags());
	return 0;
}

#endif /* CTRCAP_PROC_BPF_H */
