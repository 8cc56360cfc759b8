// SPDX-License-Identifier: GPL-2.0-or-later
/* Starting, reading and stopping the capture helper (see helper_proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_proc.h"

const char *helper_path(const char *override)
{
	const char *env = getenv("CTRCAP_HELPER");

	if (override && *override)
		return override;
	if (env && *env)
		return env;
	return CTRCAP_HELPER_DEFAULT;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int helper_start(struct helper_proc *h, char *const argv[], char *err, size_t errlen)
{
	int out[2], efd;
	pid_t parent = getpid();

	h->pid = -1;
	h->out_fd = h->err_fd = -1;
	efd = memfd_create("ctrcap-helper-stderr", MFD_CLOEXEC);
	if (efd < 0) {
		snprintf(err, errlen, "memfd for %s's stderr: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe for %s: %s", argv[0], strerror(errno));
		close(efd);
		return -1;
	}
	h->pid = fork();
	if (h->pid < 0) {
		snprintf(err, errlen, "fork for %s: %s", argv[0], strerror(errno));
		close(out[0]);
		close(out[1]);
		close(efd);
		return -1;
	}
	if (h->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* Die with the session, so no helper outlives its client. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	h->out_fd = out[0];
	h->err_fd = efd;
	return 0;
}

void helper_stderr(const struct helper_proc *h, char *buf, size_t len)
{
	ssize_t n;

	buf[0] = '\0';
	if (h->err_fd < 0 || len < 2)
		return;
	n = pread(h->err_fd, buf, len - 1, 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Trailing newline out; inner newlines become "; " for one-line errors. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ';';
}

int helper_wait(struct helper_proc *h, unsigned timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int status;

	if (h->pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(h->pid, &status, WNOHANG);

		if (r == h->pid) {
			h->pid = -1;
			return status;
		}
		if (r < 0 && errno != EINTR) {
			h->pid = -1;
			return -1;
		}
		if (now_ms() >= end)
			return -1;
		usleep(10000);
	}
}

int helper_stop(struct helper_proc *h, unsigned grace_ms)
{
	int status = -1;

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		status = helper_wait(h, grace_ms);
		if (h->pid > 0) {
			kill(h->pid, SIGKILL);
			status = helper_wait(h, 5000);
		}
	}
	if (h->out_fd >= 0)
		close(h->out_fd);
	if (h->err_fd >= 0)
		close(h->err_fd);
	h->out_fd = h->err_fd = -1;
	return status;
}

int helper_run(char *const argv[], unsigned timeout_ms, size_t max, char **out, size_t *outlen,
	       char *err, size_t errlen)
{
	struct helper_proc h;
	long long end = now_ms() + timeout_ms;
	size_t len = 0;
	char *buf, msg[512];
	int status;

	*out = NULL;
	*outlen = 0;
	buf = malloc(max + 1);
	if (!buf) {
		snprintf(err, errlen, "no memory for %s's output", argv[0]);
		return -1;
	}
	if (helper_start(&h, argv, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = h.out_fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0) {
			snprintf(err, errlen, "%s %s took longer than %u ms", argv[0],
				 argv[1] ? argv[1] : "", timeout_ms);
			goto fail;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (len == max) {
			snprintf(err, errlen, "%s wrote more than %zu bytes", argv[0], max);
			goto fail;
		}
		n = read(h.out_fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(h.out_fd);
	h.out_fd = -1;
	status = helper_wait(&h, (unsigned)(end > now_ms() ? end - now_ms() : 1));
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int code = -1;

		if (status >= 0)
			code = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
		helper_stderr(&h, msg, sizeof(msg));
		snprintf(err, errlen, "%s %s failed (%s%d)%s%s", argv[0], argv[1] ? argv[1] : "",
			 status >= 0 && WIFSIGNALED(status) ? "signal " : "status ", code,
			 msg[0] ? ": " : "", msg);
		goto fail;
	}
	helper_stop(&h, 0);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	helper_stop(&h, 1000);
	free(buf);
	return -1;
}
