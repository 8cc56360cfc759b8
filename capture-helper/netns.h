/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces on the host: ctrcap's own ("host"), the named ones in
 * /run/netns and every one a process lives in (/proc/<pid>/ns/net).
 */
#ifndef CTRCAP_NETNS_H
#define CTRCAP_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctrcap_netns {
	uint32_t ino;		/* namespace inode, the id pcapng and the record use */
	char name[64];		/* "host", the /run/netns name, or "pid N" */
	char path[96];		/* a path that opens it */
	pid_t pid;		/* a process in it (0 if only named) */
};

/* All namespaces now, host first. *out is malloc'ed. Returns 0 or -1 (errno). */
int ctrcap_netns_list(struct ctrcap_netns **out, size_t *n);

/* Inode of the namespace at path, or 0 with errno set. */
uint32_t ctrcap_netns_ino(const char *path);

/*
 * Resolve a -i ...@NETNS argument (a /run/netns name, a path, or an inode
 * among the current namespaces) to a namespace. A path outside /run/netns
 * and /proc/<pid>/ns/net is looked up as the invoking user, with no
 * capability, so it reveals nothing that user could not see. Returns 0 or -1.
 */
int ctrcap_netns_resolve(const char *spec, struct ctrcap_netns *out);

/*
 * Enter @ns on this thread, only if its path still opens the namespace
 * listed (inode @ns->ino): a /proc/PID path whose pid was reused since
 * the listing names another namespace. Returns 0 or -1 (errno; ESTALE
 * for another namespace).
 */
int ctrcap_netns_enter(const struct ctrcap_netns *ns);

/* Return this thread to the namespace ctrcap started in. Returns 0 or -1. */
int ctrcap_netns_leave(void);

/* Remember the starting namespace; call once before any ctrcap_netns_enter(). */
int ctrcap_netns_init(void);

/* The cookie of the current network namespace (SO_NETNS_COOKIE, 5.14+), 0 if unknown. */
uint64_t ctrcap_netns_cookie_here(void);

#endif /* CTRCAP_NETNS_H */
