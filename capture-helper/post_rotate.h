/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -z CMD: run `CMD FILE` on each file -C/-G rotation finishes, as tcpdump
 * does: in parallel to the capture, at the lowest priority, through the one
 * helper launcher (no shell), as the user ctrcap acts as (-Z USER, else the
 * invoking user), with no capability: capture forbids new privileges
 * before it writes, and an exec by a user other than root keeps none.
 */
#ifndef CTRCAP_POST_ROTATE_H
#define CTRCAP_POST_ROTATE_H

#include <stddef.h>

/* How many -z commands may run at once; a file closed while all run is left out (said on stderr). */
#define CTRCAP_POST_ROTATE_MAX 16

/*
 * The program CMD names: CMD itself when it holds a '/', else the first
 * executable CMD in $PATH (as execlp, which tcpdump uses, would find it).
 * Returns 0 with the path in buf, or -1 with the reason in err.
 */
int ctrcap_post_rotate_resolve(const char *cmd, char *buf, size_t cap, char *err, size_t errlen);

/* Start `prog file` (prog as resolved above); a failure is reported on stderr. */
void ctrcap_post_rotate_run(const char *prog, const char *file);

/* Wait for every -z command still running (ctrcap's exit waits so). */
void ctrcap_post_rotate_wait(void);

#endif /* CTRCAP_POST_ROTATE_H */
