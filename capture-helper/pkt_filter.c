// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcap filter expression -> libpcap classic BPF, checked for what the eBPF
 * translation (pkt_filter_ebpf.c) relies on.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
/* libpcap's struct bpf_insn is the classic one; <linux/bpf.h> took the name. */
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn

#include "ctrcap/errbuf.h"
#include "pkt_filter.h"

#define SAME_FIELD(f) \
	(offsetof(struct pcap_bpf_insn, f) == offsetof(struct pkt_filter_cbpf_insn, f))
_Static_assert(sizeof(struct pcap_bpf_insn) == sizeof(struct pkt_filter_cbpf_insn) &&
	       SAME_FIELD(code) && SAME_FIELD(jt) && SAME_FIELD(jf) && SAME_FIELD(k),
	       "libpcap's bpf_insn layout differs from pkt_filter_cbpf_insn");

#define PKT_FILTER_DEFAULT_SNAPLEN 262144

/* Is @code one of the instructions libpcap's own interpreter runs? */
static bool known_op(__u16 code)
{
	switch (code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_ALU | BPF_NEG:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
		return true;
	}
	if (BPF_CLASS(code) == BPF_JMP && (code & ~(BPF_SRC(code) | BPF_OP(code) | 7)) == 0) {
		switch (BPF_OP(code)) {
		case BPF_JEQ:
		case BPF_JGT:
		case BPF_JGE:
		case BPF_JSET:
			return true;
		}
	}
	if (BPF_CLASS(code) == BPF_ALU && (code & ~(BPF_SRC(code) | BPF_OP(code) | 7)) == 0) {
		switch (BPF_OP(code)) {
		case BPF_ADD:
		case BPF_SUB:
		case BPF_MUL:
		case BPF_DIV:
		case BPF_MOD:
		case BPF_AND:
		case BPF_OR:
		case BPF_XOR:
		case BPF_LSH:
		case BPF_RSH:
			return true;
		}
	}
	return false;
}

int pkt_filter_validate(const struct pkt_filter_prog *p, char *err, size_t errlen)
{
	__u32 i;

	if (p->len == 0)
		return 0;
	if (p->len > PKT_FILTER_MAX_INSNS) {
		ctrcap_errf(err, errlen, "%u instructions, the in-kernel filter runs at most %u",
			p->len, PKT_FILTER_MAX_INSNS);
		return -1;
	}
	for (i = 0; i < p->len; i++) {
		const struct pkt_filter_cbpf_insn *in = &p->insns[i];
		__u16 code = in->code;
		__s64 target;

		if (!known_op(code)) {
			ctrcap_errf(err, errlen, "instruction %u: unsupported opcode 0x%04x", i,
				code);
			return -1;
		}
		switch (BPF_CLASS(code)) {
		case BPF_LD:
		case BPF_LDX:
		case BPF_ST:
		case BPF_STX:
			if ((BPF_MODE(code) == BPF_MEM || code == BPF_ST || code == BPF_STX) &&
			    in->k >= PKT_FILTER_MEMWORDS) {
				ctrcap_errf(err, errlen, "instruction %u: scratch word %u out of range",
					i, in->k);
				return -1;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(code) == BPF_JA) {
				target = (__s64)i + 1 + (__s32)in->k;
				if (target < 0 || target >= p->len || target == i) {
					ctrcap_errf(err, errlen,
						"instruction %u: jump to %lld outside the program",
						i, (long long)target);
					return -1;
				}
			} else if ((__u64)i + 1 + in->jt >= p->len ||
				   (__u64)i + 1 + in->jf >= p->len) {
				ctrcap_errf(err, errlen, "instruction %u: jump outside the program", i);
				return -1;
			}
			break;
		case BPF_ALU:
			if (BPF_SRC(code) != BPF_K || BPF_OP(code) == BPF_NEG)
				break;
			if ((BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) && in->k == 0) {
				ctrcap_errf(err, errlen, "instruction %u: division by constant 0", i);
				return -1;
			}
			if ((BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH) && in->k >= 32) {
				ctrcap_errf(err, errlen, "instruction %u: shift by %u", i, in->k);
				return -1;
			}
			break;
		}
	}
	/* Every path must end in a return, not by running off the end. */
	if (BPF_CLASS(p->insns[p->len - 1].code) != BPF_RET) {
		ctrcap_errf(err, errlen, "the last instruction is not a return");
		return -1;
	}
	return 0;
}

int pkt_filter_from_cbpf(const struct pkt_filter_cbpf_insn *insns, size_t n,
			 struct pkt_filter_prog *out, char *err, size_t errlen)
{
	out->len = 0;
	if (n == 0) {
		ctrcap_errf(err, errlen, "empty classic BPF program");
		return -1;
	}
	if (n > PKT_FILTER_MAX_INSNS) {
		ctrcap_errf(err, errlen,
			"compiles to %zu instructions, the in-kernel filter runs at most %u",
			n, PKT_FILTER_MAX_INSNS);
		return -1;
	}
	memcpy(out->insns, insns, n * sizeof(*insns));
	out->len = n;
	if (pkt_filter_validate(out, err, errlen)) {
		out->len = 0;
		return -1;
	}
	return 0;
}

/* libpcap's pcap_open_dead wants a DLT_ value; most equal their LINKTYPE_. */
static int linktype_to_dlt(int linktype)
{
	if (linktype == PKT_FILTER_LINKTYPE_RAW)
		return DLT_RAW;
	if ((linktype >= 0 && linktype <= 10) || linktype >= 104)
		return linktype;
	return -1;
}

/* Long expressions are quoted by their start, so the message still fits. */
#define EXPR_QUOTE_MAX 64
#define EXPR_FMT "filter '%.*s%s'"
#define EXPR_ARGS(e) (int)EXPR_QUOTE_MAX, (e), strlen(e) > EXPR_QUOTE_MAX ? "..." : ""

static bool blank(const char *s)
{
	for (; *s; s++) {
		if (!isspace((unsigned char)*s))
			return false;
	}
	return true;
}

int pkt_filter_compile(const char *expr, int linktype, uint32_t snaplen,
		       struct pkt_filter_prog *out, char *err, size_t errlen)
{
	struct bpf_program bp = {};
	char msg[256];
	pcap_t *pcap;
	int dlt, ret = -1;

	out->len = 0;
	if (!expr || blank(expr))
		return 0;
	dlt = linktype_to_dlt(linktype);
	if (dlt < 0) {
		ctrcap_errf(err, errlen, EXPR_FMT ": unsupported link type %d", EXPR_ARGS(expr),
			linktype);
		return -1;
	}
	pcap = pcap_open_dead(dlt, snaplen ? (int)snaplen : PKT_FILTER_DEFAULT_SNAPLEN);
	if (!pcap) {
		ctrcap_errf(err, errlen, EXPR_FMT ": libpcap cannot open link type %d", EXPR_ARGS(expr),
			linktype);
		return -1;
	}
	if (pcap_compile(pcap, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		ctrcap_errf(err, errlen, EXPR_FMT ": %s", EXPR_ARGS(expr), pcap_geterr(pcap));
		goto out;
	}
	if (pkt_filter_from_cbpf((const struct pkt_filter_cbpf_insn *)bp.bf_insns, bp.bf_len, out,
				 msg, sizeof(msg))) {
		ctrcap_errf(err, errlen, EXPR_FMT ": %s", EXPR_ARGS(expr), msg);
		goto out;
	}
	ret = 0;
out:
	pcap_freecode(&bp);
	pcap_close(pcap);
	return ret;
}
