// SPDX-License-Identifier: GPL-2.0-or-later
/* cgroup-v2 lookups (see cgroup.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"

int ctrcap_cgroup2_root(char *buf, size_t cap)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int ret = -1;

	if (!f)
		return -1;
	/* "id parent maj:min root mountpoint opts... - fstype source superopts" */
	while (fgets(line, sizeof(line), f)) {
		char mnt[2048], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1)
			continue;
		if ((size_t)snprintf(buf, cap, "%s", mnt) < cap)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

uint64_t ctrcap_cgroup_id_of_pid(const char *root, pid_t pid)
{
	char path[64], line[4096], dir[4608];
	struct stat st;
	uint64_t id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(dir, sizeof(dir), "%s%s", root, line + 3);
		if (!stat(dir, &st))
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}
