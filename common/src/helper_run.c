// SPDX-License-Identifier: GPL-2.0-or-later
/* Running a helper to completion and collecting its output (see ctrcap/helper_spawn.h). */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctrcap/errbuf.h"
#include "ctrcap/helper_spawn.h"

void ctrcap_helper_last_line(struct ctrcap_helper *h, char *buf, size_t len)
{
	char tail[CTRCAP_STDERR_TAIL_MAX + 1], *start, *end;
	size_t n;

	ctrcap_helper_stderr(h, tail, sizeof(tail));
	end = tail + strlen(tail);
	while (end > tail && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	start = strrchr(tail, '\n');
	start = start ? start + 1 : tail;
	n = (size_t)(end - start) < len - 1 ? (size_t)(end - start) : len - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
	for (char *p = buf; *p; p++) {
		if (iscntrl((unsigned char)*p))
			*p = ' ';
	}
}

/* Read stdout into buf; 0 at EOF, 1 for more to come, -1 when over max or on an error. */
static int read_out(struct ctrcap_helper *h, char *buf, size_t max, size_t *len)
{
	for (;;) {
		char extra;
		ssize_t n = *len < max ? read(h->out_fd, buf + *len, max - *len)
				       : read(h->out_fd, &extra, 1);

		if (n == 0)
			return 0;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : -1;
		if (*len == max)
			return -1;
		*len += (size_t)n;
	}
}

/* Why a helper that ran did not succeed, into err. */
static void explain_status(struct ctrcap_helper *h, const char *const argv[], int status,
			   char *err, size_t errlen)
{
	char line[512];

	ctrcap_helper_last_line(h, line, sizeof(line));
	if (status >= 0 && WIFSIGNALED(status))
		ctrcap_errf(err, errlen, "helper %s %s killed by signal %d%s%s", h->path,
			    argv[1] ? argv[1] : "", WTERMSIG(status), line[0] ? ": " : "", line);
	else
		ctrcap_errf(err, errlen, "helper %s %s failed (exit %d)%s%s", h->path,
			    argv[1] ? argv[1] : "", status >= 0 ? WEXITSTATUS(status) : -1,
			    line[0] ? ": " : "", line);
}

int ctrcap_helper_run(const char *const argv[], unsigned timeout_ms, size_t max, char **out,
		      size_t *outlen, char *err, size_t errlen)
{
	long long end = ctrcap_helper_now_ms() + timeout_ms, now;
	bool out_open = true, err_open = true;
	struct ctrcap_helper h;
	size_t len = 0;
	int status, r;
	char *buf;

	*out = NULL;
	*outlen = 0;
	buf = malloc(max + 1);
	if (!buf) {
		ctrcap_errf(err, errlen, "no memory for the output of helper %s", argv[0]);
		return -1;
	}
	if (ctrcap_helper_spawn(&h, argv, CTRCAP_SPAWN_NONBLOCK, err, errlen) < 0) {
		int e = errno;

		free(buf);
		errno = e;
		return -2;
	}
	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? h.out_fd : -1, POLLIN, 0 },
				       { err_open ? h.err_fd : -1, POLLIN, 0 } };
		long long left = end - ctrcap_helper_now_ms();

		if (left <= 0) {
			ctrcap_errf(err, errlen, "helper %s %s took longer than %u ms", h.path,
				    argv[1] ? argv[1] : "", timeout_ms);
			goto fail;
		}
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (err_open && p[1].revents)
			err_open = ctrcap_helper_read_stderr(&h);
		if (!out_open || !p[0].revents)
			continue;
		r = read_out(&h, buf, max, &len);
		if (r < 0) {
			ctrcap_errf(err, errlen, "helper %s %s wrote more than %zu bytes", h.path,
				    argv[1] ? argv[1] : "", max);
			goto fail;
		}
		out_open = r > 0;
	}
	now = ctrcap_helper_now_ms();
	status = ctrcap_helper_wait(&h, (unsigned)(end > now ? end - now : 1));
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explain_status(&h, argv, status, err, errlen);
		goto fail;
	}
	ctrcap_helper_stop(&h, 0);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	ctrcap_helper_stop(&h, 1000);
	free(buf);
	return -1;
}
