// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: arbitrary classic BPF through pkt_filter_from_cbpf. What
 * it accepts must satisfy what the kernel interpreter relies on (in-range
 * jumps and scratch words, a final return, the step budget); what it rejects
 * must leave an empty program and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_filter.h"

static void check_accepted(const struct pkt_filter_prog *p)
{
	uint32_t i, last;

	if (p->len == 0 || p->len > PKT_FILTER_MAX_INSNS || p->max_steps < p->len)
		abort();
	last = p->insns[p->len - 1].op;
	if (last != PKT_FILTER_OP_RET_K && last != PKT_FILTER_OP_RET_A)
		abort();
	for (i = 0; i < p->len; i++) {
		const struct pkt_filter_insn *in = &p->insns[i];
		uint32_t op = in->op & PKT_FILTER_OP_MASK;

		if (op == 0 || op >= PKT_FILTER_OP_NR)
			abort();
		if (op >= PKT_FILTER_OP_JGT && op <= PKT_FILTER_OP_JSET &&
		    (i + 1 + in->jt >= p->len || i + 1 + in->jf >= p->len))
			abort();
		if (op == PKT_FILTER_OP_JA &&
		    ((int64_t)i + 1 + (int32_t)in->k < 0 ||
		     (int64_t)i + 1 + (int32_t)in->k >= p->len))
			abort();
		if (op >= PKT_FILTER_OP_LD_MEM && op <= PKT_FILTER_OP_STX &&
		    in->k >= PKT_FILTER_MEMWORDS)
			abort();
	}
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
	if (pkt_filter_from_cbpf(insns, n, &prog, err, sizeof(err)) == 0) {
		check_accepted(&prog);
		if (pkt_filter_validate(&prog, err, sizeof(err)))
			abort();
	} else if (prog.len != 0 || err[0] == '\0') {
		abort();
	}
	free(insns);
	return 0;
}
