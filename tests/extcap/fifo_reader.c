// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fifo_reader: the reading end of an extcap fifo, as dumpcap holds it, for
 * tests/extcap/test_extcap_capture.sh. It keeps every byte it reads (OUT),
 * walks the pcapng blocks as they arrive and checks their framing on its
 * own (no project code: a second opinion on what ctrcapdump forwarded).
 *
 *   fifo_reader FIFO OUT MIN_EPB TIMEOUT_MS STATUS eof|close
 *
 * Once MIN_EPB Enhanced Packet Blocks carrying the identity option (2989,
 * PEN 32473) have arrived it writes "ready" to STATUS; then with "close"
 * it reads on until the file STATUS.close exists and closes the fifo (the
 * writer's next write gets EPIPE), with "eof" it reads on until the writer
 * closes (MIN_EPB 0: ready once open).
 * It prints one summary line:
 *   bytes=N shb=N idb=N epb=N epb_identity=N isb=N nrb=N pib=N other=N partial=N eof=0|1
 * (nrb: Name Resolution Blocks; pib: Apple's Darwin process info blocks;
 * other: any block type ctrcap does not write).
 * partial counts bytes after the last complete block. Exit 0 when the
 * stream was read as asked, 1 on a framing error, 2 on bad usage, 3 when
 * TIMEOUT_MS passed first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_MAX (64u << 20)
#define BLOCK_MAX (16u << 20)
#define OPT_CUSTOM_BIN 2989u
#define PEN 32473u

struct walk {
	uint8_t *buf;
	size_t len, off; /* bytes held; start of the next unchecked block */
	bool swap;	 /* the section's byte order is not ours */
	unsigned long shb, idb, epb, epb_ident, isb, nrb, pib, other;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint32_t u32(const struct walk *w, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return w->swap ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const struct walk *w, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return w->swap ? __builtin_bswap16(v) : v;
}

/* True when an EPB's options hold our identity option (PEN in section byte order). */
static bool epb_has_identity(const struct walk *w, const uint8_t *b, uint32_t blen)
{
	uint32_t caplen = u32(w, b + 20);
	size_t o = 28 + (((size_t)caplen + 3) & ~(size_t)3);

	while (o + 4 <= blen - 4) {
		uint16_t code = u16(w, b + o), len = u16(w, b + o + 2);

		if (code == 0)
			break;
		if (o + 4 + len > blen - 4)
			return false;
		if (code == OPT_CUSTOM_BIN && len >= 5 && u32(w, b + o + 4) == PEN)
			return true;
		o += 4 + (((size_t)len + 3) & ~(size_t)3);
	}
	return false;
}

/* Check every complete block from w->off on; -1 with a message on bad framing. */
static int walk_blocks(struct walk *w)
{
	while (w->len - w->off >= 12) {
		const uint8_t *b = w->buf + w->off;
		uint32_t type, blen;

		if (w->off == 0 || !memcmp(b, "\x0a\x0d\x0d\x0a", 4)) {
			uint32_t magic;

			if (memcmp(b, "\x0a\x0d\x0d\x0a", 4)) {
				fprintf(stderr, "fifo_reader: stream does not start with an SHB\n");
				return -1;
			}
			memcpy(&magic, b + 8, 4);
			if (magic != 0x1A2B3C4D && magic != 0x4D3C2B1A) {
				fprintf(stderr, "fifo_reader: bad byte-order magic at %zu\n", w->off);
				return -1;
			}
			w->swap = magic == 0x4D3C2B1A;
		}
		type = u32(w, b);
		blen = u32(w, b + 4);
		if (blen < 12 || blen % 4 || blen > BLOCK_MAX) {
			fprintf(stderr, "fifo_reader: block type 0x%x at %zu has length %u\n", type,
				w->off, blen);
			return -1;
		}
		if (w->len - w->off < blen)
			return 0; /* the rest has not arrived yet */
		if (u32(w, b + blen - 4) != blen) {
			fprintf(stderr, "fifo_reader: block at %zu: trailing length %u != %u\n",
				w->off, u32(w, b + blen - 4), blen);
			return -1;
		}
		if (type == 0x0A0D0D0A) {
			w->shb++;
		} else if (type == 1) {
			w->idb++;
		} else if (type == 6) {
			if (blen < 32 || 28 + (size_t)u32(w, b + 20) > blen - 4) {
				fprintf(stderr, "fifo_reader: EPB at %zu: captured length too long\n",
					w->off);
				return -1;
			}
			if (!w->idb || u32(w, b + 8) >= w->idb) {
				fprintf(stderr, "fifo_reader: EPB at %zu names interface %u of %lu\n",
					w->off, u32(w, b + 8), w->idb);
				return -1;
			}
			w->epb++;
			if (epb_has_identity(w, b, blen))
				w->epb_ident++;
		} else if (type == 5) {
			w->isb++;
		} else if (type == 4) {
			w->nrb++;
		} else if (type == 0x80000001) {
			w->pib++;
		} else {
			w->other++;
		}
		w->off += blen;
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "fifo_reader: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct walk w = { 0 };
	struct sigaction sa;
	char close_path[4096];
	unsigned long min_epb;
	long long deadline;
	bool close_early, eof = false, ready = false, timed_out = false;
	int fd, rc = 0;

	if (argc != 7 || (strcmp(argv[6], "eof") && strcmp(argv[6], "close"))) {
		fprintf(stderr, "usage: fifo_reader FIFO OUT MIN_EPB TIMEOUT_MS STATUS eof|close\n");
		return 2;
	}
	min_epb = strtoul(argv[3], NULL, 10);
	deadline = now_ms() + strtol(argv[4], NULL, 10);
	close_early = !strcmp(argv[6], "close");
	snprintf(close_path, sizeof(close_path), "%s.close", argv[5]);
	w.buf = malloc(BUF_MAX);
	if (!w.buf)
		return 2;

	/* A blocking open, bounded: the alarm interrupts it (no SA_RESTART). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((deadline - now_ms()) / 1000 + 1));
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	alarm(0);
	if (fd < 0) {
		fprintf(stderr, "fifo_reader: open %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	if (min_epb == 0) {
		ready = true; /* a reader that only needs the open and the end */
		if (write_file(argv[5], "ready\n", 6))
			rc = 1;
	}
	while (!eof && !rc) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (now_ms() >= deadline) {
			timed_out = true;
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (w.len == BUF_MAX) {
			fprintf(stderr, "fifo_reader: more than %u bytes\n", BUF_MAX);
			rc = 1;
			break;
		}
		n = read(fd, w.buf + w.len, BUF_MAX - w.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		w.len += (size_t)n;
		if (walk_blocks(&w)) {
			rc = 1;
			break;
		}
		if (!ready && w.epb_ident >= min_epb) {
			ready = true;
			if (write_file(argv[5], "ready\n", 6))
				rc = 1;
		}
		if (ready && close_early && !access(close_path, F_OK))
			break;
	}
	close(fd);
	if (write_file(argv[2], w.buf, w.len))
		rc = 1;
	printf("bytes=%zu shb=%lu idb=%lu epb=%lu epb_identity=%lu isb=%lu nrb=%lu pib=%lu "
	       "other=%lu partial=%zu "
	       "eof=%d\n",
	       w.len, w.shb, w.idb, w.epb, w.epb_ident, w.isb, w.nrb, w.pib, w.other,
	       w.len - w.off, eof);
	free(w.buf);
	if (rc)
		return rc;
	if (timed_out || !ready) {
		fprintf(stderr, "fifo_reader: %s after %lu packets with identity\n",
			timed_out ? "timed out" : "stream ended", w.epb_ident);
		return 3;
	}
	return 0;
}
