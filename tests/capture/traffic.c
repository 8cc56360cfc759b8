// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test traffic for the capture tests: tiny TCP/UDP clients and servers with
 * bounded lifetimes (an alarm ends every mode), IPv4 or IPv6 numeric
 * addresses only, so tests never resolve or reach anything they did not make.
 *
 *   traffic tcp-serve PORT CONNS [ADDR [reuseport]]
 *                                      accept CONNS connections, answer "pong"; on
 *                                      ADDR only (default ::), with SO_REUSEPORT
 *   traffic tcp-send ADDR PORT         connect, send "ping", read the answer
 *   traffic udp-serve PORT DATAGRAMS   answer DATAGRAMS datagrams with "pong"
 *   traffic udp-send ADDR PORT [N [FILE]]
 *                                      send N datagrams of 4 bytes, wait for one
 *                                      answer; with FILE, then create FILE, wait (at
 *                                      most 10 s) until it is removed and send N of 7
 *   traffic udp-same ADDR PORT SPORT   one datagram of 16 fixed bytes from an unconnected
 *                                      socket bound to SPORT, with DF (IPv4 id 0): what
 *                                      two senders send is equal but for the addresses
 *   traffic udp-share ADDR PORT        one unconnected UDP socket, sent on by its
 *                                      creator (4 bytes), a forked child (5), a
 *                                      second thread (6), the creator again (4);
 *                                      prints "child PID thread TID"
 *   traffic churn N ADDR PORT          create, connect (no datagram sent) and
 *                                      close N UDP sockets
 *   traffic tcp-reuse ADDR PORT        a process P connects and exits, leaving its socket
 *                                      to a child; a process Q gets P's pid, then the
 *                                      child sends "ping" on P's socket and reads the
 *                                      answer; prints "p PID q PID"
 *   traffic reuse-q                    what Q runs: wait (until killed or the alarm)
 *   traffic self-exec MODE ARGS...     exec /proc/self/exe MODE ARGS (as busybox does)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* Clients end within seconds; servers outlive a whole test script. */
#define CLIENT_LIFETIME_S 20
#define SERVER_LIFETIME_S 170

static int addr_of(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;

	if (getaddrinfo(host, port, &hints, &ai)) {
		fprintf(stderr, "traffic: bad address %s port %s\n", host, port);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* A socket bound to @host (NULL: ::, dual-stack) and @port, listening if a stream. */
static int listener(int type, const char *port, const char *host, int reuseport)
{
	struct sockaddr_storage ss = { .ss_family = AF_INET6 };
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
	socklen_t sl = sizeof(*a);
	int fd, off = 0, on = 1;

	a->sin6_port = htons(atoi(port));
	if (host && addr_of(host, port, &ss, &sl))
		return -1;
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) || (type == SOCK_STREAM && listen(fd, 16))) {
		perror("traffic: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 3 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

struct share {
	int fd;
	struct sockaddr_storage ss;
	socklen_t sl;
	pid_t tid;
};

static int share_send(struct share *s, const char *msg)
{
	ssize_t len = strlen(msg);

	if (sendto(s->fd, msg, len, 0, (struct sockaddr *)&s->ss, s->sl) != len) {
		perror("traffic: sendto");
		return -1;
	}
	return 0;
}

static void *share_thread(void *arg)
{
	struct share *s = arg;

	s->tid = share_send(s, "thread") ? -1 : gettid();
	return NULL;
}

/*
 * A socket shared by several senders, as after fork() or in a threaded
 * server: each datagram must name the thread that sent it, not the socket's
 * creator. The payload lengths tell the senders apart in the capture.
 */
static int udp_share(const char *host, const char *port)
{
	struct share s = { .sl = sizeof(s.ss) };
	pthread_t th;
	pid_t child;
	int st;

	if (addr_of(host, port, &s.ss, &s.sl))
		return 1;
	s.fd = socket(s.ss.ss_family, SOCK_DGRAM, 0);
	if (s.fd < 0 || share_send(&s, "ping"))
		return 1;
	child = fork();
	if (child < 0) {
		perror("traffic: fork");
		return 1;
	}
	if (!child)
		_exit(share_send(&s, "child") ? 1 : 0);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "traffic: the child's send failed\n");
		return 1;
	}
	if (pthread_create(&th, NULL, share_thread, &s) || pthread_join(th, NULL) || s.tid <= 0) {
		fprintf(stderr, "traffic: the thread's send failed\n");
		return 1;
	}
	if (share_send(&s, "ping"))
		return 1;
	printf("child %d thread %d\n", (int)child, (int)s.tid);
	return 0;
}

/*
 * The same datagram from every sender: fixed source port and payload, and
 * from an unconnected socket with DF, for which Linux sets IP id 0 (it
 * takes the socket's counter only for a connected one). Two senders'
 * datagrams then differ in their source address alone (and checksums).
 */
static int udp_same(const char *host, const char *port, const char *sport)
{
	struct sockaddr_storage ss, bs = {};
	socklen_t sl = sizeof(ss);
	int fd, pmtu = IP_PMTUDISC_DO;

	if (addr_of(host, port, &ss, &sl))
		return 1;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("traffic: socket");
		return 1;
	}
	bs.ss_family = ss.ss_family;
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&bs)->sin_port = htons(atoi(sport));
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	} else {
		((struct sockaddr_in6 *)&bs)->sin6_port = htons(atoi(sport));
	}
	if (bind(fd, (struct sockaddr *)&bs, ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
								      sizeof(struct sockaddr_in6)) ||
	    sendto(fd, "same-bytes-16-by", 16, 0, (struct sockaddr *)&ss, sl) != 16) {
		perror("traffic: udp-same");
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/* Process P of tcp-reuse: connect, fork the child that sends once told on @go, exit. */
static void reuse_p(const char *host, const char *port, int go)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char buf[64];
	pid_t c;
	int fd;

	if (addr_of(host, port, &ss, &sl))
		_exit(1);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("traffic: tcp-reuse connect");
		_exit(1);
	}
	timeouts(fd);
	c = fork();
	if (c < 0)
		_exit(1);
	if (c == 0) {
		if (read(go, buf, 1) != 1)
			_exit(1);
		if (write(fd, "ping", 4) != 4 || read(fd, buf, sizeof(buf)) <= 0) {
			perror("traffic: tcp-reuse exchange");
			_exit(1);
		}
		_exit(0);
	}
	_exit(0);
}

/* A child with pid @pid (clone3 set_tid) that runs "reuse-q"; its pid, or -1. */
static pid_t spawn_with_pid(pid_t pid)
{
	/* The pid may still be in use for a moment after its process was reaped. */
	for (int i = 0; i < 100; i++) {
		pid_t tid = pid;
		struct clone_args ca = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&tid,
					 .set_tid_size = 1 };
		long q = syscall(SYS_clone3, &ca, sizeof(ca));

		if (q == 0) {
			execl("/proc/self/exe", "ccap_traffic", "reuse-q", (char *)NULL);
			_exit(1);
		}
		if (q > 0)
			return q;
		if (errno != EEXIST) {
			perror("traffic: clone3 with set_tid");
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "traffic: pid %d stayed in use\n", pid);
	return -1;
}

/* True once process pid runs "reuse-q" (its exec is done). */
static bool runs_reuse_q(pid_t pid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && memmem(buf, n, "reuse-q", 7);
}

/*
 * tcp-reuse (see the top): P's socket outlives P in its child C, P's pid
 * is given to Q (set_tid needs root), and only after Q's exec does C send.
 * This process is a subreaper, so it reaps C too.
 */
static int tcp_reuse(const char *host, const char *port)
{
	int go[2], st, rc = 1;
	pid_t p, q, w;

	if (pipe(go) || prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("traffic: tcp-reuse setup");
		return 1;
	}
	p = fork();
	if (p < 0)
		return 1;
	if (p == 0) {
		close(go[1]);
		reuse_p(host, port, go[0]);
	}
	close(go[0]);
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	q = spawn_with_pid(p);
	if (q < 0)
		return 1;
	for (int i = 0; i < 300 && !runs_reuse_q(q); i++)
		usleep(10000);
	if (runs_reuse_q(q) && write(go[1], "g", 1) == 1) {
		/* C, reparented to this subreaper, is the other child. */
		while ((w = wait(&st)) > 0 && w == q)
			;
		rc = w > 0 && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
	}
	close(go[1]);
	kill(q, SIGKILL);
	waitpid(q, NULL, 0);
	/* C, if it is still there (the exchange failed): the subreaper's to reap. */
	while (wait(NULL) > 0)
		;
	printf("p %d q %d\n", p, q);
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char buf[256];
	int fd, n;

	/* Like a busybox applet: run again through /proc/self/exe with the rest. */
	if (argc >= 3 && !strcmp(argv[1], "self-exec")) {
		execv("/proc/self/exe", argv + 1);
		perror("traffic: execv /proc/self/exe");
		return 1;
	}
	/* Re-exec'ed: stay alive long enough for ctrcap to read /proc/<pid>/exe. */
	if (!strcmp(argv[0], "self-exec"))
		usleep(300000);
	alarm(argc >= 2 && strstr(argv[1], "serve") ? SERVER_LIFETIME_S : CLIENT_LIFETIME_S);
	if (argc >= 2 && !strcmp(argv[1], "reuse-q")) {
		pause();
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "tcp-reuse"))
		return tcp_reuse(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "tcp-serve")) {
		fd = listener(SOCK_STREAM, argv[2], argc >= 5 ? argv[4] : NULL,
			      argc >= 6 && !strcmp(argv[5], "reuseport"));
		if (fd < 0)
			return 1;
		printf("ready\n");
		fflush(stdout);
		for (n = atoi(argv[3]); n > 0; n--) {
			int c = accept(fd, NULL, NULL);

			if (c < 0)
				return 1;
			timeouts(c);
			if (read(c, buf, sizeof(buf)) > 0 && write(c, "pong", 4) != 4)
				return 1;
			close(c);
		}
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "udp-serve")) {
		fd = listener(SOCK_DGRAM, argv[2], NULL, 0);
		if (fd < 0)
			return 1;
		printf("ready\n");
		fflush(stdout);
		for (n = atoi(argv[3]); n > 0; n--) {
			sl = sizeof(ss);
			if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl) < 0)
				return 1;
			if (sendto(fd, "pong", 4, 0, (struct sockaddr *)&ss, sl) != 4)
				return 1;
		}
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "tcp-send")) {
		if (addr_of(argv[2], argv[3], &ss, &sl))
			return 1;
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		timeouts(fd);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
			perror("traffic: connect");
			return 1;
		}
		if (write(fd, "ping", 4) != 4 || read(fd, buf, sizeof(buf)) <= 0) {
			perror("traffic: tcp exchange");
			return 1;
		}
		close(fd);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "udp-send")) {
		int count = argc >= 5 ? atoi(argv[4]) : 1, wait_ms;
		const char *pause = argc >= 6 ? argv[5] : NULL;
		FILE *f;

		if (addr_of(argv[2], argv[3], &ss, &sl))
			return 1;
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		timeouts(fd);
		for (n = 0; n < (pause ? 2 * count : count); n++) {
			if (pause && n == count) {
				f = fopen(pause, "w");
				if (!f) {
					perror("traffic: pause file");
					return 1;
				}
				fclose(f);
				/* 1 ms polls: tests remove two senders' files at once
				 * and count on both resuming within a millisecond. */
				for (wait_ms = 0; !access(pause, F_OK) && wait_ms < 10000; wait_ms++)
					usleep(1000);
			}
			if (sendto(fd, "ping-gap", n < count ? 4 : 7, 0, (struct sockaddr *)&ss, sl) < 0) {
				perror("traffic: sendto");
				return 1;
			}
		}
		if (recv(fd, buf, sizeof(buf), 0) <= 0) {
			perror("traffic: udp answer");
			return 1;
		}
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "churn")) {
		if (addr_of(argv[3], argv[4], &ss, &sl))
			return 1;
		for (n = atoi(argv[2]); n > 0; n--) {
			fd = socket(ss.ss_family, SOCK_DGRAM, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
				perror("traffic: churn socket");
				return 1;
			}
			close(fd);
		}
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "udp-share"))
		return udp_share(argv[2], argv[3]);
	if (argc >= 5 && !strcmp(argv[1], "udp-same"))
		return udp_same(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: traffic tcp-serve PORT N [ADDR [reuseport]] | udp-serve PORT N"
			" | tcp-send|udp-send ADDR PORT [N] | udp-share ADDR PORT"
			" | udp-same ADDR PORT SPORT | churn N ADDR PORT | tcp-reuse ADDR PORT\n");
	return 2;
}
