// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The in-kernel pcap filter against libpcap itself: realistic filters and
 * random classic-BPF programs run over a generated packet corpus through
 * BPF_PROG_TEST_RUN; every return value must equal libpcap's on the same
 * bytes. Needs root (loads BPF). Touches no interface: nothing is sent.
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

#include "pkt_filter.h"
#include "corpus.h"
#include "filter_test.skel.h"
#include "filter_test_helper.skel.h"

#define SEED 20261122
#define RANDOM_PROGRAMS 600
#define MAX_REPORTED_MISMATCHES 5

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
	struct filter_test_helper *helper_skel;
	int map_fd;
	struct cflt_corpus eth;
	struct cflt_corpus raw;
	struct pkt_filter_prog *prog;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->prog = calloc(1, sizeof(*f->prog));
	f->skel = filter_test__open_and_load();
	f->helper_skel = filter_test_helper__open_and_load();
	if (!f->prog || !f->skel || !f->helper_skel) {
		fprintf(stderr, "loading filter_test.bpf.o: %s\n", strerror(errno));
		return -1;
	}
	f->map_fd = bpf_map__fd(f->skel->maps.pkt_filter_progs);
	if (cflt_corpus_build(&f->eth, &f->raw, SEED))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	filter_test__destroy(f->skel);
	filter_test_helper__destroy(f->helper_skel);
	cflt_corpus_free(&f->eth);
	cflt_corpus_free(&f->raw);
	free(f->prog);
	free(f);
	return 0;
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

static void hexdump(const struct cflt_pkt *pk)
{
	uint32_t i;

	for (i = 0; i < pk->len && i < 96; i++)
		fprintf(stderr, "%02x%s", pk->data[i], i % 16 == 15 ? "\n" : " ");
	fprintf(stderr, "\n");
}

/* Compile @expr both ways and compare every packet's verdict; returns mismatches. */
static unsigned int compare_filter(struct fixture *f, const char *expr, int linktype, int dlt,
				   uint32_t slot, int map_fd, int prog_fd,
				   const struct cflt_corpus *c)
{
	struct bpf_program ref = {};
	unsigned int mismatches = 0, accepted = 0;
	char err[512];
	pcap_t *pcap;
	size_t i;

	if (pkt_filter_compile(expr, linktype, 0, f->prog, err, sizeof(err)))
		fail_msg("%s", err);
	if (pkt_filter_install(map_fd, slot, f->prog, err, sizeof(err)))
		fail_msg("%s", err);
	pcap = pcap_open_dead(dlt, 262144);
	assert_non_null(pcap);
	if (pcap_compile(pcap, &ref, expr, 1, PCAP_NETMASK_UNKNOWN))
		fail_msg("libpcap: %s", pcap_geterr(pcap));
	for (i = 0; i < c->n; i++) {
		const struct cflt_pkt *pk = &c->pkts[i];
		struct pcap_pkthdr h = { .caplen = pk->len, .len = pk->len };
		uint32_t want = pcap_offline_filter(&ref, &h, pk->data);
		uint32_t got = kernel_run(prog_fd, pk);

		accepted += want != 0;
		if (got == want)
			continue;
		if (mismatches++ < MAX_REPORTED_MISMATCHES) {
			fprintf(stderr, "'%s': packet %zu (%u bytes): kernel %u, libpcap %u\n",
				expr, i, pk->len, got, want);
			hexdump(pk);
		}
	}
	printf("  %-64s %4u insns, %4u/%zu accepted, %u mismatches\n", expr, f->prog->len,
	       accepted, c->n, mismatches);
	pcap_freecode(&ref);
	pcap_close(pcap);
	/* A filter the corpus cannot tell apart proves nothing. */
	if (accepted == 0 || accepted == c->n)
		fail_msg("'%s' gives the same verdict on all %zu packets: corpus too narrow",
			 expr, c->n);
	return mismatches;
}

static void test_eth_filters_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	int fd = bpf_program__fd(f->skel->progs.filter_eth);
	unsigned int bad = 0;
	size_t i;

	for (i = 0; i < sizeof(eth_filters) / sizeof(eth_filters[0]); i++)
		bad += compare_filter(f, eth_filters[i], PKT_FILTER_LINKTYPE_ETHERNET, DLT_EN10MB,
				      PKT_FILTER_SLOT_ETH, f->map_fd, fd, &f->eth);
	printf("  %zu Ethernet filters x %zu packets: %u mismatches\n",
	       sizeof(eth_filters) / sizeof(eth_filters[0]), f->eth.n, bad);
	assert_int_equal(bad, 0);
}

static void test_raw_filters_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	int fd = bpf_program__fd(f->skel->progs.filter_raw);
	unsigned int bad = 0;
	size_t i;

	for (i = 0; i < sizeof(raw_filters) / sizeof(raw_filters[0]); i++)
		bad += compare_filter(f, raw_filters[i], PKT_FILTER_LINKTYPE_RAW, DLT_RAW,
				      PKT_FILTER_SLOT_RAW, f->map_fd, fd, &f->raw);
	printf("  %zu raw-IP filters x %zu packets: %u mismatches\n",
	       sizeof(raw_filters) / sizeof(raw_filters[0]), f->raw.n, bad);
	assert_int_equal(bad, 0);
}

/* The bpf_skb_load_bytes() path (non-linear skbs) agrees as well, on both slots. */
static void test_helper_loads_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	int map_fd = bpf_map__fd(f->helper_skel->maps.pkt_filter_progs);
	int eth_fd = bpf_program__fd(f->helper_skel->progs.filter_eth);
	int raw_fd = bpf_program__fd(f->helper_skel->progs.filter_raw);
	unsigned int bad = 0;
	size_t i;

	for (i = 0; i < sizeof(eth_filters) / sizeof(eth_filters[0]); i++)
		bad += compare_filter(f, eth_filters[i], PKT_FILTER_LINKTYPE_ETHERNET, DLT_EN10MB,
				      PKT_FILTER_SLOT_ETH, map_fd, eth_fd, &f->eth);
	for (i = 0; i < sizeof(raw_filters) / sizeof(raw_filters[0]); i++)
		bad += compare_filter(f, raw_filters[i], PKT_FILTER_LINKTYPE_RAW, DLT_RAW,
				      PKT_FILTER_SLOT_RAW, map_fd, raw_fd, &f->raw);
	printf("  helper-load path: %u mismatches\n", bad);
	assert_int_equal(bad, 0);
}

/* The slots are independent: a filter in one does not leak into the other. */
static void test_slots_are_independent(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(pkt_filter_compile("tcp port 80", PKT_FILTER_LINKTYPE_RAW, 0, f->prog,
					    err, sizeof(err)), 0);
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_RAW, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_compile(NULL, PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_ETH, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(kernel_run(bpf_program__fd(f->skel->progs.filter_eth), &f->eth.pkts[0]),
			 ~0U);
}

/* No filter (empty expression) passes every packet, with and without pkt_filter_match. */
static void test_empty_filter_passes_all(void **state)
{
	struct fixture *f = *state;
	int run_fd = bpf_program__fd(f->skel->progs.filter_eth);
	int match_fd = bpf_program__fd(f->skel->progs.filter_match_eth);
	char err[256];
	size_t i;

	assert_int_equal(pkt_filter_compile("  ", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(f->prog->len, 0);
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_ETH, f->prog, err,
					    sizeof(err)), 0);
	for (i = 0; i < f->eth.n; i++) {
		assert_int_equal(kernel_run(run_fd, &f->eth.pkts[i]), ~0U);
		assert_int_equal(kernel_run(match_fd, &f->eth.pkts[i]), 1);
	}
	/* And the bool wrapper says no when the filter says no. */
	assert_int_equal(pkt_filter_compile("ether proto 0x1234", PKT_FILTER_LINKTYPE_ETHERNET, 0,
					    f->prog, err, sizeof(err)), 0);
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_ETH, f->prog, err,
					    sizeof(err)), 0);
	for (i = 0; i < f->eth.n; i++)
		assert_int_equal(kernel_run(match_fd, &f->eth.pkts[i]), 0);
}

/* Installing into something that is not the filter map, or a bad program, is refused. */
static void test_install_errors(void **state)
{
	struct fixture *f = *state;
	int regs_fd = bpf_map__fd(f->skel->maps.pkt_filter_regs_map);
	char err[256] = "";

	assert_int_equal(pkt_filter_compile("udp", PKT_FILTER_LINKTYPE_ETHERNET, 0, f->prog, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_install(regs_fd, PKT_FILTER_SLOT_ETH, f->prog, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a pkt_filter_progs map"));
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_NR_SLOTS, f->prog, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "slot"));
	f->prog->insns[f->prog->len - 1].op = PKT_FILTER_OP_LD_IMM;
	assert_int_equal(pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_ETH, f->prog, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a return"));
}

/* A random but valid classic BPF program that libpcap 1.10's interpreter runs without UB. */
static size_t random_program(struct pkt_filter_cbpf_insn *p, uint32_t *rng)
{
	static const uint32_t mem[] = { 0, 1, 5, 15 };
	static const uint16_t sizes[] = { BPF_B, BPF_H, BPF_W };
	static const uint16_t alu[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND,
					BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH };
	static const uint16_t jmp[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	size_t n = 0, body = 1 + cflt_rand(rng) % 40, total, i;

	/* libpcap 1.10 leaves M[] uninitialised: store before any load can happen. */
	for (i = 0; i < 4; i++) {
		p[n++] = (struct pkt_filter_cbpf_insn){ BPF_LD | BPF_IMM, 0, 0, cflt_rand(rng) };
		p[n++] = (struct pkt_filter_cbpf_insn){ BPF_ST, 0, 0, mem[i] };
	}
	total = n + body + 1;
	for (i = 0; i < body; i++, n++) {
		struct pkt_filter_cbpf_insn *in = &p[n];
		uint32_t r = cflt_rand(rng) % 100, left = total - n - 2;
		uint32_t small = cflt_rand(rng) % 80;

		memset(in, 0, sizeof(*in));
		if (r < 30) {
			in->code = BPF_LD | sizes[cflt_rand(rng) % 3] |
				   (cflt_rand(rng) % 3 ? BPF_ABS : BPF_IND);
			in->k = cflt_rand(rng) % 20 ? small : 0xfffffff0 + cflt_rand(rng) % 16;
		} else if (r < 35) {
			in->code = BPF_LDX | BPF_MSH | BPF_B;
			in->k = cflt_rand(rng) % 20 ? small : 0x7fffffff;
		} else if (r < 43) {
			in->code = (cflt_rand(rng) % 2 ? BPF_LD : BPF_LDX) | BPF_IMM;
			in->k = cflt_rand(rng) % 2 ? small : cflt_rand(rng);
		} else if (r < 46) {
			in->code = (cflt_rand(rng) % 2 ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN;
		} else if (r < 54) {
			static const uint16_t m[] = { BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST,
						      BPF_STX };

			in->code = m[cflt_rand(rng) % 4];
			in->k = mem[cflt_rand(rng) % 4];
		} else if (r < 74) {
			uint16_t op = alu[cflt_rand(rng) % 10];
			bool x = cflt_rand(rng) % 3 == 0;

			in->code = BPF_ALU | op | (x ? BPF_X : BPF_K);
			in->k = cflt_rand(rng) % 2 ? small : cflt_rand(rng);
			if (op == BPF_LSH || op == BPF_RSH)
				in->k %= 32;
			if ((op == BPF_DIV || op == BPF_MOD) && in->k == 0)
				in->k = 3;
		} else if (r < 76) {
			in->code = BPF_ALU | BPF_NEG;
		} else if (r < 80) {
			in->code = BPF_MISC | (cflt_rand(rng) % 2 ? BPF_TAX : BPF_TXA);
		} else if (r < 96) {
			in->code = BPF_JMP | jmp[cflt_rand(rng) % 4] |
				   (cflt_rand(rng) % 3 == 0 ? BPF_X : BPF_K);
			in->k = small;
			in->jt = cflt_rand(rng) % (left + 1);
			in->jf = cflt_rand(rng) % (left + 1);
		} else if (r < 98) {
			in->code = BPF_JMP | BPF_JA;
			in->k = cflt_rand(rng) % (left + 1);
		} else {
			in->code = BPF_RET | (cflt_rand(rng) % 2 ? BPF_A : BPF_K);
			in->k = small;
		}
	}
	p[n++] = (struct pkt_filter_cbpf_insn){ BPF_RET | (cflt_rand(rng) % 2 ? BPF_A : BPF_K),
						0, 0, cflt_rand(rng) % 4 ? 96 : 0 };
	return n;
}

/* Every opcode, with random operands, against libpcap's bpf_filter(). */
static void test_random_programs_agree_with_libpcap(void **state)
{
	struct fixture *f = *state;
	struct pkt_filter_cbpf_insn prog[64];
	int fd = bpf_program__fd(f->skel->progs.filter_eth);
	unsigned int runs = 0, mismatches = 0, accepted = 0;
	uint32_t rng = SEED;
	char err[256];
	size_t i, j;

	for (i = 0; i < RANDOM_PROGRAMS; i++) {
		size_t n = random_program(prog, &rng);

		if (pkt_filter_from_cbpf(prog, n, f->prog, err, sizeof(err)))
			fail_msg("random program %zu: %s", i, err);
		if (pkt_filter_install(f->map_fd, PKT_FILTER_SLOT_ETH, f->prog, err, sizeof(err)))
			fail_msg("%s", err);
		for (j = i % 41; j < f->eth.n; j += 41) {
			const struct cflt_pkt *pk = &f->eth.pkts[j];
			uint32_t want = bpf_filter((const struct pcap_bpf_insn *)prog, pk->data,
						   pk->len, pk->len);
			uint32_t got = kernel_run(fd, pk);

			runs++;
			accepted += want != 0;
			if (got != want && mismatches++ < MAX_REPORTED_MISMATCHES) {
				char line[64];
				size_t k;

				fprintf(stderr, "program %zu, packet %zu: kernel %u, libpcap %u\n",
					i, j, got, want);
				for (k = 0; k < n; k++) {
					snprintf(line, sizeof(line), "%s",
						 bpf_image((const struct pcap_bpf_insn *)&prog[k],
							   k));
					fprintf(stderr, "  %s\n", line);
				}
			}
		}
	}
	printf("  %d random programs, %u runs, %u accepted, %u mismatches\n", RANDOM_PROGRAMS,
	       runs, accepted, mismatches);
	assert_true(accepted > runs / 10 && accepted < runs - runs / 10);
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_filters_agree_with_libpcap),
		cmocka_unit_test(test_raw_filters_agree_with_libpcap),
		cmocka_unit_test(test_helper_loads_agree_with_libpcap),
		cmocka_unit_test(test_slots_are_independent),
		cmocka_unit_test(test_empty_filter_passes_all),
		cmocka_unit_test(test_install_errors),
		cmocka_unit_test(test_random_programs_agree_with_libpcap),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_pkt_filter_kernel: needs root to load BPF programs\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
