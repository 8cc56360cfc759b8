// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pkt_filter_compile / pkt_filter_from_cbpf / pkt_filter_validate without the
 * kernel: what libpcap's output turns into, the errors a user sees, and the
 * programs the interpreter must never be handed. Needs no privileges.
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
#include <linux/filter.h>

#include "pkt_filter.h"

#define CBPF(c, t, f, kk) \
	((struct pkt_filter_cbpf_insn){ .code = (c), .jt = (t), .jf = (f), .k = (kk) })

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct pkt_filter_prog));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static bool is_ret(const struct pkt_filter_insn *in)
{
	return in->op == PKT_FILTER_OP_RET_K || in->op == PKT_FILTER_OP_RET_A;
}

static void test_compile_typical(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[256] = "";

	assert_int_equal(pkt_filter_compile("tcp port 80", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), 0);
	assert_true(p->len > 5 && p->len < 40);
	assert_int_equal(p->max_steps, p->len);
	/* libpcap's accept returns the snap length: 262144 unless told otherwise. */
	assert_true(is_ret(&p->insns[p->len - 1]));
	assert_int_equal(p->insns[0].op, PKT_FILTER_OP_LD_PKT);
	assert_int_equal(p->insns[0].k, 12);	/* the ethertype */
	assert_int_equal(p->insns[0].jt, 1);	/* a halfword */

	assert_int_equal(pkt_filter_compile("udp", PKT_FILTER_LINKTYPE_ETHERNET, 96, p, err,
					    sizeof(err)), 0);
	assert_true(p->insns[p->len - 2].op == PKT_FILTER_OP_RET_K);
	assert_int_equal(p->insns[p->len - 2].k, 96);
}

static void test_compile_raw_linktype(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[256] = "";

	/* Raw IP starts at the IP header: the version nibble, not an ethertype. */
	assert_int_equal(pkt_filter_compile("ip", PKT_FILTER_LINKTYPE_RAW, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(p->insns[0].op, PKT_FILTER_OP_LD_PKT);
	assert_int_equal(p->insns[0].k, 0);
	assert_int_equal(p->insns[0].jt, 0);	/* a byte */
	assert_int_equal(pkt_filter_compile("vlan", PKT_FILTER_LINKTYPE_RAW, 0, p, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "'vlan'"));
	assert_non_null(strstr(err, "no VLAN support for Raw IP"));
	assert_int_equal(pkt_filter_slot_linktype(PKT_FILTER_SLOT_ETH), 1);
	assert_int_equal(pkt_filter_slot_linktype(PKT_FILTER_SLOT_RAW), 101);
	assert_int_equal(pkt_filter_slot_linktype(PKT_FILTER_NR_SLOTS), -1);
}

static void test_empty_accepts_all(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[64] = "";

	p->len = 7;
	assert_int_equal(pkt_filter_compile(NULL, PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(p->len, 0);
	p->len = 7;
	assert_int_equal(pkt_filter_compile(" \t\n", PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(p->len, 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
}

static void test_bad_filter_gives_libpcap_message(void **state)
{
	struct pkt_filter_prog *p = *state;
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
	struct pkt_filter_prog *p = *state;
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
	assert_non_null(strstr(err, "instructions, the in-kernel filter runs at most 4096"));
	assert_int_equal(p->len, 0);
}

static void test_protochain_gets_a_step_budget(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[256] = "";
	uint32_t i;
	bool backward = false;

	assert_int_equal(pkt_filter_compile("ip6 protochain 6", PKT_FILTER_LINKTYPE_ETHERNET, 0, p,
					    err, sizeof(err)), 0);
	for (i = 0; i < p->len; i++)
		backward |= p->insns[i].op == PKT_FILTER_OP_JA && (int32_t)p->insns[i].k < 0;
	assert_true(backward);
	assert_int_equal(p->max_steps, p->len * (PKT_FILTER_MAX_BACKJUMPS + 1));
}

static void test_from_cbpf_rejects(void **state)
{
	struct pkt_filter_prog *p = *state;
	struct pkt_filter_cbpf_insn f[4];
	char err[256] = "";

	f[0] = CBPF(BPF_LD | BPF_H | BPF_ABS, 0, 0, 12);
	f[1] = CBPF(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x800);
	f[2] = CBPF(BPF_RET | BPF_K, 0, 0, 65535);
	f[3] = CBPF(BPF_RET | BPF_K, 0, 0, 0);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), 0);
	assert_int_equal(p->len, 4);
	assert_int_equal(p->insns[1].op, PKT_FILTER_OP_JEQ);
	assert_int_equal(p->insns[1].jf, 1);

	f[1].jf = 2;	/* past the end */
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 1: jump outside the program");
	assert_int_equal(p->len, 0);
	f[1].jf = 1;

	f[0].code = 0xffff;
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 0: unsupported opcode 0xffff");
	f[0].code = BPF_RET | BPF_X;	/* not in libpcap's instruction set */
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	f[0].code = BPF_ALU | BPF_NEG | BPF_X;
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	f[0] = CBPF(BPF_ST, 0, 0, 16);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 0: scratch word 16 out of range");
	f[0] = CBPF(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_string_equal(err, "instruction 0: division by constant 0");
	f[0] = CBPF(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 32);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, (uint32_t)-1);	/* jumps to itself */
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the program"));
	f[0] = CBPF(BPF_JMP | BPF_JA, 0, 0, 5);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	f[0] = CBPF(BPF_LD | BPF_IMM, 0, 0, 1);
	f[3] = CBPF(BPF_LD | BPF_IMM, 0, 0, 1);
	assert_int_equal(pkt_filter_from_cbpf(f, 4, p, err, sizeof(err)), -1);
	assert_string_equal(err, "the last instruction is not a return");
	assert_int_equal(pkt_filter_from_cbpf(f, 0, p, err, sizeof(err)), -1);
}

static void test_validate_catches_tampering(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[256] = "";

	assert_int_equal(pkt_filter_compile("udp port 53", PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), 0);
	p->max_steps++;
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	p->max_steps--;
	p->insns[0].jt = 2;	/* a 3-byte load does not exist */
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	p->insns[0].jt = 1;
	p->insns[1].op = PKT_FILTER_OP_NR;
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	p->len = PKT_FILTER_MAX_INSNS + 1;
	assert_int_equal(pkt_filter_validate(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 4096"));
	assert_int_equal(pkt_filter_install(-1, PKT_FILTER_SLOT_ETH, p, err, sizeof(err)), -1);
}

static void test_install_needs_a_map(void **state)
{
	struct pkt_filter_prog *p = *state;
	char err[256] = "";

	assert_int_equal(pkt_filter_compile("arp", PKT_FILTER_LINKTYPE_ETHERNET, 0, p, err,
					    sizeof(err)), 0);
	assert_int_equal(pkt_filter_install(-1, PKT_FILTER_SLOT_ETH, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "filter map (fd -1): "));
}

/* The extcap validates capture filters unprivileged: compile as nobody. */
static void test_compiles_without_privileges(void **state)
{
	struct pkt_filter_prog *p = *state;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compile_typical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_raw_linktype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_accepts_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_filter_gives_libpcap_message, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protochain_gets_a_step_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_from_cbpf_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_catches_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_needs_a_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compiles_without_privileges, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
