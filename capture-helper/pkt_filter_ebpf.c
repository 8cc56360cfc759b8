// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Classic BPF -> the tc program that runs it natively (see pkt_filter.h).
 *
 * Register use: r0 = A, r7 = X, r6 = the skb (eBPF's packet loads need it
 * there), r8 = backward jumps taken, r9 = this interface's counters (or
 * NULL). Scratch word M[i] lives at fp - 72 + 4 * i, a saved A at fp - 80,
 * the counters key at fp - 4. Packet loads use eBPF's LD_ABS/LD_IND, which
 * read paged data too and convert from network order as cBPF does; each is
 * preceded by a length check because a load past the end would end the
 * program with 0, which tcx reads as "pass" and which would skip the
 * programs attached after this one.
 *
 * With cfg->drop the program is a raw_tp one over a kernel drop that the
 * --drops program put in a per-CPU scratch (struct ctrcap_drop_scratch):
 * r5 points at it, and packet loads are checked memory loads from its
 * copy of the packet's first bytes, byte-swapped as cBPF loads are.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/filter.h>
#include <bpf/bpf.h>

#include "../bpf/ctrcap.h"
#include "ctrcap/errbuf.h"
#include "pkt_filter.h"

#define R_A BPF_REG_0
#define R_X BPF_REG_7
#define R_CTX BPF_REG_6
#define R_JUMPS BPF_REG_8
#define R_CNT BPF_REG_9
/* Drop mode: the scratch; no helper is called between the prologue and the endings. */
#define R_DATA BPF_REG_5
#define MEM_OFF(i) (-72 + 4 * (int)(i))
#define SAVED_A_OFF (-80)
#define KEY_OFF (-4)
/* tc's "go on with the next program / filter" (TCX_NEXT, TC_ACT_UNSPEC). */
#define TC_NEXT (-1)

/* Instructions one cBPF instruction may become (drop mode's indirect load: 12). */
#define PER_INSN 16
#define PROLOGUE 48
#define EPILOGUE 48

/* Where the drop mode reads the drop in its scratch. */
#define SC_CAPLEN ((__s16)offsetof(struct ctrcap_drop_scratch, d.pkt.caplen))
#define SC_LEN ((__s16)offsetof(struct ctrcap_drop_scratch, d.pkt.len))
#define SC_COPIED ((__s16)offsetof(struct ctrcap_drop_scratch, copied))
#define SC_BUSY ((__s16)offsetof(struct ctrcap_drop_scratch, busy))
#define SC_BYTES ((__s16)offsetof(struct ctrcap_drop_scratch, bytes))

/* What the kernel makes of one LD_ABS/LD_IND at most (x86-64 JIT, 6.18: 6 or 7). */
#define KERNEL_LD_INSNS 8

/* Jump targets that are not cBPF instructions. */
#define TARGET_REJECT (-1)
#define TARGET_ACCEPT (-2)

struct gen {
	bool drop;	/* drop mode (cfg->drop) */
	struct bpf_insn *out;
	int n;
	int *pos;	/* eBPF index where each cBPF instruction starts */
	struct fixup {
		int at;		/* the jump instruction */
		int target;	/* cBPF index, TARGET_REJECT or TARGET_ACCEPT */
	} *fix;
	int nfix;
};

static void emit(struct gen *g, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	g->out[g->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					    .off = off, .imm = imm };
}

/* A jump whose offset is filled in once every target's position is known. */
static void emit_jump(struct gen *g, __u8 code, __u8 dst, __u8 src, __s32 imm, int target)
{
	g->fix[g->nfix++] = (struct fixup){ .at = g->n, .target = target };
	emit(g, code, dst, src, 0, imm);
}

static void emit_map_fd(struct gen *g, __u8 dst, int fd)
{
	emit(g, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(g, 0, 0, 0, 0, 0);
}

/* r0 = the drop scratch (key 0, which fp - 4 holds), or NULL. */
static void emit_scratch_lookup(struct gen *g, int fd)
{
	emit(g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, KEY_OFF, 0);
	emit_map_fd(g, BPF_REG_1, fd);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, KEY_OFF);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
}

/* *(u64 *)(r9 + off) += 1 when r9 is not NULL. */
static void emit_count(struct gen *g, int off)
{
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, R_CNT, 0, 3, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, R_CNT, off, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1);
	emit(g, BPF_STX | BPF_MEM | BPF_DW, R_CNT, BPF_REG_1, off, 0);
}

/* Reject unless the packet has @size bytes at offset @k. */
static void emit_len_check_abs(struct gen *g, __u32 k, __u32 size)
{
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, len), 0);
	emit_jump(g, BPF_JMP32 | BPF_JLT | BPF_K, BPF_REG_1, 0, (__s32)(k + size), TARGET_REJECT);
}

/* Reject unless the packet has @size bytes at offset X + @k (computed in 64 bits). */
static void emit_len_check_ind(struct gen *g, __u32 k, __u32 size)
{
	emit(g, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, R_X, 0, 0);
	emit(g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, (__s32)k);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, (__s32)size);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, R_CTX, offsetof(struct __sk_buff, len), 0);
	emit_jump(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_1, BPF_REG_2, 0, TARGET_REJECT);
}

static __u32 load_size(__u16 code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

/*
 * A packet load at an offset no packet reaches always fails, which rejects:
 * it becomes a jump to the reject path and nothing follows it. In drop
 * mode, so does one past the bytes copied to the scratch: it rejects, or
 * accepts for user space to decide (emit_drop_past).
 */
static bool load_always_fails(bool drop, const struct pkt_filter_cbpf_insn *in)
{
	__u64 end = (__u64)in->k + load_size(in->code);

	if (BPF_CLASS(in->code) == BPF_LD && BPF_MODE(in->code) == BPF_ABS)
		return end > (drop ? CTRCAP_DROP_FILTER_BYTES : 0x7fffffff);
	if (in->code == (BPF_LDX | BPF_MSH | BPF_B))
		return end > (drop ? CTRCAP_DROP_FILTER_BYTES : 0x7fffffff);
	return false;
}

/* Drop mode, a load ending at @end past the copied bytes: reject if past the capture, else accept. */
static void emit_drop_past(struct gen *g, __u64 end)
{
	if (end > 0x7fffffff) {
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_REJECT);
		return;
	}
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, R_DATA, SC_CAPLEN, 0);
	emit_jump(g, BPF_JMP32 | BPF_JLT | BPF_K, BPF_REG_1, 0, (__s32)end, TARGET_REJECT);
	emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_ACCEPT);
}

/* @dst, loaded as @size bytes in network order, to host order as cBPF has it. */
static void emit_to_host(struct gen *g, __u8 dst, __u32 size)
{
	if (size > 1)
		emit(g, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, (__s32)(size * 8));
}

static __u8 mem_size(__u32 size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

/* Drop mode: @dst = @size bytes at constant @k (within the copy), rejecting a packet too short. */
static void emit_drop_load_abs(struct gen *g, __u32 k, __u32 size, __u8 dst)
{
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, R_DATA, SC_COPIED, 0);
	emit_jump(g, BPF_JMP32 | BPF_JLT | BPF_K, BPF_REG_1, 0, (__s32)(k + size), TARGET_REJECT);
	emit(g, BPF_LDX | BPF_MEM | mem_size(size), dst, R_DATA, (__s16)(SC_BYTES + k), 0);
	emit_to_host(g, dst, size);
}

/*
 * Drop mode: A = @size bytes at X + @k. Past the capture rejects; past the
 * copy accepts (user space decides). The verifier's bound is a mask, which
 * changes nothing there (the offset is below the copy's 2048 bytes): a
 * branch would bound X too, and a loop (protochain) would then give the
 * verifier a state per bound, too many to prune.
 */
static void emit_drop_load_ind(struct gen *g, __u32 k, __u32 size)
{
	emit(g, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, R_X, 0, 0);
	emit(g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, (__s32)k);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, (__s32)size);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, R_DATA, SC_CAPLEN, 0);
	emit_jump(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_1, BPF_REG_2, 0, TARGET_REJECT);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, R_DATA, SC_COPIED, 0);
	emit_jump(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_1, BPF_REG_2, 0, TARGET_ACCEPT);
	emit(g, BPF_ALU64 | BPF_SUB | BPF_K, BPF_REG_1, 0, 0, (__s32)size);
	emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, CTRCAP_DROP_FILTER_BYTES - 1);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, R_DATA, 0, 0);
	emit(g, BPF_LDX | BPF_MEM | mem_size(size), R_A, BPF_REG_1, SC_BYTES, 0);
	emit_to_host(g, R_A, size);
}

/* A or X (@dst) = the packet length, the constant @k or scratch word @k. */
static void emit_load_value(struct gen *g, __u8 mode, __u8 dst, __u32 k)
{
	if (mode == BPF_LEN && g->drop)
		emit(g, BPF_LDX | BPF_MEM | BPF_W, dst, R_DATA, SC_LEN, 0);
	else if (mode == BPF_LEN)
		emit(g, BPF_LDX | BPF_MEM | BPF_W, dst, R_CTX, offsetof(struct __sk_buff, len), 0);
	else if (mode == BPF_IMM)
		emit(g, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (__s32)k);
	else
		emit(g, BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_10, MEM_OFF(k), 0);
}

/* Translate cBPF instruction @i. */
static void gen_one(struct gen *g, const struct pkt_filter_prog *p, __u32 i)
{
	const struct pkt_filter_cbpf_insn *in = &p->insns[i];
	__u16 code = in->code;
	__u32 k = in->k;
	bool src_x = BPF_SRC(code) == BPF_X;

	if (load_always_fails(g->drop, in)) {
		if (g->drop)
			emit_drop_past(g, (__u64)k + load_size(code));
		else
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_REJECT);
		return;
	}
	switch (BPF_CLASS(code)) {
	case BPF_RET:
		if (BPF_RVAL(code) == BPF_A)
			emit_jump(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_A, 0, 0, TARGET_REJECT);
		else if (k == 0) {
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_REJECT);
			return;
		}
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_ACCEPT);
		return;
	case BPF_LD:
		switch (BPF_MODE(code)) {
		case BPF_ABS:
			if (g->drop) {
				emit_drop_load_abs(g, k, load_size(code), R_A);
				return;
			}
			emit_len_check_abs(g, k, load_size(code));
			emit(g, BPF_LD | BPF_ABS | BPF_SIZE(code), 0, 0, 0, (__s32)k);
			return;
		case BPF_IND:
			if (g->drop) {
				emit_drop_load_ind(g, k, load_size(code));
				return;
			}
			emit_len_check_ind(g, k, load_size(code));
			emit(g, BPF_LD | BPF_IND | BPF_SIZE(code), 0, R_X, 0, (__s32)k);
			return;
		default:
			emit_load_value(g, BPF_MODE(code), R_A, k);
		}
		return;
	case BPF_LDX:
		switch (BPF_MODE(code)) {
		case BPF_MSH:
			if (g->drop) {
				emit_drop_load_abs(g, k, 1, BPF_REG_2);
				emit(g, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xf);
				emit(g, BPF_ALU | BPF_LSH | BPF_K, BPF_REG_2, 0, 0, 2);
				emit(g, BPF_ALU | BPF_MOV | BPF_X, R_X, BPF_REG_2, 0, 0);
				return;
			}
			/* X = (P[k] & 0xf) << 2; the load lands in r0, which is A. */
			emit_len_check_abs(g, k, 1);
			emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, R_A, SAVED_A_OFF, 0);
			emit(g, BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, (__s32)k);
			emit(g, BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0, 0xf);
			emit(g, BPF_ALU | BPF_LSH | BPF_K, BPF_REG_0, 0, 0, 2);
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R_X, BPF_REG_0, 0, 0);
			emit(g, BPF_LDX | BPF_MEM | BPF_W, R_A, BPF_REG_10, SAVED_A_OFF, 0);
			return;
		default:
			emit_load_value(g, BPF_MODE(code), R_X, k);
		}
		return;
	case BPF_ST:
		emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, R_A, MEM_OFF(k), 0);
		return;
	case BPF_STX:
		emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, R_X, MEM_OFF(k), 0);
		return;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
		else
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
		return;
	case BPF_ALU:
		if (BPF_OP(code) == BPF_NEG) {
			emit(g, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
			return;
		}
		if (!src_x) {
			emit(g, BPF_ALU | BPF_OP(code) | BPF_K, R_A, 0, 0, (__s32)k);
			return;
		}
		if (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) {
			/* cBPF rejects the packet on a division by zero; eBPF would give 0. */
			emit_jump(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_X, 0, 0, TARGET_REJECT);
		} else if (BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH) {
			/* libpcap gives 0 for a shift by 32 or more. */
			emit(g, BPF_JMP32 | BPF_JLT | BPF_K, R_X, 0, 2, 32);
			emit(g, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
			emit(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
		}
		emit(g, BPF_ALU | BPF_OP(code) | BPF_X, R_A, R_X, 0, 0);
		return;
	case BPF_JMP:
		if (BPF_OP(code) == BPF_JA) {
			int target = (int)(i + 1 + (__s32)k);

			if (target <= (int)i) {
				/* A loop (protochain): bounded per packet. */
				emit(g, BPF_ALU | BPF_ADD | BPF_K, R_JUMPS, 0, 0, 1);
				emit_jump(g, BPF_JMP32 | BPF_JGT | BPF_K, R_JUMPS, 0,
					  PKT_FILTER_MAX_BACKJUMPS, TARGET_REJECT);
			}
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, target);
			return;
		}
		emit_jump(g, BPF_JMP32 | BPF_OP(code) | BPF_SRC(code), R_A, src_x ? R_X : 0,
			  src_x ? 0 : (__s32)k, (int)(i + 1 + in->jt));
		if (in->jf)
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, (int)(i + 1 + in->jf));
		return;
	}
}

/*
 * Mark the cBPF instructions some path reaches: the verifier refuses
 * unreachable eBPF code, and libpcap's unoptimised or hand-written programs
 * may have some. Returns 0 or -1 (out of memory).
 */
static int mark_reachable(const struct pkt_filter_prog *p, bool drop, bool *reach)
{
	__u32 *stack = calloc(p->len + 1, sizeof(*stack)), top = 0;

	if (!stack)
		return -1;
	reach[0] = true;
	stack[top++] = 0;
	while (top) {
		__u32 i = stack[--top], next[2], nn = 0;
		const struct pkt_filter_cbpf_insn *in = &p->insns[i];

		if (BPF_CLASS(in->code) == BPF_RET)
			continue;
		if (load_always_fails(drop, in))
			continue;
		if (in->code == (BPF_JMP | BPF_JA)) {
			next[nn++] = i + 1 + in->k;
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			next[nn++] = i + 1 + in->jt;
			next[nn++] = i + 1 + in->jf;
		} else {
			next[nn++] = i + 1;
		}
		for (__u32 j = 0; j < nn; j++) {
			if (next[j] < p->len && !reach[next[j]]) {
				reach[next[j]] = true;
				stack[top++] = next[j];
			}
		}
	}
	free(stack);
	return 0;
}

static bool uses_scratch(const struct pkt_filter_prog *p)
{
	for (__u32 i = 0; i < p->len; i++) {
		__u16 c = p->insns[i].code;

		if (c == BPF_ST || c == BPF_STX || c == (BPF_LD | BPF_MEM) ||
		    c == (BPF_LDX | BPF_MEM))
			return true;
	}
	return false;
}

size_t pkt_filter_gen_max(const struct pkt_filter_prog *p)
{
	return PROLOGUE + (size_t)p->len * PER_INSN + EPILOGUE;
}

int pkt_filter_gen(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		   struct bpf_insn *out, char *err, size_t errlen)
{
	const struct {
		int word;
		__u32 value;
	} cb[] = {
		{ CTRCAP_CB_SLOT, cfg->slot },
		{ CTRCAP_CB_NETNS, cfg->netns },
		{ CTRCAP_CB_DEV_TYPE, cfg->dev_type },
		{ CTRCAP_CB_COOKIE_LO, (__u32)cfg->netns_cookie },
		{ CTRCAP_CB_COOKIE_HI, (__u32)(cfg->netns_cookie >> 32) },
	};
	struct gen g = { .out = out, .drop = cfg->drop };
	bool *reach = NULL, to_reject = false, to_accept = false;
	int reject = -1, accept = -1, ret = -1;
	long *grown = NULL;

	if (pkt_filter_validate(p, err, errlen))
		return -1;
	g.pos = calloc(p->len + 1, sizeof(*g.pos));
	g.fix = calloc((size_t)p->len * 2 + 8, sizeof(*g.fix));
	reach = calloc(p->len + 1, sizeof(*reach));
	if (!g.pos || !g.fix || !reach || (p->len && mark_reachable(p, cfg->drop, reach))) {
		ctrcap_errf(err, errlen, "out of memory translating the filter");
		goto out;
	}

	emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, R_CTX, BPF_REG_1, 0, 0);
	emit(&g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, KEY_OFF, (__s32)cfg->slot);
	emit_map_fd(&g, BPF_REG_1, cfg->counters_fd);
	emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(&g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, KEY_OFF);
	emit(&g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, R_CNT, BPF_REG_0, 0, 0);
	if (cfg->drop) {
		/* The drop's scratch (key 0 too); the --drops program filled it on this CPU. */
		emit_scratch_lookup(&g, cfg->scratch_fd);
		emit(&g, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0);
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, R_DATA, BPF_REG_0, 0, 0);
	} else {
		emit_count(&g, offsetof(struct ctrcap_counters, seen));
	}
	emit(&g, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
	emit(&g, BPF_ALU | BPF_MOV | BPF_K, R_X, 0, 0, 0);
	emit(&g, BPF_ALU | BPF_MOV | BPF_K, R_JUMPS, 0, 0, 0);
	/* The verifier refuses reads of stack never written: zero the scratch words. */
	if (uses_scratch(p)) {
		for (int w = 0; w < PKT_FILTER_MEMWORDS / 2; w++)
			emit(&g, BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, MEM_OFF(2 * w), 0);
	}
	if (p->len == 0)
		emit_jump(&g, BPF_JMP | BPF_JA, 0, 0, 0, TARGET_ACCEPT);
	for (__u32 i = 0; i < p->len; i++) {
		g.pos[i] = g.n;
		if (reach[i])
			gen_one(&g, p, i);
	}
	/* Emit only the endings some path takes: the verifier refuses dead code. */
	for (int f = 0; f < g.nfix; f++) {
		to_reject |= g.fix[f].target == TARGET_REJECT;
		to_accept |= g.fix[f].target == TARGET_ACCEPT;
	}
	if (to_reject && cfg->drop) {
		/* Counted, and the scratch free for the next drop on this CPU. */
		reject = g.n;
		emit_count(&g, offsetof(struct ctrcap_drop_counters, filtered));
		emit(&g, BPF_ST | BPF_MEM | BPF_W, R_DATA, 0, SC_BUSY, 0);
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	} else if (to_reject) {
		reject = g.n;
		emit_count(&g, offsetof(struct ctrcap_counters, filtered));
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, TC_NEXT);
		emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (!to_accept)
		goto fixups;
	if (cfg->drop) {
		/* ctrcap_drop_emit sends it; without it (never expected) free the scratch. */
		accept = g.n;
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, R_CTX, 0, 0);
		emit_map_fd(&g, BPF_REG_2, cfg->tail_fd);
		emit(&g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, (__s32)cfg->tail_index);
		emit(&g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
		emit_scratch_lookup(&g, cfg->scratch_fd);
		emit(&g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0);
		emit(&g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_0, 0, SC_BUSY, 0);
		emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		goto fixups;
	}

	/*
	 * The capture program finds this interface's counters, and on kernels
	 * where it cannot read the device, its namespace and type, in cb[].
	 */
	accept = g.n;
	for (size_t i = 0; i < sizeof(cb) / sizeof(cb[0]); i++) {
		emit(&g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, (__s32)cb[i].value);
		emit(&g, BPF_STX | BPF_MEM | BPF_W, R_CTX, BPF_REG_1,
		     offsetof(struct __sk_buff, cb[0]) + 4 * cb[i].word, 0);
	}
	emit(&g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, R_CTX, 0, 0);
	emit_map_fd(&g, BPF_REG_2, cfg->tail_fd);
	emit(&g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, (__s32)cfg->tail_index);
	emit(&g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	/* No capture program in the array (never expected): let the packet go on. */
	emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, TC_NEXT);
	emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

fixups:
	/*
	 * The kernel rewrites each packet load into up to KERNEL_LD_INSNS
	 * instructions before it checks that jumps reach: check the distance
	 * the jump will have then, so a too long filter gets this message.
	 */
	grown = calloc(g.n + 1, sizeof(*grown));
	if (!grown) {
		ctrcap_errf(err, errlen, "out of memory translating the filter");
		goto out;
	}
	for (int i = 0; i < g.n; i++) {
		__u8 mode = BPF_MODE(out[i].code);
		bool ld_pkt = BPF_CLASS(out[i].code) == BPF_LD && (mode == BPF_ABS ||
								    mode == BPF_IND);

		grown[i + 1] = grown[i] + (ld_pkt ? KERNEL_LD_INSNS : 1);
	}
	for (int f = 0; f < g.nfix; f++) {
		int t = g.fix[f].target, to;
		long off;

		to = t == TARGET_REJECT ? reject : t == TARGET_ACCEPT ? accept : g.pos[t];
		off = (long)to - (g.fix[f].at + 1);
		if (grown[to] - grown[g.fix[f].at + 1] < -32768 ||
		    grown[to] - grown[g.fix[f].at + 1] > 32767) {
			ctrcap_errf(err, errlen,
				"filter of %u instructions: a jump spans %ld eBPF instructions, "
				"more than eBPF jumps reach", p->len, off);
			goto out;
		}
		out[g.fix[f].at].off = (__s16)off;
	}
	ret = g.n;
out:
	free(g.pos);
	free(g.fix);
	free(reach);
	free(grown);
	return ret;
}

int pkt_filter_load(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		    const char *what, char *err, size_t errlen)
{
	struct bpf_insn *insns = calloc(pkt_filter_gen_max(p), sizeof(*insns));
	enum bpf_prog_type type = cfg->drop ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_SCHED_CLS;
	const char *name = cfg->drop ? "ctrcap_dfilter" : "ctrcap_filter";
	char *log = NULL, msg[256];
	int n, fd = -1;

	if (!insns) {
		ctrcap_errf(err, errlen, "%s: out of memory translating the filter", what);
		return -1;
	}
	n = pkt_filter_gen(p, cfg, insns, msg, sizeof(msg));
	if (n < 0) {
		ctrcap_errf(err, errlen, "%s: %s", what, msg);
		goto out;
	}
	fd = bpf_prog_load(type, name, "GPL", insns, n, NULL);
	if (fd < 0) {
		int e = -fd;
		char *last = (char *)"";
		size_t len;

		/* Load again with the verifier's log for a useful message. */
		log = calloc(1, 1 << 20);
		if (log) {
			LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = 1 << 20,
				    .log_level = 1);

			bpf_prog_load(type, name, "GPL", insns, n, &o);
			/* The verifier's verdict is the last line before its statistics. */
			for (;;) {
				len = strlen(log);
				while (len && log[len - 1] == '\n')
					log[--len] = '\0';
				last = strrchr(log, '\n') ? strrchr(log, '\n') + 1 : log;
				if (last == log || (strncmp(last, "processed ", 10) &&
						    strncmp(last, "verification time", 17)))
					break;
				last[-1] = '\0';
			}
			/* Some verdicts lack their newline: cut the statistics glued on. */
			if (strstr(last, "processed ") > last)
				*strstr(last, "processed ") = '\0';
		}
		ctrcap_errf(err, errlen, "%s: the kernel refused the filter program (%d eBPF "
			"instructions): %s%s%s", what, n, strerror(e), *last ? ": " : "", last);
		fd = -1;
	}
out:
	free(log);
	free(insns);
	return fd;
}
