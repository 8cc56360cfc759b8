// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-packet cost of the in-kernel pcap filter, measured with
 * BPF_PROG_TEST_RUN repeat: a tc program without the filter, one with an
 * empty slot, and typical filters on packets they accept and reject.
 * Usage: filter_cost [REPEAT]. Exits 1 if a verdict is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pkt_filter.h"
#include "corpus.h"
#include "filter_test.skel.h"

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

int main(int argc, char **argv)
{
	static const struct {
		const char *expr;
		int pkt;		/* index into pkts */
		int accept;
	} cases[] = {
		{ NULL, 0, 1 },
		{ "host 10.99.7.3 and tcp port 80", 0, 1 },
		{ "host 10.99.7.3 and tcp port 80", 1, 0 },
		{ "udp port 53", 0, 0 },
		{ "tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8 or portrange 70-90", 0, 1 },
		{ "tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8 or portrange 70-90", 1, 0 },
		{ "ip6 protochain 6", 0, 0 },
	};
	struct pkt pkts[2] = { { .name = "TCP 10.99.7.4:40000 > 10.99.7.3:80 SYN" },
			       { .name = "UDP 10.99.1.4:5353 > 10.99.1.3:53" } };
	unsigned int repeat = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	struct pkt_filter_prog *prog = calloc(1, sizeof(*prog));
	struct filter_test *skel;
	uint32_t ret, ns, base;
	int fd, map_fd, bad = 0;
	char err[256];
	size_t i;

	if (!prog || !repeat)
		return 1;
	build(&pkts[0].p, 1, 40000, 80, 7);
	build(&pkts[1].p, 0, 5353, 53, 1);
	skel = filter_test__open_and_load();
	if (!skel) {
		fprintf(stderr, "filter_cost: loading filter_test.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	fd = bpf_program__fd(skel->progs.filter_match_eth);
	map_fd = bpf_map__fd(skel->maps.pkt_filter_progs);
	if (run(bpf_program__fd(skel->progs.filter_none), &pkts[0].p, repeat, &ret, &base))
		goto fail;
	printf("%-72s %4s %6s %8s\n", "tc program / filter / packet", "insn", "ns/pkt",
	       "filter");
	printf("%-72s %4s %6u %8s\n", "no pkt_filter_match() at all (test_run baseline)", "-",
	       base, "-");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[160];

		if (pkt_filter_compile(cases[i].expr, PKT_FILTER_LINKTYPE_ETHERNET, 0, prog, err,
				       sizeof(err)) ||
		    pkt_filter_install(map_fd, PKT_FILTER_SLOT_ETH, prog, err, sizeof(err))) {
			fprintf(stderr, "filter_cost: %s\n", err);
			goto fail;
		}
		if (run(fd, &pkts[cases[i].pkt].p, repeat, &ret, &ns))
			goto fail;
		snprintf(label, sizeof(label), "'%s' on %s", cases[i].expr ? cases[i].expr :
			 "(no filter)", pkts[cases[i].pkt].name);
		printf("%-72.72s %4u %6u %+7dns\n", label, prog->len, ns, (int)ns - (int)base);
		if ((int)ret != cases[i].accept) {
			fprintf(stderr, "filter_cost: %s: verdict %u, expected %d\n", label, ret,
				cases[i].accept);
			bad = 1;
		}
	}
	filter_test__destroy(skel);
	free(prog);
	return bad;
fail:
	filter_test__destroy(skel);
	free(prog);
	return 1;
}
