// SPDX-License-Identifier: GPL-2.0-or-later
/* -z CMD: the command run on each finished rotated file (see post_rotate.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrcap/errbuf.h"
#include "ctrcap/helper_spawn.h"
#include "post_rotate.h"

static struct ctrcap_helper *running[CTRCAP_POST_ROTATE_MAX];
static unsigned n_running;
static bool wait_at_exit;

/* True when path is a regular file this user may execute. */
static bool runnable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int ctrcap_post_rotate_resolve(const char *cmd, char *buf, size_t cap, char *err, size_t errlen)
{
	const char *path = getenv("PATH");
	const char *p;

	if (!*cmd) {
		ctrcap_errf(err, errlen, "-z needs a command");
		return -1;
	}
	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(buf, cap, "%s", cmd) >= cap || !runnable(buf)) {
			ctrcap_errf(err, errlen, "-z %s: not an executable file", cmd);
			return -1;
		}
		return 0;
	}
	/* execlp's default search path when PATH is unset. */
	for (p = path ? path : "/bin:/usr/bin"; ; p++) {
		size_t n = strcspn(p, ":");

		/* An empty PATH entry is the working directory. */
		if ((size_t)snprintf(buf, cap, "%.*s%s%s", (int)n, n ? p : ".", "/", cmd) < cap &&
		    runnable(buf))
			return 0;
		p += n;
		if (!*p)
			break;
	}
	ctrcap_errf(err, errlen, "-z %s: no such program in $PATH", cmd);
	return -1;
}

/* Reap the commands that have ended; block for the oldest when wait_oldest. */
static void reap(bool wait_oldest)
{
	unsigned i = 0;

	while (i < n_running) {
		struct ctrcap_helper *h = running[i];
		int st = ctrcap_helper_wait(h, 0);

		if (st == -1 && h->pid > 0 && wait_oldest && i == 0) {
			while (h->pid > 0)
				st = ctrcap_helper_wait(h, 1000);
		}
		if (h->pid > 0) {
			i++;
			continue;
		}
		if (st != -1 && (!WIFEXITED(st) || WEXITSTATUS(st)))
			fprintf(stderr, "ctrcap: -z %s %s\n", h->path,
				WIFEXITED(st) ? "exited with an error" : "was killed");
		free(h);
		memmove(&running[i], &running[i + 1], (n_running - i - 1) * sizeof(running[0]));
		n_running--;
		wait_oldest = false;
	}
}

void ctrcap_post_rotate_run(const char *prog, const char *file)
{
	const char *argv[] = { prog, file, NULL };
	struct ctrcap_helper *h;
	char err[512];

	/* Never wait here: this runs between ring reads, and a wait is a stall. */
	reap(false);
	if (n_running >= CTRCAP_POST_ROTATE_MAX) {
		fprintf(stderr, "ctrcap: -z %s: %u still running; %s is not passed to it\n", prog,
			n_running, file);
		return;
	}
	h = malloc(sizeof(*h));
	if (!h) {
		fprintf(stderr, "ctrcap: -z %s %s: out of memory\n", prog, file);
		return;
	}
	if (ctrcap_helper_spawn(h, argv, CTRCAP_SPAWN_INHERIT_OUTPUT | CTRCAP_SPAWN_LOW_PRIORITY,
				err, sizeof(err))) {
		fprintf(stderr, "ctrcap: -z on %s: %s\n", file, err);
		free(h);
		return;
	}
	running[n_running++] = h;
	if (!wait_at_exit)
		wait_at_exit = !atexit(ctrcap_post_rotate_wait);
}

void ctrcap_post_rotate_wait(void)
{
	while (n_running)
		reap(true);
}
