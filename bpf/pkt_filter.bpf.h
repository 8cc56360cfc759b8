/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pcap filter in the tc path: a classic-BPF interpreter that runs the
 * program libpcap compiled (translated by capture-helper/pkt_filter.c into the
 * layout below) on an skb before anything is copied to user space.
 *
 * The first part (slots, instruction layout, map value) is shared with user
 * space: capture-helper/pkt_filter.h includes this file without __bpf__
 * defined and gets only that part, so the layout has one definition.
 *
 * BPF users include this after vmlinux.h and <bpf/bpf_helpers.h>, then call
 * pkt_filter_match(skb, slot) before reserving ring-buffer space.
 */
#ifndef CTRCAP_PKT_FILTER_BPF_H
#define CTRCAP_PKT_FILTER_BPF_H

/* tc data starts at an Ethernet header (also lo): LINKTYPE_ETHERNET filters */
#define PKT_FILTER_SLOT_ETH		0
/* tc data starts at the IP header (tun, wireguard, ARPHRD_NONE): LINKTYPE_RAW */
#define PKT_FILTER_SLOT_RAW		1
#define PKT_FILTER_NR_SLOTS		2

/* Power of two: the interpreter masks the program counter with it. */
#define PKT_FILTER_MAX_INSNS		4096
#define PKT_FILTER_MEMWORDS		16
/* libpcap emits backward jumps only for "protochain"; bound them per packet. */
#define PKT_FILTER_MAX_BACKJUMPS	64
/*
 * Instructions per bpf_loop callback: amortises the call and keeps A/X/pc in
 * registers. 4 verifies in ~15k steps; 8 exceeds the verifier's 1M budget.
 */
#define PKT_FILTER_BATCH		4
/*
 * Offsets below this are read directly when in the linear data (a power of
 * two, the verifier's bound); the tests lower it to run the helper path.
 */
#ifndef PKT_FILTER_DIRECT_MAX
#define PKT_FILTER_DIRECT_MAX		0x4000
#endif

/*
 * Instruction opcodes, dense so the dispatch is a short compare tree.
 * PKT_FILTER_SRC_X on a jump or ALU op means the operand is X, not k; on
 * PKT_FILTER_OP_LD_PKT it means the offset is X + k (cBPF "ind").
 * Zero is no instruction: a zeroed slot never runs.
 */
enum pkt_filter_op {
	PKT_FILTER_OP_RET_K = 1,	/* return k */
	PKT_FILTER_OP_RET_A,		/* return A */
	PKT_FILTER_OP_LD_PKT,		/* A = P[k (+X)], jt = size - 1 (0, 1 or 3) */
	PKT_FILTER_OP_LDX_MSH,		/* X = (P[k] & 0xf) << 2 */
	PKT_FILTER_OP_LD_LEN,		/* A = packet length */
	PKT_FILTER_OP_LDX_LEN,		/* X = packet length */
	PKT_FILTER_OP_LD_IMM,		/* A = k */
	PKT_FILTER_OP_LDX_IMM,		/* X = k */
	PKT_FILTER_OP_LD_MEM,		/* A = M[k] */
	PKT_FILTER_OP_LDX_MEM,		/* X = M[k] */
	PKT_FILTER_OP_ST,		/* M[k] = A */
	PKT_FILTER_OP_STX,		/* M[k] = X */
	PKT_FILTER_OP_JA,		/* pc += 1 + (s32)k */
	PKT_FILTER_OP_JGT,		/* pc += 1 + (A >  src ? jt : jf) */
	PKT_FILTER_OP_JGE,		/* pc += 1 + (A >= src ? jt : jf) */
	PKT_FILTER_OP_JEQ,		/* pc += 1 + (A == src ? jt : jf) */
	PKT_FILTER_OP_JSET,		/* pc += 1 + (A &  src ? jt : jf) */
	PKT_FILTER_OP_ADD,		/* A op= src, for all ALU ops below */
	PKT_FILTER_OP_SUB,
	PKT_FILTER_OP_MUL,
	PKT_FILTER_OP_DIV,		/* src == 0 rejects the packet */
	PKT_FILTER_OP_MOD,		/* src == 0 rejects the packet */
	PKT_FILTER_OP_AND,
	PKT_FILTER_OP_OR,
	PKT_FILTER_OP_XOR,
	PKT_FILTER_OP_LSH,		/* src >= 32 gives 0 */
	PKT_FILTER_OP_RSH,		/* src >= 32 gives 0 */
	PKT_FILTER_OP_NEG,		/* A = -A */
	PKT_FILTER_OP_TAX,		/* X = A */
	PKT_FILTER_OP_TXA,		/* A = X */
	PKT_FILTER_OP_NR,
};

#define PKT_FILTER_SRC_X		0x80
#define PKT_FILTER_OP_MASK		0x7f

struct pkt_filter_insn {
	__u8 op;	/* enum pkt_filter_op, maybe | PKT_FILTER_SRC_X */
	__u8 jt;
	__u8 jf;
	__u8 pad;
	__u32 k;
};

/* The value of one pkt_filter_progs slot. len == 0 means no filter. */
struct pkt_filter_prog {
	__u32 len;		/* instructions in use */
	__u32 max_steps;	/* interpreter steps before giving up (rejects) */
	struct pkt_filter_insn insns[PKT_FILTER_MAX_INSNS];
};

#ifdef __bpf__

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKT_FILTER_NR_SLOTS);
	__type(key, __u32);
	__type(value, struct pkt_filter_prog);
} pkt_filter_progs SEC(".maps");

/*
 * Interpreter registers. They live in a per-CPU map value rather than on the
 * stack: the verifier does not track map contents, so the bpf_loop callback
 * verifies once instead of once per distinct register value. tc programs do
 * not nest on a CPU, so one slot per CPU is enough.
 */
struct pkt_filter_regs {
	__u32 pc;
	__u32 a;
	__u32 x;
	__u32 len;
	__u32 ret;
	__u32 backjumps;
	__u32 mem[PKT_FILTER_MEMWORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_filter_regs);
} pkt_filter_regs_map SEC(".maps");

/* What bpf_loop hands to each step: pointers only, constant across steps. */
struct pkt_filter_ctx {
	struct __sk_buff *skb;
	const struct pkt_filter_prog *prog;
	struct pkt_filter_regs *r;
};

/*
 * An offset already checked against PKT_FILTER_DIRECT_MAX, masked again in a
 * way the compiler cannot drop, so the verifier sees the bound on the very
 * register that is added to the packet pointer.
 */
static __always_inline __u64 pkt_filter_direct_off(__u64 off)
{
	asm volatile("" : "+r"(off));
	return off & (PKT_FILTER_DIRECT_MAX - 1);
}

/*
 * Run one instruction on the registers *pc, *a, *x. Returns 0 to go on, 1 when
 * the program returned (or a packet load or division failed, which rejects
 * the packet as libpcap does).
 */
static __always_inline int pkt_filter_insn(struct pkt_filter_ctx *c, struct pkt_filter_regs *s,
					   void *data, void *data_end, __u32 *pcp, __u32 *ap,
					   __u32 *xp)
{
	const struct pkt_filter_insn *in;
	__u32 pc = *pcp, a = *ap, x = *xp;
	__u32 src, k, op;
	__u64 off;
	bool cond;

	if (pc >= c->prog->len)
		return 1;
	in = &c->prog->insns[pc & (PKT_FILTER_MAX_INSNS - 1)];
	k = in->k;
	op = in->op;
	src = (op & PKT_FILTER_SRC_X) ? x : k;

	switch (op & PKT_FILTER_OP_MASK) {
	case PKT_FILTER_OP_LD_PKT: {
		__u32 size = (in->jt & 3) + 1;
		bool direct = false;
		__u8 *p;
		__u32 w;

		off = (__u64)k + ((op & PKT_FILTER_SRC_X) ? x : 0);
		/* Straight from the linear data when 4 bytes fit, else the helper. */
		if (off < PKT_FILTER_DIRECT_MAX) {
			p = data + pkt_filter_direct_off(off);
			if ((void *)(p + 4) <= data_end) {
				w = *(__u32 *)p;
				direct = true;
			}
		}
		if (!direct) {
			__u8 b[4] = {};

			if (off > 0x7fffffff || bpf_skb_load_bytes(c->skb, off, b, size))
				return 1;
			__builtin_memcpy(&w, b, 4);
		}
		/* Big-endian, as cBPF loads are, whatever the width. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap32(w);
#endif
		a = w >> (32 - 8 * size);
		break;
	}
	case PKT_FILTER_OP_LDX_MSH: {
		bool direct = false;
		__u8 *p;
		__u8 b = 0;

		if (k < PKT_FILTER_DIRECT_MAX) {
			p = data + pkt_filter_direct_off(k);
			if ((void *)(p + 1) <= data_end) {
				b = *p;
				direct = true;
			}
		}
		if (!direct && (k > 0x7fffffff || bpf_skb_load_bytes(c->skb, k, &b, 1)))
			return 1;
		x = (b & 0xf) << 2;
		break;
	}
	case PKT_FILTER_OP_JEQ:
		cond = a == src;
		goto cond_jump;
	case PKT_FILTER_OP_JGT:
		cond = a > src;
		goto cond_jump;
	case PKT_FILTER_OP_JGE:
		cond = a >= src;
		goto cond_jump;
	case PKT_FILTER_OP_JSET:
		cond = (a & src) != 0;
cond_jump:
		pc += cond ? in->jt : in->jf;
		break;
	case PKT_FILTER_OP_JA:
		if ((__s32)k < 0 && ++s->backjumps > PKT_FILTER_MAX_BACKJUMPS)
			return 1;
		pc += k;
		break;
	case PKT_FILTER_OP_RET_K:
		s->ret = k;
		return 1;
	case PKT_FILTER_OP_RET_A:
		s->ret = a;
		return 1;
	case PKT_FILTER_OP_LD_LEN:
		a = s->len;
		break;
	case PKT_FILTER_OP_LDX_LEN:
		x = s->len;
		break;
	case PKT_FILTER_OP_LD_IMM:
		a = k;
		break;
	case PKT_FILTER_OP_LDX_IMM:
		x = k;
		break;
	case PKT_FILTER_OP_LD_MEM:
		a = s->mem[k & (PKT_FILTER_MEMWORDS - 1)];
		break;
	case PKT_FILTER_OP_LDX_MEM:
		x = s->mem[k & (PKT_FILTER_MEMWORDS - 1)];
		break;
	case PKT_FILTER_OP_ST:
		s->mem[k & (PKT_FILTER_MEMWORDS - 1)] = a;
		break;
	case PKT_FILTER_OP_STX:
		s->mem[k & (PKT_FILTER_MEMWORDS - 1)] = x;
		break;
	case PKT_FILTER_OP_ADD:
		a += src;
		break;
	case PKT_FILTER_OP_SUB:
		a -= src;
		break;
	case PKT_FILTER_OP_MUL:
		a *= src;
		break;
	case PKT_FILTER_OP_DIV:
		if (!src)
			return 1;
		a /= src;
		break;
	case PKT_FILTER_OP_MOD:
		if (!src)
			return 1;
		a %= src;
		break;
	case PKT_FILTER_OP_AND:
		a &= src;
		break;
	case PKT_FILTER_OP_OR:
		a |= src;
		break;
	case PKT_FILTER_OP_XOR:
		a ^= src;
		break;
	case PKT_FILTER_OP_LSH:
		a = src < 32 ? a << src : 0;
		break;
	case PKT_FILTER_OP_RSH:
		a = src < 32 ? a >> src : 0;
		break;
	case PKT_FILTER_OP_NEG:
		a = 0U - a;
		break;
	case PKT_FILTER_OP_TAX:
		x = a;
		break;
	case PKT_FILTER_OP_TXA:
		a = x;
		break;
	default:
		return 1;
	}
	*pcp = pc + 1;
	*ap = a;
	*xp = x;
	return 0;
}

/*
 * bpf_loop callback: run up to PKT_FILTER_BATCH instructions with the
 * registers in locals, so the per-call cost is shared by several of them.
 */
static long pkt_filter_step(__u32 index, void *ctx)
{
	struct pkt_filter_ctx *c = ctx;
	struct pkt_filter_regs *s = c->r;
	void *data = (void *)(long)c->skb->data;
	void *data_end = (void *)(long)c->skb->data_end;
	__u32 pc = s->pc, a = s->a, x = s->x;
	int i, done = 0;

	(void)index;
	for (i = 0; i < PKT_FILTER_BATCH; i++) {
		done = pkt_filter_insn(c, s, data, data_end, &pc, &a, &x);
		if (done)
			break;
	}
	s->pc = pc;
	s->a = a;
	s->x = x;
	return done;
}

/*
 * Run the filter of @slot on @skb: 0 rejects, anything else is the snap
 * length the pcap filter returned (~0U when the slot has no filter).
 */
static __always_inline __u32 pkt_filter_run(struct __sk_buff *skb, __u32 slot)
{
	struct pkt_filter_ctx c;
	struct pkt_filter_regs *r;
	__u32 zero = 0;

	c.prog = bpf_map_lookup_elem(&pkt_filter_progs, &slot);
	if (!c.prog || !c.prog->len)
		return ~0U;
	r = bpf_map_lookup_elem(&pkt_filter_regs_map, &zero);
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	r->len = skb->len;
	c.skb = skb;
	c.r = r;
	bpf_loop((c.prog->max_steps + PKT_FILTER_BATCH - 1) / PKT_FILTER_BATCH, pkt_filter_step,
		 &c, 0);
	return r->ret;
}

/* True when @skb passes the pcap filter of @slot (or the slot has none). */
static __always_inline bool pkt_filter_match(struct __sk_buff *skb, __u32 slot)
{
	return pkt_filter_run(skb, slot) != 0;
}

#endif /* __bpf__ */
#endif /* CTRCAP_PKT_FILTER_BPF_H */
