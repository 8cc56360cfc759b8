// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capture benchmark's traffic: a fast UDP sender (sendmmsg, batches of
 * 64) and a sink. IPv4 numeric addresses only.
 *   udp_flood send ADDR PORT COUNT SIZE [MIX]
 *       send COUNT datagrams of SIZE bytes; with MIX = N every Nth goes to
 *       PORT + 1 (for a filter that keeps 1 in N); prints "sent N in S s: R pps"
 *       and "sender cpu C ns a datagram" (its thread's CPU time)
 *   udp_flood sink PORT
 *       read until 1 s without data (at most 120 s); prints "received N".
 *       Its receive buffer is 256 MiB where root may force it (SO_RCVBUFFORCE),
 *       so that the flood is not dropped at the socket (SOCKET_RCVBUFF)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The calling thread's CPU seconds: the send path and, on this CPU, the
 * receiving veth's softirq that runs on the way out of each syscall (taps,
 * tc programs, the stack up to the socket).
 */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sender(const char *addr, int port, long count, int size, int mix)
{
	struct sockaddr_in dst[2] = { { .sin_family = AF_INET }, { .sin_family = AF_INET } };
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	char payload[1500] = "ctrcap-bench";
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long sent = 0;
	double t0, c0;

	if (fd < 0 || size < 1 || size > (int)sizeof(payload) ||
	    inet_pton(AF_INET, addr, &dst[0].sin_addr) != 1) {
		fprintf(stderr, "udp_flood: bad arguments or socket\n");
		return 1;
	}
	dst[1] = dst[0];
	dst[0].sin_port = htons(port);
	dst[1].sin_port = htons(port + 1);
	iov.iov_base = payload;
	iov.iov_len = size;
	memset(msgs, 0, sizeof(msgs));
	t0 = now_s();
	c0 = cpu_s();
	while (sent < count) {
		int n = count - sent < BATCH ? (int)(count - sent) : BATCH, r;

		for (int i = 0; i < n; i++) {
			int odd = mix > 0 && (sent + i) % mix == 0;

			msgs[i].msg_hdr.msg_name = &dst[odd];
			msgs[i].msg_hdr.msg_namelen = sizeof(dst[0]);
			msgs[i].msg_hdr.msg_iov = &iov;
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			perror("udp_flood: sendmmsg");
			return 1;
		}
		sent += r;
	}
	t0 = now_s() - t0;
	c0 = cpu_s() - c0;
	printf("sent %ld in %.3f s: %.0f pps\n", sent, t0, sent / t0);
	printf("sender cpu %.0f ns a datagram\n", c0 * 1e9 / sent);
	return 0;
}

static int sink(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 256 << 20;
	long got = 0;
	double end = now_s() + 120;
	char buf[2048];

	a.sin_port = htons(port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("udp_flood: sink bind");
		return 1;
	}
	/* Past net.core.rmem_max for root: a flood the sink is slower than waits queued, not dropped. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("ready\n");
	fflush(stdout);
	while (now_s() < end) {
		if (recv(fd, buf, sizeof(buf), 0) < 0) {
			if (got)
				break;
			continue;
		}
		got++;
	}
	printf("received %ld\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "send"))
		return sender(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]),
			      argc >= 7 ? atoi(argv[6]) : 0);
	if (argc >= 3 && !strcmp(argv[1], "sink"))
		return sink(atoi(argv[2]));
	fprintf(stderr, "usage: udp_flood send ADDR PORT COUNT SIZE [MIX] | sink PORT\n");
	return 2;
}
