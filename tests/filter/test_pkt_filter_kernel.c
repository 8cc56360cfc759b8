// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The generated tc filter programs against libpcap itself: realistic filters
 * and random classic-BPF programs are translated, loaded and run over a
 * generated packet corpus through BPF_PROG_TEST_RUN; every verdict must
 * equal libpcap's on the same bytes, and the per-slot counters must add up.
 * Needs root (loads BPF). Touches no interface: nothing is sent.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn

#include "ctrcap.h"
#include "pkt_filter.h"
#include "corpus.h"
#include "filter_test.skel.h"

#define SEED 20261122
#define RANDOM_PROGRAMS 600
#define MAX_REPORTED_MISMATCHES 5
/* What `accepted` in filter_test.bpf.c adds to the slot it finds in cb[0]. */
#define ACCEPTED_BASE 100
/* TCX_NEXT as BPF_PROG_TEST_RUN reports it. */
#define RET_NEXT 0xffffffffu
/* Entries of the harness's counters map. */
#define SLOTS 4

static const char *const eth_filters[] = {
	"host 10.99.7.3",
	"src host 10.99.7.4",
	"dst net 10.99.0.0/16",
	"net 192.168.1.0/24",
	"not net 10.0.0.0/8",
	"port 80",
	"tcp port 443",
	"udp port 53",
	"src port 22",
	"dst port 8080",
	"portrange 1000-6000",
	"tcp dst portrange 30000-40000",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & tcp-rst != 0",
	"tcp[13] = 18",
	"tcp",
	"udp",
	"icmp",
	"icmp[icmptype] == icmp-echo",
	"arp",
	"arp and host 10.99.7.3",
	"vlan",
	"vlan 100",
	"vlan and tcp port 80",
	"vlan 100 and vlan 200",
	"ip6",
	"ip6 and tcp",
	"ip6 host fd00::1",
	"ip6 net fd00::/64 and udp",
	"icmp6",
	"ip6 protochain 6",
	"ip protochain 17",
	"ip[2:2] > 100",
	"ip[6:2] & 0x1fff != 0",
	"ip[6] & 0x20 != 0 or ip[6:2] & 0x1fff != 0",
	"ip[8] < 64",
	"ip and ip[0] & 0xf > 5",
	"less 100",
	"greater 1000",
	"len >= 64 and len <= 512",
	"tcp and (port 80 or port 443) and not src net 10.99.0.0/16",
	"host 10.99.7.3 and not port 22",
	"(udp and port 53) or (tcp and port 80)",
	"ether broadcast",
	"ether multicast",
	"ether host 02:00:00:00:00:01",
	"ether proto 0x88cc",
	"ip multicast",
	"udp[8:4] = 0xdeadbeef",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0",
	"(ip[2:2] - ((ip[0] & 0xf) << 2)) / 4 > 10",
	"ip[2:2] % 7 = 3 and ip[1] ^ 0xff != 0xff",
	"ip[2:2] * 3 > 1500 and -ip[8] & 0xff > 100",
	"len - 14 > ip[2:2]",
	"ip6[6] = 58 or ip6[40] = 128",
};

static const char *const raw_filters[] = {
	"ip",
	"ip6",
	"tcp port 80",
	"udp",
	"icmp",
	"icmp6",
	"host 10.99.7.3",
	"ip6 host fd00::1",
	"tcp[tcpflags] & tcp-syn != 0",
	"ip[2:2] > 100",
	"less 100",
	"greater 1000",
	"net 10.99.0.0/16 and not port 22",
	"ip6 protochain 6",
	"ip and ip[6:2] & 0x1fff != 0",
	"portrange 1000-6000 or udp[8:4] = 0xdeadbeef",
};

struct fixture {
	struct filter_test *skel;
	int counters_fd;
	int tail_fd;
	int drop_counts_fd, drop_scratch_fd, drop_tail_fd;
	struct ctrcap_drop_scratch *scratch;	/* one value per possible CPU */
	int ncpus;
	struct ctrcap_counters *percpu;	/* one value per possible CPU */
	struct cflt_corpus eth;
	struct cflt_corpus raw;
	struct pkt_filter_prog *prog;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	__u32 zero = 0;
	int fd;

	if (!f)
		return -1;
	*state = f;
	f->prog = calloc(1, sizeof(*f->prog));
	f->skel = filter_test__open_and_load();
	if (!f->prog || !f->skel) {
		fprintf(stderr, "loading filter_test.bpf.o: %s\n", strerror(errno));
		return -1;
	}
	f->counters_fd = bpf_map__fd(f->skel->maps.counters);
	f->tail_fd = bpf_map__fd(f->skel->maps.tail);
	fd = bpf_program__fd(f->skel->progs.accepted);
	if (bpf_map_update_elem(f->tail_fd, &zero, &fd, BPF_ANY)) {
		fprintf(stderr, "tail[0] = accepted: %s\n", strerror(errno));
		return -1;
	}
	f->drop_counts_fd = bpf_map__fd(f->skel->maps.drop_counts);
	f->drop_scratch_fd = bpf_map__fd(f->skel->maps.drop_scratch);
	f->drop_tail_fd = bpf_map__fd(f->skel->maps.drop_tail);
	fd = bpf_program__fd(f->skel->progs.drop_accepted);
	{
		__u32 emit = CTRCAP_DROP_TAIL_EMIT;

		if (bpf_map_update_elem(f->drop_tail_fd, &emit, &fd, BPF_ANY)) {
			fprintf(stderr, "drop_tail[emit] = drop_accepted: %s\n", strerror(errno));
			return -1;
		}
	}
	f->ncpus = libbpf_num_possible_cpus();
	if (f->ncpus <= 0)
		return -1;
	f->scratch = calloc(f->ncpus, sizeof(*f->scratch));
	if (!f->scratch)
		return -1;
	/* struct ctrcap_counters is 8-byte aligned, as per-CPU values must be. */
	f->percpu = calloc(f->ncpus, sizeof(*f->percpu));
	if (!f->percpu || cflt_corpus_build(&f->eth, &f->raw, SEED))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	filter_test__destroy(f->skel);
	cflt_corpus_free(&f->eth);
	cflt_corpus_free(&f->raw);
	free(f->percpu);
	free(f->scratch);
	free(f->prog);
	free(f);
	return 0;
}

static void counters_reset(struct fixture *f, __u32 slot)
{
	memset(f->percpu, 0, f->ncpus * sizeof(*f->percpu));
	if (bpf_map_update_elem(f->counters_fd, &slot, f->percpu, BPF_ANY))
		fail_msg("resetting counters slot %u: %s", slot, strerror(errno));
}

/* The counters of @slot summed over CPUs, as user space reads them. */
static struct ctrcap_counters counters_sum(struct fixture *f, __u32 slot)
{
	struct ctrcap_counters sum = {};

	if (bpf_map_lookup_elem(f->counters_fd, &slot, f->percpu))
		fail_msg("reading counters slot %u: %s", slot, strerror(errno));
	for (int cpu = 0; cpu < f->ncpus; cpu++) {
		sum.seen += f->percpu[cpu].seen;
		sum.filtered += f->percpu[cpu].filtered;
		sum.dropped += f->percpu[cpu].dropped;
		sum.captured += f->percpu[cpu].captured;
	}
	return sum;
}

/* Load f->prog as the filter of @slot, tail-calling tail[@tail_index]. */
static int load_slot(struct fixture *f, __u32 slot, __u32 tail_index)
{
	struct pkt_filter_gen_cfg cfg = { .counters_fd = f->counters_fd, .slot = slot,
					  .tail_fd = f->tail_fd, .tail_index = tail_index };
	char err[512];
	int fd = pkt_filter_load(f->prog, &cfg, "test", err, sizeof(err));

	if (fd < 0)
		fail_msg("%s", err);
	return fd;
}

/* What the tc program returned for one packet. */
static uint32_t kernel_run(int prog_fd, const struct cflt_pkt *pk)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pk->data, .data_size_in = pk->len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	if (err)
		fail_msg("BPF_PROG_TEST_RUN on a %u-byte packet: %s", pk->len, strerror(-err));
	return o.retval;
}

/*
 * Accepted (the tail call ran with @slot in cb[0]) or rejected (TCX_NEXT);
 * anything else, e.g. 0 from a failed LD_ABS, fails the test.
 */
/* libpcap's own verdict on a whole packet: 0 rejects, else the snap length. */
static uint32_t libpcap_verdict(const struct pkt_filter_cbpf_insn *prog, size_t n,
				const struct cflt_pkt *pk)
{
	struct bpf_program bp = { .bf_len = (u_int)n, .bf_insns = (struct pcap_bpf_insn *)prog };
	struct pcap_pkthdr h = { .caplen = pk->len, .len = pk->len };

	return (uint32_t)pcap_offline_filter(&bp, &h, pk->data);
}

static bool kernel_accepts(int prog_fd, const struct cflt_pkt *pk, __u32 slot)
{
	uint32_t r = kernel_run(prog_fd, pk);

	if (r == ACCEPTED_BASE + slot)
		return true;
	if (r != RET_NEXT)
		fail_msg("slot %u, %u-byte packet: the filter program returned %u, neither "
			 "%u (accepted) nor %u (TCX_NEXT)", slot, pk->len, r,
			 ACCEPTED_BASE + slot, RET_NEXT);
	return false;
}

static void hexdump(const struct cflt_pkt *pk)
{
	uint32_t i;

	for (i = 0; i < pk->len && i < 96; i++)
		fprintf(stderr, "%02x%s", pk->data[i], i % 16 == 15 ? "\n" : " ");
	fprintf(stderr, "\n");
}

static void dump_cbpf(const struct pkt_filter_cbpf_insn *prog, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fprintf(stderr, "  %s\n",
			bpf_image((const struct pcap_bpf_insn *)&prog[k], (int)k));
}

/*
 * Compile @expr both ways, run the generated program over @c on @slot and
 * compare every verdict and the slot's counters; returns mismatches.
 */
static unsigned int compare_filter(struct fixture *f, const char *expr, int linktype, int dlt,
				   __u32 slot, const struct cflt_corpus *c)
{
	struct bpf_program ref = {};
	unsigned int mismatches = 0, want_accepted = 0, rejected = 0;
	struct ctrcap_counters sum;
	char err[512];
	pcap_t *pcap;
	size_t i;
	int fd;

	if (pkt_filter_compile(expr, linktype, 0, f->prog, err, sizeof(err)))
		fail_msg("%s", err);
	fd = load_slot(f, slot, 0);
	counters_reset(f, slot);
	pcap = pcap_open_dead(dlt, 262144);
	assert_non_null(pcap);
	if (pcap_compile(pcap, &ref, expr, 1, PCAP_NETMASK_UNKNOWN))
		fail_msg("libpcap: %s", pcap_geterr(pcap));
	for (i = 0; i < c->n; i++) {
		const struct cflt_pkt *pk = &c->pkts[i];
		struct pcap_pkthdr h = { .caplen = pk->len, .len = pk->len };
		bool want = pcap_offline_filter(&ref, &h, pk->data) != 0;
		bool got = kernel_accepts(fd, pk, slot);

		want_accepted += want;
		rejected += !got;
		if (got == want)
			continue;
		if (mismatches++ < MAX_REPORTED_MISMATCHES) {
			fprintf(stderr, "'%s': packet %zu (%u bytes): kernel %s, libpcap %s\n",
				expr, i, pk->len, got ? "accepts" : "rejects",
				want ? "accepts" : "rejects");
			hexdump(pk);
		}
	}
	sum = counters_sum(f, slot);
	if (sum.seen != c->n || sum.filtered != rejected || sum.dropped || sum.captured) {
		fprintf(stderr, "'%s': counters seen %llu filtered %llu dropped %llu captured "
			"%llu after %zu packets, %u rejected\n", expr,
			(unsigned long long)sum.seen, (unsigned long long)sum.filtered,
			(unsigned long long)sum.dropped, (unsigned long long)sum.captured, c->n,
			rejected);
		mismatches++;
	}
	printf("  %-64s %4u insns, %4u/%zu accepted, %u mismatches\n", expr, f->prog->len,
	       want_accepted, c->n, mismatches);
	pcap_freecode(&ref);
	pcap_close(pcap);
	close(fd);
	/* A filter the corpus cannot tell apart proves nothing. */
	if (want_accepted == 0 || want_accepted == c->n)
		fail_msg("'%s' gives the same verdict on all %zu packets: corpus too narrow",
			 expr, c->n);
	return mismatches;
}

static void test_eth_filters_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	unsigned int bad = 0;
	size_t i, n = sizeof(eth_filters) / sizeof(eth_filters[0]);

	for (i = 0; i < n; i++)
		bad += compare_filter(f, eth_filters[i], PKT_FILTER_LINKTYPE_ETHERNET, DLT_EN10MB,
				      i % SLOTS, &f->eth);
	printf("  %zu Ethernet filters x %zu packets: %u mismatches\n", n, f->eth.n, bad);
	assert_int_equal(bad, 0);
}

static void test_raw_filters_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	unsigned int bad = 0;
	size_t i, n = sizeof(raw_filters) / sizeof(raw_filters[0]);

	for (i = 0; i < n; i++)
		bad += compare_filter(f, raw_filters[i], PKT_FILTER_LINKTYPE_RAW, DLT_RAW,
				      i % SLOTS, &f->raw);
	printf("  %zu raw-IP filters x %zu packets: %u mismatches\n", n, f->raw.n, bad);
	assert_int_equal(bad, 0);
}

/* Run @fd over @c on @slot; returns the rejections. */
static unsigned int run_corpus(int fd, const struct cflt_corpus *c, __u32 slot)
{
	unsigned int rejected = 0;

	for (size_t i = 0; i < c->n; i++)
		rejected += !kernel_accepts(fd, &c->pkts[i], slot);
	return rejected;
}

static void assert_counters(struct fixture *f, __u32 slot, size_t seen, size_t filtered)
{
	struct ctrcap_counters s = counters_sum(f, slot);

	printf("  slot %u: seen %llu filtered %llu (expected %zu %zu)\n", slot,
	       (unsigned long long)s.seen, (unsigned long long)s.filtered, seen, filtered);
	assert_int_equal(s.seen, seen);
	assert_int_equal(s.filtered, filtered);
	/* Those belong to the capture program, which the filter never touches. */
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.captured, 0);
}

/* Two filters on two slots: each slot counts its own packets and rejections only. */
static void test_counters_per_slot(void **state)
{
	struct fixture *f = *state;
	unsigned int rej1, rej2;
	char err[256];
	int fd1, fd2;

	for (__u32 s = 0; s < SLOTS; s++)
		counters_reset(f, s);
	assert_int_equal(pkt_filter_compile("tcp port 80", PKT_FILTER_LINKTYPE_ETHERNET, 0,
					    f->prog, err, sizeof(err)), 0);
	fd1 = load_slot(f, 1, 0);
	assert_int_equal(pkt_filter_compile("udp or icmp6", PKT_FILTER_LINKTYPE_RAW, 0, f->prog,
					    err, sizeof(err)), 0);
	fd2 = load_slot(f, 2, 0);
	rej1 = run_corpus(fd1, &f->eth, 1);
	assert_counters(f, 1, f->eth.n, rej1);
	assert_counters(f, 2, 0, 0);
	rej2 = run_corpus(fd2, &f->raw, 2);
	rej2 += run_corpus(fd2, &f->raw, 2);
	/* Both filters reject some packets and accept others, so the counts mean something. */
	assert_true(rej1 > 0 && rej1 < f->eth.n);
	assert_true(rej2 > 0 && rej2 < 2 * f->raw.n);
	assert_counters(f, 1, f->eth.n, rej1);
	assert_counters(f, 2, 2 * f->raw.n, rej2);
	assert_counters(f, 0, 0, 0);
	assert_counters(f, 3, 0, 0);
	close(fd1);
	close(fd2);
}

/* No filter (empty expression) accepts every packet, and counts each as seen. */
static void test_empty_filter_accepts_all(void **state)
{
	struct fixture *f = *state;
	char err[256];
	int fd;

	assert_int_equal(pkt_filter_compile("  ", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(f->prog->len, 0);
	fd = load_slot(f, 3, 0);
	counters_reset(f, 3);
	assert_int_equal(run_corpus(fd, &f->eth, 3), 0);
	assert_int_equal(run_corpus(fd, &f->raw, 3), 0);
	assert_counters(f, 3, f->eth.n + f->raw.n, 0);
	close(fd);
}

/* A slot past the counters map's end is not counted, but the filter still works. */
static void test_slot_without_counters(void **state)
{
	struct fixture *f = *state;
	struct ctrcap_counters s;
	unsigned int rejected;
	char err[256];
	int fd;

	for (__u32 k = 0; k < SLOTS; k++)
		counters_reset(f, k);
	assert_int_equal(pkt_filter_compile("udp", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	fd = load_slot(f, SLOTS, 0);
	rejected = run_corpus(fd, &f->eth, SLOTS);
	assert_true(rejected > 0 && rejected < f->eth.n);
	for (__u32 k = 0; k < SLOTS; k++) {
		s = counters_sum(f, k);
		assert_int_equal(s.seen + s.filtered, 0);
	}
	close(fd);
}

/* No capture program in the prog array: accepted packets go on (TCX_NEXT) too. */
static void test_failed_tail_call_continues(void **state)
{
	struct fixture *f = *state;
	char err[256];
	int fd;

	assert_int_equal(pkt_filter_compile("tcp", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	fd = load_slot(f, 1, 1);
	counters_reset(f, 1);
	for (size_t i = 0; i < f->eth.n; i++)
		assert_int_equal(kernel_run(fd, &f->eth.pkts[i]), RET_NEXT);
	/* Every packet was seen; the accepted ones are not counted as filtered. */
	assert_true(counters_sum(f, 1).seen == f->eth.n);
	assert_true(counters_sum(f, 1).filtered < f->eth.n);
	assert_true(counters_sum(f, 1).filtered > 0);
	close(fd);
}

/* pkt_filter_load errors name the caller's @what and say why. */
static void test_load_errors(void **state)
{
	struct fixture *f = *state;
	struct pkt_filter_gen_cfg cfg = { .counters_fd = -1, .slot = 0, .tail_fd = f->tail_fd };
	char err[512] = "";

	assert_int_equal(pkt_filter_compile("udp", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_load(f->prog, &cfg, "eth7@netns 4", err, sizeof(err)), -1);
	printf("  bad counters fd: %s\n", err);
	assert_ptr_equal(strstr(err, "eth7@netns 4: "), err);
	assert_non_null(strstr(err, "the kernel refused the filter program"));

	/* A map of the wrong type in either place: the verifier's words. */
	cfg.counters_fd = f->tail_fd;
	assert_int_equal(pkt_filter_load(f->prog, &cfg, "veth-a", err, sizeof(err)), -1);
	printf("  prog array as counters: %s\n", err);
	assert_ptr_equal(strstr(err, "veth-a: "), err);
	assert_non_null(strstr(err, "map_type"));
	cfg.counters_fd = f->counters_fd;
	cfg.tail_fd = f->counters_fd;
	assert_int_equal(pkt_filter_load(f->prog, &cfg, "veth-b", err, sizeof(err)), -1);
	printf("  counters as prog array: %s\n", err);
	assert_ptr_equal(strstr(err, "veth-b: "), err);

	/* A tampered program never reaches the kernel. */
	cfg.tail_fd = f->tail_fd;
	f->prog->insns[f->prog->len - 1].code = BPF_MISC | BPF_TXA;
	assert_int_equal(pkt_filter_load(f->prog, &cfg, "tun0", err, sizeof(err)), -1);
	assert_string_equal(err, "tun0: the last instruction is not a return");
}

/* libpcap's loop (protochain) loads, is bounded and agrees with libpcap. */
static void test_protochain_backward_jumps(void **state)
{
	struct fixture *f = *state;
	bool backward = false;

	assert_int_equal(compare_filter(f, "ip6 protochain 17", PKT_FILTER_LINKTYPE_ETHERNET,
					DLT_EN10MB, 2, &f->eth), 0);
	for (__u32 i = 0; i < f->prog->len; i++)
		backward |= f->prog->insns[i].code == (BPF_JMP | BPF_JA) &&
			    (int32_t)f->prog->insns[i].k < 0;
	assert_true(backward);
	assert_int_equal(compare_filter(f, "ip6 protochain 17", PKT_FILTER_LINKTYPE_RAW, DLT_RAW,
					1, &f->raw), 0);
}

/*
 * The loop bound: a program counting A up to @iterations takes iterations - 1
 * backward jumps. libpcap 1.10 has no bound and accepts either way; the
 * kernel program allows PKT_FILTER_MAX_BACKJUMPS backward jumps, then rejects.
 */
static void test_backward_jump_bound(void **state)
{
	struct fixture *f = *state;
	const __u32 limits[] = { 1, PKT_FILTER_MAX_BACKJUMPS + 1, PKT_FILTER_MAX_BACKJUMPS + 2 };
	const struct cflt_pkt *pk = &f->eth.pkts[0];
	char err[256];

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct pkt_filter_cbpf_insn loop[] = {
			{ BPF_LD | BPF_IMM, 0, 0, 0 },
			{ BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1 },
			{ BPF_JMP | BPF_JEQ | BPF_K, 1, 0, limits[i] },
			{ BPF_JMP | BPF_JA, 0, 0, (__u32)-3 },
			{ BPF_RET | BPF_K, 0, 0, 96 },
		};
		uint32_t want = libpcap_verdict(loop, 5, pk);
		int fd;

		assert_int_equal(pkt_filter_from_cbpf(loop, 5, f->prog, err, sizeof(err)), 0);
		fd = load_slot(f, 0, 0);
		printf("  %u iterations: libpcap %u, kernel %s\n", limits[i], want,
		       kernel_accepts(fd, pk, 0) ? "accepts" : "rejects");
		assert_int_equal(want, 96);
		assert_int_equal(kernel_accepts(fd, pk, 0),
				 limits[i] <= PKT_FILTER_MAX_BACKJUMPS + 1);
		close(fd);
	}
}

/*
 * Load @n instructions of @prog and compare its verdicts with libpcap's on
 * every @step-th packet from @first; counts into the totals. Returns the
 * mismatches, or -1 with @err set when pkt_filter_load() refused the program.
 */
static int compare_cbpf(struct fixture *f, const struct pkt_filter_cbpf_insn *prog, size_t n,
			const char *what, size_t first, size_t step, unsigned int *runs,
			unsigned int *accepted, char *err, size_t errlen)
{
	struct pkt_filter_gen_cfg cfg = { .counters_fd = f->counters_fd, .slot = 0,
					  .tail_fd = f->tail_fd };
	int mismatches = 0, fd;

	if (pkt_filter_from_cbpf(prog, n, f->prog, err, errlen))
		fail_msg("%s: %s", what, err);
	fd = pkt_filter_load(f->prog, &cfg, what, err, errlen);
	if (fd < 0)
		return -1;
	for (size_t j = first; j < f->eth.n; j += step) {
		const struct cflt_pkt *pk = &f->eth.pkts[j];
		bool want = libpcap_verdict(prog, n, pk) != 0;
		bool got = kernel_accepts(fd, pk, 0);

		(*runs)++;
		*accepted += want;
		if (got != want && mismatches++ < MAX_REPORTED_MISMATCHES) {
			fprintf(stderr, "%s, packet %zu: kernel %s, libpcap %s\n", what, j,
				got ? "accepts" : "rejects", want ? "accepts" : "rejects");
			hexdump(pk);
			if (n < 100)
				dump_cbpf(prog, n);
		}
	}
	close(fd);
	return mismatches;
}

/* Every opcode, with random operands, against libpcap's bpf_filter(). */
static void test_random_programs_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	struct pkt_filter_cbpf_insn prog[CFLT_RANDOM_PROG_MAX];
	unsigned int runs = 0, mismatches = 0, accepted = 0, refused = 0;
	uint32_t rng = SEED;
	char what[48], err[512];
	size_t i;

	for (i = 0; i < RANDOM_PROGRAMS; i++) {
		size_t n = cflt_random_program(prog, &rng);
		int bad;

		snprintf(what, sizeof(what), "random program %zu", i);
		bad = compare_cbpf(f, prog, n, what, i % 41, 41, &runs, &accepted, err,
				   sizeof(err));
		if (bad >= 0) {
			mismatches += bad;
		} else if (refused++ < 3) {
			fprintf(stderr, "%s\n", err);
			dump_cbpf(prog, n);
		}
	}
	printf("  %d random programs, %u refused by the kernel, %u runs, %u accepted, "
	       "%u mismatches\n", RANDOM_PROGRAMS, refused, runs, accepted, mismatches);
	assert_true(accepted > runs / 10 && accepted < runs - runs / 10);
	assert_int_equal(mismatches, 0);
	assert_int_equal(refused, 0);
}

/*
 * The largest program the filter takes: 4096 instructions of packet loads
 * (absolute, indirect, MSH). It verifies and agrees, or pkt_filter_gen()
 * refuses it with its own message, never the kernel with an obscure one.
 */
static void test_largest_program(void **state)
{
	struct fixture *f = *state;
	struct pkt_filter_cbpf_insn *prog = calloc(PKT_FILTER_MAX_INSNS, sizeof(*prog));
	const size_t last = PKT_FILTER_MAX_INSNS - 1;
	unsigned int runs = 0, accepted = 0;
	char err[512];
	size_t n = 0;
	int bad;

	assert_non_null(prog);
	prog[n++] = (struct pkt_filter_cbpf_insn){ BPF_LD | BPF_W | BPF_LEN, 0, 0, 0 };
	while (n + 3 <= last - 2) {
		__u32 k = n % 61;

		prog[n++] = (struct pkt_filter_cbpf_insn){ BPF_LDX | BPF_MSH | BPF_B, 0, 0, 14 };
		prog[n++] = (struct pkt_filter_cbpf_insn){ BPF_LD | BPF_B | BPF_IND, 0, 0, k };
		prog[n++] = (struct pkt_filter_cbpf_insn){ BPF_LD | BPF_H | BPF_ABS, 0, 0, k };
	}
	assert_int_equal(n, last - 2);
	prog[last - 2] = (struct pkt_filter_cbpf_insn){ BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1 };
	prog[last - 1] = (struct pkt_filter_cbpf_insn){ BPF_RET | BPF_K, 0, 0, 96 };
	prog[last] = (struct pkt_filter_cbpf_insn){ BPF_RET | BPF_K, 0, 0, 0 };
	bad = compare_cbpf(f, prog, PKT_FILTER_MAX_INSNS, "4096 instructions", 0, 1, &runs,
			   &accepted, err, sizeof(err));
	free(prog);
	if (bad < 0) {
		printf("  4096 instructions refused: %s\n", err);
		if (!strstr(err, "more than eBPF jumps reach"))
			fail_msg("%s", err);
		return;
	}
	printf("  4096 instructions: %u runs, %u accepted, %d mismatches\n", runs, accepted, bad);
	assert_int_equal(bad, 0);
	assert_true(accepted > 0 && accepted < runs);
}

/*
 * --drops mode: @pk as the drop in the scratch (every CPU's copy), busy as
 * the drop program leaves it, then one run of @fd. Accepted (the emitter's
 * 100) or rejected (0, and the scratch freed); anything else fails.
 */
static bool drop_accepts(struct fixture *f, int fd, const struct cflt_pkt *pk)
{
	__u64 args[1] = { 0 };
	/* On CPU 0, whose scratch is checked after a rejection. */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args),
		    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);
	__u32 zero = 0;
	int err;

	for (int cpu = 0; cpu < f->ncpus; cpu++) {
		struct ctrcap_drop_scratch *s = &f->scratch[cpu];

		memset(s, 0, sizeof(*s));
		s->d.pkt.caplen = pk->len;
		s->d.pkt.len = pk->len;
		s->copied = pk->len < CTRCAP_DROP_FILTER_BYTES ? pk->len : CTRCAP_DROP_FILTER_BYTES;
		s->busy = 1;
		memcpy(s->bytes, pk->data, s->copied);
	}
	if (bpf_map_update_elem(f->drop_scratch_fd, &zero, f->scratch, BPF_ANY))
		fail_msg("writing the drop scratch: %s", strerror(errno));
	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		fail_msg("BPF_PROG_TEST_RUN (raw_tp) on a %u-byte drop: %s", pk->len, strerror(-err));
	if (o.retval == 100)
		return true;
	if (o.retval != 0)
		fail_msg("%u-byte drop: the drop filter returned %u, neither 100 nor 0", pk->len,
			 o.retval);
	if (bpf_map_lookup_elem(f->drop_scratch_fd, &zero, f->scratch))
		fail_msg("reading the drop scratch: %s", strerror(errno));
	if (f->scratch[0].busy)
		fail_msg("%u-byte drop rejected, but the scratch is still busy", pk->len);
	return false;
}

/* The drop filters' rejections, summed over CPUs. */
static __u64 drop_filtered(struct fixture *f)
{
	struct ctrcap_drop_counters *v = calloc(f->ncpus, sizeof(*v));
	__u32 zero = 0;
	__u64 n = 0;

	assert_non_null(v);
	if (bpf_map_lookup_elem(f->drop_counts_fd, &zero, v))
		fail_msg("reading drop_counts: %s", strerror(errno));
	for (int cpu = 0; cpu < f->ncpus; cpu++)
		n += v[cpu].filtered;
	free(v);
	return n;
}

/*
 * f->prog in --drops mode over every @step-th packet of @c from @first,
 * against libpcap on the same bytes; the rejections must be counted.
 * Returns the mismatches, or -1 with @err when the kernel refused it.
 */
static int compare_drop(struct fixture *f, const char *what, const struct cflt_corpus *c,
			size_t first, size_t step, unsigned int *runs, unsigned int *accepted,
			char *err, size_t errlen)
{
	struct pkt_filter_gen_cfg cfg = { .counters_fd = f->drop_counts_fd,
					  .tail_fd = f->drop_tail_fd,
					  .tail_index = CTRCAP_DROP_TAIL_EMIT, .drop = true,
					  .scratch_fd = f->drop_scratch_fd };
	__u64 before = drop_filtered(f), rejected = 0;
	int mismatches = 0, fd = pkt_filter_load(f->prog, &cfg, what, err, errlen);

	if (fd < 0)
		return -1;
	for (size_t j = first; j < c->n; j += step) {
		const struct cflt_pkt *pk = &c->pkts[j];
		bool want = libpcap_verdict(f->prog->insns, f->prog->len, pk) != 0;
		bool got = drop_accepts(f, fd, pk);

		(*runs)++;
		*accepted += want;
		rejected += !got;
		if (got != want && mismatches++ < MAX_REPORTED_MISMATCHES) {
			fprintf(stderr, "%s (drop mode), packet %zu: kernel %s, libpcap %s\n", what,
				j, got ? "accepts" : "rejects", want ? "accepts" : "rejects");
			hexdump(pk);
			if (f->prog->len < 100)
				dump_cbpf(f->prog->insns, f->prog->len);
		}
	}
	if (drop_filtered(f) - before != rejected) {
		fprintf(stderr, "%s (drop mode): %llu rejections counted, %llu seen\n", what,
			(unsigned long long)(drop_filtered(f) - before),
			(unsigned long long)rejected);
		mismatches++;
	}
	close(fd);
	return mismatches;
}

/* --drops mode: the expressions of both lists, and random programs, agree with libpcap. */
static void test_drop_filters_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	struct pkt_filter_cbpf_insn prog[CFLT_RANDOM_PROG_MAX];
	unsigned int runs = 0, accepted = 0, refused = 0;
	int bad = 0, r;
	uint32_t rng = SEED + 1;
	char err[512], what[48];

	for (size_t i = 0; i < sizeof(eth_filters) / sizeof(eth_filters[0]); i++) {
		if (pkt_filter_compile(eth_filters[i], PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
				       sizeof(err)))
			fail_msg("%s", err);
		r = compare_drop(f, eth_filters[i], &f->eth, 0, 1, &runs, &accepted, err,
				 sizeof(err));
		if (r < 0)
			fail_msg("%s", err);
		bad += r;
	}
	for (size_t i = 0; i < sizeof(raw_filters) / sizeof(raw_filters[0]); i++) {
		if (pkt_filter_compile(raw_filters[i], PKT_FILTER_LINKTYPE_RAW, 0, f->prog, err,
				       sizeof(err)))
			fail_msg("%s", err);
		r = compare_drop(f, raw_filters[i], &f->raw, 0, 1, &runs, &accepted, err,
				 sizeof(err));
		if (r < 0)
			fail_msg("%s", err);
		bad += r;
	}
	printf("  drop mode: %u expression runs, %u accepted, %d mismatches\n", runs, accepted,
	       bad);
	assert_int_equal(bad, 0);
	runs = accepted = 0;
	for (int i = 0; i < RANDOM_PROGRAMS; i++) {
		size_t n = cflt_random_program(prog, &rng);

		snprintf(what, sizeof(what), "random program %d", i);
		if (pkt_filter_from_cbpf(prog, n, f->prog, err, sizeof(err)))
			fail_msg("%s: %s", what, err);
		r = compare_drop(f, what, &f->eth, (size_t)i % 41, 41, &runs, &accepted, err,
				 sizeof(err));
		if (r >= 0) {
			bad += r;
		} else if (refused++ < 3) {
			fprintf(stderr, "%s\n", err);
			dump_cbpf(prog, n);
		}
	}
	printf("  drop mode: %d random programs, %u refused, %u runs, %u accepted, %d "
	       "mismatches\n", RANDOM_PROGRAMS, refused, runs, accepted, bad);
	assert_true(accepted > runs / 10 && accepted < runs - runs / 10);
	assert_int_equal(bad, 0);
	assert_int_equal(refused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_filters_agree_with_libpcap),
		cmocka_unit_test(test_raw_filters_agree_with_libpcap),
		cmocka_unit_test(test_counters_per_slot),
		cmocka_unit_test(test_empty_filter_accepts_all),
		cmocka_unit_test(test_slot_without_counters),
		cmocka_unit_test(test_failed_tail_call_continues),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_protochain_backward_jumps),
		cmocka_unit_test(test_backward_jump_bound),
		cmocka_unit_test(test_random_programs_agree_with_libpcap),
		cmocka_unit_test(test_largest_program),
		cmocka_unit_test(test_drop_filters_agree_with_libpcap),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_pkt_filter_kernel: needs root to load BPF programs\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
