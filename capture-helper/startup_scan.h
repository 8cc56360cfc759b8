/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What existed before the capture started, processes and sockets, read in
 * a thread of its own while the main thread attaches to the interfaces.
 */
#ifndef CTRCAP_STARTUP_SCAN_H
#define CTRCAP_STARTUP_SCAN_H

#include <pthread.h>
#include <stdbool.h>

#include "proc_table.h"

struct ctrcap_startup_scan {
	struct ctrcap_proc_table *procs;
	int sock_owner_fd, flow_owner_fd, listen_owner_fd, bound_key_fd;
	pthread_t thread;
	bool threaded;		/* false: the scan already ran in the caller */
};

/*
 * Scan the process table and then the existing sockets into the BPF maps
 * (ctrcap_socket_scan()), in a thread when one can be made, else at once.
 * s's fds and procs are set by the caller; neither may be used until
 * ctrcap_startup_scan_join(). Call ctrcap_netns_init() first.
 */
void ctrcap_startup_scan_start(struct ctrcap_startup_scan *s);

/* Wait for the scan to finish; the process table is the caller's again. */
void ctrcap_startup_scan_join(struct ctrcap_startup_scan *s);

#endif /* CTRCAP_STARTUP_SCAN_H */
