// SPDX-License-Identifier: GPL-2.0-or-later
/* Copying the helper's pcapng stream into Wireshark's fifo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "block_edge.h"
#include "capture.h"
#include "ctrcap/errbuf.h"
#include "helper.h"

/* How long Wireshark gets to open its end of the fifo. */
#define FIFO_OPEN_TIMEOUT_MS 60000
#define POLL_MS 100
/* How long a failed capture waits for Wireshark to open the fifo. */
#define FIFO_RELEASE_MS 3000
/* How long a stop waits to pass on the rest of a block already begun. */
#define TAIL_MS 1000

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

void capture_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked open() or write() returns EINTR on stop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Write all of buf; 0, or -1 with errno (EINTR only when a stop is asked)
 * and what did go out in *done.
 */
static int write_all(int fd, const char *buf, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(fd, buf + *done, len - *done);

		if (n < 0) {
			if (errno == EINTR && !stop_signal)
				continue;
			return -1;
		}
		*done += (size_t)n;
	}
	return 0;
}

/*
 * After a stop: write the rest of a block the reader already has the start
 * of. The fifo is non-blocking by now (the reader may have stopped
 * reading), so give up at deadline.
 */
static int write_tail(int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		struct pollfd p = { fd, POLLOUT, 0 };
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (now_ms() >= deadline)
			return -1;
		poll(&p, 1, 50);
	}
	return 0;
}

/*
 * A stop came while the reader holds only the start of a block: from now
 * on pass on the rest of that block and nothing more, without blocking.
 */
static bool begin_tail(int fifo, const struct block_edge *edge, long long *deadline)
{
	if (fifo < 0 || block_edge_at_boundary(edge))
		return false;
	*deadline = now_ms() + TAIL_MS;
	fcntl(fifo, F_SETFL, fcntl(fifo, F_GETFL) | O_NONBLOCK);
	return true;
}

/* Pass on the bytes of buf that finish the block under way; false once it is finished. */
static bool finish_block(int fifo, struct block_edge *edge, const char *buf, size_t n,
			 long long deadline)
{
	size_t k = block_edge_finish(edge, (const uint8_t *)buf, n);

	if (k && write_tail(fifo, buf, k, deadline))
		return false; /* the reader is gone or stuck: nothing more to finish */
	return !block_edge_at_boundary(edge);
}

/* True once the helper has exited (it stays waitable). */
static bool helper_ended(const struct ctrcap_helper *h)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, (id_t)h->pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == h->pid;
}

/*
 * Open the fifo for writing without blocking the helper's stderr: retry
 * while Wireshark has not opened its end yet. Returns the fd, -2 when a
 * stop came first or the helper ended, -1 with err set.
 */
static int open_fifo(const char *path, struct ctrcap_helper *h, bool *err_open, char *err,
		     size_t errlen)
{
	long long deadline = now_ms() + FIFO_OPEN_TIMEOUT_MS;

	for (;;) {
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		struct pollfd p = { h->err_fd, POLLIN, 0 };

		if (fd >= 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		if (errno != ENXIO && errno != EINTR) {
			ctrcap_errf(err, errlen, "cannot open fifo %s: %s", path, strerror(errno));
			return -1;
		}
		if (stop_signal)
			return -2;
		if (now_ms() > deadline) {
			ctrcap_errf(err, errlen, "nobody opened fifo %s for reading within %d s", path,
				FIFO_OPEN_TIMEOUT_MS / 1000);
			return -1;
		}
		if (helper_ended(h))
			return -2;
		if (!*err_open) {
			usleep(50 * 1000);
			continue;
		}
		if (poll(&p, 1, 50) > 0)
			*err_open = ctrcap_helper_read_stderr(h);
	}
}

/* Wait for the helper until deadline (ms, monotonic), then SIGKILL it; 1 if killed. */
static int reap(struct ctrcap_helper *h, long long deadline, int *status)
{
	long long left = deadline - now_ms();

	*status = ctrcap_helper_wait(h, left > 0 ? (unsigned)left : 0);
	if (h->pid <= 0)
		return 0;
	kill(h->pid, SIGKILL);
	*status = ctrcap_helper_wait(h, 5000);
	return 1;
}

void capture_release_fifo(const char *fifo_path, unsigned wait_ms)
{
	long long deadline = now_ms() + wait_ms;

	if (!fifo_path)
		return;
	for (;;) {
		int fd = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

		if (fd >= 0) {
			close(fd);
			return;
		}
		if (errno != ENXIO || stop_signal || now_ms() >= deadline)
			return;
		usleep(20000);
	}
}

int capture_run(const char *const *argv, const char *fifo_path, unsigned stop_ms, char *err,
		size_t errlen)
{
	static struct ctrcap_helper h;
	static char buf[65536], errtext[CTRCAP_STDERR_TAIL_MAX + 1];
	int fifo = -1, status = 0, rc = -1;
	bool out_open = true, err_open = true, stopping = false, discard = false, killed;
	bool tail = false; /* the reader holds the start of a block still to finish */
	long long stop_deadline = 0, tail_deadline = 0;
	struct block_edge edge;
	size_t done;

	err[0] = '\0';
	block_edge_init(&edge);
	if (helper_spawn(&h, argv, err, errlen)) {
		capture_release_fifo(fifo_path, FIFO_RELEASE_MS);
		return -1;
	}

	fifo = open_fifo(fifo_path, &h, &err_open, err, errlen);
	if (fifo < 0) {
		/* -1: our error (stop the helper); -2: stop asked or helper gone. */
		discard = true;
		if (fifo == -1)
			stopping = true;
	}

	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? h.out_fd : -1, POLLIN, 0 },
				       { err_open ? h.err_fd : -1, POLLIN, 0 } };

		if (stop_signal && !stopping)
			stopping = true;
		if (stopping && !stop_deadline) {
			if (!discard)
				tail = begin_tail(fifo, &edge, &tail_deadline);
			discard = true;
			if (h.pid > 0)
				kill(h.pid, SIGTERM);
			stop_deadline = now_ms() + stop_ms;
		}
		if (stopping && now_ms() >= stop_deadline)
			break;
		if (poll(p, 2, POLL_MS) < 0 && errno != EINTR) {
			ctrcap_errf(err, errlen, "poll: %s", strerror(errno));
			stopping = true;
			continue;
		}
		if (err_open && p[1].revents)
			err_open = ctrcap_helper_read_stderr(&h);
		if (!out_open || !p[0].revents)
			continue;
		for (int i = 0; i < 16; i++) {
			ssize_t n = read(h.out_fd, buf, sizeof(buf));

			if (n == 0) {
				out_open = false;
				break;
			}
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					out_open = false;
				break;
			}
			if (tail)
				tail = finish_block(fifo, &edge, buf, (size_t)n, tail_deadline);
			if (discard)
				continue; /* drained so that a stopping helper never blocks */
			if (write_all(fifo, buf, (size_t)n, &done)) {
				int e = errno;

				block_edge_advance(&edge, (const uint8_t *)buf, done);
				/* EPIPE: Wireshark closed the fifo, a normal stop. */
				if (e != EPIPE && e != EINTR)
					ctrcap_errf(err, errlen, "writing to fifo %s: %s", fifo_path,
						strerror(e));
				/* Interrupted by a stop: the reader still wants whole blocks. */
				if (e == EINTR && begin_tail(fifo, &edge, &tail_deadline))
					tail = finish_block(fifo, &edge, buf + done,
							    (size_t)n - done, tail_deadline);
				discard = true;
				stopping = true;
				break;
			}
			block_edge_advance(&edge, (const uint8_t *)buf, (size_t)n);
		}
	}

	if (!stop_deadline) {
		/* The helper closed its output: it is ending by itself. */
		stop_deadline = now_ms() + stop_ms;
	}
	killed = reap(&h, stop_deadline, &status) == 1;
	if (err[0]) {
		rc = -1; /* an error of ours (fifo, poll), already described */
	} else if (killed) {
		ctrcap_errf(err, errlen, "capture helper %s did not stop within %u ms and was killed",
			argv[0], stop_ms);
	} else if (stopping) {
		rc = 0; /* we asked it to stop: how it ended is expected */
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
	} else if (WIFSIGNALED(status)) {
		ctrcap_errf(err, errlen, "capture helper %s ended by signal %d", argv[0],
			WTERMSIG(status));
	} else {
		ctrcap_helper_read_stderr(&h);
		ctrcap_helper_stderr(&h, errtext, sizeof(errtext));
		helper_error_line(errtext, err, errlen);
	}
	if (fifo >= 0)
		close(fifo);
	else if (rc)
		capture_release_fifo(fifo_path, FIFO_RELEASE_MS);
	ctrcap_helper_stop(&h, 0);
	return rc;
}
