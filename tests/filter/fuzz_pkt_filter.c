// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: arbitrary classic BPF through pkt_filter_from_cbpf. What
 * it accepts must translate (pkt_filter_gen) into a program of the shape the
 * kernel takes and the tc chain relies on (gen_check.h), within the room
 * pkt_filter_gen_max() promises; what it rejects must leave an empty program
 * and a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "pkt_filter.h"
#include "gen_check.h"

/* Any fds will do: pkt_filter_gen() only writes them into the program. */
static const struct pkt_filter_gen_cfg cfg = {
	.counters_fd = 7, .slot = 5, .tail_fd = 8, .tail_index = 1,
};

static void check_accepted(const struct pkt_filter_prog *p)
{
	size_t max = pkt_filter_gen_max(p);
	/* Exactly the promised room, so ASan catches a translation that overruns it. */
	struct bpf_insn *out = malloc(max * sizeof(*out));
	char err[256] = "", why[256] = "";
	int n;

	if (p->len == 0 || p->len > PKT_FILTER_MAX_INSNS ||
	    BPF_CLASS(p->insns[p->len - 1].code) != BPF_RET || !out)
		abort();
	n = pkt_filter_gen(p, &cfg, out, err, sizeof(err));
	if (n < 0) {
		/* Only an over-long jump may stop the translation of a valid program. */
		if (!strstr(err, "more than eBPF jumps reach")) {
			fprintf(stderr, "pkt_filter_gen: %s\n", err);
			abort();
		}
	} else if ((size_t)n > max || cflt_check_gen(p, &cfg, out, n, why, sizeof(why))) {
		fprintf(stderr, "%u cBPF -> %d eBPF (max %zu): %s\n", p->len, n, max, why);
		abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pkt_filter_prog prog;
	struct pkt_filter_cbpf_insn *insns;
	size_t n = size / sizeof(*insns);
	char err[128] = "";

	insns = malloc(n ? n * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	memcpy(insns, data, n * sizeof(*insns));
	prog.len = 1;
	if (pkt_filter_from_cbpf(insns, n, &prog, err, sizeof(err)) == 0) {
		if (prog.len != n || memcmp(prog.insns, insns, n * sizeof(*insns)) ||
		    pkt_filter_validate(&prog, err, sizeof(err)))
			abort();
		check_accepted(&prog);
	} else if (prog.len != 0 || err[0] == '\0') {
		abort();
	}
	free(insns);
	return 0;
}
