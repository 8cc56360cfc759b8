// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cgroup-v2 tree: where it is mounted (hybrid hosts mount it below
 * /sys/fs/cgroup/unified) and a bounded walk that maps each directory's
 * inode, which is the cgroup id BPF reports, to its path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr_internal.h"

/* Undo mountinfo's octal escapes (\040 for space) in place. */
static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int ctr_cgroup2_mount(const char *mountinfo, char *buf, size_t len)
{
	char line[4096];
	FILE *f;
	int ret = -1;
	unsigned lines = 0;

	f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && lines++ < 100000) {
		char *sep = strstr(line, " - ");
		char *mnt, *save = NULL, *tok;
		int field = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		mnt = NULL;
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			if (++field == 5) {
				mnt = tok;
				break;
			}
		}
		if (!mnt)
			continue;
		unescape_mountinfo(mnt);
		ctr_strlcpy(buf, mnt, len);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

struct walk {
	ctr_walk_fn fn;
	void *ctx;
	unsigned max_dirs, max_depth, visited;
	char path[4096];
};

static void walk_dir(struct walk *w, int dfd, size_t plen, unsigned depth)
{
	struct dirent *de;
	DIR *d;

	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) && w->visited < w->max_dirs) {
		struct stat st;
		size_t nlen;
		int fd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen >= sizeof(w->path))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* removed meanwhile */
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, de->d_name, nlen + 1);
		w->visited++;
		w->fn(w->ctx, st.st_ino, w->path);
		if (depth + 1 < w->max_depth)
			walk_dir(w, fd, plen + 1 + nlen, depth + 1);
		else
			close(fd);
		w->path[plen] = '\0';
	}
	closedir(d);
}

int ctr_cgroup_walk(const char *root, unsigned max_dirs, unsigned max_depth, ctr_walk_fn fn,
		    void *ctx)
{
	struct walk *w;
	struct stat st;
	int fd, n;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -1;
	}
	w->fn = fn;
	w->ctx = ctx;
	w->max_dirs = max_dirs;
	w->max_depth = max_depth;
	w->path[0] = '/';
	w->path[1] = '\0';
	w->visited = 1;
	fn(ctx, st.st_ino, "/");
	w->path[0] = '\0';
	walk_dir(w, fd, 0, 0);
	n = (int)w->visited;
	free(w);
	return n;
}

int ctr_pid_cgroup(uint32_t pid, char *buf, size_t len)
{
	char file[64], line[4608];
	int ret = -1;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%u/cgroup", pid);
	f = fopen(file, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) < len) {
			strcpy(buf, line + 3);
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

long ctr_cgroup_owner(const char *root, const char *path, size_t plen)
{
	char dir[4608];
	struct stat st;

	if (plen > INT32_MAX || !ctr_path(dir, sizeof(dir), "%s%.*s", root, (int)plen, path))
		return -1;
	if (stat(dir, &st))
		return -1;
	return (long)st.st_uid;
}

uint32_t ctr_cgroup_first_pid(const char *root, const char *path)
{
	char file[4600];
	unsigned long lowest = 0, v;
	unsigned n = 0;
	FILE *f;

	if (!ctr_path(file, sizeof(file), "%s%s/cgroup.procs", root, strcmp(path, "/") ? path : ""))
		return 0;
	f = fopen(file, "re");
	if (!f)
		return 0;
	while (n++ < 100000 && fscanf(f, "%lu", &v) == 1) {
		if (!lowest || v < lowest)
			lowest = v;
	}
	fclose(f);
	return (uint32_t)lowest;
}

/* FILEID_KERNFS: cgroupfs file handles are the 64-bit kernfs node id, i.e. the cgroup id. */
#define CTR_FILEID_KERNFS 0xfe

int ctr_cgroup_path_by_id(int root_fd, const char *root, uint64_t id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	char link[64], target[4608];
	size_t rlen = strlen(root);
	ssize_t n;
	int fd;

	if (root_fd < 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = CTR_FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(root_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	/* The link is absolute; the cgroup path is what follows the mount point. */
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if (strncmp(target, root, rlen) || (target[rlen] && target[rlen] != '/'))
		return -1;
	ctr_strlcpy(buf, target[rlen] ? target + rlen : "/", len);
	return 0;
}
