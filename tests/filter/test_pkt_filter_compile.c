// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pkt_filter_compile / pkt_filter_from_cbpf / pkt_filter_validate and the
 * eBPF translation (pkt_filter_gen) without the kernel: what libpcap's
 * output looks like, the errors a user sees, the programs the translator
 * must never be handed, and the shape of what it writes. Needs no privileges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#include "pkt_filter.h"
#include "corpus.h"
#include "gen_check.h"

#define CBPF(c, t, f, kk) \
	((struct pkt_filter_cbpf_insn){ .code = (c), .jt = (t), .jf = (f), .k = (kk) })
#define SEED 20261122
#define RANDOM_PROGRAMS 600

/* Fds pkt_filter_gen() only writes into the program; nothing is opened. */
static const struct pkt_filter_gen_cfg gen_cfg = {
	.counters_fd = 11, .slot = 3, .tail_fd = 12, .tail_index = 1,
};

static const char *const gen_eth_filters[] = {
	"tcp port 80",
	"host 10.99.7.3 and not port 22",
	"vlan 100 and vlan 200",
	"ip6 protochain 6",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0",
	"(ip[2:2] - ((ip[0] & 0xf) << 2)) / 4 > 10",
	"ip[2:2] % 7 = 3 and ip[1] ^ 0xff != 0xff",
	"ether[1000000:4] = 1 or len > 100",
	"len - 14 > ip[2:2]",
};

static const char *const gen_raw_filters[] = {
	"ip6 protochain 6",
	"tcp[tcpflags] & tcp-syn != 0",
	"portrange 1000-6000 or udp[8:4] = 0xdeadbeef",
};

struct state {
	struct pkt_filter_prog *p;
	struct bpf_insn *out;
	size_t out_cap;
};

static int setup(void **state)
{
	struct state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->p = calloc(1, sizeof(*s->p));
	*state = s;
	return s->p ? 0 : -1;
}

static int teardown(void **state)
{
	struct state *s = *state;

	free(s->p);
	free(s->out);
	free(s);
	return 0;
}

static bool is_insn(const struct pkt_filter_cbpf_insn *in, __u16 code, __u32 k)
{
	return in->code == code && in->k == k;
}

/*
 * Translate s->p into a buffer of exactly pkt_filter_gen_max() instructions
 * (so ASan sees any overrun) and run the structural checks on the result.
 */
static int gen_checked(struct state *s, const char *what)
{
	size_t max = pkt_filter_gen_max(s->p);
	char err[256] = "", why[256] = "";
	int n;

	free(s->out);
	s->out = malloc(max * sizeof(*s->out));
	assert_non_null(s->out);
	s->out_cap = max;
	n = pkt_filter_gen(s->p, &gen_cfg, s->out, err, sizeof(err));
	if (n < 0)
		fail_msg("%s: pkt_filter_gen: %s", what, err);
	assert_true((size_t)n <= max);
	/* What pkt_filter.h promises, spelled out here as well as in gen_check.c. */
	assert_int_equal(s->out[0].code, BPF_ALU64 | BPF_MOV | BPF_X);
	assert_int_equal(s->out[0].dst_reg, BPF_REG_6);
	assert_int_equal(s->out[0].src_reg, BPF_REG_1);
	assert_int_equal(s->out[n - 1].code, BPF_JMP | BPF_EXIT);
	if (cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)))
		fail_msg("%s: %s", what, why);
	return n;
}

static unsigned int count_cbpf_loads(const struct pkt_filter_prog *p)
{
	unsigned int n = 0;

	for (__u32 i = 0; i < p->len; i++) {
		__u16 c = p->insns[i].code;

		n += (BPF_CLASS(c) == BPF_LD &&
		      (BPF_MODE(c) == BPF_ABS || BPF_MODE(c) == BPF_IND)) ||
		     c == (BPF_LDX | BPF_MSH | BPF_B);
	}
	return n;
}

static unsigned int count_ebpf_loads(const struct bpf_insn *out, int n)
{
	unsigned int loads = 0;

	for (int i = 0; i < n; i++)
		loads += BPF_CLASS(out[i].code) == BPF_LD &&
			 (BPF_MODE(out[i].code) == BPF_ABS || BPF_MODE(out[i].code) == BPF_IND);
	return loads;
}

static void test_compile_typical(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	char err[256] = "";
	bool snap = false;

	assert_int_equal(pkt_filter_compile("tcp port 80", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), 0);
	assert_true(p->len > 5 && p->len < 40);
	/* ldh [12]: the ethertype. */
	assert_true(is_insn(&p->insns[0], BPF_LD | BPF_H | BPF_ABS, 12));
	assert_int_equal(BPF_CLASS(p->insns[p->len - 1].code), BPF_RET);
	/* libpcap's accept returns the snap length: 262144 unless told otherwise. */
	for (__u32 i = 0; i < p->len; i++)
		snap |= is_insn(&p->insns[i], BPF_RET | BPF_K, 262144);
	assert_true(snap);

	assert_int_equal(pkt_filter_compile("udp", PKT_FILTER_LINKTYPE_ETHERNET, 96, p, err,
					    sizeof(err)), 0);
	assert_true(is_insn(&p->insns[p->len - 2], BPF_RET | BPF_K, 96));
	assert_true(is_insn(&p->insns[p->len - 1], BPF_RET | BPF_K, 0));
}

static void test_compile_raw_linktype(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	char err[256] = "";

	/* Raw IP starts at the IP header: ldb [0], the version nibble, not an ethertype. */
	assert_int_equal(pkt_filter_compile("ip", PKT_FILTER_LINKTYPE_RAW, 0, p, err,
					    sizeof(err)), 0);
	assert_true(is_insn(&p->insns[0], BPF_LD | BPF_B | BPF_ABS, 0));
	assert_int_equal(pkt_filter_compile("vlan", PKT_FILTER_LINKTYPE_RAW, 0, p, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "'vlan'"));
	/* libpcap's own words: 1.10 and 1.11 say it differently. */
	assert_true(strstr(err, "no VLAN support for Raw IP") ||
		    strstr(err, "'vlan' not supported on DLT_RAW"));
	assert_int_equal(p->len, 0);
}

static void test_empty_accepts_all(void **state)
{
	struct state *s = *state;
	struct pkt_filter_prog *p = s->p;
	char err[64] = "";
	int n;

	p->len = 7;
	assert_int_equal(pkt_filter_compile(NULL, PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(p->len, 0);
	p->len = 7;
	assert_int_equal(pkt_filter_compile(" \t\n", PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(p->len, 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
	/* The empty program counts, and goes straight to the tail call. */
	n = gen_checked(s, "empty filter");
	assert_int_equal(count_ebpf_loads(s->out, n), 0);
}

static void test_bad_filter_gives_libpcap_message(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	char err[256] = "";

	assert_int_equal(pkt_filter_compile("tcp prot 80", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), -1);
	assert_string_equal(err, "filter 'tcp prot 80': can't parse filter expression: "
				 "syntax error");
	assert_int_equal(p->len, 0);
	assert_int_equal(pkt_filter_compile("ip broadcast", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "netmask not known"));
	assert_int_equal(pkt_filter_compile("port 99999", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'port 99999'"));
	/* A short buffer truncates, never overflows. */
	assert_int_equal(pkt_filter_compile("tcp prot 80", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, 8), -1);
	assert_string_equal(err, "filter ");
	assert_int_equal(pkt_filter_compile("tcp", 50, 0, p, err, sizeof(err)), -1);
	assert_string_equal(err, "filter 'tcp': unsupported link type 50");
}

static void test_too_long(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	size_t cap = 64 * 1024, len = 0;
	char *expr = malloc(cap), err[256] = "";
	int i, ret;

	assert_non_null(expr);
	/* Distinct tests, so the optimizer cannot fold them: about 4400 instructions. */
	for (i = 0; i < 1500; i++)
		len += snprintf(expr + len, cap - len, "%sether[%d:2] = %d", i ? " or " : "", i,
				i);
	ret = pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err, sizeof(err));
	free(expr);
	printf("  %.160s\n", err);
	assert_int_equal(ret, -1);
	assert_non_null(strstr(err, "filter 'ether[0:2] = 0 or ether[1:2] = 1 or "));
	assert_non_null(strstr(err, "...': compiles to "));
	assert_non_null(strstr(err, " instructions, the in-kernel filter runs at most 4096"));
	assert_int_equal(p->len, 0);
}

static void test_protochain_has_a_backward_jump(void **state)
{
	struct state *s = *state;
	struct pkt_filter_prog *p = s->p;
	unsigned int back_cbpf = 0, back_ebpf = 0;
	char err[256] = "";
	int n;

	assert_int_equal(pkt_filter_compile("ip6 protochain 6", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), 0);
	for (__u32 i = 0; i < p->len; i++)
		back_cbpf += p->insns[i].code == (BPF_JMP | BPF_JA) && (__s32)p->insns[i].k < 0;
	assert_true(back_cbpf > 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
	/* Each loop survives translation, behind its bound (gen_checked verifies that). */
	n = gen_checked(s, "ip6 protochain 6");
	for (int i = 0; i < n; i++)
		back_ebpf += (BPF_CLASS(s->out[i].code) == BPF_JMP ||
			      BPF_CLASS(s->out[i].code) == BPF_JMP32) &&
			     BPF_OP(s->out[i].code) != BPF_CALL &&
			     BPF_OP(s->out[i].code) != BPF_EXIT && s->out[i].off < 0;
	assert_int_equal(back_ebpf, back_cbpf);
}

static void expect_rejected(const struct pkt_filter_cbpf_insn *f, size_t n,
			    struct pkt_filter_prog *p, const char *msg)
{
	char err[256] = "";

	p->len = 9;
	assert_int_equal(pkt_filter_from_cbpf(f, n, p, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_int_equal(p->len, 0);
}

static void test_from_cbpf_rejects(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	struct pkt_filter_cbpf_insn f[4], *big;
	char err[256] = "";

	f[0] = CBPF(BPF_LD | BPF_H | BPF_ABS, 0, 0, 12);
	f[1] = CBPF(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x800);
	f[2] = CBPF(BPF_RET | BPF_K, 0, 0, 65535);
	f[3] = CBPF(BPF_RET | BPF_K, 0, 0, 0);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), 0);
	assert_int_equal(p->len, 4);
	assert_memory_equal(p->insns, f, sizeof(f));

	f[1].jf = 2;	/* past the end */
	expect_rejected(f, 4, p, "instruction 1: jump outside the program");
	f[1].jf = 1;
	f[1].jt = 2;
	expect_rejected(f, 4, p, "instruction 1: jump outside the program");
	f[1].jt = 0;

	f[0].code = 0xffff;
	expect_rejected(f, 4, p, "instruction 0: unsupported opcode 0xffff");
	f[0].code = BPF_RET | BPF_X;	/* not in libpcap's instruction set */
	expect_rejected(f, 4, p, "instruction 0: unsupported opcode 0x000e");
	f[0].code = BPF_ALU | BPF_NEG | BPF_X;
	expect_rejected(f, 4, p, "instruction 0: unsupported opcode 0x008c");
	f[0].code = BPF_JMP | BPF_JA | BPF_X;
	expect_rejected(f, 4, p, "instruction 0: unsupported opcode 0x000d");
	f[0].code = 0x100 | BPF_JMP | BPF_JEQ;	/* bits above the 8 of cBPF */
	expect_rejected(f, 4, p, "instruction 0: unsupported opcode 0x0115");
	f[0] = CBPF(BPF_ST, 0, 0, 16);
	expect_rejected(f, 4, p, "instruction 0: scratch word 16 out of range");
	f[0] = CBPF(BPF_LDX | BPF_MEM, 0, 0, 0xffffffff);
	expect_rejected(f, 4, p, "instruction 0: scratch word 4294967295 out of range");
	f[0] = CBPF(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0);
	expect_rejected(f, 4, p, "instruction 0: division by constant 0");
	f[0] = CBPF(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 0);
	expect_rejected(f, 4, p, "instruction 0: division by constant 0");
	f[0] = CBPF(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 32);
	expect_rejected(f, 4, p, "instruction 0: shift by 32");
	f[0] = CBPF(BPF_ALU | BPF_RSH | BPF_K, 0, 0, 0xffffffff);
	expect_rejected(f, 4, p, "instruction 0: shift by 4294967295");
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, (uint32_t)-1);	/* jumps to itself */
	expect_rejected(f, 4, p, "instruction 0: jump to 0 outside the program");
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, (uint32_t)-2);
	expect_rejected(f, 4, p, "instruction 0: jump to -1 outside the program");
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, 3);
	expect_rejected(f, 4, p, "instruction 0: jump to 4 outside the program");
	f[0] = CBPF(BPF_LD | BPF_IMM, 0, 0, 1);
	f[3] = CBPF(BPF_LD | BPF_IMM, 0, 0, 1);
	expect_rejected(f, 4, p, "the last instruction is not a return");
	expect_rejected(f, 0, p, "empty classic BPF program");

	/* The division and shift checks are for constants only: X is checked per packet. */
	f[0] = CBPF(BPF_ALU | BPF_DIV | BPF_X, 0, 0, 0);
	f[1] = CBPF(BPF_ALU | BPF_LSH | BPF_X, 0, 0, 99);
	f[2] = CBPF(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 31);
	f[3] = CBPF(BPF_RET | BPF_A, 0, 0, 0);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), 0);

	big = calloc(PKT_FILTER_MAX_INSNS + 1, sizeof(*big));
	assert_non_null(big);
	big[PKT_FILTER_MAX_INSNS] = CBPF(BPF_RET | BPF_K, 0, 0, 1);
	expect_rejected(big, PKT_FILTER_MAX_INSNS + 1, p,
			"compiles to 4097 instructions, the in-kernel filter runs at most 4096");
	big[PKT_FILTER_MAX_INSNS - 1] = CBPF(BPF_RET | BPF_K, 0, 0, 1);
	assert_int_equal(pkt_filter_from_cbpf(big, PKT_FILTER_MAX_INSNS, p, err, sizeof(err)), 0);
	assert_int_equal(p->len, PKT_FILTER_MAX_INSNS);
	free(big);
}

/* Exactly the 49 opcodes libpcap's bpf_filter() runs are accepted, and each translates. */
static void test_from_cbpf_accepts_libpcap_set(void **state)
{
	struct state *s = *state;
	struct pkt_filter_cbpf_insn f[2];
	unsigned int accepted = 0;
	char err[256], what[32];

	for (unsigned int code = 0; code <= 0xffff; code++) {
		/* k = 1 keeps divisions and shifts legal; a JA must stay inside. */
		f[0] = CBPF(code, 0, 0, code == (BPF_JMP | BPF_JA) ? 0 : 1);
		f[1] = CBPF(BPF_RET | BPF_A, 0, 0, 0);
		if (pkt_filter_from_cbpf(f, 2, s->p, err, sizeof(err)))
			continue;
		accepted++;
		snprintf(what, sizeof(what), "opcode 0x%04x", code);
		gen_checked(s, what);
	}
	assert_int_equal(accepted, 49);
}

static void test_validate_catches_tampering(void **state)
{
	struct state *s = *state;
	struct pkt_filter_prog *p = s->p;
	struct pkt_filter_cbpf_insn saved;
	struct bpf_insn *out;
	char err[256] = "", want[128];
	__u32 j;

	assert_int_equal(pkt_filter_compile("udp port 53", PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);

	saved = p->insns[1];
	p->insns[1].code = BPF_LD | BPF_H | BPF_LEN;	/* no such load */
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 1: unsupported opcode 0x0088");
	/* The translator validates first: a tampered program never becomes eBPF. */
	out = calloc(pkt_filter_gen_max(p), sizeof(*out));
	assert_non_null(out);
	err[0] = '\0';
	assert_int_equal(pkt_filter_gen(p, &gen_cfg, out, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 1: unsupported opcode 0x0088");
	free(out);
	p->insns[1] = saved;

	saved = p->insns[p->len - 1];
	p->insns[p->len - 1] = CBPF(BPF_MISC | BPF_TAX, 0, 0, 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	assert_string_equal(err, "the last instruction is not a return");
	p->insns[p->len - 1] = saved;

	for (j = 0; BPF_CLASS(p->insns[j].code) != BPF_JMP || BPF_OP(p->insns[j].code) == BPF_JA;)
		j++;
	saved = p->insns[j];
	p->insns[j].jt = p->len - j - 1;	/* one past the last instruction */
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "instruction %u: jump outside the program", j);
	assert_string_equal(err, want);
	p->insns[j] = CBPF(BPF_JMP | BPF_JA, 0, 0, p->len - j - 1);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "instruction %u: jump to %u outside the program", j, p->len);
	assert_string_equal(err, want);
	p->insns[j] = saved;

	saved = p->insns[0];
	p->insns[0] = CBPF(BPF_LD | BPF_MEM, 0, 0, PKT_FILTER_MEMWORDS);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 0: scratch word 16 out of range");
	p->insns[0] = CBPF(BPF_STX, 0, 0, PKT_FILTER_MEMWORDS - 1);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
	p->insns[0] = saved;

	p->len = PKT_FILTER_MAX_INSNS + 1;
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	assert_string_equal(err, "4097 instructions, the in-kernel filter runs at most 4096");
	p->len = 0;
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
}

/* Realistic filters translate into programs of the promised shape. */
static void test_gen_structure(void **state)
{
	struct state *s = *state;
	char err[256] = "";
	size_t i;
	int n, slot_key = 0, slot_cb = 0, index = 0;

	for (i = 0; i < sizeof(gen_eth_filters) / sizeof(gen_eth_filters[0]) +
			sizeof(gen_raw_filters) / sizeof(gen_raw_filters[0]); i++) {
		bool eth = i < sizeof(gen_eth_filters) / sizeof(gen_eth_filters[0]);
		const char *expr = eth ? gen_eth_filters[i] :
				   gen_raw_filters[i - sizeof(gen_eth_filters) /
						   sizeof(gen_eth_filters[0])];

		if (pkt_filter_compile(expr, eth ? PKT_FILTER_LINKTYPE_ETHERNET :
					   PKT_FILTER_LINKTYPE_RAW, 0, s->p, err, sizeof(err)))
			fail_msg("%s", err);
		n = gen_checked(s, expr);
		/* Every cBPF packet load is still there, each behind its own check. */
		assert_int_equal(count_ebpf_loads(s->out, n), count_cbpf_loads(s->p));
		printf("  %-64s %3u cBPF -> %4d eBPF (max %zu)\n", expr, s->p->len, n,
		       pkt_filter_gen_max(s->p));
	}
	/* The slot goes to the counters key and cb[0], tail_index to the tail call. */
	for (int k = 0; k < n; k++) {
		const struct bpf_insn *in = &s->out[k];

		slot_key += in->code == (BPF_ST | BPF_MEM | BPF_W) && in->dst_reg == BPF_REG_10 &&
			    in->imm == (__s32)gen_cfg.slot;
		if (in->code == (BPF_STX | BPF_MEM | BPF_W) && in->dst_reg == BPF_REG_6 &&
		    in->off == offsetof(struct __sk_buff, cb[0]))
			slot_cb += k > 0 && s->out[k - 1].code == (BPF_ALU | BPF_MOV | BPF_K) &&
				   s->out[k - 1].dst_reg == in->src_reg &&
				   s->out[k - 1].imm == (__s32)gen_cfg.slot;
		if (in->code == (BPF_JMP | BPF_CALL) && in->imm == BPF_FUNC_tail_call)
			index += k > 0 && s->out[k - 1].code == (BPF_ALU | BPF_MOV | BPF_K) &&
				 s->out[k - 1].dst_reg == BPF_REG_3 &&
				 s->out[k - 1].imm == (__s32)gen_cfg.tail_index;
	}
	assert_int_equal(slot_key, 1);
	assert_int_equal(slot_cb, 1);
	assert_int_equal(index, 1);
}

/* Random programs (every opcode, odd operands, unreachable code) translate as well. */
static void test_gen_random_programs(void **state)
{
	struct state *s = *state;
	struct pkt_filter_cbpf_insn prog[CFLT_RANDOM_PROG_MAX];
	unsigned int failed = 0;
	uint32_t rng = SEED;
	char err[256], why[256];
	size_t total = 0;

	for (int i = 0; i < RANDOM_PROGRAMS; i++) {
		size_t n = cflt_random_program(prog, &rng);
		struct bpf_insn *out;
		int m, bad;

		if (pkt_filter_from_cbpf(prog, n, s->p, err, sizeof(err)))
			fail_msg("random program %d: %s", i, err);
		/* Exactly the promised room, so ASan sees an overrun. */
		out = malloc(pkt_filter_gen_max(s->p) * sizeof(*out));
		assert_non_null(out);
		m = pkt_filter_gen(s->p, &gen_cfg, out, err, sizeof(err));
		if (m < 0)
			fail_msg("random program %d: pkt_filter_gen: %s", i, err);
		total += m;
		bad = cflt_check_gen(s->p, &gen_cfg, out, m, why, sizeof(why));
		free(out);
		if (!bad)
			continue;
		if (failed++ < 3) {
			fprintf(stderr, "random program %d: %s\n", i, why);
			for (size_t k = 0; k < n; k++)
				fprintf(stderr, "  (%03zu) code 0x%02x jt %u jf %u k 0x%x\n", k,
					prog[k].code, prog[k].jt, prog[k].jf, prog[k].k);
		}
	}
	printf("  %d random programs: %zu eBPF instructions, %u malformed\n", RANDOM_PROGRAMS,
	       total, failed);
	assert_int_equal(failed, 0);
}

/*
 * A load the length check can never pass (offset + size beyond 2^31 - 1,
 * e.g. "ether[2147483647] = 1") rejects outright; what follows must not
 * become dead eBPF code the verifier refuses.
 */
static void test_gen_load_beyond_2g(void **state)
{
	struct state *s = *state;
	const struct pkt_filter_cbpf_insn far[] = {
		CBPF(BPF_LD | BPF_B | BPF_ABS, 0, 0, 0xfffffff0),
		CBPF(BPF_RET | BPF_A, 0, 0, 0),
	};
	char err[256];

	assert_int_equal(pkt_filter_compile("ether[2147483647] = 1", PKT_FILTER_LINKTYPE_ETHERNET,
					    0, s->p, err, sizeof(err)), 0);
	assert_true(is_insn(&s->p->insns[0], BPF_LD | BPF_B | BPF_ABS, 0x7fffffff));
	gen_checked(s, "ether[2147483647] = 1");
	assert_int_equal(pkt_filter_from_cbpf(far, 2, s->p, err, sizeof(err)), 0);
	gen_checked(s, "ldb [0xfffffff0]");
}

/*
 * The longest jumps: 4096 instructions, nearly all of the largest translation
 * (MSH), jumped over forwards and backwards. pkt_filter_gen() either writes a
 * program the kernel can take or refuses it with its own message, never one
 * whose jumps break when the kernel expands the loads.
 */
static void test_gen_largest_program(void **state)
{
	struct state *s = *state;
	struct pkt_filter_cbpf_insn *f = calloc(PKT_FILTER_MAX_INSNS, sizeof(*f));
	const int last = PKT_FILTER_MAX_INSNS - 1;
	struct bpf_insn *out;
	char err[256] = "", why[256] = "";
	int n;

	assert_non_null(f);
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, last - 2);
	for (int i = 1; i < last - 1; i++)
		f[i] = CBPF(BPF_LDX | BPF_MSH | BPF_B, 0, 0, i % 64);
	f[last - 1] = CBPF(BPF_JMP | BPF_JA, 0, 0, (__u32)-(last - 1));
	f[last] = CBPF(BPF_RET | BPF_A, 0, 0, 0);
	assert_int_equal(pkt_filter_from_cbpf(f, PKT_FILTER_MAX_INSNS, s->p, err, sizeof(err)), 0);
	free(f);
	out = malloc(pkt_filter_gen_max(s->p) * sizeof(*out));
	assert_non_null(out);
	n = pkt_filter_gen(s->p, &gen_cfg, out, err, sizeof(err));
	if (n >= 0 && cflt_check_gen(s->p, &gen_cfg, out, n, why, sizeof(why)) == 0)
		printf("  4096 cBPF -> %d eBPF (max %zu)\n", n, pkt_filter_gen_max(s->p));
	else if (n < 0)
		printf("  4096 cBPF refused: %s\n", err);
	free(out);
	if (n >= 0 && why[0])
		fail_msg("4096 instructions: %s", why);
	if (n < 0 && !strstr(err, "more than eBPF jumps reach"))
		fail_msg("4096 instructions: %s", err);
}

/* The structural checks are not vacuous: each broken program is caught. */
static void test_gen_checker_catches_mutations(void **state)
{
	struct state *s = *state;
	char err[256], why[256];
	int n, ld = -1, back = -1;
	struct bpf_insn saved;
	__s16 off;

	assert_int_equal(pkt_filter_compile("ip6 protochain 6 or tcp[((tcp[12:1] & 0xf0) >> 2):4] "
					    "= 0x47455420", PKT_FILTER_LINKTYPE_ETHERNET, 0, s->p,
					    err, sizeof(err)), 0);
	n = gen_checked(s, "mutation base");
	for (int i = 0; i < n; i++) {
		if (ld < 0 && s->out[i].code == (BPF_LD | BPF_ABS | BPF_H))
			ld = i;
		if (back < 0 && s->out[i].code == (BPF_JMP | BPF_JA) && s->out[i].off < 0)
			back = i;
	}
	assert_true(ld > 1 && back > 2);

	/* A length check one byte short. */
	s->out[ld - 1].imm--;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "without a length check"));
	s->out[ld - 1].imm++;
	/* A length check that does not go to the reject block. */
	off = s->out[ld - 1].off;
	s->out[ld - 1].off = 0;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	s->out[ld - 1].off = off;
	/* No length check at all. */
	s->out[ld - 2] = s->out[ld - 1] = (struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_K,
							     .dst_reg = BPF_REG_1 };
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	printf("  no length check: %s\n", why);
	snprintf(err, sizeof(err), "insn %d: ", ld);
	assert_ptr_equal(strstr(why, err), why);
	n = gen_checked(s, "mutation base");
	/* Dead code: the check rejects unconditionally, the load stays behind. */
	saved = s->out[ld - 1];
	s->out[ld - 1].code = BPF_JMP | BPF_JA;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unreachable"));
	s->out[ld - 1] = saved;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), 0);
	/* A loop without its bound. */
	saved = s->out[back - 1];
	s->out[back - 1].imm = 1000;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "backward jump without a bound"));
	s->out[back - 1] = saved;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), 0);
	/* A jump out of the program. */
	s->out[back].off = n;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "outside the program"));
	s->out[back].off = -back - 2;
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n, why, sizeof(why)), -1);
	/* Falling off the end, and a bound above pkt_filter_gen_max(). */
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, n - 1, why, sizeof(why)), -1);
	assert_int_equal(cflt_check_gen(s->p, &gen_cfg, s->out, (int)pkt_filter_gen_max(s->p) + 1,
					why, sizeof(why)), -1);
}

/* The extcap validates capture filters unprivileged: compile as nobody. */
static void test_compiles_without_privileges(void **state)
{
	struct pkt_filter_prog *p = ((struct state *)*state)->p;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];

		if (setgid(65534) || setuid(65534) || geteuid() == 0)
			_exit(2);
		_exit(pkt_filter_compile("tcp and host 10.99.7.3", PKT_FILTER_LINKTYPE_ETHERNET,
					 0, p, err, sizeof(err)) || p->len == 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_compile_typical),
		TEST(test_compile_raw_linktype),
		TEST(test_empty_accepts_all),
		TEST(test_bad_filter_gives_libpcap_message),
		TEST(test_too_long),
		TEST(test_protochain_has_a_backward_jump),
		TEST(test_from_cbpf_rejects),
		TEST(test_from_cbpf_accepts_libpcap_set),
		TEST(test_validate_catches_tampering),
		TEST(test_gen_structure),
		TEST(test_gen_random_programs),
		TEST(test_gen_load_beyond_2g),
		TEST(test_gen_largest_program),
		TEST(test_gen_checker_catches_mutations),
		TEST(test_compiles_without_privileges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
