/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the privileged capture helper `ctrcap` as a child: its stdout on
 * a pipe, its stderr kept in a memory file for error messages, killed with
 * the server (PR_SET_PDEATHSIG).
 */
#ifndef CTRCAP_HELPER_PROC_H
#define CTRCAP_HELPER_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Compile-time helper path, overridden by $CTRCAP_HELPER or --helper. */
#ifndef CTRCAP_HELPER_DEFAULT
#define CTRCAP_HELPER_DEFAULT "/usr/local/sbin/ctrcap"
#endif

struct helper_proc {
	pid_t pid;
	int out_fd;	/* read end of the child's stdout */
	int err_fd;	/* memfd holding the child's stderr */
};

/* The helper path to use: override if set, else $CTRCAP_HELPER, else the default. */
const char *helper_path(const char *override);

/* Start argv[0] with argv. 0, or -1 with err naming the program. */
int helper_start(struct helper_proc *h, char *const argv[], char *err, size_t errlen);

/* The first line(s) the helper wrote to stderr, up to len-1 bytes, "" if none. */
void helper_stderr(const struct helper_proc *h, char *buf, size_t len);

/*
 * Stop the helper: SIGTERM (it removes its hooks), SIGKILL after
 * grace_ms. Closes the fds. Returns its wait status, or -1.
 */
int helper_stop(struct helper_proc *h, unsigned grace_ms);

/* Wait up to timeout_ms for the helper to exit by itself; its status or -1. */
int helper_wait(struct helper_proc *h, unsigned timeout_ms);

/*
 * Run argv to completion within timeout_ms, collecting at most max bytes
 * of stdout into a malloc'ed NUL-terminated *out. 0 on exit status 0, else
 * -1 with err (including the helper's stderr).
 */
int helper_run(char *const argv[], unsigned timeout_ms, size_t max, char **out, size_t *outlen,
	       char *err, size_t errlen);

#endif /* CTRCAP_HELPER_PROC_H */
