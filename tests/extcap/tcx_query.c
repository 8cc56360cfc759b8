// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcx_query IFNAME: the ids of the BPF programs attached to IFNAME's tcx
 * ingress and egress hooks, one "ingress|egress ID" line each. Debian 12's
 * bpftool (7.1) lists tcx links without their interface, so the e2e test
 * asks the kernel directly (BPF_PROG_QUERY) whether a stopped capture left
 * anything attached.
 *
 * tcx_query --loaded ID...: the ids among ID... of BPF programs still
 * loaded in the kernel, one "prog ID" line each (a stopped helper's
 * programs must all be gone, wherever they were attached).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TCX_INGRESS 46 /* BPF_TCX_INGRESS, newer than these uapi headers */
#define TCX_EGRESS 47
#define MAX_PROGS 64

static int query(unsigned ifindex, unsigned type, const char *name)
{
	__u32 ids[MAX_PROGS];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = ifindex; /* target_ifindex for tcx */
	a.query.attach_type = type;
	a.query.prog_ids = (__u64)(unsigned long)ids;
	a.query.prog_cnt = MAX_PROGS;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a))) {
		if (errno == ENOENT)
			return 0; /* nothing ever attached there */
		fprintf(stderr, "tcx_query: %s query: %s\n", name, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < a.query.prog_cnt && i < MAX_PROGS; i++)
		printf("%s %u\n", name, ids[i]);
	return 0;
}

/* Print "prog ID" for each id of a program still loaded; 1 on a query error. */
static int loaded(int n, char **ids)
{
	for (int i = 0; i < n; i++) {
		union bpf_attr a;
		char *end;
		unsigned long id = strtoul(ids[i], &end, 10);
		int fd;

		if (!*ids[i] || *end || !id || id > 0xffffffffUL) {
			fprintf(stderr, "tcx_query: '%s' is not a program id\n", ids[i]);
			return 1;
		}
		memset(&a, 0, sizeof(a));
		a.prog_id = (__u32)id;
		fd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
		if (fd >= 0) {
			printf("prog %lu\n", id);
			close(fd);
		} else if (errno != ENOENT) {
			fprintf(stderr, "tcx_query: program %lu: %s\n", id, strerror(errno));
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned ifindex;

	if (argc >= 2 && !strcmp(argv[1], "--loaded"))
		return loaded(argc - 2, argv + 2);
	if (argc != 2) {
		fprintf(stderr, "usage: tcx_query IFNAME | tcx_query --loaded ID...\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "tcx_query: no interface %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (query(ifindex, TCX_INGRESS, "ingress") || query(ifindex, TCX_EGRESS, "egress"))
		return 1;
	return 0;
}
