/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup-v2 hierarchy: where it is mounted and a process's cgroup id. */
#ifndef CTRCAP_CGROUP_H
#define CTRCAP_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Mount point of cgroup2 from /proc/self/mountinfo into buf. Returns 0 or -1. */
int ctrcap_cgroup2_root(char *buf, size_t cap);

/* cgroup-v2 id (inode of its directory) of pid's cgroup, 0 if unknown. */
uint64_t ctrcap_cgroup_id_of_pid(const char *root, pid_t pid);

#endif /* CTRCAP_CGROUP_H */
