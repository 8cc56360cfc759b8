// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcapdump as Wireshark runs it, with the helper stand-in
 * (helper_standin.c): the stream reaches the fifo byte for byte, SIGTERM
 * and EPIPE stop it and the helper, errors arrive as one line, filters are
 * checked before anything runs, a refused helper is explained.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "helper.h"

static char dir[256];
static char fifo[300];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f) {
		if (len)
			*len = 0;
		return NULL;
	}
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cext-unit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	chmod(dir, 0755);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	if (mkfifo(fifo, 0600))
		return -1;
	setenv("STANDIN_DIR", dir, 1);
	setenv(HELPER_ENV, STANDIN_PATH, 1);
	unsetenv("STANDIN_MODE");
	return 0;
}

static int teardown(void **state)
{
	const char *names[] = { "argv", "pid", "stopped", "stream", "out", "errout", "fifo",
				"helper" };
	char path[512];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

/* Start ctrcapdump with args (NULL-terminated), stdout/stderr into files. */
static pid_t start_extcap(const char *first, ...)
{
	const char *argv[32];
	int argc = 0;
	va_list ap;
	pid_t pid;

	argv[argc++] = CTRCAPDUMP_PATH;
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char out[512], err[512];

		snprintf(out, sizeof(out), "%s/out", dir);
		snprintf(err, sizeof(err), "%s/errout", dir);
		if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Exit status of pid, failing the test if it takes longer than ms. */
static int wait_exit(pid_t pid, int ms)
{
	long long deadline = now_ms() + ms;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("process %d still running after %d ms", (int)pid, ms);
		}
		usleep(10000);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Read from fd into buf until want bytes, EOF, or ms passed; returns bytes read. */
static size_t read_some(int fd, char *buf, size_t cap, size_t want, int ms)
{
	long long deadline = now_ms() + ms;
	size_t got = 0;

	while (got < want && got < cap && now_ms() < deadline) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + got, cap - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* The stand-in's pid, and that it is gone. */
static void assert_helper_gone(void)
{
	char *pidtxt = slurp("pid", NULL);
	pid_t pid;

	assert_non_null(pidtxt);
	pid = (pid_t)atoi(pidtxt);
	free(pidtxt);
	assert_true(pid > 1);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void test_stream_and_sigterm(void **state)
{
	static char got[1 << 20];
	char *argv_txt, *stream, *stopped, *errout;
	size_t n, more, slen;
	pid_t pid;
	int fd;

	(void)state;
	pid = start_extcap("--capture", "--extcap-interface", "container-web", "--fifo", fifo,
			   "--extcap-capture-filter", "tcp port 80", "--pid", "42", "--snaplen",
			   "1500", NULL);
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read_some(fd, got, sizeof(got), 28 + 20 + 92 * 10, 10000);
	assert_true(n >= 28 + 20 + 92 * 10);
	assert_int_equal(kill(pid, SIGTERM), 0);
	/* After the stop nothing new is forwarded and the fifo reaches EOF. */
	more = read_some(fd, got + n, sizeof(got) - n, sizeof(got), 5000);
	n += more;
	close(fd);
	assert_int_equal(wait_exit(pid, 5000), 0);

	errout = slurp("errout", NULL);
	assert_string_equal(errout, ""); /* a stop is no error */
	argv_txt = slurp("argv", NULL);
	assert_string_equal(argv_txt, STANDIN_PATH "\n-i\nany\n-w\n-\n-U\n--container-name\nweb\n"
						 "--pid\n42\n-s\n1500\ntcp port 80\n");
	stopped = slurp("stopped", NULL);
	assert_string_equal(stopped, "stopped sigterm\n");
	assert_helper_gone();

	/* Byte for byte: what Wireshark read is the start of what the helper wrote. */
	stream = slurp("stream", &slen);
	assert_true(slen >= n);
	assert_memory_equal(got, stream, n);
	assert_memory_equal(got, "\x0a\x0d\x0d\x0a", 4);
	free(argv_txt);
	free(stopped);
	free(stream);
	free(errout);
}

static void test_reader_gone_epipe(void **state)
{
	char got[4096], *errout, *stopped;
	pid_t pid;
	int fd;

	(void)state;
	pid = start_extcap("--capture", "--extcap-interface", "container-any", "--fifo", fifo,
			   NULL);
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read_some(fd, got, sizeof(got), 500, 10000) >= 500);
	close(fd); /* Wireshark went away: the next write gets EPIPE */
	assert_int_equal(wait_exit(pid, 5000), 0);
	errout = slurp("errout", NULL);
	assert_string_equal(errout, "");
	stopped = slurp("stopped", NULL);
	assert_non_null(stopped);
	assert_string_equal(stopped, "stopped sigterm\n");
	assert_helper_gone();
	free(errout);
	free(stopped);
}

static void test_helper_error_one_line(void **state)
{
	char *errout;
	pid_t pid;

	(void)state;
	setenv("STANDIN_MODE", "fail", 1);
	/* Nobody opens the fifo: the failure must still come through. */
	pid = start_extcap("--capture", "--extcap-interface", "container-any", "--fifo", fifo,
			   NULL);
	assert_int_equal(wait_exit(pid, 5000), 1);
	errout = slurp("errout", NULL);
	assert_string_equal(errout,
			    "ctrcapdump: ctrcap: cannot attach to cext0: Operation not permitted\n");
	free(errout);
}

static void test_bad_filter_runs_nothing(void **state)
{
	char *errout, *argv_txt;
	pid_t pid;

	(void)state;
	pid = start_extcap("--capture", "--extcap-interface", "container-any", "--fifo", fifo,
			   "--extcap-capture-filter", "tcp port eighty", NULL);
	assert_int_equal(wait_exit(pid, 5000), 1);
	errout = slurp("errout", NULL);
	assert_non_null(strstr(errout, "eighty"));
	assert_true(strncmp(errout, "ctrcapdump: ", 12) == 0);
	assert_non_null(strchr(errout, '\n'));
	assert_string_equal(strchr(errout, '\n'), "\n"); /* exactly one line */
	argv_txt = slurp("argv", NULL);
	assert_null(argv_txt); /* the helper never ran */
	free(errout);
}

static void test_filter_validation_mode(void **state)
{
	char *out;
	pid_t pid;

	(void)state;
	pid = start_extcap("--extcap-interface", "container-any", "--extcap-capture-filter",
			   "udp and host 10.99.4.2", NULL);
	assert_int_equal(wait_exit(pid, 5000), 0);
	out = slurp("out", NULL);
	assert_string_equal(out, ""); /* empty stdout: valid */
	free(out);

	pid = start_extcap("--extcap-interface", "container-any", "--extcap-capture-filter",
			   "udp and hots 10.99.4.2", NULL);
	assert_int_equal(wait_exit(pid, 5000), 1);
	out = slurp("out", NULL);
	assert_true(strlen(out) > 1);
	assert_string_equal(strchr(out, '\n'), "\n"); /* the message is the first line */
	free(out);
}

static void test_helper_missing(void **state)
{
	char *errout;
	pid_t pid;

	(void)state;
	setenv(HELPER_ENV, "/nonexistent/cext/ctrcap", 1);
	pid = start_extcap("--capture", "--extcap-interface", "container-any", "--fifo", fifo,
			   NULL);
	assert_int_equal(wait_exit(pid, 5000), 1);
	errout = slurp("errout", NULL);
	assert_string_equal(errout, "ctrcapdump: capture helper /nonexistent/cext/ctrcap not "
				    "found: install ctrcap, or point CTRCAP_HELPER at it\n");
	free(errout);
}

static void test_list_interfaces(void **state)
{
	char *out;
	pid_t pid;

	(void)state;
	setenv("STANDIN_MODE", "list", 1);
	setenv("STANDIN_LIST",
	       "id\tname\timage\truntime\tpod_namespace\tpod_name\n"
	       "aaaa1111\tweb\tbusybox:1\tdocker\t\t\n"
	       "bbbb2222\tdb\tbusybox:1\tpodman\t\t\n",
	       1);
	pid = start_extcap("--extcap-interfaces", "--extcap-version=4.0", NULL);
	assert_int_equal(wait_exit(pid, 10000), 0);
	out = slurp("out", NULL);
	assert_non_null(strstr(out, "{value=container-any}"));
	assert_non_null(strstr(out, "{value=container-web}{display=Container web (docker)}"));
	assert_non_null(strstr(out, "{value=container-db}{display=Container db (podman)}"));
	free(out);

	/* No container list (the helper fails): container-any is still offered. */
	setenv("STANDIN_MODE", "fail", 1);
	pid = start_extcap("--extcap-interfaces", NULL);
	assert_int_equal(wait_exit(pid, 10000), 0);
	out = slurp("out", NULL);
	assert_non_null(strstr(out, "{value=container-any}"));
	assert_null(strstr(out, "container-web"));
	free(out);
}

static void test_stubborn_helper_killed(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	setenv("STANDIN_MODE", "hang", 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = { STANDIN_PATH, "-w", "-", NULL };
		char err[512], out[512];
		int rc;

		snprintf(out, sizeof(out), "%s/out", dir);
		close(open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		capture_signals_init();
		rc = capture_run(argv, out, 300, err, sizeof(err));
		if (rc != -1 || !strstr(err, "did not stop within 300 ms and was killed")) {
			fprintf(stderr, "capture_run: %d %s\n", rc, err);
			_exit(1);
		}
		_exit(0);
	}
	usleep(300 * 1000);
	kill(pid, SIGTERM);
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_helper_gone();
}

static void test_permission_refusal_explained(void **state)
{
	char helper[512], cmd[2560];
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	/* A helper installed root:root 0750, run by a user outside the group. */
	snprintf(helper, sizeof(helper), "%s/helper", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chown root:root %s && chmod 0750 %s",
		 STANDIN_PATH, helper, helper, helper);
	assert_int_equal(system(cmd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = { helper, NULL };
		char err[1024];
		pid_t hp;
		int o, e;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		if (helper_spawn(argv, &hp, &o, &e, err, sizeof(err)) == 0)
			_exit(3);
		_exit(strstr(err, "permission denied running capture helper") &&
				      strstr(err, "only root and members of group root may capture")
			      ? 0
			      : 4);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_and_sigterm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_gone_epipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_error_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_filter_runs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_validation_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_interfaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stubborn_helper_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_refusal_explained, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
