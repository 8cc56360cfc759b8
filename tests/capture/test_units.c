// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the capture helper's pure parts: option parsing, the
 * tcpdump-like summaries, argv joining, the process table and the identity
 * filters. No root, no BPF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "identity.h"
#include "options.h"
#include "packet_text.h"
#include "proc_table.h"

static int parse(struct ctrcap_opts *o, int argc, const char **argv)
{
	return ctrcap_opts_parse(argc, (char **)argv, o);
}

static void test_opts_ifaces_filter_cmd(void **state)
{
	const char *argv[] = { "ctrcap", "-i", "eth0@web", "-i", "lo", "-w", "-", "-U", "-c", "5",
			       "--pid", "42", "tcp", "port", "80", "--", "wget", "-q" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 18, argv), 0);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0].name, "eth0");
	assert_string_equal(o.ifaces[0].netns, "web");
	assert_string_equal(o.ifaces[1].name, "lo");
	assert_string_equal(o.ifaces[1].netns, "");
	assert_false(o.any);
	assert_true(o.flush_each);
	assert_int_equal(o.count, 5);
	assert_int_equal(o.n_pids, 1);
	assert_int_equal(o.pids[0], 42);
	assert_string_equal(o.filter, "tcp port 80");
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "wget");
	assert_string_equal(o.cmd[1], "-q");
	ctrcap_opts_free(&o);
}

static void test_opts_defaults_and_errors(void **state)
{
	const char *def[] = { "ctrcap" };
	const char *bad_c[] = { "ctrcap", "-c", "abc" };
	const char *zero_c[] = { "ctrcap", "-c", "0" };
	const char *bad_q[] = { "ctrcap", "-Q", "sideways" };
	const char *rot[] = { "ctrcap", "-C", "10" };
	const char *long_if[] = { "ctrcap", "-i", "averyveryverylongname0" };
	const char *dash_end[] = { "ctrcap", "--" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 1, def), 0);
	assert_true(o.any);
	assert_int_equal(o.snaplen, 262144);
	assert_int_equal(o.dir_mask, 3);
	assert_null(o.filter);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, bad_c), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, zero_c), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, bad_q), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, rot), -1); /* -C needs -w FILE */
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, long_if), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, dash_end), -1);
	ctrcap_opts_free(&o);
}

/* Ethernet + IPv4 + TCP SYN 10.99.1.1:40000 -> 10.99.1.2:80, seq 1000. */
static const uint8_t syn_frame[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
	0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 99, 1, 1, 10, 99, 1, 2,
	0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

static void test_summary_tcp_syn(void **state)
{
	struct ctrcap_text_pkt p = { .linktype = 1, .data = syn_frame,
				     .caplen = sizeof(syn_frame), .len = sizeof(syn_frame) };
	char buf[256];

	(void)state;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP 10.99.1.1.40000 > 10.99.1.2.80: Flags [S], seq 1000, "
				 "win 65535, length 0");
	/* Truncated: never reads past caplen. */
	p.caplen = 20;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP truncated");
	p.caplen = 5;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "truncated Ethernet, length 54");
}

static void test_summary_arp_and_raw_udp6(void **state)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 1, 0, 1, 2, 3, 4, 5, 10, 99, 1, 1, 0, 0, 0, 0, 0, 0,
		10, 99, 1, 2,
	};
	uint8_t udp6[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	struct ctrcap_text_pkt p = { .linktype = 1, .data = arp, .caplen = sizeof(arp),
				     .len = 42 };
	char buf[256];

	(void)state;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "ARP, Request who-has 10.99.1.2 tell 10.99.1.1, length 42");
	udp6[23] = 1;	/* src ::1 */
	udp6[39] = 2;	/* dst ::2 */
	udp6[40] = 0x1f;
	udp6[41] = 0x40; /* 8000 */
	udp6[43] = 53;
	udp6[45] = 8;	/* udp length 8 */
	p = (struct ctrcap_text_pkt){ .linktype = 101, .data = udp6, .caplen = 48, .len = 48 };
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP6 ::1.8000 > ::2.53: UDP, length 0");
}

static void test_args_join(void **state)
{
	char out[16];

	(void)state;
	ctrcap_args_join("wget\0-q\0x\0", 10, out, sizeof(out));
	assert_string_equal(out, "wget -q x");
	ctrcap_args_join("abcdefghijklmnopqrstuvwxyz", 26, out, sizeof(out));
	assert_string_equal(out, "abcdefghijklmno");
	ctrcap_args_join("", 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_proc_table_exec_fork_exit(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3000001, .ppid = 3000000,
				       .uid = 7, .args_len = 9 };
	const struct ctrcap_proc *p;

	(void)state;
	assert_non_null(t);
	strcpy(e.comm, "wget");
	strcpy(e.exe, "/usr/bin/wget");
	memcpy(e.args, "wget\0-q\0\0", 9);
	ctrcap_proc_on_exec(t, &e);
	ctrcap_proc_on_fork(t, 3000002, 3000001);
	ctrcap_proc_on_exit(t, 3000001, 1000);
	p = ctrcap_proc_get(t, 3000001);
	assert_non_null(p);
	assert_string_equal(p->exe, "/usr/bin/wget");
	assert_string_equal(p->args, "wget -q");
	p = ctrcap_proc_get(t, 3000002);
	assert_non_null(p);
	assert_string_equal(p->exe, "/usr/bin/wget"); /* inherited at fork */
	assert_int_equal(p->ppid, 3000001);
	assert_true(ctrcap_proc_descends(t, 3000002, 3000001));
	assert_false(ctrcap_proc_descends(t, 3000001, 3000002));
	/* Kept for late packets, then forgotten. */
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS / 2);
	assert_non_null(ctrcap_proc_get(t, 3000001));
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
	assert_null(ctrcap_proc_get(t, 3000001));
	ctrcap_proc_table_free(t);
}

static void test_identity_match(void **state)
{
	struct ctrcap_ident_buf b = { 0 };
	const char *argv[] = { "ctrcap", "--comm", "wget", "--container-id", "78f1" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 5, argv), 0);
	b.id.present = CTRCAP_HAS_PID;
	b.id.pid = 5;
	b.id.comm = (struct ctrcap_str){ "wget", 4 };
	b.id.ctr_id = (struct ctrcap_str){ "78f1713c7d0f", 12 };
	assert_true(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.ctr_id = (struct ctrcap_str){ "78f", 3 }; /* shorter than the prefix */
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.ctr_id = (struct ctrcap_str){ "78f1713c7d0f", 12 };
	b.id.comm = (struct ctrcap_str){ "wgetx", 5 };
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.comm = (struct ctrcap_str){ NULL, 0 };
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	ctrcap_opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_ifaces_filter_cmd),
		cmocka_unit_test(test_opts_defaults_and_errors),
		cmocka_unit_test(test_summary_tcp_syn),
		cmocka_unit_test(test_summary_arp_and_raw_udp6),
		cmocka_unit_test(test_args_join),
		cmocka_unit_test(test_proc_table_exec_fork_exit),
		cmocka_unit_test(test_identity_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
