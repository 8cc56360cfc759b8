// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapng writer throughput: N packets with a full identity through
 * ctrcap_pcapng_writer against plain write() of the same bytes in 64 KiB
 * chunks, to the same directory, in the same run. Prints both rates and
 * their ratio (goal >= 0.8).
 *
 *   bench_writer [-n packets] [-s packet bytes] [-r rounds] [-d dir]
 * Rounds alternate writer and plain runs; rates are the best round of each.
 * The writer's own write() thread is timed beside the record-once run: its
 * rate and the calling thread's CPU per packet, which is what the thread
 * takes off a capture's ring reader.
 * Then the bytes per packet of each identity carrier, from the sizes of
 * files the writer makes with one carrier each, and the time --comments
 * takes to lay one identity out as ptcpdump's comments. The compact carrier
 * (--compact-identity) is measured with its packets spread over 4
 * interfaces and 1 or 100 processes: every definition counts, amortised
 * over the file's packets.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/ptcpdump_identity.h"

#define STR(lit) ((struct ctrcap_str){.ptr = (lit), .len = sizeof(lit) - 1})
#define CHUNK	 (64u * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the capture helper attaches to a container's packet. */
static void full_identity(struct ctrcap_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID | CTRCAP_HAS_GID |
		      CTRCAP_HAS_START_TIME | CTRCAP_HAS_PARENT_PID | CTRCAP_HAS_NETNS |
		      CTRCAP_HAS_CGROUP_ID | CTRCAP_HAS_ATTRIBUTION;
	id->pid = 241879;
	id->tid = 241879;
	id->start_time_ns = 1700000000123456789ull;
	id->parent_pid = 241858;
	id->netns = 4026532281u;
	id->cgroup_id = 12345;
	id->attribution = CTRCAP_ATTR_SOCKET;
	id->comm = STR("wget");
	id->exe = STR("/usr/bin/wget");
	id->args = STR("wget -T 10 10.99.7.3");
	id->user = STR("root");
	id->parent_comm = STR("containerd-shim");
	id->parent_exe = STR("/usr/bin/containerd-shim-runc-v2");
	id->parent_args = STR("/usr/bin/containerd-shim-runc-v2 -namespace moby -id 78f1713c7d0f");
	id->ctr_id = STR("78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d");
	id->ctr_name = STR("web");
	id->ctr_image = STR("busybox:1");
	id->ctr_runtime = STR("docker");
	id->ctr_labels[0] = STR("app=web");
	id->ctr_labels[1] = STR("tier=front");
	id->n_ctr_labels = 2;
}

/* The benchmarks' packet i: @size bytes of @pkt on interface @ifid, no identity yet. */
static struct ctrcap_pcapng_packet bench_packet(int ifid, unsigned long i, const uint8_t *pkt,
						uint32_t size)
{
	return (struct ctrcap_pcapng_packet){ .if_id = (uint32_t)ifid,
					      .ts_ns = 1700000000000000000ull + i,
					      .data = pkt,
					      .caplen = size,
					      .origlen = size,
					      .direction = CTRCAP_DIR_OUT,
					      .packet_id = i + 1 };
}

/* CPU seconds of the calling thread so far. */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How run_writer drives the writer. */
struct run_how {
	bool pre;     /* hand the record encoded once (as ctrcap's record cache does) */
	bool compact; /* --compact-identity */
	bool thread;  /* the writer's own write() thread */
};

/*
 * Write n packets through the writer; returns wall seconds, the file size
 * in *bytes and the calling thread's CPU seconds in *caller_cpu (the part
 * that a capture's ring reader would spend).
 */
static double run_writer(const char *path, unsigned long n, uint32_t size, struct run_how how,
			 uint64_t *bytes, double *caller_cpu)
{
	static uint8_t rec[CTRCAP_RECORD_MAX];
	int rec_len;
	struct ctrcap_pcapng_writer_opts o = {.path = path, .userappl = "bench_writer",
					      .compact_identity = how.compact,
					      .write_thread = how.thread};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	static uint8_t pkt[65536];
	char err[512];
	struct stat st;
	unsigned long i;
	double t0, t1, c0;
	int ifid;

	full_identity(&id);
	memset(pkt, 0x5a, size);
	t0 = now_s();
	c0 = thread_cpu_s();
	rec_len = how.pre ? ctrcap_record_encode(&id, rec, sizeof(rec)) : 0;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "bench_writer: %s\n", err);
		exit(1);
	}
	ifid = ctrcap_pcapng_writer_interface(w, 4026532281u, 2, "veth4c1652a", "web", 1, 262144);
	for (i = 0; i < n; i++) {
		struct ctrcap_pcapng_packet p = bench_packet(ifid, i, pkt, size);

		p.id = &id;
		p.record = rec;
		p.record_len = rec_len > 0 ? (uint32_t)rec_len : 0;

		if (ctrcap_pcapng_writer_packet(w, &p) < 0) {
			fprintf(stderr, "bench_writer: %s\n", ctrcap_pcapng_writer_error(w));
			exit(1);
		}
	}
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_writer: %s\n", err);
		exit(1);
	}
	t1 = now_s();
	if (caller_cpu)
		*caller_cpu = thread_cpu_s() - c0;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "bench_writer: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	*bytes = (uint64_t)st.st_size;
	return t1 - t0;
}

/* write() the same number of bytes in 64 KiB chunks: the I/O floor. */
static double run_plain(const char *path, uint64_t bytes)
{
	static uint8_t chunk[CHUNK];
	double t0, t1;
	uint64_t left = bytes;
	int fd;

	memset(chunk, 0x5a, sizeof(chunk));
	t0 = now_s();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "bench_writer: opening %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (left) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t r = write(fd, chunk, n);

		if (r <= 0) {
			fprintf(stderr, "bench_writer: writing %s: %s\n", path,
				r < 0 ? strerror(errno) : "short write");
			exit(1);
		}
		left -= (uint64_t)r;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "bench_writer: closing %s: %s\n", path, strerror(errno));
		exit(1);
	}
	t1 = now_s();
	return t1 - t0;
}

/* The identity carriers a packet can have, alone or all together. */
enum carrier {
	C_NONE,		/* direction and packet id only */
	C_RECORD,	/* ctrcap's custom option with the record */
	C_PID,		/* epb_processid_threadid (option 8) */
	C_DARWIN,	/* Apple's process info block + EPB option 0x8001 */
	C_COMMENTS,	/* ptcpdump's comments (--comments) */
	C_ALL,		/* what ctrcap --comments writes: every one */
	C_COMPACT,	/* ctrcap's option with --compact-identity, over COMPACT_IFACES interfaces */
};

/* Interfaces the compact carrier's packets take in turn: each defines every identity again. */
#define COMPACT_IFACES 4

/*
 * Size of a file of n packets of size bytes carrying c, from procs
 * processes in turn (each its own Darwin block).
 */
static uint64_t carrier_file(const char *path, unsigned long n, uint32_t size, enum carrier c,
			     unsigned procs)
{
	static char cmt[CTRCAP_PTCPDUMP_COMMENTS_MAX];
	static uint8_t pkt[65536];
	struct ctrcap_pcapng_writer_opts o = {.path = path, .userappl = "bench_writer",
					      .compact_identity = c == C_COMPACT};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	char err[512];
	struct stat st;
	int ifid[COMPACT_IFACES], cmt_len;
	unsigned n_if = c == C_COMPACT ? COMPACT_IFACES : 1;

	full_identity(&id);
	cmt_len = ctrcap_ptcpdump_comments(&id, cmt, sizeof(cmt));
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w || cmt_len <= 0) {
		fprintf(stderr, "bench_writer: %s\n", w ? "no comments for the identity" : err);
		exit(1);
	}
	for (unsigned k = 0; k < n_if; k++)
		ifid[k] = ctrcap_pcapng_writer_interface(w, 4026532281u, 2 + k, "veth4c1652a",
							 "web", 1, 262144);
	for (unsigned long i = 0; i < n; i++) {
		struct ctrcap_pcapng_packet p = bench_packet(ifid[i % n_if], i, pkt, size);
		bool all = c == C_ALL;

		if (c == C_RECORD || all)
			p.id = &id;
		if (c == C_COMPACT) {
			/* A process of its own per identity: its pid, its start time. */
			id.pid = 241879 + (uint32_t)(i % procs);
			id.start_time_ns = 1700000000123456789ull + i % procs;
			p.id = &id;
		}
		if (c == C_PID || c == C_DARWIN || all) {
			p.pid = id.pid + (uint32_t)(i % procs);
			p.tid = p.pid;
		}
		if (c == C_DARWIN || all) {
			p.pname = id.comm.ptr;
			p.pname_len = id.comm.len;
		}
		if (c == C_COMMENTS || all) {
			p.comments = cmt;
			p.comments_len = (uint32_t)cmt_len;
		}
		if (ctrcap_pcapng_writer_packet(w, &p) < 0) {
			fprintf(stderr, "bench_writer: %s\n", ctrcap_pcapng_writer_error(w));
			exit(1);
		}
	}
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err)) < 0 || stat(path, &st) < 0) {
		fprintf(stderr, "bench_writer: %s: %s\n", path, err);
		exit(1);
	}
	unlink(path);
	return (uint64_t)st.st_size;
}

/* The bytes per packet each carrier adds, and what --comments costs in time. */
static void carriers(const char *path, uint32_t size)
{
	static const struct {
		enum carrier c;
		const char *what;
	} rows[] = {
		{ C_RECORD, "ctrcap custom option (record)" },
		{ C_PID, "epb_processid_threadid (option 8)" },
		{ C_DARWIN, "option 8 + Apple block + 0x8001" },
		{ C_COMMENTS, "ptcpdump comments (--comments)" },
		{ C_ALL, "all of them (ctrcap --comments)" },
		{ C_COMPACT, "ctrcap option, --compact-identity" },
	};
	double per[2][sizeof(rows) / sizeof(rows[0])];
	static char cmt[CTRCAP_PTCPDUMP_COMMENTS_MAX];
	const unsigned long n = 10000;
	uint64_t base = carrier_file(path, n, size, C_NONE, 1);
	struct ctrcap_identity id;
	double t0, t;

	/* Apple's block is written once per process per file: amortised over its packets. */
	printf("bytes per packet of each carrier, %lu packets from %-10s %6s  %6s\n", n,
	       "", "1", "100 processes");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t one = carrier_file(path, n, size, rows[i].c, 1);
		uint64_t many = carrier_file(path, n, size, rows[i].c, 100);

		per[0][i] = (double)(one - base) / (double)n;
		per[1][i] = (double)(many - base) / (double)n;
		printf("  %-36s %6.1f  %6.1f\n", rows[i].what, per[0][i], per[1][i]);
	}
	/* rows[3] is ptcpdump's comments, rows[5] the compact option. */
	printf("compact option / ptcpdump comments: %.2f and %.2f (%u interfaces; goal <= 0.33)\n",
	       per[0][5] / per[0][3], per[1][5] / per[1][3], COMPACT_IFACES);
	full_identity(&id);
	t0 = now_s();
	for (unsigned long i = 0; i < n; i++) {
		id.pid = 241879 + (uint32_t)i; /* no caching: a new identity each time */
		if (ctrcap_ptcpdump_comments(&id, cmt, sizeof(cmt)) <= 0)
			exit(1);
	}
	t = now_s() - t0;
	printf("--comments text of one identity: %.0f ns (%lu identities)\n", t / (double)n * 1e9,
	       n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000;
	uint32_t size = 100;
	unsigned rounds = 9, r, k;
	const char *dir = ".";
	char wpath[4096], ppath[4096];
	/*
	 * [0] writer encoding per packet, [1] writer with a pre-encoded record,
	 * [2] plain, [3] as [1] with the writer thread
	 */
	double best[4] = {1e9, 1e9, 1e9, 1e9}, best_cpu[4] = {1e9, 1e9, 1e9, 1e9}, ratio[3][20];
	uint64_t bytes = 0, bytes_pre = 0, bytes_thread = 0, bytes_compact = 0;
	double best_compact = 1e9;
	uint8_t rec[CTRCAP_RECORD_MAX];
	struct ctrcap_identity id;
	int c;

	while ((c = getopt(argc, argv, "n:s:r:d:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_writer [-n packets] [-s bytes] [-r rounds] "
					"[-d dir]\n");
			return 2;
		}
	}
	if (!n || !rounds || rounds > 20 || size == 0 || size > 65536) {
		fprintf(stderr, "bench_writer: need -n > 0, 1 <= -r <= 20, 1 <= -s <= 65536\n");
		return 2;
	}
	snprintf(wpath, sizeof(wpath), "%s/bench-writer-%d.pcapng", dir, (int)getpid());
	snprintf(ppath, sizeof(ppath), "%s/bench-plain-%d.bin", dir, (int)getpid());
	run_writer(wpath, n, size, (struct run_how){0}, &bytes, NULL); /* sizes the plain run; warms the cache */
	unlink(wpath);
	/* Interleave, rotating the order, so drift in the machine's load hits all alike. */
	for (r = 0; r < rounds; r++) {
		double t[4], cpu[4] = {0};

		for (k = 0; k < 4; k++) {
			unsigned which = (r + k) % 4;
			struct run_how how = {.pre = which != 0, .thread = which == 3};

			if (which == 2)
				t[2] = run_plain(ppath, bytes);
			else
				t[which] = run_writer(wpath, n, size, how,
						      which == 0 ? &bytes : which == 1 ? &bytes_pre
										    : &bytes_thread,
						      &cpu[which]);
			unlink(wpath);
			unlink(ppath);
		}
		for (k = 0; k < 4; k++) {
			best[k] = t[k] < best[k] ? t[k] : best[k];
			best_cpu[k] = cpu[k] < best_cpu[k] ? cpu[k] : best_cpu[k];
		}
		ratio[0][r] = t[2] / t[0];
		ratio[1][r] = t[2] / t[1];
		ratio[2][r] = t[1] / t[3];
	}
	/* --compact-identity: the same packets, one identity on one interface (the cheapest case). */
	for (r = 0; r < rounds; r++) {
		double t = run_writer(wpath, n, size, (struct run_how){.pre = true, .compact = true},
				      &bytes_compact, NULL);

		unlink(wpath);
		best_compact = t < best_compact ? t : best_compact;
	}
	if (bytes_pre != bytes || bytes_thread != bytes) {
		fprintf(stderr, "bench_writer: the writer runs wrote %llu, %llu and %llu bytes\n",
			(unsigned long long)bytes, (unsigned long long)bytes_pre,
			(unsigned long long)bytes_thread);
		return 1;
	}
	qsort(ratio[0], rounds, sizeof(double), cmp_double);
	qsort(ratio[1], rounds, sizeof(double), cmp_double);
	qsort(ratio[2], rounds, sizeof(double), cmp_double);
	full_identity(&id);
	printf("packets %lu x %u bytes, identity record %d bytes, file %llu bytes, %u rounds\n", n,
	       size, ctrcap_record_encode(&id, rec, sizeof(rec)), (unsigned long long)bytes,
	       rounds);
	printf("writer, identity encoded per packet: %.0f packets/s, %.1f MB/s\n",
	       (double)n / best[0], (double)bytes / best[0] / 1e6);
	printf("writer, record encoded once:         %.0f packets/s, %.1f MB/s\n",
	       (double)n / best[1], (double)bytes / best[1] / 1e6);
	printf("writer, once, writer thread:         %.0f packets/s, %.1f MB/s\n",
	       (double)n / best[3], (double)bytes / best[3] / 1e6);
	printf("writer, once, --compact-identity:    %.0f packets/s, %.1f MB/s (file %llu bytes)\n",
	       (double)n / best_compact, (double)bytes_compact / best_compact / 1e6,
	       (unsigned long long)bytes_compact);
	printf("plain write() of the same bytes:     %.1f MB/s\n", (double)bytes / best[2] / 1e6);
	/* Paired per-round ratios resist load drift on a shared machine better than bests. */
	printf("ratio writer/plain, encoded per packet: %.2f (median of %u paired rounds; "
	       "goal >= 0.8)\n",
	       ratio[0][rounds / 2], rounds);
	printf("ratio writer/plain, record encoded once: %.2f (median of %u paired rounds; "
	       "goal >= 0.8)\n",
	       ratio[1][rounds / 2], rounds);
	/* The caller's CPU is what a capture's ring reader spends on the file. */
	printf("writer thread: rate %.2fx the caller's own write() (median of %u paired rounds); "
	       "caller CPU %.0f ns/packet, was %.0f\n",
	       ratio[2][rounds / 2], rounds, best_cpu[3] / (double)n * 1e9,
	       best_cpu[1] / (double)n * 1e9);
	carriers(wpath, size);
	return 0;
}
