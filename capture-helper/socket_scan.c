// SPDX-License-Identifier: GPL-2.0-or-later
/* Attributing sockets that predate the capture (see socket_scan.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cgroup.h"
#include "netns.h"
#include "socket_scan.h"

#define MAX_SOCKS 65536
#define TCP_LISTEN 10

struct inode_pid {
	uint32_t inode;
	uint32_t pid;
};

struct scan {
	struct inode_pid *v;
	size_t n;
	int sock_fd, flow_fd, listen_fd, bound_fd;
	struct ctrcap_proc_table *procs;
	char cgroot[512];
	int found;
};

static int cmp_inode(const void *a, const void *b)
{
	const struct inode_pid *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* socket inode -> pid from every /proc/<pid>/fd. */
static void map_inodes(struct scan *s)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d)) && s->n < MAX_SOCKS) {
		char path[300], link[64];
		struct dirent *fe;
		DIR *fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fd = opendir(path);
		while (fd && (fe = readdir(fd)) && s->n < MAX_SOCKS) {
			char fp[600];
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", path, fe->d_name);
			n = readlink(fp, link, sizeof(link) - 1);
			if (n <= 8)
				continue;
			link[n] = '\0';
			if (strncmp(link, "socket:[", 8))
				continue;
			s->v[s->n].inode = strtoul(link + 8, NULL, 10);
			s->v[s->n].pid = strtoul(de->d_name, NULL, 10);
			s->n++;
		}
		if (fd)
			closedir(fd);
	}
	if (d)
		closedir(d);
	qsort(s->v, s->n, sizeof(*s->v), cmp_inode);
}

static uint32_t pid_of(const struct scan *s, uint32_t inode)
{
	struct inode_pid key = { .inode = inode }, *hit;

	hit = bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_inode);
	return hit ? hit->pid : 0;
}

static void addr16(uint8_t *dst, int family, const __be32 *a)
{
	if (family == AF_INET6) {
		memcpy(dst, a, 16);
		return;
	}
	memset(dst, 0, 10);
	dst[10] = dst[11] = 0xff;
	memcpy(dst + 12, a, 4);
}

static void note(struct scan *s, const struct inet_diag_msg *m, uint8_t proto, uint64_t ns_cookie)
{
	struct ctrcap_sock_rec rec = { .attribution = CTRCAP_BPF_ATTR_SOCKET };
	struct ctrcap_owner *o = &rec.owner;
	const struct ctrcap_proc *p;
	uint64_t cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	uint32_t pid = pid_of(s, m->idiag_inode);

	if (!pid || cookie == (uint64_t)-1 || !cookie)
		return;
	p = ctrcap_proc_get(s->procs, pid);
	o->tgid = o->tid = pid;
	o->uid = m->idiag_uid;
	o->gid = p ? p->gid : 0;
	o->cgroup_id = ctrcap_cgroup_id_of_pid(s->cgroot, pid);
	if (p)
		memcpy(o->comm, p->comm, sizeof(o->comm));
	rec.cookie = cookie;
	bpf_map_update_elem(s->sock_fd, &cookie, &rec, BPF_NOEXIST);
	s->found++;
	if (proto == IPPROTO_TCP && m->idiag_state == TCP_LISTEN) {
		struct ctrcap_listen_key lk = { .netns_cookie = ns_cookie, .proto = proto };

		/* 0.0.0.0 is the wildcard key, all zeros like :: (bpf/ctrcap_sock.bpf.h). */
		if (m->idiag_family == AF_INET6 || m->id.idiag_src[0])
			addr16(lk.addr, m->idiag_family, m->id.idiag_src);
		lk.port = ntohs(m->id.idiag_sport);
		rec.attribution = CTRCAP_BPF_ATTR_LISTENER;
		if (bpf_map_update_elem(s->listen_fd, &lk, &rec, BPF_NOEXIST) == 0)
			bpf_map_update_elem(s->bound_fd, &cookie, &lk, BPF_NOEXIST);
	} else if (m->id.idiag_dport) {
		struct ctrcap_flow_key fk = { .proto = proto };

		addr16(fk.saddr, m->idiag_family, m->id.idiag_src);
		addr16(fk.daddr, m->idiag_family, m->id.idiag_dst);
		fk.sport = m->id.idiag_sport;
		fk.dport = m->id.idiag_dport;
		bpf_map_update_elem(s->flow_fd, &fk, o, BPF_NOEXIST);
	}
}

/* Dump one family/protocol in the current namespace. */
static int dump(struct scan *s, int family, uint8_t proto, uint64_t ns_cookie)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = family, .sdiag_protocol = proto, .idiag_states = ~0u },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int rounds = 0;

	if (fd < 0)
		return -1;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	/* Bounded: a dump of 65536 sockets needs far fewer rounds. */
	while (rounds++ < 100000) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n <= 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return 0;
			}
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				note(s, NLMSG_DATA(h), proto, ns_cookie);
		}
	}
	close(fd);
	return 0;
}

/* What the scan dumps in each namespace, and the name sockstat counts it by. */
static const struct dump_kind {
	int family;
	uint8_t proto;
	const char *name;
} dump_kinds[] = {
	{ AF_INET, IPPROTO_TCP, "TCP" },
	{ AF_INET6, IPPROTO_TCP, "TCP6" },
	{ AF_INET, IPPROTO_UDP, "UDP" },
	{ AF_INET6, IPPROTO_UDP, "UDP6" },
};
#define N_DUMP_KINDS (sizeof(dump_kinds) / sizeof(dump_kinds[0]))

/*
 * Each kind's socket count in this thread's namespace, from the "NAME: inuse
 * N" lines of /proc/thread-self/net/sockstat and sockstat6; -1 where that
 * cannot be read. A dump walks the kernel's whole TCP hash, which every
 * namespace shares (1.7 ms here for 262144 buckets), also for a namespace
 * with no socket in it; a count of 0 lets the scan skip it.
 */
static void sockstat_counts(long n[N_DUMP_KINDS])
{
	static const char *const files[] = { "sockstat", "sockstat6" };
	char path[64], line[256];

	for (size_t k = 0; k < N_DUMP_KINDS; k++)
		n[k] = -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", files[i]);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			for (size_t k = 0; k < N_DUMP_KINDS; k++) {
				size_t len = strlen(dump_kinds[k].name);

				if (!strncmp(line, dump_kinds[k].name, len) && line[len] == ':' &&
				    sscanf(line + len + 1, " inuse %ld", &n[k]) != 1)
					n[k] = -1;
			}
		}
		if (f)
			fclose(f);
	}
}

int ctrcap_socket_scan(int sock_owner_fd, int flow_owner_fd, int listen_owner_fd,
		       int bound_key_fd, struct ctrcap_proc_table *procs)
{
	struct scan s = { .sock_fd = sock_owner_fd, .flow_fd = flow_owner_fd,
			  .listen_fd = listen_owner_fd, .bound_fd = bound_key_fd, .procs = procs };
	struct ctrcap_netns *ns;
	size_t nns;

	if (ctrcap_cgroup2_root(s.cgroot, sizeof(s.cgroot)))
		s.cgroot[0] = '\0';
	s.v = calloc(MAX_SOCKS, sizeof(*s.v));
	if (!s.v || ctrcap_netns_init() || ctrcap_netns_list(&ns, &nns)) {
		free(s.v);
		return -1;
	}
	map_inodes(&s);
	for (size_t i = 0; i < nns; i++) {
		long used[N_DUMP_KINDS];
		uint64_t nc;

		if (i > 0 && ctrcap_netns_enter(&ns[i]))
			continue;
		nc = ctrcap_netns_cookie_here();
		sockstat_counts(used);
		/*
		 * Bound-only TCP sockets are in no count; they send nothing
		 * before connect(), which the cgroup/connect hooks attribute.
		 */
		for (size_t k = 0; k < N_DUMP_KINDS; k++) {
			if (used[k] != 0)
				dump(&s, dump_kinds[k].family, dump_kinds[k].proto, nc);
		}
		if (i > 0 && ctrcap_netns_leave())
			break;
	}
	free(ns);
	free(s.v);
	return s.found;
}
