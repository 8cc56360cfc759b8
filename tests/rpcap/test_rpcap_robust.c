// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The running ctrcap-rpcapd against misbehaving clients on loopback:
 * refused null auth, wrong passwords, requests before auth, wrong versions,
 * replies sent as requests, oversized and truncated messages, libpcap
 * 1.10.3's malformed STARTCAP, clients that vanish or never speak, more
 * clients than allowed, clients that trickle bytes or send many messages
 * before auth, log injection. After each, the server must still serve a good
 * client. Usage: test_rpcap_robust DAEMON HELPER
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpcap_proto.h"

static const char *daemon_path, *helper;
static char dir[] = "/tmp/crpc-robust-XXXXXX";
static pid_t daemon_pid = -1;
static unsigned port;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int connect_server(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 15 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_msg(int fd, uint8_t ver, uint8_t type, const void *body, uint32_t len)
{
	uint8_t h[RPCAP_HDR_LEN];

	rpcap_hdr_build(h, ver, type, 0, len);
	assert_int_equal(send(fd, h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
	if (len)
		assert_int_equal(send(fd, body, len, MSG_NOSIGNAL), (ssize_t)len);
}

static int recv_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (uint8_t *)buf + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Read one reply; returns its header, body into buf (NUL-terminated). -1 on EOF. */
static int recv_msg(int fd, struct rpcap_hdr *h, char *buf, size_t len)
{
	uint8_t hb[RPCAP_HDR_LEN];

	if (recv_full(fd, hb, sizeof(hb)) < 0)
		return -1;
	rpcap_hdr_parse(hb, h);
	assert_true(h->plen < len);
	if (h->plen && recv_full(fd, buf, h->plen) < 0)
		return -1;
	buf[h->plen] = '\0';
	return 0;
}

/* The server closed the connection (EOF within the receive timeout). */
static void expect_eof(int fd)
{
	char b[256];

	assert_true(recv(fd, b, sizeof(b), 0) <= 0);
}

static void expect_error(int fd, uint16_t code, const char *substr)
{
	struct rpcap_hdr h;
	char body[70000];

	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	assert_int_equal(h.type, RPCAP_MSG_ERROR);
	if (code)
		assert_int_equal(h.value, code);
	if (substr && !strstr(body, substr))
		fail_msg("error '%s' lacks '%s'", body, substr);
}

static void send_auth(int fd, const char *user, const char *pass)
{
	uint8_t b[128] = { 0 };
	size_t ul = strlen(user), pl = strlen(pass);

	put16(b, RPCAP_AUTH_PWD);
	put16(b + 4, (uint16_t)ul);
	put16(b + 6, (uint16_t)pl);
	memcpy(b + 8, user, ul);
	memcpy(b + 8 + ul, pass, pl);
	send_msg(fd, 0, RPCAP_MSG_AUTH_REQ, b, (uint32_t)(8 + ul + pl));
}

static int good_client(void)
{
	struct rpcap_hdr h;
	char body[64];
	uint32_t magic;
	int fd = connect_server();

	send_auth(fd, "tester", "crpc-pass");
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	assert_int_equal(h.type, RPCAP_MSG_AUTH_REQ | RPCAP_MSG_IS_REPLY);
	assert_int_equal(h.plen, RPCAP_AUTHREPLY_LEN);
	memcpy(&magic, body + 4, 4);
	assert_int_equal(magic, RPCAP_BYTE_ORDER_MAGIC);
	return fd;
}

/* The server still serves: authenticate, OPEN container-any, STATS. */
static void assert_serving(void)
{
	struct rpcap_hdr h;
	char body[256];
	int fd = good_client();

	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	assert_int_equal(h.type, RPCAP_MSG_OPEN_REQ | RPCAP_MSG_IS_REPLY);
	assert_int_equal(h.plen, RPCAP_OPENREPLY_LEN);
	assert_int_equal((uint8_t)body[2], 258 >> 8);
	assert_int_equal((uint8_t)body[3], 258 & 0xff);
	send_msg(fd, 0, RPCAP_MSG_STATS_REQ, NULL, 0);
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	assert_int_equal(h.type, RPCAP_MSG_STATS_REQ | RPCAP_MSG_IS_REPLY);
	assert_int_equal(h.plen, RPCAP_STATS_LEN);
	send_msg(fd, 0, RPCAP_MSG_CLOSE, NULL, 0);
	close(fd);
}

static int start_daemon(void **state)
{
	char pw[256], pf[256], portfile[256], buf[32];
	struct crypt_data cd = { 0 };
	FILE *f;
	(void)state;

	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	f = fopen(pw, "w");
	assert_non_null(f);
	fprintf(f, "tester:%s\n", crypt_r("crpc-pass", "$6$crpcrobust$", &cd));
	fclose(f);
	daemon_pid = fork();
	assert_true(daemon_pid >= 0);
	if (daemon_pid == 0) {
		char logpath[256];
		int logfd;

		/* Its log goes to a file the log-injection test reads. */
		snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (logfd >= 0)
			dup2(logfd, STDERR_FILENO);
		execl(daemon_path, daemon_path, "--port", "0", "--port-file", portfile,
		      "--passwd-file", pw, "--max-clients", "3", "--auth-timeout", "2",
		      "--helper", helper, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		f = fopen(portfile, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				port = (unsigned)atoi(buf);
			fclose(f);
		}
		if (port)
			break;
		usleep(50000);
	}
	if (!port)
		fail_msg("%s did not start listening", daemon_path);
	snprintf(pf, sizeof(pf), "%s", pw);
	return 0;
}

static int stop_daemon(void **state)
{
	int st;
	(void)state;

	if (daemon_pid <= 0)
		return 0;
	kill(daemon_pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(daemon_pid, &st, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			break;
		}
		usleep(50000);
	}
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, &st, 0);
		fprintf(stderr, "daemon did not stop on SIGTERM\n");
		return -1;
	}
	/* A clean exit also means no sanitizer or leak report at shutdown. */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "daemon exit status %d\n", st);
		return -1;
	}
	return 0;
}

static void test_good_client(void **state)
{
	(void)state;
	assert_serving();
}

static void test_null_auth_refused(void **state)
{
	uint8_t b[8] = { 0 };
	int fd = connect_server();
	(void)state;

	send_msg(fd, 0, RPCAP_MSG_AUTH_REQ, b, sizeof(b));
	expect_error(fd, RPCAP_ERR_AUTH_FAILED, "null authentication is disabled");
	close(fd);
	assert_serving();
}

static void test_wrong_password_three_times(void **state)
{
	int fd = connect_server();
	(void)state;

	for (int i = 0; i < 3; i++) {
		send_auth(fd, "tester", "wrong");
		expect_error(fd, RPCAP_ERR_AUTH_FAILED, "authentication failed");
	}
	expect_eof(fd);
	close(fd);
	assert_serving();
}

static void test_request_before_auth(void **state)
{
	int fd = connect_server();
	(void)state;

	send_msg(fd, 0, RPCAP_MSG_FINDALLIF_REQ, NULL, 0);
	expect_error(fd, RPCAP_ERR_AUTH, "before authentication");
	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	expect_error(fd, RPCAP_ERR_AUTH, "before authentication");
	close(fd);
	assert_serving();
}

static void test_wrong_version_and_types(void **state)
{
	int fd = good_client();
	(void)state;

	send_msg(fd, 3, RPCAP_MSG_STATS_REQ, "abc", 3);
	expect_error(fd, RPCAP_ERR_WRONGVER, "version 3");
	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ | RPCAP_MSG_IS_REPLY, "xy", 2);
	expect_error(fd, RPCAP_ERR_WRONGMSG, "reply");
	send_msg(fd, 0, 0x55, NULL, 0);
	expect_error(fd, RPCAP_ERR_WRONGMSG, NULL);
	send_msg(fd, 0, RPCAP_MSG_AUTH_REQ, "\0\0\0\0\0\0\0\0", 8);
	expect_error(fd, RPCAP_ERR_WRONGMSG, "already");
	/* out of order */
	send_msg(fd, 0, RPCAP_MSG_STATS_REQ, NULL, 0);
	expect_error(fd, RPCAP_ERR_GETSTATS, "before OPEN");
	send_msg(fd, 0, RPCAP_MSG_ENDCAP_REQ, NULL, 0);
	expect_error(fd, RPCAP_ERR_ENDCAPTURE, NULL);
	send_msg(fd, 0, RPCAP_MSG_UPDATEFILTER_REQ, NULL, 0);
	expect_error(fd, RPCAP_ERR_UPDATEFILTER, NULL);
	send_msg(fd, 0, RPCAP_MSG_STARTCAP_REQ, NULL, 0);
	expect_error(fd, RPCAP_ERR_STARTCAPTURE, "before OPEN");
	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "bad name", 8);
	expect_error(fd, RPCAP_ERR_OPEN, "0x20");
	/* still the same, working session */
	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	{
		struct rpcap_hdr h;
		char body[64];

		assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
		assert_int_equal(h.type, RPCAP_MSG_OPEN_REQ | RPCAP_MSG_IS_REPLY);
	}
	close(fd);
	assert_serving();
}

static void test_unknown_source(void **state)
{
	int fd = good_client();
	(void)state;

	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "crpc-no-such-container", 22);
	expect_error(fd, RPCAP_ERR_OPEN, NULL);
	close(fd);
	assert_serving();
}

static void test_oversized(void **state)
{
	int fd = good_client();
	uint8_t h[RPCAP_HDR_LEN];
	(void)state;

	rpcap_hdr_build(h, 0, RPCAP_MSG_UPDATEFILTER_REQ, 0, 0x7fffffff);
	assert_int_equal(send(fd, h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
	expect_error(fd, RPCAP_ERR_WRONGMSG, "limit");
	expect_eof(fd);
	close(fd);
	assert_serving();
}

/* Exactly what libpcap 1.10.3 sends from pcap_startcapture_remote() with no filter set. */
static void test_libpcap_1103_startcap(void **state)
{
	uint8_t b[RPCAP_HDR_LEN + 12 + 8 + 8] = { 0 };
	struct rpcap_hdr h;
	char body[64];
	int fd = good_client();
	(void)state;

	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	rpcap_hdr_build(b, 0, RPCAP_MSG_STARTCAP_REQ, 0, 12 + 8);
	put32(b + 8, 65535);
	put32(b + 12, 500);
	put16(b + 20, RPCAP_UPDATEFILTER_BPF);
	put32(b + 24, 1);
	put16(b + 28, 0x06);
	put32(b + 32, 65535);
	assert_int_equal(send(fd, b, sizeof(b), MSG_NOSIGNAL), sizeof(b));
	expect_error(fd, RPCAP_ERR_STARTCAPTURE, "pcap_setfilter");
	close(fd);
	assert_serving();
}

static void test_vanishing_clients(void **state)
{
	uint8_t half[3] = { 0, RPCAP_MSG_OPEN_REQ, 0 };
	int fd;
	(void)state;

	fd = good_client();
	assert_int_equal(send(fd, half, sizeof(half), MSG_NOSIGNAL), 3);
	close(fd);
	fd = good_client();
	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	close(fd); /* gone before reading the reply */
	fd = connect_server();
	close(fd);
	assert_serving();
}

static void test_silent_client_times_out(void **state)
{
	int fd = connect_server();
	(void)state;

	expect_error(fd, RPCAP_ERR_INITTIMEOUT, "no authentication");
	expect_eof(fd);
	close(fd);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read (and drop) replies until EOF; the ms it took, or -1 after limit_ms. */
static long long ms_until_eof(int fd, long long start, long long limit_ms)
{
	char b[4096];

	while (now_ms() - start < limit_ms) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, b, sizeof(b), 0);
		if (n <= 0)
			return now_ms() - start;
	}
	return -1;
}

/*
 * A client that trickles a byte every 300 ms, never authenticating, is
 * dropped by the 2 s auth deadline counted from the accept (the idle check
 * alone never fired while bytes kept coming).
 */
static void test_trickling_client_times_out(void **state)
{
	long long start = now_ms(), closed = -1;
	uint8_t msg[RPCAP_HDR_LEN];
	int fd = connect_server();
	(void)state;

	rpcap_hdr_build(msg, 0, RPCAP_MSG_ERROR, 0, 0);
	for (int i = 0; i < 40 && closed < 0; i++) {
		if (send(fd, &msg[i % RPCAP_HDR_LEN], 1, MSG_NOSIGNAL) != 1) {
			closed = now_ms() - start;
			break;
		}
		closed = ms_until_eof(fd, now_ms(), 300);
		if (closed >= 0)
			closed = now_ms() - start;
	}
	close(fd);
	if (closed < 0 || closed > 4000)
		fail_msg("a trickling client was still connected after %lld ms", now_ms() - start);
	assert_serving();
}

/*
 * Every message before authentication counts, ERROR and wrong-version ones
 * too: the seventh ends the connection at once, long before the deadline.
 */
static void test_preauth_message_limit(void **state)
{
	long long start, took;
	int fd = connect_server();
	(void)state;

	start = now_ms();
	for (int i = 0; i < 4; i++)
		send_msg(fd, 0, RPCAP_MSG_ERROR, "x", 1);
	for (int i = 0; i < 3; i++)
		send_msg(fd, 7, RPCAP_MSG_STATS_REQ, NULL, 0);
	took = ms_until_eof(fd, start, 5000);
	close(fd);
	if (took < 0 || took > 1000)
		fail_msg("7 messages before auth: connection ended after %lld ms, not at once", took);
	assert_serving();
}

/* A client's newline and escape bytes are escaped in the log, never a line of their own. */
static void test_log_injection_escaped(void **state)
{
	static const char evil[] = "hi\nctrcap-rpcapd: FORGED admin login\x1b[31m";
	char path[256], line[2048];
	bool escaped = false;
	FILE *f;
	int fd = connect_server();
	(void)state;

	send_msg(fd, 0, RPCAP_MSG_ERROR, evil, sizeof(evil) - 1);
	send_msg(fd, 0, RPCAP_MSG_CLOSE, NULL, 0);
	ms_until_eof(fd, now_ms(), 3000);
	close(fd);
	usleep(200000);
	snprintf(path, sizeof(path), "%s/daemon.log", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "ctrcap-rpcapd: FORGED", 21))
			fail_msg("forged log line: %s", line);
		if (strstr(line, "hi\\x0actrcap-rpcapd: FORGED admin login\\x1b[31m"))
			escaped = true;
	}
	fclose(f);
	assert_true(escaped);
}

/* OPEN container-any, then STARTCAP with flags, portdata and a one-instruction filter in b. */
static void open_and_startcap(int fd, uint8_t b[12 + 8 + 8], uint16_t flags, uint16_t portdata)
{
	struct rpcap_hdr h;
	char body[512];

	send_msg(fd, 0, RPCAP_MSG_OPEN_REQ, "container-any", 13);
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	memset(b, 0, 12 + 8 + 8);
	put32(b, 65535);
	put32(b + 4, 500);
	put16(b + 8, flags);
	put16(b + 10, portdata);
	put16(b + 12, RPCAP_UPDATEFILTER_BPF);
	put32(b + 16, 1);
	put16(b + 20, 0x06); /* ret #65535 */
	put32(b + 24, 65535);
	send_msg(fd, 0, RPCAP_MSG_STARTCAP_REQ, b, 12 + 8 + 8);
}

/* Authenticate, OPEN container-any, STARTCAP (client opens the data connection): the data port. */
static uint16_t start_capture(int fd)
{
	uint8_t b[12 + 8 + 8] = { 0 };
	struct rpcap_hdr h;
	char body[512];

	open_and_startcap(fd, b, 0, 0);
	assert_int_equal(recv_msg(fd, &h, body, sizeof(body)), 0);
	if (h.type != (RPCAP_MSG_STARTCAP_REQ | RPCAP_MSG_IS_REPLY))
		fail_msg("STARTCAP refused: %s", body);
	return (uint16_t)((uint8_t)body[4] << 8 | (uint8_t)body[5]);
}

/* A TCP connection to 127.0.0.1:port from source address src; -1 if refused. */
static int connect_from(const char *src, uint16_t dport)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, src, &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	to.sin_port = htons(dport);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Another host (127.0.0.2) connects to the data port first: it gets no
 * byte, the capture is aborted and the client is told why on the control
 * connection; the real client's data connection then finds nobody.
 */
static void test_data_connection_race(void **state)
{
	int fd = good_client(), intruder, late;
	uint16_t dport = start_capture(fd);
	char b[64];
	(void)state;

	intruder = connect_from("127.0.0.2", dport);
	assert_true(intruder >= 0);
	assert_true(recv(intruder, b, sizeof(b), 0) <= 0);
	close(intruder);
	expect_error(fd, RPCAP_ERR_STARTCAPTURE, "from 127.0.0.2 refused");
	late = connect_from("127.0.0.1", dport);
	if (late >= 0) {
		assert_true(recv(late, b, sizeof(b), 0) <= 0);
		close(late);
	}
	close(fd);
	assert_serving();
}

/* A client that never opens its data connection is told so after 5 s, not 10. */
static void test_data_connection_deadline(void **state)
{
	int fd = good_client();
	long long start;
	(void)state;

	start_capture(fd);
	start = now_ms();
	expect_error(fd, RPCAP_ERR_STARTCAPTURE, "within 5000 ms");
	assert_true(now_ms() - start < 7000);
	close(fd);
	assert_serving();
}

/* A listening server never connects out on a client's word (active mode only). */
static void test_serveropen_refused(void **state)
{
	uint8_t b[12 + 8 + 8];
	int fd = good_client();
	(void)state;

	open_and_startcap(fd, b, RPCAP_STARTCAP_FLAG_SERVEROPEN, 9); /* "connect to my port 9" */
	expect_error(fd, RPCAP_ERR_STARTCAPTURE, "only in active mode");
	close(fd);
	assert_serving();
}

static void test_client_limit(void **state)
{
	int fds[3];
	(void)state;

	for (int i = 0; i < 3; i++)
		fds[i] = good_client();
	{
		int extra = connect_server();

		expect_error(extra, RPCAP_ERR_NETW, "busy");
		close(extra);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	/* the slots come back once the sessions end */
	for (int i = 0; i < 40; i++) {
		struct rpcap_hdr h;
		char body[128];
		uint8_t b[8 + 6 + 9] = { 0, RPCAP_AUTH_PWD, 0, 0, 0, 6, 0, 9 };
		uint8_t hb[RPCAP_HDR_LEN];
		int fd = connect_server();

		/* raw sends: a refused connection may already be closed */
		memcpy(b + 8, "testercrpc-pass", 15);
		rpcap_hdr_build(hb, 0, RPCAP_MSG_AUTH_REQ, 0, sizeof(b));
		if (send(fd, hb, sizeof(hb), MSG_NOSIGNAL) == (ssize_t)sizeof(hb) &&
		    send(fd, b, sizeof(b), MSG_NOSIGNAL) == (ssize_t)sizeof(b) &&
		    recv_msg(fd, &h, body, sizeof(body)) == 0 &&
		    h.type == (RPCAP_MSG_AUTH_REQ | RPCAP_MSG_IS_REPLY)) {
			close(fd);
			return;
		}
		close(fd);
		usleep(100000);
	}
	fail_msg("client slots were not released");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_client),
		cmocka_unit_test(test_null_auth_refused),
		cmocka_unit_test(test_wrong_password_three_times),
		cmocka_unit_test(test_request_before_auth),
		cmocka_unit_test(test_wrong_version_and_types),
		cmocka_unit_test(test_unknown_source),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_libpcap_1103_startcap),
		cmocka_unit_test(test_vanishing_clients),
		cmocka_unit_test(test_silent_client_times_out),
		cmocka_unit_test(test_trickling_client_times_out),
		cmocka_unit_test(test_preauth_message_limit),
		cmocka_unit_test(test_log_injection_escaped),
		cmocka_unit_test(test_serveropen_refused),
		cmocka_unit_test(test_client_limit),
	};
	char cmd[300];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DAEMON HELPER\n", argv[0]);
		return 2;
	}
	daemon_path = argv[1];
	helper = argv[2];
	if (access(helper, X_OK) != 0) {
		/* These tests never start a capture; OPEN of a container then fails cleanly. */
		fprintf(stderr, "note: helper %s not built, using /bin/false\n", helper);
		helper = "/bin/false";
	}
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	r = cmocka_run_group_tests(tests, start_daemon, stop_daemon);
	/* The data connection tests need a capture to start: a helper that writes and says it captures. */
	{
		const struct CMUnitTest data_tests[] = {
			cmocka_unit_test(test_data_connection_race),
			cmocka_unit_test(test_data_connection_deadline),
		};
		static char fake[300], portfile[300];
		FILE *f;

		snprintf(fake, sizeof(fake), "%s/fake-helper", dir);
		snprintf(portfile, sizeof(portfile), "%s/port", dir);
		f = fopen(fake, "w");
		if (!f || fprintf(f, "#!/bin/sh\n[ \"$1\" = --list-containers ] && exit 0\n"
				     "printf stream\n"
				     "echo 'ctrcap: listening on any, capturing on 0 interfaces' >&2\n"
				     "exec sleep 60\n") < 0 || fclose(f)) {
			perror(fake);
			return 1;
		}
		chmod(fake, 0700);
		unlink(portfile);
		port = 0;
		helper = fake;
		r |= cmocka_run_group_tests_name("data connection", data_tests, start_daemon,
						 stop_daemon);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return r;
}
