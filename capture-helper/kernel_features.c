// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel feature probes (see kernel_features.h). */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kernel_features.h"
#include "netns.h"

/* Values of enum bpf_attach_type newer than this system's uapi headers. */
#define CTRCAP_BPF_TCX_INGRESS 46

/*
 * Load a program of @type that calls helper @func with a 16-byte stack
 * buffer in r1/r2 (what bpf_get_current_comm needs; helpers without
 * arguments ignore them), or with @ctx_arg the program's context in r1.
 * True if the verifier accepts it.
 */
static bool helper_loads_arg(enum bpf_prog_type type, enum bpf_attach_type attach, int func,
			     bool ctx_arg)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -16 },
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_1, .imm = -16 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 16 },
		{ .code = BPF_JMP | BPF_CALL, .imm = func },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	/* With the context as argument, start at the call: r1 is the context. */
	size_t first = ctx_arg ? 5 : 0;
	int fd = bpf_prog_load(type, "ctrcap_probe", "GPL", insns + first,
			       sizeof(insns) / sizeof(insns[0]) - first, &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool helper_loads(enum bpf_prog_type type, enum bpf_attach_type attach, int func)
{
	return helper_loads_arg(type, attach, func, false);
}

/* Can a cgroup_skb egress program name the process that sends? */
static bool skb_current_loads(void)
{
	static const int funcs[] = {
		BPF_FUNC_get_current_pid_tgid, BPF_FUNC_get_current_uid_gid,
		BPF_FUNC_get_current_cgroup_id, BPF_FUNC_get_current_comm,
	};

	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (!helper_loads(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, funcs[i]))
			return false;
	}
	return true;
}

/*
 * Can every hook that records a socket's owner read the current task, for
 * the process's start time? cgroup_sock (sock_create, post_bind) and
 * cgroup_sock_addr (connect) programs, and the cgroup_skb egress program
 * when it reads the current task at all (@skb_current).
 */
static bool task_start_loads(bool skb_current)
{
	return helper_loads(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE,
			    BPF_FUNC_get_current_task_btf) &&
	       helper_loads(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT,
			    BPF_FUNC_get_current_task_btf) &&
	       (!skb_current || helper_loads(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS,
					     BPF_FUNC_get_current_task_btf));
}

/*
 * May every program that keeps or reads a socket's owner call
 * bpf_sk_storage_get? cgroup_sock (sock_create, post_bind), cgroup_sock_addr
 * (connect), sock_ops, cgroup_skb and tc.
 */
static bool sk_storage_loads(void)
{
	static const enum bpf_prog_type types[] = {
		BPF_PROG_TYPE_CGROUP_SOCK, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_PROG_TYPE_SOCK_OPS,
		BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_SCHED_CLS,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (libbpf_probe_bpf_helper(types[i], BPF_FUNC_sk_storage_get, NULL) != 1)
			return false;
	}
	return true;
}

struct btf *ctrcap_vmlinux_btf(void)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct btf *btf = NULL;
	struct stat st;
	void *p;

	if (fd >= 0 && !fstat(fd, &st) && st.st_size > 0) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			/* btf__new() copies the data: the mapping goes at once. */
			btf = btf__new(p, st.st_size);
			munmap(p, st.st_size);
			if (libbpf_get_error(btf))
				btf = NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	/* Kernels before mmap support, and BTF found elsewhere (/boot/vmlinux-*). */
	return btf ? btf : btf__load_vmlinux_btf();
}

/* Does @btf have every function of @funcs (a NULL-terminated list)? */
static bool btf_has_funcs(const struct btf *btf, const char *const *funcs)
{
	for (; *funcs; funcs++) {
		if (btf__find_by_name_kind(btf, *funcs, BTF_KIND_FUNC) <= 0)
			return false;
	}
	return true;
}

/*
 * Kfuncs are present if the kernel's BTF (@vmlinux, NULL if unreadable) has
 * them, or, for @module's, the module's BTF (/sys/kernel/btf/MODULE, there
 * while the module is loaded).
 */
static bool kfuncs_present(const struct btf *vmlinux, const char *module,
			   const char *const *funcs)
{
	struct btf *mod;
	bool found;

	if (!vmlinux)
		return false;
	found = btf_has_funcs(vmlinux, funcs);
	if (!found && module) {
		mod = btf__load_module_btf(module, (struct btf *)vmlinux);
		found = mod && btf_has_funcs(mod, funcs);
		btf__free(mod);
	}
	return found;
}

/* bpf_cast_to_kern_ctx, a kfunc of the kernel itself. */
static bool kern_ctx_present(const struct btf *vmlinux)
{
	static const char *const funcs[] = { "bpf_cast_to_kern_ctx", NULL };

	return kfuncs_present(vmlinux, NULL, funcs);
}

/*
 * nf_conntrack_bpf's lookup and release (5.18; tc and XDP programs may call
 * them in every version that has them), built into the kernel or in the
 * nf_conntrack module, which must be loaded: it is where there is NAT.
 */
static bool ct_present(const struct btf *vmlinux)
{
	static const char *const funcs[] = { "bpf_skb_ct_lookup", "bpf_ct_release", NULL };

	return kfuncs_present(vmlinux, "nf_conntrack", funcs);
}

/* tcx answers a query on lo; kernels without it refuse the attach type. */
static bool tcx_present(void)
{
	__u32 cnt = 0;

	return bpf_prog_query(1, CTRCAP_BPF_TCX_INGRESS, 0, NULL, NULL, &cnt) == 0;
}

/*
 * CTRCAP_DISABLE_FEATURES=kern_ctx,skb_current,tcx,sockops_netns,sk_storage,task_start,ct,
 * drop_reasons:
 * behave as on a kernel without them (to reproduce an older kernel's behaviour on a newer one).
 * It can only take features away.
 */
static void apply_disable(struct ctrcap_kernel_features *kf)
{
	const char *v = getenv("CTRCAP_DISABLE_FEATURES");
	const struct {
		const char *name;
		bool *flag;
	} names[] = {
		{ "kern_ctx", &kf->kern_ctx },
		{ "skb_current", &kf->skb_current },
		{ "tcx", &kf->tcx },
		{ "sockops_netns", &kf->sockops_netns },
		{ "ct", &kf->ct },
		{ "sk_storage", &kf->sk_storage },
		{ "task_start", &kf->task_start },
		{ "drop_reasons", &kf->drop_reasons },
	};

	if (!v)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p = strstr(v, names[i].name);
		size_t len = strlen(names[i].name);

		/* Whole words of the comma-separated list only. */
		while (p && !((p == v || p[-1] == ',') && (p[len] == ',' || !p[len])))
			p = strstr(p + 1, names[i].name);
		if (p)
			*names[i].flag = false;
	}
}

/*
 * The kernel's BTF has enum skb_drop_reason: it came with the reason
 * argument of skb:kfree_skb (5.17).
 */
static bool drop_reasons_present(const struct btf *vmlinux)
{
	return vmlinux &&
	       (btf__find_by_name_kind(vmlinux, "skb_drop_reason", BTF_KIND_ENUM) >= 0 ||
		btf__find_by_name_kind(vmlinux, "skb_drop_reason", BTF_KIND_ENUM64) >= 0);
}

void ctrcap_kernel_probe(struct ctrcap_kernel_features *kf, struct btf **btf)
{
	struct btf *vmlinux;
	struct utsname u;

	memset(kf, 0, sizeof(*kf));
	if (btf)
		*btf = NULL;
	snprintf(kf->release, sizeof(kf->release), "%s", uname(&u) ? "?" : u.release);
	kf->netns_cookie = ctrcap_netns_cookie_here() != 0;
	/*
	 * A program every kernel with BPF accepts, of a type only a privileged
	 * caller may load (socket filters load unprivileged where
	 * kernel.unprivileged_bpf_disabled=0): without privilege, no probe
	 * says anything.
	 */
	if (!helper_loads(BPF_PROG_TYPE_SCHED_CLS, 0, BPF_FUNC_ktime_get_ns))
		return;
	kf->probed = true;
	kf->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	/* Parsed once: a large kernel's BTF takes a tenth of a second or more (start-up time). */
	vmlinux = ctrcap_vmlinux_btf();
	kf->kern_ctx = kern_ctx_present(vmlinux);
	kf->skb_current = skb_current_loads();
	kf->tcx = tcx_present();
	kf->sockops_netns = helper_loads_arg(BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS,
					     BPF_FUNC_get_netns_cookie, true);
	kf->ct = ct_present(vmlinux);
	kf->drop_reasons = drop_reasons_present(vmlinux);
	if (btf)
		*btf = vmlinux;
	else
		btf__free(vmlinux);
	kf->sk_storage = sk_storage_loads();
	apply_disable(kf);
	/* Probed after skb_current may have been taken away: it decides which egress hook loads. */
	kf->task_start = task_start_loads(kf->skb_current);
	apply_disable(kf);
}

int ctrcap_kernel_report(FILE *out, const char *prefix, const struct ctrcap_kernel_features *kf)
{
	const struct {
		bool missing;
		const char *what;
	} notes[] = {
		{ kf->probed && !kf->ringbuf, "no BPF ring buffer (Linux 5.8): ctrcap cannot "
					       "capture here" },
		{ kf->probed && !kf->kern_ctx,
		  "no bpf_cast_to_kern_ctx (Linux 6.2): an interface's namespace and type are "
		  "those it had when ctrcap attached to it (a moved one is attached anew)" },
		{ kf->probed && !kf->skb_current,
		  "cgroup_skb programs cannot read the current task: a UDP socket shared by "
		  "several processes or threads names its creator, not each sender" },
		{ kf->probed && !kf->tcx,
		  "no tcx (Linux 6.6): classic tc filters are used; they do not follow an "
		  "interface into another namespace (attached anew there at the next rescan, "
		  "about 0.5 s), and a ctrcap killed with SIGKILL leaves them behind until "
		  "`ctrcap --cleanup`" },
		{ kf->probed && !kf->kern_ctx && !kf->netns_cookie,
		  "no SO_NETNS_COOKIE (Linux 5.14): a SYN-ACK is not matched to its "
		  "listening socket" },
		{ kf->probed && !kf->task_start,
		  "socket hooks cannot read the current task: sockets do not record their "
		  "process's start time, so a packet whose process exited and whose pid "
		  "was reused names the new process" },
		{ kf->probed && !kf->sockops_netns,
		  "sock_ops programs cannot read the netns cookie (Linux 5.15): accepted "
		  "connections are attributed by flow and hop, not by their listening socket" },
		{ kf->probed && !kf->sk_storage,
		  "no socket storage in every socket hook and in tc: socket owners are kept by "
		  "socket cookie in a table of 65536; while it is full, a new socket's packets "
		  "are attributed by flow and hop, not by their socket" },
		{ kf->probed && !kf->ct,
		  "no conntrack kfuncs (Linux 5.18, with nf_conntrack loaded when ctrcap "
		  "starts): a reply to NAT, seen before NAT is undone, is named after the "
		  "local sender only when hop tracking saw that sender's packet NAT'd" },
		{ kf->probed && !kf->drop_reasons,
		  "skb:kfree_skb passes no drop reason (Linux 5.17): --drops captures every "
		  "kfree_skb() as a drop, without a reason" },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		if (!notes[i].missing)
			continue;
		fprintf(out, "%skernel %s: %s\n", prefix, kf->release, notes[i].what);
		n++;
	}
	return n;
}

void ctrcap_kernel_summary(FILE *out, const struct ctrcap_kernel_features *kf)
{
	if (!kf->probed) {
		fprintf(out, "kernel %s: not probed (no privilege to load BPF programs)\n",
			kf->release);
		return;
	}
	fprintf(out, "kernel %s: ringbuf %s, kern_ctx %s, cgroup_skb current task %s, "
		"tcx %s, SO_NETNS_COOKIE %s, sock_ops netns cookie %s, socket storage %s, "
		"socket owner start time %s, conntrack %s, drop reasons %s\n",
		kf->release, kf->ringbuf ? "yes" : "no", kf->kern_ctx ? "yes" : "no",
		kf->skb_current ? "yes" : "no", kf->tcx ? "yes" : "no",
		kf->netns_cookie ? "yes" : "no", kf->sockops_netns ? "yes" : "no",
		kf->sk_storage ? "yes" : "no", kf->task_start ? "yes" : "no", kf->ct ? "yes" : "no",
		kf->drop_reasons ? "yes" : "no");
}
