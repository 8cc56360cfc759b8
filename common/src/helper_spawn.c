// SPDX-License-Identifier: GPL-2.0-or-later
/* Starting, watching and stopping a helper process (see ctrcap/helper_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctrcap/errbuf.h"
#include "ctrcap/helper_spawn.h"

/* In the child: where the exec failure report goes (closed by a successful exec). */
#define REPORT_FD 3
/* Descriptors the close loop walks when close_range is missing and no limit is known. */
#define FALLBACK_FD_MAX 65536
/* How often the stderr thread looks for a stop request. */
#define READER_POLL_MS 100

void ctrcap_stderr_tail_add(struct ctrcap_stderr_tail *t, const char *p, size_t n)
{
	t->total += n;
	if (n >= CTRCAP_STDERR_TAIL_MAX) {
		memcpy(t->buf, p + n - CTRCAP_STDERR_TAIL_MAX, CTRCAP_STDERR_TAIL_MAX);
		t->len = CTRCAP_STDERR_TAIL_MAX;
		t->buf[t->len] = '\0';
		return;
	}
	if (t->len + n > CTRCAP_STDERR_TAIL_MAX) {
		size_t cut = t->len + n - CTRCAP_STDERR_TAIL_MAX;

		memmove(t->buf, t->buf + cut, t->len - cut);
		t->len -= cut;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* The highest descriptor the fallback close loop must reach. */
static unsigned fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > FALLBACK_FD_MAX)
		return FALLBACK_FD_MAX;
	return (unsigned)rl.rlim_cur;
}

/*
 * In the forked child, async-signal-safe calls only: stdin, stdout, stderr
 * and the report pipe in place, everything else closed, default signal
 * handling, then exec. Never returns.
 */
static void child_exec(const char *const argv[], const int fds[4], unsigned flags, pid_t parent,
		       unsigned fdmax)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int up[4], e;
	sigset_t none;

	if (flags & CTRCAP_SPAWN_DIE_WITH_PARENT) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
	}
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((flags & CTRCAP_SPAWN_LOW_PRIORITY) && setpriority(PRIO_PROCESS, 0, 19))
		_exit(127);
	if ((flags & CTRCAP_SPAWN_OWN_PGRP) && setpgid(0, 0))
		_exit(127);
	/* Above REPORT_FD first, so that no dup2 below overwrites a source. */
	for (int i = 0; i < 4; i++) {
		up[i] = fcntl(fds[i], F_DUPFD, REPORT_FD + 1);
		if (up[i] < 0)
			_exit(127);
	}
	if (dup2(up[0], STDIN_FILENO) < 0 || dup2(up[1], STDOUT_FILENO) < 0 ||
	    dup2(up[2], STDERR_FILENO) < 0 || dup3(up[3], REPORT_FD, O_CLOEXEC) < 0)
		_exit(127);
	if (syscall(SYS_close_range, REPORT_FD + 1, ~0U, 0) != 0) {
		for (unsigned fd = REPORT_FD + 1; fd < fdmax; fd++)
			close((int)fd);
	}
	execv(argv[0], (char *const *)argv);
	e = errno;
	if (write(REPORT_FD, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

/* 0 when the child reached exec, else its exec errno (the child is reaped then). */
static int exec_result(pid_t pid, int report_fd)
{
	ssize_t n;
	int e = 0;

	do
		n = read(report_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(e))
		return 0;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return e ? e : EIO;
}

static void *stderr_reader(void *arg)
{
	struct ctrcap_helper *h = arg;

	for (;;) {
		struct pollfd p = { .fd = h->err_fd, .events = POLLIN };
		bool stopping = h->reader_stop;

		if (poll(&p, 1, stopping ? 0 : READER_POLL_MS) < 0 && errno != EINTR)
			break;
		if (p.revents && !ctrcap_helper_read_stderr(h))
			break;
		if (stopping)
			break;
	}
	return NULL;
}

int ctrcap_helper_spawn(struct ctrcap_helper *h, const char *const argv[], unsigned flags,
			char *err, size_t errlen)
{
	int out[2] = { -1, -1 }, ep[2] = { -1, -1 }, rp[2] = { -1, -1 }, in[2] = { -1, -1 };
	int devnull = -1, e;
	unsigned fdmax = fd_limit();
	pid_t parent = getpid();

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->out_fd = h->err_fd = h->in_fd = -1;
	snprintf(h->path, sizeof(h->path), "%s", argv[0]);
	pthread_mutex_init(&h->lock, NULL);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 ||
	    (!(flags & CTRCAP_SPAWN_INHERIT_OUTPUT) && (pipe2(out, O_CLOEXEC) || pipe2(ep, O_CLOEXEC))) ||
	    pipe2(rp, O_CLOEXEC) || ((flags & CTRCAP_SPAWN_STDIN_PIPE) && pipe2(in, O_CLOEXEC))) {
		e = errno;
		ctrcap_errf(err, errlen, "pipes for helper %s: %s", h->path, strerror(e));
		goto fail;
	}
	h->pid = fork();
	if (h->pid < 0) {
		e = errno;
		ctrcap_errf(err, errlen, "fork for helper %s: %s", h->path, strerror(e));
		goto fail;
	}
	if (h->pid == 0) {
		const bool inherit = flags & CTRCAP_SPAWN_INHERIT_OUTPUT;
		const int fds[4] = { in[0] >= 0 ? in[0] : devnull, inherit ? STDOUT_FILENO : out[1],
				     inherit ? STDERR_FILENO : ep[1], rp[1] };

		child_exec(argv, fds, flags, parent, fdmax);
	}
	close(rp[1]);
	rp[1] = -1;
	e = exec_result(h->pid, rp[0]);
	if (e) {
		h->pid = -1;
		ctrcap_errf(err, errlen, "cannot run helper %s: %s", h->path, strerror(e));
		goto fail;
	}
	close(devnull);
	close(rp[0]);
	if (in[0] >= 0) {
		close(in[0]);
		h->in_fd = in[1];
	}
	if (flags & CTRCAP_SPAWN_INHERIT_OUTPUT)
		return 0;
	close(out[1]);
	close(ep[1]);
	h->out_fd = out[0];
	h->err_fd = ep[0];
	if (flags & CTRCAP_SPAWN_NONBLOCK)
		fcntl(h->out_fd, F_SETFL, O_NONBLOCK);
	/* Always non-blocking: reading stderr must never stall its reader. */
	fcntl(h->err_fd, F_SETFL, O_NONBLOCK);
	if (flags & CTRCAP_SPAWN_STDERR_THREAD) {
		e = pthread_create(&h->reader, NULL, stderr_reader, h);
		if (e) {
			ctrcap_errf(err, errlen, "stderr thread for helper %s: %s", h->path,
				    strerror(e));
			ctrcap_helper_stop(h, 0);
			errno = e;
			return -1;
		}
		h->reader_started = true;
	}
	return 0;
fail:
	if (devnull >= 0)
		close(devnull);
	close_pair(out);
	close_pair(ep);
	close_pair(rp);
	close_pair(in);
	errno = e;
	return -1;
}

bool ctrcap_helper_read_stderr(struct ctrcap_helper *h)
{
	char chunk[4096];

	if (h->err_fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(h->err_fd, chunk, sizeof(chunk));

		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		pthread_mutex_lock(&h->lock);
		ctrcap_stderr_tail_add(&h->tail, chunk, (size_t)n);
		pthread_mutex_unlock(&h->lock);
	}
}

void ctrcap_helper_stderr(struct ctrcap_helper *h, char *buf, size_t len)
{
	size_t n;

	if (!len)
		return;
	pthread_mutex_lock(&h->lock);
	n = h->tail.len < len - 1 ? h->tail.len : len - 1;
	memcpy(buf, h->tail.buf + h->tail.len - n, n);
	pthread_mutex_unlock(&h->lock);
	buf[n] = '\0';
}

long long ctrcap_helper_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctrcap_helper_wait(struct ctrcap_helper *h, unsigned timeout_ms)
{
	long long end = ctrcap_helper_now_ms() + timeout_ms;
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
		if (ctrcap_helper_now_ms() >= end)
			return -1;
		usleep(10000);
	}
}

void ctrcap_helper_stderr_finish(struct ctrcap_helper *h)
{
	if (h->reader_started) {
		h->reader_stop = true;
		pthread_join(h->reader, NULL);
		h->reader_started = false;
	}
	ctrcap_helper_read_stderr(h);
}

int ctrcap_helper_wait_stderr(struct ctrcap_helper *h, const char *text, unsigned timeout_ms,
			      int *status)
{
	long long end = ctrcap_helper_now_ms() + timeout_ms;

	*status = -1;
	for (;;) {
		bool seen;

		pthread_mutex_lock(&h->lock);
		seen = strstr(h->tail.buf, text) != NULL;
		pthread_mutex_unlock(&h->lock);
		if (seen)
			return 1;
		if (h->pid <= 0)
			return -1;
		*status = ctrcap_helper_wait(h, 0);
		if (h->pid <= 0)
			return -1;
		if (ctrcap_helper_now_ms() >= end)
			return 0;
		usleep(10000);
	}
}

int ctrcap_helper_stop(struct ctrcap_helper *h, unsigned grace_ms)
{
	int status = -1;

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		status = ctrcap_helper_wait(h, grace_ms);
		if (h->pid > 0) {
			kill(h->pid, SIGKILL);
			status = ctrcap_helper_wait(h, 5000);
		}
	}
	if (h->reader_started) {
		h->reader_stop = true;
		pthread_join(h->reader, NULL);
		h->reader_started = false;
	}
	if (h->out_fd >= 0)
		close(h->out_fd);
	if (h->err_fd >= 0)
		close(h->err_fd);
	if (h->in_fd >= 0)
		close(h->in_fd);
	h->out_fd = h->err_fd = h->in_fd = -1;
	return status;
}
