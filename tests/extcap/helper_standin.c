// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for the capture helper in ctrcapdump's unprivileged unit
 * tests: it speaks the helper's process protocol (argv in; pcapng or the
 * container list on stdout; one error line on stderr; stop on SIGTERM) so
 * the extcap's process control can be tested without root or BPF. The
 * e2e test (extcap_e2e.sh) runs the real ctrcap.
 *
 * STANDIN_MODE:  capture (default), list, fail, hang (ignores SIGTERM)
 * STANDIN_DIR:   writes argv (one per line), pid, and "stopped <how>" there
 * STANDIN_LIST:  the text printed in list mode
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void note(const char *file, const char *text)
{
	const char *dir = getenv("STANDIN_DIR");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "we");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Append a little-endian u32. */
static size_t put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return 4;
}

static int write_all(const uint8_t *p, size_t n, FILE *copy)
{
	if (copy)
		fwrite(p, 1, n, copy);
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* SHB + IDB (Ethernet), the start of every stream the helper writes. */
static int write_header(FILE *copy)
{
	uint8_t b[64];
	size_t o = 0;

	o += put32(b + o, 0x0A0D0D0A);
	o += put32(b + o, 28);
	o += put32(b + o, 0x1A2B3C4D);
	b[o++] = 1, b[o++] = 0, b[o++] = 0, b[o++] = 0; /* version 1.0 */
	memset(b + o, 0xff, 8), o += 8;			  /* section length unknown */
	o += put32(b + o, 28);
	o += put32(b + o, 1);
	o += put32(b + o, 20);
	b[o++] = 1, b[o++] = 0, b[o++] = 0, b[o++] = 0; /* LINKTYPE_ETHERNET */
	o += put32(b + o, 262144);
	o += put32(b + o, 20);
	return write_all(b, o, copy);
}

/* One EPB with a 60-byte frame whose bytes encode seq. */
static int write_packet(uint32_t seq, FILE *copy)
{
	uint8_t b[128];
	size_t o = 0;

	o += put32(b + o, 6);
	o += put32(b + o, 92);
	o += put32(b + o, 0);
	o += put32(b + o, 0);
	o += put32(b + o, seq);
	o += put32(b + o, 60);
	o += put32(b + o, 60);
	for (int i = 0; i < 60; i++)
		b[o++] = (uint8_t)(seq + i);
	o += put32(b + o, 92);
	return write_all(b, o, copy);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("STANDIN_MODE");
	const char *dir = getenv("STANDIN_DIR");
	struct sigaction sa;
	char text[8192];
	size_t off = 0;
	FILE *copy = NULL;

	for (int i = 0; i < argc && off < sizeof(text); i++)
		off += snprintf(text + off, sizeof(text) - off, "%s\n", argv[i]);
	note("argv", text);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	note("pid", text);
	mode = mode ? mode : "capture";

	if (!strcmp(mode, "list")) {
		const char *l = getenv("STANDIN_LIST");

		fputs(l ? l : "", stdout);
		return 0;
	}
	if (!strcmp(mode, "fail")) {
		fprintf(stderr, "attaching to 3 interfaces\n"
				"ctrcap: cannot attach to cext0: Operation not permitted\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = !strcmp(mode, "hang") ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/stream", dir);
		copy = fopen(path, "we");
	}
	if (write_header(copy)) {
		note("stopped", "stopped epipe\n");
		return 1;
	}
	/* At most 60 s of packets, one every 5 ms, until stopped. */
	for (uint32_t seq = 0; seq < 12000; seq++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (got_term)
			break;
		if (write_packet(seq, copy)) {
			if (copy)
				fclose(copy);
			note("stopped", "stopped epipe\n");
			return 1;
		}
		if (copy)
			fflush(copy);
		nanosleep(&ts, NULL);
	}
	if (copy)
		fclose(copy);
	note("stopped", got_term ? "stopped sigterm\n" : "stopped done\n");
	return 0;
}
