// SPDX-License-Identifier: GPL-2.0-or-later
/* cgroup-v2 lookups (see cgroup.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "containers/resolver.h"

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
	char path[4096], dir[4608];
	struct stat st;

	if (pid <= 0 || ctr_pid_cgroup((uint32_t)pid, path, sizeof(path)))
		return 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root, path) >= sizeof(dir) || stat(dir, &st))
		return 0;
	return st.st_ino;
}
