// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcap filter expression -> libpcap classic BPF -> the instruction layout of
 * the in-kernel interpreter (bpf/pkt_filter.bpf.h) -> its map slot.
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

/* Map a classic-BPF ALU operation to the interpreter's, 0 if unknown. */
static __u8 alu_op(__u16 code)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: return PKT_FILTER_OP_ADD;
	case BPF_SUB: return PKT_FILTER_OP_SUB;
	case BPF_MUL: return PKT_FILTER_OP_MUL;
	case BPF_DIV: return PKT_FILTER_OP_DIV;
	case BPF_MOD: return PKT_FILTER_OP_MOD;
	case BPF_AND: return PKT_FILTER_OP_AND;
	case BPF_OR: return PKT_FILTER_OP_OR;
	case BPF_XOR: return PKT_FILTER_OP_XOR;
	case BPF_LSH: return PKT_FILTER_OP_LSH;
	case BPF_RSH: return PKT_FILTER_OP_RSH;
	case BPF_NEG: return PKT_FILTER_OP_NEG;
	}
	return 0;
}

/* Map a classic-BPF conditional jump to the interpreter's, 0 if unknown. */
static __u8 jmp_op(__u16 code)
{
	switch (BPF_OP(code)) {
	case BPF_JEQ: return PKT_FILTER_OP_JEQ;
	case BPF_JGT: return PKT_FILTER_OP_JGT;
	case BPF_JGE: return PKT_FILTER_OP_JGE;
	case BPF_JSET: return PKT_FILTER_OP_JSET;
	}
	return 0;
}

/* Translate one instruction (the opcodes libpcap's own interpreter runs); 0 if unknown. */
static __u8 translate_op(__u16 code, __u8 *size)
{
	*size = 0;
	switch (code) {
	case BPF_RET | BPF_K: return PKT_FILTER_OP_RET_K;
	case BPF_RET | BPF_A: return PKT_FILTER_OP_RET_A;
	case BPF_LD | BPF_W | BPF_ABS: *size = 3; return PKT_FILTER_OP_LD_PKT;
	case BPF_LD | BPF_H | BPF_ABS: *size = 1; return PKT_FILTER_OP_LD_PKT;
	case BPF_LD | BPF_B | BPF_ABS: return PKT_FILTER_OP_LD_PKT;
	case BPF_LD | BPF_W | BPF_IND: *size = 3; return PKT_FILTER_OP_LD_PKT | PKT_FILTER_SRC_X;
	case BPF_LD | BPF_H | BPF_IND: *size = 1; return PKT_FILTER_OP_LD_PKT | PKT_FILTER_SRC_X;
	case BPF_LD | BPF_B | BPF_IND: return PKT_FILTER_OP_LD_PKT | PKT_FILTER_SRC_X;
	case BPF_LDX | BPF_MSH | BPF_B: return PKT_FILTER_OP_LDX_MSH;
	case BPF_LD | BPF_W | BPF_LEN: return PKT_FILTER_OP_LD_LEN;
	case BPF_LDX | BPF_W | BPF_LEN: return PKT_FILTER_OP_LDX_LEN;
	case BPF_LD | BPF_IMM: return PKT_FILTER_OP_LD_IMM;
	case BPF_LDX | BPF_IMM: return PKT_FILTER_OP_LDX_IMM;
	case BPF_LD | BPF_MEM: return PKT_FILTER_OP_LD_MEM;
	case BPF_LDX | BPF_MEM: return PKT_FILTER_OP_LDX_MEM;
	case BPF_ST: return PKT_FILTER_OP_ST;
	case BPF_STX: return PKT_FILTER_OP_STX;
	case BPF_JMP | BPF_JA: return PKT_FILTER_OP_JA;
	case BPF_ALU | BPF_NEG: return PKT_FILTER_OP_NEG;
	case BPF_MISC | BPF_TAX: return PKT_FILTER_OP_TAX;
	case BPF_MISC | BPF_TXA: return PKT_FILTER_OP_TXA;
	}
	if (BPF_CLASS(code) == BPF_JMP && (code & ~(BPF_SRC(code) | BPF_OP(code) | 7)) == 0 &&
	    jmp_op(code))
		return jmp_op(code) | (BPF_SRC(code) == BPF_X ? PKT_FILTER_SRC_X : 0);
	if (BPF_CLASS(code) == BPF_ALU && BPF_OP(code) != BPF_NEG &&
	    (code & ~(BPF_SRC(code) | BPF_OP(code) | 7)) == 0 && alu_op(code))
		return alu_op(code) | (BPF_SRC(code) == BPF_X ? PKT_FILTER_SRC_X : 0);
	return 0;
}

int pkt_filter_validate(const struct pkt_filter_prog *p, char *err, size_t errlen)
{
	__u64 max_steps;
	bool backward = false;
	__u32 i;

	if (p->len == 0)
		return 0;
	if (p->len > PKT_FILTER_MAX_INSNS) {
		ctrcap_errf(err, errlen, "%u instructions, the in-kernel filter runs at most %u",
			p->len, PKT_FILTER_MAX_INSNS);
		return -1;
	}
	for (i = 0; i < p->len; i++) {
		const struct pkt_filter_insn *in = &p->insns[i];
		__u32 op = in->op & PKT_FILTER_OP_MASK;
		bool src_x = in->op & PKT_FILTER_SRC_X;
		__s64 target;

		switch (op) {
		case PKT_FILTER_OP_LD_PKT:
			if (in->jt != 0 && in->jt != 1 && in->jt != 3)
				goto bad;
			break;
		case PKT_FILTER_OP_LD_MEM:
		case PKT_FILTER_OP_LDX_MEM:
		case PKT_FILTER_OP_ST:
		case PKT_FILTER_OP_STX:
			if (src_x)
				goto bad;
			if (in->k >= PKT_FILTER_MEMWORDS) {
				ctrcap_errf(err, errlen, "instruction %u: scratch word %u out of range",
					i, in->k);
				return -1;
			}
			break;
		case PKT_FILTER_OP_JA:
			if (src_x)
				goto bad;
			target = (__s64)i + 1 + (__s32)in->k;
			if (target < 0 || target >= p->len || target == i) {
				ctrcap_errf(err, errlen,
					"instruction %u: jump to %lld outside the program", i,
					(long long)target);
				return -1;
			}
			if (target < i)
				backward = true;
			break;
		case PKT_FILTER_OP_JEQ:
		case PKT_FILTER_OP_JGT:
		case PKT_FILTER_OP_JGE:
		case PKT_FILTER_OP_JSET:
			if ((__u64)i + 1 + in->jt >= p->len || (__u64)i + 1 + in->jf >= p->len) {
				ctrcap_errf(err, errlen, "instruction %u: jump outside the program", i);
				return -1;
			}
			break;
		case PKT_FILTER_OP_DIV:
		case PKT_FILTER_OP_MOD:
			if (!src_x && in->k == 0) {
				ctrcap_errf(err, errlen, "instruction %u: division by constant 0", i);
				return -1;
			}
			break;
		case PKT_FILTER_OP_LSH:
		case PKT_FILTER_OP_RSH:
			if (!src_x && in->k >= 32) {
				ctrcap_errf(err, errlen, "instruction %u: shift by %u", i, in->k);
				return -1;
			}
			break;
		case PKT_FILTER_OP_ADD:
		case PKT_FILTER_OP_SUB:
		case PKT_FILTER_OP_MUL:
		case PKT_FILTER_OP_AND:
		case PKT_FILTER_OP_OR:
		case PKT_FILTER_OP_XOR:
			break;
		case PKT_FILTER_OP_RET_K:
		case PKT_FILTER_OP_RET_A:
		case PKT_FILTER_OP_LDX_MSH:
		case PKT_FILTER_OP_LD_LEN:
		case PKT_FILTER_OP_LDX_LEN:
		case PKT_FILTER_OP_LD_IMM:
		case PKT_FILTER_OP_LDX_IMM:
		case PKT_FILTER_OP_NEG:
		case PKT_FILTER_OP_TAX:
		case PKT_FILTER_OP_TXA:
			if (src_x)
				goto bad;
			break;
		default:
			goto bad;
		}
		continue;
bad:
		ctrcap_errf(err, errlen, "instruction %u: invalid opcode 0x%02x", i, in->op);
		return -1;
	}
	/* Every path must end in a return, not by running off the end. */
	i = p->insns[p->len - 1].op;
	if (i != PKT_FILTER_OP_RET_K && i != PKT_FILTER_OP_RET_A) {
		ctrcap_errf(err, errlen, "the last instruction is not a return");
		return -1;
	}
	max_steps = backward ? (__u64)p->len * (PKT_FILTER_MAX_BACKJUMPS + 1) : p->len;
	if (p->max_steps != max_steps) {
		ctrcap_errf(err, errlen, "step budget %u, expected %llu", p->max_steps,
			(unsigned long long)max_steps);
		return -1;
	}
	return 0;
}

int pkt_filter_from_cbpf(const struct pkt_filter_cbpf_insn *insns, size_t n,
			 struct pkt_filter_prog *out, char *err, size_t errlen)
{
	bool backward = false;
	size_t i;

	memset(out, 0, sizeof(*out));
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
	for (i = 0; i < n; i++) {
		struct pkt_filter_insn *in = &out->insns[i];
		__u8 size;

		in->op = translate_op(insns[i].code, &size);
		if (!in->op) {
			ctrcap_errf(err, errlen, "instruction %zu: unsupported opcode 0x%04x", i,
				insns[i].code);
			memset(out, 0, sizeof(*out));
			return -1;
		}
		in->k = insns[i].k;
		if ((in->op & PKT_FILTER_OP_MASK) == PKT_FILTER_OP_LD_PKT) {
			in->jt = size;
		} else {
			in->jt = insns[i].jt;
			in->jf = insns[i].jf;
		}
		if (in->op == PKT_FILTER_OP_JA && (__s32)in->k < 0)
			backward = true;
	}
	out->len = n;
	out->max_steps = backward ? n * (PKT_FILTER_MAX_BACKJUMPS + 1) : n;
	if (pkt_filter_validate(out, err, errlen)) {
		memset(out, 0, sizeof(*out));
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

	memset(out, 0, sizeof(*out));
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

int pkt_filter_install(int map_fd, uint32_t slot, const struct pkt_filter_prog *p, char *err,
		       size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char msg[256];
	int err_no;

	if (slot >= PKT_FILTER_NR_SLOTS) {
		ctrcap_errf(err, errlen, "filter slot %u does not exist (%u slots)", slot,
			PKT_FILTER_NR_SLOTS);
		return -1;
	}
	if (pkt_filter_validate(p, msg, sizeof(msg))) {
		ctrcap_errf(err, errlen, "filter for slot %u: %s", slot, msg);
		return -1;
	}
	err_no = bpf_obj_get_info_by_fd(map_fd, &info, &info_len);
	if (err_no) {
		ctrcap_errf(err, errlen, "filter map (fd %d): %s", map_fd, strerror(-err_no));
		return -1;
	}
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(*p) || info.max_entries < PKT_FILTER_NR_SLOTS) {
		ctrcap_errf(err, errlen,
			"filter map '%s' is not a pkt_filter_progs map (type %u, value size %u, "
			"expected %zu)", info.name, info.type, info.value_size, sizeof(*p));
		return -1;
	}
	err_no = bpf_map_update_elem(map_fd, &slot, p, BPF_ANY);
	if (err_no) {
		ctrcap_errf(err, errlen, "installing the filter in slot %u of map '%s': %s", slot,
			info.name, strerror(-err_no));
		return -1;
	}
	return 0;
}

int pkt_filter_slot_linktype(uint32_t slot)
{
	switch (slot) {
	case PKT_FILTER_SLOT_ETH:
		return PKT_FILTER_LINKTYPE_ETHERNET;
	case PKT_FILTER_SLOT_RAW:
		return PKT_FILTER_LINKTYPE_RAW;
	}
	return -1;
}
