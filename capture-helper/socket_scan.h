/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sockets that existed before the capture started: the cgroup hooks never
 * saw them created. sock_diag (in every namespace) gives each TCP/UDP
 * socket's cookie, inode and 5-tuple; /proc/<pid>/fd gives inode -> pid.
 */
#ifndef CTRCAP_SOCKET_SCAN_H
#define CTRCAP_SOCKET_SCAN_H

#include "proc_table.h"

/*
 * Record owners of existing sockets into the BPF maps (socket cookie,
 * established 5-tuples, listening addresses and, so that the release hook
 * removes them, the listeners' keys by cookie). Returns how many sockets
 * were attributed, or -1 when sock_diag is unavailable.
 */
int ctrcap_socket_scan(int sock_owner_fd, int flow_owner_fd, int listen_owner_fd,
		       int bound_key_fd, struct ctrcap_proc_table *procs);

#endif /* CTRCAP_SOCKET_SCAN_H */
