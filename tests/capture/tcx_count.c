// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: how many BPF programs attached with tcx (ingress + egress)
 * to an interface of the current network namespace no live process holds.
 * A ctrcap that exited or was killed must leave 0; programs of other
 * ctrcap instances running at the same time (they hold their program and
 * link fds, visible in /proc/<pid>/fdinfo) are not counted. The bpftool
 * of Debian 12 cannot show tcx attachments; this asks the kernel directly.
 *   tcx_count [--all] IFNAME   -> prints the count (--all: held or not),
 *                                 exit 0; exit 1 on error
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#define TCX_INGRESS 46
#define TCX_EGRESS 47
#define MAX_IDS 128

/* True when some process has an fd (program or link) on prog id. */
static bool held(__u32 id)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[300];
		struct dirent *fe;
		DIR *fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", de->d_name);
		fd = opendir(path);
		while (fd && !found && (fe = readdir(fd))) {
			char fp[600], line[256];
			FILE *f;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", path, fe->d_name);
			f = fopen(fp, "re");
			while (f && fgets(line, sizeof(line), f)) {
				unsigned v;

				if ((sscanf(line, "prog_id: %u", &v) == 1) && v == id) {
					found = true;
					break;
				}
			}
			if (f)
				fclose(f);
		}
		if (fd)
			closedir(fd);
	}
	if (d)
		closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	unsigned total = 0, ifindex;
	bool all = argc == 3 && !strcmp(argv[1], "--all");
	const char *name = argv[argc - 1];

	if (argc != 2 && !all) {
		fprintf(stderr, "usage: tcx_count [--all] IFNAME\n");
		return 2;
	}
	ifindex = if_nametoindex(name);
	if (!ifindex) {
		fprintf(stderr, "tcx_count: no interface %s\n", name);
		return 1;
	}
	for (int t = TCX_INGRESS; t <= TCX_EGRESS; t++) {
		__u32 ids[MAX_IDS], cnt = MAX_IDS, flags = 0;
		int ret = bpf_prog_query(ifindex, t, 0, &flags, ids, &cnt);

		if (ret) {
			fprintf(stderr, "tcx_count: query %s: %s\n", name, strerror(-ret));
			return 1;
		}
		for (__u32 i = 0; i < cnt && i < MAX_IDS; i++)
			total += all || !held(ids[i]);
	}
	printf("%u\n", total);
	return 0;
}
