// SPDX-License-Identifier: GPL-2.0-or-later
/* The start-up scan of processes and sockets, beside the attach (see startup_scan.h). */
#include <signal.h>

#include "socket_scan.h"
#include "startup_scan.h"

static void run(struct ctrcap_startup_scan *s)
{
	ctrcap_proc_table_scan(s->procs);
	ctrcap_socket_scan(s->sock_owner_fd, s->flow_owner_fd, s->listen_owner_fd,
			   s->bound_key_fd, s->procs);
}

static void *thread_main(void *arg)
{
	run(arg);
	return NULL;
}

void ctrcap_startup_scan_start(struct ctrcap_startup_scan *s)
{
	sigset_t all, old;

	/*
	 * Both scans spend their time in the kernel: sock_diag walks the whole
	 * TCP hash table once per namespace, and attaching loads two programs
	 * per interface. With 50 namespaces each takes a third of a second.
	 * The thread takes no signal: an EINTR would cut a dump short.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->threaded = pthread_create(&s->thread, NULL, thread_main, s) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->threaded)
		run(s);
}

void ctrcap_startup_scan_join(struct ctrcap_startup_scan *s)
{
	if (s->threaded)
		pthread_join(s->thread, NULL);
	s->threaded = false;
}
