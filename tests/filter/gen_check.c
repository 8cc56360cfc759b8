// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Structural checks of generated filter programs (see gen_check.h). The
 * length checks are verified by evaluating the straight-line code in front
 * of each packet load, so they hold whatever instructions the translator
 * uses, as long as they compute skb->len against offset + size.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen_check.h"

#define R_SKB BPF_REG_6
/* dst_reg and src_reg are 4 bits wide. */
#define NREGS 16

/* A register's value as far as the straight-line evaluation knows it. */
struct val {
	enum { V_UNKNOWN, V_CONST, V_LEN, V_XPLUS } kind;
	int64_t c;	/* the constant, or what is added to X */
};

struct checker {
	const struct bpf_insn *in;
	int n;
	bool *second;	/* the second half of an LD_IMM64 */
	bool *target;	/* some jump lands here */
	char *why;
	size_t whylen;
};

static int bad(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_jmp_class(__u8 code)
{
	return BPF_CLASS(code) == BPF_JMP || BPF_CLASS(code) == BPF_JMP32;
}

/* A jump with an offset (not a call, not an exit). */
static bool is_jump(const struct bpf_insn *in)
{
	return is_jmp_class(in->code) && BPF_OP(in->code) != BPF_CALL &&
	       BPF_OP(in->code) != BPF_EXIT;
}

static bool is_exit(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_EXIT);
}

static bool is_ld_imm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_DW | BPF_IMM);
}

static bool is_pkt_load(const struct bpf_insn *in)
{
	return BPF_CLASS(in->code) == BPF_LD &&
	       (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND);
}

static bool is_skb_len_load(const struct bpf_insn *in)
{
	return in->code == (BPF_LDX | BPF_MEM | BPF_W) && in->src_reg == R_SKB &&
	       in->off == offsetof(struct __sk_buff, len);
}

/* The register @in writes, or -1 (stores, jumps; calls and loads clobber r0-r5). */
static int written_reg(const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
	case BPF_LDX:
		return in->dst_reg;
	case BPF_LD:
		return is_pkt_load(in) ? BPF_REG_0 : in->dst_reg;
	}
	return -1;
}

/* Does the instruction before @i end a basic block? */
static bool block_ends_before(const struct checker *c, int i)
{
	return is_jump(&c->in[i - 1]) || is_exit(&c->in[i - 1]);
}

/* First instruction of the basic block holding @i. */
static int leader(const struct checker *c, int i)
{
	while (i > 0 && !c->target[i] && !block_ends_before(c, i))
		i--;
	return i;
}

/* Does the code from @t on count a rejection and return TCX_NEXT, with no helper call? */
static bool is_reject(const struct checker *c, int t)
{
	for (int i = t; i < c->n && i < t + 16; i++) {
		const struct bpf_insn *in = &c->in[i];

		if (in->code == (BPF_JMP | BPF_CALL) || is_exit(in) ||
		    in->code == (BPF_JMP | BPF_JA))
			return false;
		if (in->code == (BPF_ALU64 | BPF_MOV | BPF_K) && in->dst_reg == BPF_REG_0 &&
		    in->imm == -1)
			return i + 1 < c->n && is_exit(&c->in[i + 1]);
	}
	return false;
}

static int jump_target(const struct bpf_insn *in, int i)
{
	return i + 1 + in->off;
}

/* Evaluate the straight-line code [from, to) for the registers a length check compares. */
static void eval(const struct checker *c, int from, int to, int xreg, struct val *r)
{
	for (int i = 0; i < NREGS; i++)
		r[i] = (struct val){ V_UNKNOWN, 0 };
	for (int i = from; i < to; i++) {
		const struct bpf_insn *in = &c->in[i];
		struct val *d = &r[in->dst_reg], s = r[in->src_reg];
		bool alu64 = BPF_CLASS(in->code) == BPF_ALU64;
		int w = written_reg(in);

		if (c->second[i])
			continue;
		/* A new X makes what was computed from the old one worthless. */
		if (xreg >= 0 && (w == xreg || (xreg <= BPF_REG_5 &&
						in->code == (BPF_JMP | BPF_CALL)))) {
			for (int k = 0; k < NREGS; k++) {
				if (r[k].kind == V_XPLUS)
					r[k] = (struct val){ V_UNKNOWN, 0 };
			}
		}
		if (in->code == (BPF_JMP | BPF_CALL) || is_pkt_load(in)) {
			for (int k = BPF_REG_0; k <= BPF_REG_5; k++)
				r[k] = (struct val){ V_UNKNOWN, 0 };
			continue;
		}
		if (is_skb_len_load(in)) {
			*d = (struct val){ V_LEN, 0 };
			continue;
		}
		if (w < 0)
			continue;
		if ((in->code == (BPF_ALU | BPF_MOV | BPF_X) ||
		     in->code == (BPF_ALU64 | BPF_MOV | BPF_X)) && in->src_reg == xreg) {
			/* X is only ever written by 32-bit operations: zero-extended. */
			*d = (struct val){ V_XPLUS, 0 };
		} else if (in->code == (BPF_ALU | BPF_MOV | BPF_X) ||
			   in->code == (BPF_ALU64 | BPF_MOV | BPF_X)) {
			*d = s;
			if (!alu64 && s.kind == V_CONST)
				d->c = (uint32_t)s.c;
		} else if (in->code == (BPF_ALU | BPF_MOV | BPF_K)) {
			*d = (struct val){ V_CONST, (uint32_t)in->imm };
		} else if (in->code == (BPF_ALU64 | BPF_MOV | BPF_K)) {
			*d = (struct val){ V_CONST, in->imm };
		} else if (in->code == (BPF_ALU64 | BPF_ADD | BPF_K) &&
			   (d->kind == V_CONST || d->kind == V_XPLUS)) {
			d->c += in->imm;
		} else if (in->code == (BPF_ALU64 | BPF_ADD | BPF_X) && s.kind == V_CONST &&
			   (d->kind == V_CONST || d->kind == V_XPLUS)) {
			d->c += s.c;
		} else if (in->code == (BPF_ALU64 | BPF_ADD | BPF_X) && d->kind == V_CONST &&
			   s.kind == V_XPLUS) {
			*d = (struct val){ V_XPLUS, d->c + s.c };
		} else {
			*d = (struct val){ V_UNKNOWN, 0 };
		}
	}
}

/* The packet load at @i runs only after a check that the packet holds its bytes. */
static int check_load(struct checker *c, int i)
{
	const struct bpf_insn *ld = &c->in[i], *chk;
	int64_t need = (int64_t)(uint32_t)ld->imm +
		       (BPF_SIZE(ld->code) == BPF_W ? 4 : BPF_SIZE(ld->code) == BPF_H ? 2 : 1);
	bool ind = BPF_MODE(ld->code) == BPF_IND;
	int l = leader(c, i), xreg = ind ? ld->src_reg : -1;
	struct val r[NREGS];

	if (l == 0 || c->target[l])
		return bad(c, "insn %d: packet load reachable around its length check", i);
	for (int k = l; k < i; k++) {
		if (BPF_CLASS(c->in[k].code) != BPF_STX && BPF_CLASS(c->in[k].code) != BPF_ST)
			return bad(c, "insn %d: insn %d between the length check and the load",
				   i, k);
	}
	chk = &c->in[l - 1];
	if (!is_jump(chk) || !is_reject(c, jump_target(chk, l - 1)))
		return bad(c, "insn %d: insn %d before the load does not jump to the reject "
			   "block", i, l - 1);
	if (chk->code == (BPF_JMP | BPF_JA))
		return 0;	/* the load is never reached */
	eval(c, leader(c, l - 1), l - 1, xreg, r);
	if (!ind && BPF_OP(chk->code) == BPF_JLT && BPF_SRC(chk->code) == BPF_K &&
	    r[chk->dst_reg].kind == V_LEN && (int64_t)(uint32_t)chk->imm >= need)
		return 0;
	if (ind && chk->code == (BPF_JMP | BPF_JGT | BPF_X) &&
	    r[chk->dst_reg].kind == V_XPLUS && r[chk->src_reg].kind == V_LEN &&
	    r[chk->dst_reg].c >= need)
		return 0;
	return bad(c, "insn %d: %s load of %lld bytes without a length check covering it "
		   "(insn %d)", i, ind ? "indirect" : "absolute", (long long)need, l - 1);
}

/* Every backward jump is preceded by counter += k; if counter > bound goto reject. */
static int check_loops(struct checker *c, int first_target)
{
	int counter = -1;

	for (int i = 0; i < c->n; i++) {
		const struct bpf_insn *in = &c->in[i], *chk, *inc;

		if (!is_jump(in) || in->off >= 0)
			continue;
		if (i < 2)
			return bad(c, "insn %d: backward jump without a bound", i);
		chk = &c->in[i - 1];
		inc = &c->in[i - 2];
		if (BPF_OP(chk->code) != BPF_JGT || BPF_SRC(chk->code) != BPF_K ||
		    !is_jmp_class(chk->code) || chk->imm < 0 ||
		    chk->imm > PKT_FILTER_MAX_BACKJUMPS ||
		    !is_reject(c, jump_target(chk, i - 1)) ||
		    (inc->code != (BPF_ALU | BPF_ADD | BPF_K) &&
		     inc->code != (BPF_ALU64 | BPF_ADD | BPF_K)) ||
		    inc->dst_reg != chk->dst_reg || inc->imm < 1 || c->target[i - 1] ||
		    c->target[i])
			return bad(c, "insn %d: backward jump without a bound", i);
		if (counter >= 0 && counter != chk->dst_reg)
			return bad(c, "insn %d: backward jumps count in two registers", i);
		counter = chk->dst_reg;
		if (jump_target(in, i) < first_target)
			first_target = jump_target(in, i);
	}
	if (counter < 0)
		return 0;
	if (counter <= BPF_REG_5)
		return bad(c, "the backward-jump counter r%d does not survive helper calls",
			   counter);
	/* The counter starts at 0 before any loop and only the increments change it. */
	for (int i = 0; i < c->n; i++) {
		const struct bpf_insn *in = &c->in[i];

		if (c->second[i] || written_reg(in) != counter)
			continue;
		if (i + 2 < c->n && is_jump(&c->in[i + 2]) && c->in[i + 2].off < 0 &&
		    c->in[i + 1].dst_reg == counter)
			continue;
		if ((in->code == (BPF_ALU | BPF_MOV | BPF_K) ||
		     in->code == (BPF_ALU64 | BPF_MOV | BPF_K)) && in->imm == 0 &&
		    i < first_target && !c->target[i])
			continue;
		return bad(c, "insn %d: the backward-jump counter r%d changes", i, counter);
	}
	return 0;
}

/* Is every instruction on some path from the first? The verifier refuses dead code. */
static int check_reachable(struct checker *c)
{
	int *stack = calloc(c->n, sizeof(*stack)), top = 0, ret = 0;
	bool *seen = calloc(c->n, sizeof(*seen));

	if (!stack || !seen) {
		ret = bad(c, "out of memory");
		goto out;
	}
	seen[0] = true;
	stack[top++] = 0;
	while (top) {
		int i = stack[--top], next[2], nn = 0;
		const struct bpf_insn *in = &c->in[i];

		if (is_exit(in))
			continue;
		if (is_jump(in))
			next[nn++] = jump_target(in, i);
		if (in->code != (BPF_JMP | BPF_JA) && !is_exit(in))
			next[nn++] = i + (is_ld_imm64(in) ? 2 : 1);
		for (int k = 0; k < nn; k++) {
			if (next[k] >= c->n) {
				ret = bad(c, "insn %d: runs off the end of the program", i);
				goto out;
			}
			if (!seen[next[k]]) {
				seen[next[k]] = true;
				stack[top++] = next[k];
			}
		}
	}
	for (int i = 0; i < c->n; i++) {
		if (!seen[i] && !c->second[i]) {
			ret = bad(c, "insn %d is unreachable (the verifier refuses dead code)", i);
			break;
		}
	}
out:
	free(stack);
	free(seen);
	return ret;
}

/*
 * Before it checks anything else the kernel rewrites each LD_ABS into 6
 * instructions (a helper call and its error exit) and each LD_IND into 6, or
 * 7 with an offset, then adjusts the jumps over them: those must still fit
 * in 16 bits, or the load fails with "cannot be patched due to 16-bit range".
 */
static int check_patched_reach(struct checker *c)
{
	long *at = calloc(c->n + 1, sizeof(*at));
	int ret = 0;

	if (!at)
		return bad(c, "out of memory");
	for (int i = 0; i < c->n; i++) {
		const struct bpf_insn *in = &c->in[i];
		long len = 1;

		if (!c->second[i] && is_pkt_load(in))
			len = BPF_MODE(in->code) == BPF_IND && in->imm ? 7 : 6;
		at[i + 1] = at[i] + len;
	}
	for (int i = 0; i < c->n; i++) {
		long off;

		if (c->second[i] || !is_jump(&c->in[i]))
			continue;
		off = at[jump_target(&c->in[i], i)] - (at[i] + 1);
		if (off < -32768 || off > 32767) {
			ret = bad(c, "insn %d: the jump spans %ld instructions once the kernel "
				  "expands the packet loads, more than eBPF jumps reach", i, off);
			break;
		}
	}
	free(at);
	return ret;
}

int cflt_check_gen(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		   const struct bpf_insn *insns, int n, char *why, size_t whylen)
{
	struct checker c = { .in = insns, .n = n, .why = why, .whylen = whylen };
	int ret = -1, lookups = 0, tail_calls = 0, cb_stores = 0;

	if (n <= 0 || (size_t)n > pkt_filter_gen_max(p))
		return bad(&c, "%d instructions, pkt_filter_gen_max() says at most %zu", n,
			   pkt_filter_gen_max(p));
	c.second = calloc(n, sizeof(*c.second));
	c.target = calloc(n, sizeof(*c.target));
	if (!c.second || !c.target) {
		bad(&c, "out of memory");
		goto out;
	}
	if (insns[0].code != (BPF_ALU64 | BPF_MOV | BPF_X) || insns[0].dst_reg != R_SKB ||
	    insns[0].src_reg != BPF_REG_1) {
		bad(&c, "insn 0 does not move r1 (the skb) to r6");
		goto out;
	}
	if (!is_exit(&insns[n - 1])) {
		bad(&c, "the last instruction is not an exit");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (c.second[i])
			continue;
		if (is_ld_imm64(&insns[i])) {
			if (i + 1 >= n || insns[i + 1].code != 0) {
				bad(&c, "insn %d: truncated LD_IMM64", i);
				goto out;
			}
			c.second[i + 1] = true;
		}
	}
	for (int i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		int t = jump_target(in, i), w = written_reg(in);

		if (c.second[i])
			continue;
		if (i > 0 && (w == R_SKB || w == BPF_REG_10)) {
			bad(&c, "insn %d writes r%d", i, w);
			goto out;
		}
		if (is_ld_imm64(in) && (in->src_reg != BPF_PSEUDO_MAP_FD ||
					(in->imm != cfg->counters_fd && in->imm != cfg->tail_fd))) {
			bad(&c, "insn %d: LD_IMM64 of something but the counters and tail maps", i);
			goto out;
		}
		if (in->code == (BPF_JMP | BPF_CALL)) {
			lookups += in->imm == BPF_FUNC_map_lookup_elem;
			tail_calls += in->imm == BPF_FUNC_tail_call;
			if (in->src_reg != 0 || (in->imm != BPF_FUNC_map_lookup_elem &&
						 in->imm != BPF_FUNC_tail_call)) {
				bad(&c, "insn %d: call of helper %d", i, in->imm);
				goto out;
			}
		}
		if (in->code == (BPF_STX | BPF_MEM | BPF_W) && in->dst_reg == R_SKB &&
		    in->off == offsetof(struct __sk_buff, cb[0]))
			cb_stores++;
		if (!is_jump(in))
			continue;
		if (BPF_CLASS(in->code) == BPF_JMP32 && BPF_OP(in->code) == BPF_JA) {
			bad(&c, "insn %d: unexpected long jump", i);
			goto out;
		}
		if (t < 0 || t >= n || c.second[t]) {
			bad(&c, "insn %d: jump to %d, outside the program or into an LD_IMM64", i,
			    t);
			goto out;
		}
		c.target[t] = true;
	}
	/* A program that accepts nothing may leave the tail call out. */
	if (lookups != 1 || tail_calls > 1 || cb_stores != tail_calls) {
		bad(&c, "%d counter lookups, %d tail calls, %d stores to cb[0]", lookups,
		    tail_calls, cb_stores);
		goto out;
	}
	if (check_reachable(&c) || check_patched_reach(&c))
		goto out;
	for (int i = 0; i < n; i++) {
		if (!c.second[i] && is_pkt_load(&insns[i]) && check_load(&c, i))
			goto out;
	}
	ret = check_loops(&c, n);
out:
	free(c.second);
	free(c.target);
	return ret;
}
