/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctrcap's modes: live capture, reading a file, listing interfaces/containers. */
#ifndef CTRCAP_CAPTURE_H
#define CTRCAP_CAPTURE_H

#include "options.h"

/* Live capture until a signal, -c, EPIPE or the `--` command ends. Exit code. */
int ctrcap_run_capture(const struct ctrcap_opts *o);

/* -r: print a saved pcapng with identities. Exit code. */
int ctrcap_run_read(const struct ctrcap_opts *o);

/* -D: interfaces of every namespace with netns and container. Exit code. */
int ctrcap_run_list_ifaces(const struct ctrcap_opts *o);

/* --list-containers: one tab-separated line per running container. Exit code. */
int ctrcap_run_list_containers(const struct ctrcap_opts *o);

/* --cleanup: remove classic tc filters a killed ctrcap left. Exit code. */
int ctrcap_run_cleanup(void);

#endif /* CTRCAP_CAPTURE_H */
