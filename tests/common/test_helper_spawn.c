// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The common helper launcher: a child writing more than 1 MiB to stderr
 * leaves only the bounded, correct tail; a descriptor the parent opened
 * without close-on-exec is not open in the child; ignored signals are not
 * inherited; a missing program is an error naming it; run() collects
 * stdout and quotes the failing helper's last stderr line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctrcap/helper_spawn.h"

/* > 1 MiB of 'x' on stderr, then a last line to find at the end of the tail. */
#define FLOOD_BYTES 1200000
#define FLOOD_SCRIPT                                                                 \
	"head -c 1200000 /dev/zero | tr '\\000' x >&2; printf 'last line 42\\n' >&2; " \
	"echo done"
#define FLOOD_END "last line 42\n"

static void test_tail_keeps_newest_bytes(void **state)
{
	struct ctrcap_stderr_tail t = { 0 };
	char all[3 * CTRCAP_STDERR_TAIL_MAX];
	size_t off = 0, step = 1;
	(void)state;

	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (char)('a' + i % 23);
	/* Chunks of growing sizes, the last ones larger than the tail itself. */
	while (off < sizeof(all)) {
		size_t n = step < sizeof(all) - off ? step : sizeof(all) - off;

		ctrcap_stderr_tail_add(&t, all + off, n);
		off += n;
		assert_true(t.len <= CTRCAP_STDERR_TAIL_MAX);
		assert_memory_equal(t.buf, all + off - t.len, t.len);
		assert_int_equal(t.buf[t.len], '\0');
		step = step * 3 + 1;
	}
	assert_int_equal(t.len, CTRCAP_STDERR_TAIL_MAX);
	assert_int_equal(t.total, sizeof(all));
}

/* Read the child's stdout to EOF into buf (NUL-terminated). */
static void read_stdout(struct ctrcap_helper *h, char *buf, size_t len)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = h->out_fd, .events = POLLIN };
		ssize_t n;

		assert_true(poll(&p, 1, 20000) > 0);
		n = read(h->out_fd, buf + got, len - 1 - got);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
		assert_true(got < len - 1);
	}
	buf[got] = '\0';
}

/* Spawn /bin/sh -c script; its stdout into out. Returns the wait status. */
static int run_sh(struct ctrcap_helper *h, const char *script, unsigned flags, char *out,
		  size_t outlen)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	char err[256];
	int st;

	if (ctrcap_helper_spawn(h, argv, flags, err, sizeof(err)))
		fail_msg("spawn: %s", err);
	read_stdout(h, out, outlen);
	st = ctrcap_helper_wait(h, 20000);
	assert_true(st >= 0);
	ctrcap_helper_stop(h, 0);
	return st;
}

static void assert_flood_tail(struct ctrcap_helper *h)
{
	char tail[2 * CTRCAP_STDERR_TAIL_MAX];
	size_t n, end = strlen(FLOOD_END);

	assert_int_equal(h->tail.total, FLOOD_BYTES + end);
	assert_int_equal(h->tail.len, CTRCAP_STDERR_TAIL_MAX);
	ctrcap_helper_stderr(h, tail, sizeof(tail));
	n = strlen(tail);
	assert_int_equal(n, CTRCAP_STDERR_TAIL_MAX);
	assert_string_equal(tail + n - end, FLOOD_END);
	for (size_t i = 0; i < n - end; i++) {
		if (tail[i] != 'x')
			fail_msg("tail byte %zu is 0x%02x, not 'x'", i, (unsigned char)tail[i]);
	}
	/* A smaller buffer gets the newest bytes. */
	ctrcap_helper_stderr(h, tail, 8);
	assert_string_equal(tail, "ine 42\n");
}

static void test_stderr_flood_thread(void **state)
{
	struct ctrcap_helper h;
	char out[64];
	int st;
	(void)state;

	st = run_sh(&h, FLOOD_SCRIPT, CTRCAP_SPAWN_STDERR_THREAD, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "done\n");
	assert_flood_tail(&h);
}

/* Without the thread the caller polls; the child must still finish. */
static void test_stderr_flood_polled(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", FLOOD_SCRIPT, NULL };
	bool out_open = true, err_open = true;
	struct ctrcap_helper h;
	char err[256], out[64];
	size_t got = 0;
	(void)state;

	if (ctrcap_helper_spawn(&h, argv, CTRCAP_SPAWN_NONBLOCK, err, sizeof(err)))
		fail_msg("spawn: %s", err);
	for (int rounds = 0; out_open || err_open; rounds++) {
		struct pollfd p[2] = { { out_open ? h.out_fd : -1, POLLIN, 0 },
				       { err_open ? h.err_fd : -1, POLLIN, 0 } };

		assert_true(rounds < 100000);
		assert_true(poll(p, 2, 20000) > 0);
		if (p[1].revents)
			err_open = ctrcap_helper_read_stderr(&h);
		if (p[0].revents) {
			ssize_t n = read(h.out_fd, out + got, sizeof(out) - 1 - got);

			if (n == 0)
				out_open = false;
			if (n > 0)
				got += (size_t)n;
		}
	}
	out[got] = '\0';
	assert_true(ctrcap_helper_wait(&h, 20000) >= 0);
	ctrcap_helper_stop(&h, 0);
	assert_string_equal(out, "done\n");
	assert_flood_tail(&h);
}

static void test_parent_fds_not_inherited(void **state)
{
	struct ctrcap_helper h;
	char out[256], script[256];
	int low, high;
	(void)state;

	low = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, on purpose */
	assert_true(low > 2);
	high = dup2(low, 700);
	assert_int_equal(high, 700);
	/* Tests each candidate without opening a directory (which would take an fd). */
	snprintf(script, sizeof(script),
		 "for f in 0 1 2 3 4 5 6 7 8 9 %d 700; do "
		 "[ -e /proc/$$/fd/$f ] && printf '%%s ' $f; done; echo",
		 low);
	run_sh(&h, script, 0, out, sizeof(out));
	close(low);
	close(high);
	assert_string_equal(out, "0 1 2 \n");
}

static void test_signals_reset(void **state)
{
	struct ctrcap_helper h;
	char out[256];
	sigset_t block, old;
	(void)state;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* exec: the shell's own mask is not stable (dash blocks every signal
	 * around each fork), what it was given is what grep inherits. */
	run_sh(&h, "exec grep -E '^Sig(Ign|Blk)' /proc/self/status", 0, out, sizeof(out));
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	assert_string_equal(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

/*
 * CTRCAP_SPAWN_STDIN_PIPE: what we write is the child's stdin, closing
 * in_fd its EOF; CTRCAP_SPAWN_OWN_PGRP: the child leads its own group.
 */
static void test_stdin_pipe_own_pgrp(void **state)
{
	const char *const argv[] = { "/bin/cat", NULL };
	struct ctrcap_helper h;
	char err[256], buf[16];
	size_t got = 0;
	ssize_t n;

	(void)state;
	assert_int_equal(ctrcap_helper_spawn(&h, argv,
					     CTRCAP_SPAWN_STDIN_PIPE | CTRCAP_SPAWN_OWN_PGRP, err,
					     sizeof(err)),
			 0);
	assert_true(h.in_fd >= 0);
	assert_int_equal(getpgid(h.pid), h.pid);
	assert_int_equal(write(h.in_fd, "ping", 4), 4);
	close(h.in_fd);
	h.in_fd = -1;
	while ((n = read(h.out_fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	assert_string_equal(buf, "ping");
	assert_int_equal(WEXITSTATUS(ctrcap_helper_wait(&h, 5000)), 0);
	ctrcap_helper_stop(&h, 0);
}

static void test_missing_program(void **state)
{
	const char *argv[] = { "/nonexistent/crtest-helper", "-i", NULL };
	struct ctrcap_helper h;
	char err[256] = "";
	(void)state;

	assert_int_equal(ctrcap_helper_spawn(&h, argv, 0, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/crtest-helper"));
	assert_int_equal(h.pid, -1);
	assert_int_equal(h.out_fd, -1);
	assert_int_equal(h.err_fd, -1);
}

static void test_run(void **state)
{
	const char *ok[] = { "/bin/sh", "-c", "echo listed; echo noise >&2", NULL };
	const char *bad[] = { "/bin/sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3",
			      NULL };
	const char *big[] = { "/bin/sh", "-c", "head -c 5000 /dev/zero", NULL };
	const char *none[] = { "/nonexistent/crtest-helper", NULL };
	char err[256], *out;
	size_t len;
	(void)state;

	assert_int_equal(ctrcap_helper_run(ok, 20000, 100, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "listed\n");
	assert_int_equal(len, 7);
	free(out);
	assert_int_equal(ctrcap_helper_run(bad, 20000, 100, &out, &len, err, sizeof(err)), -1);
	assert_null(out);
	assert_non_null(strstr(err, "/bin/sh"));
	assert_non_null(strstr(err, "exit 3"));
	assert_non_null(strstr(err, ": the reason"));
	assert_int_equal(ctrcap_helper_run(big, 20000, 100, &out, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 100 bytes"));
	assert_int_equal(ctrcap_helper_run(none, 20000, 100, &out, &len, err, sizeof(err)), -2);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_keeps_newest_bytes),
		cmocka_unit_test(test_stderr_flood_thread),
		cmocka_unit_test(test_stderr_flood_polled),
		cmocka_unit_test(test_parent_fds_not_inherited),
		cmocka_unit_test(test_signals_reset),
		cmocka_unit_test(test_stdin_pipe_own_pgrp),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
