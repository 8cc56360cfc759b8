// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading and running the client's cBPF program (see rpcap_filter.h). */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctrcap/pktap.h"
#include "rpcap_filter.h"

#define MARKER_INSNS 2u

/*
 * Exactly the opcodes libpcap's bpf_filter() interprets. bpf_validate()
 * checks only the class and sub-fields, so an opcode with stray bits
 * (e.g. 0x0806) passes it and then makes bpf_filter() abort().
 */
static bool opcode_known(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS: case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_IMM: case BPF_LDX | BPF_W | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_ST: case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_ALU | BPF_NEG:
		return true;
	}
	if (BPF_CLASS(code) == BPF_JMP && (code & ~(0xf0 | BPF_X)) == BPF_JMP) {
		switch (BPF_OP(code)) {
		case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
			return true;
		}
		return false;
	}
	if (BPF_CLASS(code) == BPF_ALU && (code & ~(0xf0 | BPF_X)) == BPF_ALU) {
		switch (BPF_OP(code)) {
		case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_DIV: case BPF_OR:
		case BPF_AND: case BPF_LSH: case BPF_RSH: case BPF_MOD: case BPF_XOR:
			return true;
		}
	}
	return false;
}

int rpcap_bpf_load(const struct rpcap_filter_msg *m, struct rpcap_bpf *out, char *err,
		   size_t errlen)
{
	struct rpcap_insn in0, in1;
	struct bpf_insn *prog;
	unsigned skip = 0, n;
	bool inner = false;
	uint32_t dlt = 0;

	if (m->nitems >= MARKER_INSNS + 1) {
		rpcap_filter_insn(m, 0, &in0);
		rpcap_filter_insn(m, 1, &in1);
		if (in0.code == (BPF_LD | BPF_W | BPF_IMM) && in0.jt == 0 && in0.jf == 0 &&
		    in0.k == CTRCAP_PKTAP_INNER_FILTER_MAGIC &&
		    in1.code == (BPF_LD | BPF_W | BPF_IMM)) {
			inner = true;
			dlt = in1.k;
			skip = MARKER_INSNS;
		}
	}
	n = m->nitems - skip;
	prog = calloc(n, sizeof(*prog));
	if (!prog) {
		snprintf(err, errlen, "no memory for a %u-instruction filter", n);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rpcap_insn ri;

		rpcap_filter_insn(m, i + skip, &ri);
		prog[i].code = ri.code;
		prog[i].jt = ri.jt;
		prog[i].jf = ri.jf;
		prog[i].k = ri.k;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!opcode_known(prog[i].code)) {
			snprintf(err, errlen, "filter instruction %u has unknown opcode 0x%04x",
				 i + skip, prog[i].code);
			free(prog);
			return -1;
		}
	}
	/* Jumps stay in bounds, no division by a constant 0, ends in ret. */
	if (!bpf_validate(prog, (int)n)) {
		snprintf(err, errlen, "filter of %u instructions%s is not a valid BPF program", n,
			 inner ? " (inner-frame)" : "");
		free(prog);
		return -1;
	}
	rpcap_bpf_free(out);
	out->insns = prog;
	out->len = n;
	out->inner = inner;
	out->inner_dlt = dlt;
	return 0;
}

/* Run the program on one buffer: 0 rejects, otherwise the bytes to keep. */
static u_int run_insns(const struct rpcap_bpf *f, const uint8_t *pkt, uint32_t wirelen,
		       uint32_t caplen)
{
	struct bpf_program prog = { .bf_len = f->len, .bf_insns = f->insns };
	struct pcap_pkthdr h = { .caplen = caplen, .len = wirelen };

	/* bpf_filter() is deprecated from libpcap 1.11 on; this is its wrapper. */
	return (u_int)pcap_offline_filter(&prog, &h, pkt);
}

uint32_t rpcap_bpf_run(const struct rpcap_bpf *f, const uint8_t *frame, uint32_t caplen,
		       uint32_t wirelen, uint32_t hdrlen, uint32_t dlt)
{
	u_int r;

	if (f->len == 0)
		return caplen;
	if (!f->inner) {
		r = run_insns(f, frame, wirelen, caplen);
		return r < caplen ? r : caplen;
	}
	if (dlt != f->inner_dlt || hdrlen > caplen || hdrlen > wirelen)
		return 0;
	r = run_insns(f, frame + hdrlen, wirelen - hdrlen, caplen - hdrlen);
	if (r == 0)
		return 0;
	/* The snap length counts inner bytes; the header always goes along. */
	return r < caplen - hdrlen ? hdrlen + r : caplen;
}

void rpcap_bpf_free(struct rpcap_bpf *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
	f->inner = false;
	f->inner_dlt = 0;
}
