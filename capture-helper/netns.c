// SPDX-License-Identifier: GPL-2.0-or-later
/* Finding and entering network namespaces. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "netns.h"
#include "privilege.h"

/* SO_NETNS_COOKIE, newer than this system's headers. */
#define CTRCAP_SO_NETNS_COOKIE 71

#define NETNS_MAX 4096

static int home_fd = -1;

int ctrcap_netns_init(void)
{
	if (home_fd >= 0)
		return 0;
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return home_fd < 0 ? -1 : 0;
}

uint32_t ctrcap_netns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return (uint32_t)st.st_ino;
}

int ctrcap_netns_enter(const struct ctrcap_netns *ns)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int ret;

	if (fd < 0)
		return -1;
	/* The fd is the namespace from now on: check it, then enter it. */
	if (fstat(fd, &st) || st.st_ino != ns->ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

int ctrcap_netns_leave(void)
{
	if (home_fd < 0) {
		errno = EBADF;
		return -1;
	}
	return setns(home_fd, CLONE_NEWNET);
}

static bool have_ino(const struct ctrcap_netns *v, size_t n, uint32_t ino)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].ino == ino)
			return true;
	}
	return false;
}

int ctrcap_netns_list(struct ctrcap_netns **out, size_t *n)
{
	struct ctrcap_netns *v = calloc(NETNS_MAX, sizeof(*v));
	struct dirent *de;
	size_t k = 0;
	DIR *d;

	if (!v)
		return -1;
	/*
	 * The calling thread's, not the process's: the attach scan and the
	 * socket scan run at once, each entering namespaces in its thread.
	 */
	v[0].ino = ctrcap_netns_ino("/proc/thread-self/ns/net");
	snprintf(v[0].name, sizeof(v[0].name), "host");
	snprintf(v[0].path, sizeof(v[0].path), "/proc/thread-self/ns/net");
	v[0].pid = getpid();
	k = 1;

	d = opendir("/run/netns");
	while (d && (de = readdir(d)) && k < NETNS_MAX) {
		char path[96];
		uint32_t ino;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(v[k].name))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%.63s", de->d_name);
		ino = ctrcap_netns_ino(path);
		if (!ino || have_ino(v, k, ino))
			continue;
		v[k].ino = ino;
		snprintf(v[k].name, sizeof(v[k].name), "%.63s", de->d_name);
		snprintf(v[k].path, sizeof(v[k].path), "%s", path);
		k++;
	}
	if (d)
		closedir(d);

	d = opendir("/proc");
	while (d && (de = readdir(d)) && k < NETNS_MAX) {
		char path[96];
		uint32_t ino;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		ino = ctrcap_netns_ino(path);
		if (!ino)
			continue;
		for (size_t i = 0; i < k; i++) {
			/* A named namespace: note a process in it for its container. */
			if (v[i].ino == ino && !v[i].pid)
				v[i].pid = atoi(de->d_name);
		}
		if (have_ino(v, k, ino))
			continue;
		v[k].ino = ino;
		v[k].pid = atoi(de->d_name);
		snprintf(v[k].name, sizeof(v[k].name), "pid %d", v[k].pid);
		snprintf(v[k].path, sizeof(v[k].path), "%s", path);
		k++;
	}
	if (d)
		closedir(d);
	*out = v;
	*n = k;
	return 0;
}

/*
 * /run/netns/<name> and /proc/<pid>/ns/net: the places ctrcap_netns_list()
 * looks at with its own capabilities anyway, so naming them reveals nothing.
 */
static bool is_listed_place(const char *path)
{
	const char *p;

	if (!strncmp(path, "/run/netns/", 11)) {
		p = path + 11;
		return *p && *p != '.' && !strchr(p, '/');
	}
	if (strncmp(path, "/proc/", 6))
		return false;
	p = path + 6;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return !strcmp(p, "/ns/net");
}

/*
 * Inode of a namespace file the user named: opened as the invoking user with
 * no capability effective, so cap_dac_read_search does not reveal what lies
 * in directories that user cannot search. 0 with errno set on failure.
 */
static uint32_t user_path_ino(const char *path)
{
	char err[256];
	struct statfs sfs;
	struct stat st;
	int fd, saved;

	errno = 0;
	fd = ctrcap_priv_open_output(path, O_RDONLY | O_NONBLOCK, 0, err, sizeof(err));
	if (fd < 0) {
		if (!errno)
			errno = EACCES;	/* a refused symlink */
		return 0;
	}
	if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
		saved = errno;
		close(fd);
		errno = saved;
		return 0;
	}
	close(fd);
	if (sfs.f_type != NSFS_MAGIC) {
		errno = EINVAL;	/* not a namespace file */
		return 0;
	}
	return (uint32_t)st.st_ino;
}

int ctrcap_netns_resolve(const char *spec, struct ctrcap_netns *out)
{
	struct ctrcap_netns *v;
	size_t n, i;
	char *end;
	unsigned long ino;

	memset(out, 0, sizeof(*out));
	if (strchr(spec, '/')) {
		out->ino = is_listed_place(spec) ? ctrcap_netns_ino(spec) : user_path_ino(spec);
		if (!out->ino)
			return -1;
		snprintf(out->name, sizeof(out->name), "%s", spec);
		snprintf(out->path, sizeof(out->path), "%s", spec);
		return 0;
	}
	if (ctrcap_netns_list(&v, &n))
		return -1;
	ino = strtoul(spec, &end, 10);
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].name, spec) || (!*end && v[i].ino == ino)) {
			*out = v[i];
			free(v);
			return 0;
		}
	}
	free(v);
	errno = ENOENT;
	return -1;
}

uint64_t ctrcap_netns_cookie_here(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (s < 0)
		return 0;
	if (getsockopt(s, SOL_SOCKET, CTRCAP_SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(s);
	return cookie;
}
