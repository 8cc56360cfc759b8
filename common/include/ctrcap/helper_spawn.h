/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way ctrcap programs start a helper process (the capture helper
 * `ctrcap` under the extcap and the rpcap server, ctrcap's -z command):
 * argv[0] is a path (no PATH search), stdin is /dev/null (or a pipe), stdout and
 * stderr go to pipes (or stay ours with CTRCAP_SPAWN_INHERIT_OUTPUT), every
 * other descriptor is closed in the child, signal dispositions and the
 * signal mask are reset. The child's stderr is kept as a bounded tail (the
 * last CTRCAP_STDERR_TAIL_MAX bytes), so a chatty child cannot grow the
 * parent's memory. Every error names the helper's path.
 */
#ifndef CTRCAP_HELPER_SPAWN_H
#define CTRCAP_HELPER_SPAWN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How much of a helper's stderr is kept: the newest bytes. */
#define CTRCAP_STDERR_TAIL_MAX 4096u
/* How much of a helper's path its error messages quote. */
#define CTRCAP_HELPER_PATH_MAX 256u

/* Spawn flags. */
#define CTRCAP_SPAWN_NONBLOCK 0x1u	 /* the parent's pipe ends are O_NONBLOCK */
#define CTRCAP_SPAWN_DIE_WITH_PARENT 0x2u /* SIGTERM to the child when the parent dies */
#define CTRCAP_SPAWN_STDERR_THREAD 0x4u	 /* a thread of ours keeps reading stderr */
/* The child writes to our stdout and stderr, no pipes (out_fd, err_fd stay -1). */
#define CTRCAP_SPAWN_INHERIT_OUTPUT 0x8u
#define CTRCAP_SPAWN_LOW_PRIORITY 0x10u	 /* the child runs at nice 19 (tcpdump's -z) */
/* The child's stdin is a pipe whose write end is in_fd (closing it is the child's EOF). */
#define CTRCAP_SPAWN_STDIN_PIPE 0x20u
/* The child leads a process group of its own: a terminal's Ctrl-C reaches only us. */
#define CTRCAP_SPAWN_OWN_PGRP 0x40u

/* The last bytes a child wrote to stderr. */
struct ctrcap_stderr_tail {
	char buf[CTRCAP_STDERR_TAIL_MAX + 1]; /* NUL-terminated */
	size_t len;
	unsigned long long total; /* every byte seen, kept or dropped */
};

/* A running helper process and our ends of its pipes. */
struct ctrcap_helper {
	pid_t pid;	/* -1 once reaped (or never started) */
	int out_fd;	/* read end of the child's stdout, -1 once closed */
	int err_fd;	/* read end of the child's stderr, -1 once closed */
	int in_fd;	/* write end of its stdin with CTRCAP_SPAWN_STDIN_PIPE, else -1 */
	char path[CTRCAP_HELPER_PATH_MAX]; /* argv[0], for messages */
	pthread_mutex_t lock;	/* guards tail */
	pthread_t reader;	/* with CTRCAP_SPAWN_STDERR_THREAD */
	bool reader_started;
	atomic_bool reader_stop;
	struct ctrcap_stderr_tail tail;
};

/* Append n bytes to t, keeping only the last CTRCAP_STDERR_TAIL_MAX of all. */
void ctrcap_stderr_tail_add(struct ctrcap_stderr_tail *t, const char *p, size_t n);

/*
 * Start argv[0] with argv (flags: CTRCAP_SPAWN_*). 0 with h filled, or -1
 * with errno set (the exec's own errno when the program could not run)
 * and err naming the helper's path.
 */
int ctrcap_helper_spawn(struct ctrcap_helper *h, const char *const argv[], unsigned flags,
			char *err, size_t errlen);

/* Read what the stderr pipe holds now into the tail; false at EOF or on an error. */
bool ctrcap_helper_read_stderr(struct ctrcap_helper *h);

/* Copy the kept stderr tail into buf (NUL-terminated, its newest len-1 bytes at most). */
void ctrcap_helper_stderr(struct ctrcap_helper *h, char *buf, size_t len);

/* The last line with text in h's stderr tail, control characters blanked. */
void ctrcap_helper_last_line(struct ctrcap_helper *h, char *buf, size_t len);

/* CLOCK_MONOTONIC in milliseconds: the clock of every helper timeout. */
long long ctrcap_helper_now_ms(void);

/*
 * Wait up to timeout_ms for @text to appear in the child's kept stderr (a
 * CTRCAP_SPAWN_STDERR_THREAD child: its thread reads it). 1 when it did,
 * 0 on timeout, -1 when the child exited first (*status: its wait status).
 */
int ctrcap_helper_wait_stderr(struct ctrcap_helper *h, const char *text, unsigned timeout_ms,
			      int *status);

/* Wait up to timeout_ms for the child to exit: its wait status, or -1 if it did not. */
int ctrcap_helper_wait(struct ctrcap_helper *h, unsigned timeout_ms);

/*
 * After the child exited: read what its stderr pipe still holds into the
 * tail (the stderr thread, if any, stopped first), so that its last line
 * is there. The descriptors stay open.
 */
void ctrcap_helper_stderr_finish(struct ctrcap_helper *h);

/*
 * Stop the child: SIGTERM, SIGKILL after grace_ms, reap it, stop the
 * stderr thread (the tail stays readable), close our pipe ends. Its wait
 * status, or -1 when it was gone already.
 */
int ctrcap_helper_stop(struct ctrcap_helper *h, unsigned grace_ms);

/*
 * Run argv to completion within timeout_ms, its stdout (at most max bytes)
 * into a malloc'ed NUL-terminated *out. 0 on exit status 0; -1 when it
 * failed, timed out or wrote too much (err names it and quotes its last
 * stderr line); -2 with errno set when it could not be started at all.
 */
int ctrcap_helper_run(const char *const argv[], unsigned timeout_ms, size_t max, char **out,
		      size_t *outlen, char *err, size_t errlen);

#endif /* CTRCAP_HELPER_SPAWN_H */
