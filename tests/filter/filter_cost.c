// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-packet cost of the generated tc filter programs, measured with
 * BPF_PROG_TEST_RUN repeat: the capture program's stand-in alone, the
 * program generated for no filter (count, tail call) as the baseline, and
 * typical filters on packets they accept and reject.
 * Usage: filter_cost [REPEAT]. Exits 1 if a verdict is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pkt_filter.h"
#include "corpus.h"
#include "filter_test.skel.h"

/* What `accepted` in filter_test.bpf.c returns for slot 0, and TCX_NEXT. */
#define RET_ACCEPTED 100u
#define RET_NEXT 0xffffffffu

struct pkt {
	const char *name;
	struct cflt_pkt p;
};

/* Ethernet + IPv4 + TCP or UDP, addresses 10.99.7.x / 10.99.1.x, 64 bytes. */
static void build(struct cflt_pkt *p, int tcp, uint16_t sport, uint16_t dport, uint8_t net)
{
	uint8_t *b = p->data;

	memset(p, 0, sizeof(*p));
	p->len = 14 + 20 + (tcp ? 20 : 8) + 10;
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	b[14] = 0x45;
	b[16] = (p->len - 14) >> 8;
	b[17] = (p->len - 14) & 0xff;
	b[22] = 64;
	b[23] = tcp ? 6 : 17;
	memcpy(b + 26, (uint8_t[]){ 10, 99, net, 4 }, 4);
	memcpy(b + 30, (uint8_t[]){ 10, 99, net, 3 }, 4);
	b[34] = sport >> 8;
	b[35] = sport & 0xff;
	b[36] = dport >> 8;
	b[37] = dport & 0xff;
	if (tcp) {
		b[46] = 5 << 4;
		b[47] = 0x02;	/* SYN */
	}
}

static int run(int fd, const struct cflt_pkt *p, unsigned int repeat, uint32_t *retval,
	       uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data, .data_size_in = p->len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &o);

	if (err) {
		fprintf(stderr, "filter_cost: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return -1;
	}
	*retval = o.retval;
	*ns = o.duration;
	return 0;
}

/* Compile @expr, load its program on slot 0; sets *@ebpf to its length. Fd or -1. */
static int load(const char *expr, struct pkt_filter_prog *prog,
		const struct pkt_filter_gen_cfg *cfg, int *ebpf)
{
	struct bpf_insn *insns;
	char err[512];
	int fd;

	if (pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, 0, prog, err, sizeof(err))) {
		fprintf(stderr, "filter_cost: %s\n", err);
		return -1;
	}
	insns = calloc(pkt_filter_gen_max(prog), sizeof(*insns));
	if (!insns)
		return -1;
	*ebpf = pkt_filter_gen(prog, cfg, insns, err, sizeof(err));
	free(insns);
	fd = pkt_filter_load(prog, cfg, expr ? expr : "no filter", err, sizeof(err));
	if (fd < 0)
		fprintf(stderr, "filter_cost: %s\n", err);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *expr;
		int pkt;		/* index into pkts */
		int accept;
	} cases[] = {
		{ "host 10.99.7.3 and tcp port 80", 0, 1 },
		{ "host 10.99.7.3 and tcp port 80", 1, 0 },
		{ "udp port 53", 0, 0 },
		{ "tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8 or portrange 70-90", 0, 1 },
		{ "tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8 or portrange 70-90", 1, 0 },
		{ "ip6 protochain 6", 0, 0 },
	};
	struct pkt pkts[2] = { { .name = "TCP SYN 10.99.7.4 > 10.99.7.3:80" },
			       { .name = "UDP 10.99.1.4 > 10.99.1.3:53" } };
	unsigned int repeat = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	struct pkt_filter_prog *prog = calloc(1, sizeof(*prog));
	struct pkt_filter_gen_cfg cfg = { .slot = 0, .tail_index = 0 };
	struct filter_test *skel;
	uint32_t ret, ns, base, floor;
	int fd, accepted_fd, ebpf, bad = 1;
	__u32 zero = 0;
	size_t i;

	if (!prog || !repeat)
		return 1;
	build(&pkts[0].p, 1, 40000, 80, 7);
	build(&pkts[1].p, 0, 5353, 53, 1);
	skel = filter_test__open_and_load();
	if (!skel) {
		fprintf(stderr, "filter_cost: loading filter_test.bpf.o: %s\n", strerror(errno));
		free(prog);
		return 1;
	}
	cfg.counters_fd = bpf_map__fd(skel->maps.counters);
	cfg.tail_fd = bpf_map__fd(skel->maps.tail);
	accepted_fd = bpf_program__fd(skel->progs.accepted);
	if (bpf_map_update_elem(cfg.tail_fd, &zero, &accepted_fd, BPF_ANY)) {
		fprintf(stderr, "filter_cost: tail[0] = accepted: %s\n", strerror(errno));
		goto out;
	}
	if (run(accepted_fd, &pkts[0].p, repeat, &ret, &floor))
		goto out;
	fd = load(NULL, prog, &cfg, &ebpf);
	if (fd < 0)
		goto out;
	if (run(fd, &pkts[0].p, repeat, &ret, &base) || ret != RET_ACCEPTED) {
		fprintf(stderr, "filter_cost: no filter: verdict %u, expected %u\n", ret,
			RET_ACCEPTED);
		close(fd);
		goto out;
	}
	close(fd);
	bad = 0;
	printf("%-100s %4s %4s %6s %8s\n", "verdict packet: filter", "cBPF", "eBPF", "ns/pkt",
	       "vs base");
	printf("%-100s %4s %4s %6u %8s\n", "capture program stand-in alone (test_run floor)", "-",
	       "-", floor, "-");
	printf("%-100s %4u %4d %6u %8s\n",
	       "accept TCP SYN: no filter, count + tail call (baseline)", 0, ebpf, base, "-");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t want = cases[i].accept ? RET_ACCEPTED : RET_NEXT;
		char label[160];

		fd = load(cases[i].expr, prog, &cfg, &ebpf);
		if (fd < 0) {
			bad = 1;
			continue;
		}
		if (run(fd, &pkts[cases[i].pkt].p, repeat, &ret, &ns)) {
			close(fd);
			bad = 1;
			continue;
		}
		close(fd);
		snprintf(label, sizeof(label), "%s %s: '%s'", cases[i].accept ? "accept" : "reject",
			 pkts[cases[i].pkt].name, cases[i].expr);
		printf("%-100.100s %4u %4d %6u %+7dns\n", label, prog->len, ebpf, ns,
		       (int)ns - (int)base);
		if (ret != want) {
			fprintf(stderr, "filter_cost: %s: returned %u, expected %u\n", label, ret,
				want);
			bad = 1;
		}
	}
out:
	filter_test__destroy(skel);
	free(prog);
	return bad;
}
