// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the capture helper's pure parts: option parsing, the
 * tcpdump-like summaries, argv joining, the process table and the identity
 * filters. No root, no BPF.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hops.h"
#include "identity.h"
#include "netns.h"
#include "options.h"
#include "packet_text.h"
#include "proc_table.h"
#include "iface_container.h"

static int parse(struct ctrcap_opts *o, int argc, const char **argv)
{
	return ctrcap_opts_parse(argc, (char **)argv, o);
}

static void test_opts_ifaces_filter_cmd(void **state)
{
	const char *argv[] = { "ctrcap", "-i", "eth0@web", "-i", "lo", "-w", "-", "-U", "-c", "5",
			       "--pid", "42", "-Z", "alice", "tcp", "port", "80", "--", "wget",
			       "-q" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 20, argv), 0);
	assert_string_equal(o.run_as, "alice");
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0].name, "eth0");
	assert_string_equal(o.ifaces[0].netns, "web");
	assert_string_equal(o.ifaces[1].name, "lo");
	assert_string_equal(o.ifaces[1].netns, "");
	assert_false(o.any);
	assert_true(o.out.flush_each);
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

/* A full table refuses new processes and counts each one; exits make room again. */
static void test_proc_table_full_counted(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3999999, .ppid = 1 };
	const uint32_t first_refused = 4000000 + CTRCAP_PROC_MAX - 1;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	strcpy(e.comm, "sh");
	strcpy(e.exe, "/bin/sh");
	ctrcap_proc_on_exec(t, &e);
	for (i = 0; i < CTRCAP_PROC_MAX + 4; i++)
		ctrcap_proc_on_fork(t, 4000000 + i, e.tgid);
	assert_int_equal(ctrcap_proc_table_untracked(t), 5);
	assert_non_null(ctrcap_proc_get(t, 4000000));
	assert_null(ctrcap_proc_get(t, first_refused));
	/* Forks of a known process on a full table: counted, nothing overwritten. */
	ctrcap_proc_on_fork(t, first_refused + 9, 4000000);
	assert_int_equal(ctrcap_proc_table_untracked(t), 6);
	assert_int_equal(ctrcap_proc_get(t, 4000000)->ppid, e.tgid);
	/* Exited processes leave after their linger time and make room. */
	for (i = 0; i < 10; i++)
		ctrcap_proc_on_exit(t, 4000000 + i, 1000);
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
	ctrcap_proc_on_fork(t, first_refused, e.tgid);
	assert_non_null(ctrcap_proc_get(t, first_refused));
	assert_int_equal(ctrcap_proc_table_untracked(t), 6);
	ctrcap_proc_table_free(t);
}

/* gc deletes in place: every process left is still found, in a table of long probe runs. */
static void test_proc_table_gc_keeps_others(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3999999, .ppid = 1 };
	const uint32_t n = CTRCAP_PROC_MAX - 1;
	uint32_t i, round, seed = 1;
	static bool alive[CTRCAP_PROC_MAX];

	(void)state;
	assert_non_null(t);
	strcpy(e.exe, "/bin/sh");
	ctrcap_proc_on_exec(t, &e);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			if (!alive[i]) {
				ctrcap_proc_on_fork(t, 5000000 + i, e.tgid);
				alive[i] = true;
			}
		}
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0) {
				ctrcap_proc_on_exit(t, 5000000 + i, 1000);
				alive[i] = false;
			}
		}
		ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
		for (i = 0; i < n; i++) {
			const struct ctrcap_proc *p = alive[i] ? ctrcap_proc_get(t, 5000000 + i) : NULL;

			if (alive[i] && (!p || p->pid != 5000000 + i))
				fail_msg("round %u: pid %u lost by gc", round, 5000000 + i);
		}
	}
	assert_int_equal(ctrcap_proc_table_untracked(t), 0);
	ctrcap_proc_table_free(t);
}

/* -i IFACE@CONTAINER: a name, a unique id prefix, pod:NS/NAME; running ones only. */
static void test_container_pick(void **state)
{
	static struct ctr_info v[4];
	char err[400];

	(void)state;
	memset(v, 0, sizeof(v));
	strcpy(v[0].id, "78f1aa");
	strcpy(v[0].name, "web");
	v[0].pid = 10;
	strcpy(v[0].pod_namespace, "shop");
	strcpy(v[0].pod_name, "shop-0");
	strcpy(v[1].id, "78f2bb");
	strcpy(v[1].name, "db");
	v[1].pid = 20;
	strcpy(v[2].id, "c0ffee");
	strcpy(v[2].name, "stopped");
	strcpy(v[3].id, "db");	/* an id that is another one's name: names win */
	strcpy(v[3].name, "other");
	v[3].pid = 40;

	assert_int_equal(ctrcap_container_pick(v, 4, "web", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_container_pick(v, 4, "db", err, sizeof(err)), 1);
	assert_int_equal(ctrcap_container_pick(v, 4, "78f2", err, sizeof(err)), 1);
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop/shop-0", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_container_pick(v, 4, "78f", err, sizeof(err)), -1);
	assert_string_equal(err, "container id prefix '78f' matches 2 containers (web, db)");
	assert_int_equal(ctrcap_container_pick(v, 4, "stopped", err, sizeof(err)), -1);
	assert_string_equal(err, "no network namespace or running container named 'stopped'");
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop/shop-1", err, sizeof(err)), -1);
	assert_string_equal(err, "no running pod shop/shop-1");
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop", err, sizeof(err)), -1);
	assert_string_equal(err, "'pod:shop' is not pod:NAMESPACE/NAME");
	assert_int_equal(ctrcap_container_pick(v, 4, "", err, sizeof(err)), -1);
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

/* tcpdump's and ptcpdump's long names, --count, and what -r takes or refuses. */
static void test_opts_long_names_and_read(void **state)
{
	const char *longs[] = { "ctrcap", "--interface", "lo", "--write-file", "f",
				"--receive-count", "3", "--snapshot-length", "100",
				"--packet-buffered", "--direction", "in", "--pname", "curl",
				"--verbose", "--number", "--print" };
	const char *count[] = { "ctrcap", "-r", "x", "--count" };
	const char *imm[] = { "ctrcap", "--immediate-mode" };
	const char *rw[] = { "ctrcap", "--read-file", "in", "-w", "out", "-C", "1", "--file-count",
			     "2" };
	const char *r_s[] = { "ctrcap", "-r", "x", "-s", "100" };
	const char *r_eng[] = { "ctrcap", "-r", "x", "--podman-state", "/p" };
	const char *count_w[] = { "ctrcap", "-r", "x", "--count", "-w", "y" };
	const char *print_stdout[] = { "ctrcap", "--print", "-w", "-" };
	const char *no_value[] = { "ctrcap", "--container-id" };
	const char *count_value[] = { "ctrcap", "--count=1" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 17, longs), 0);
	assert_int_equal(o.n_ifaces, 1);
	assert_string_equal(o.ifaces[0].name, "lo");
	assert_string_equal(o.out.path, "f");
	assert_int_equal(o.count, 3);
	assert_int_equal(o.snaplen, 100);
	assert_true(o.out.flush_each);
	assert_int_equal(o.dir_mask, 1);
	assert_int_equal(o.comms.n, 1);
	assert_string_equal(o.comms.v[0], "curl");
	assert_int_equal(o.verbose, 1);
	assert_true(o.number);
	assert_true(o.print);
	assert_false(o.count_only);
	assert_string_equal(o.live_only, "-i");
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 4, count), 0);
	assert_true(o.count_only);
	assert_int_equal(o.count, 0);
	assert_null(o.live_only);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, imm), 0);
	assert_true(o.out.flush_each);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 9, rw), 0);
	assert_string_equal(o.read_path, "in");
	assert_string_equal(o.out.path, "out");
	assert_int_equal(o.out.rotate_bytes, 1000000);
	assert_int_equal(o.out.max_files, 2);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, r_s), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, r_eng), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 6, count_w), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 4, print_stdout), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, no_value), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, count_value), -1);
	ctrcap_opts_free(&o);
}

/* Engine paths: absolute, once, and refused for any invoker but root. */
static void test_opts_engine_paths(void **state)
{
	const char *ok[] = { "ctrcap", "--docker-sock", "/d.sock", "--docker-root", "/d",
			     "--containerd-state", "/c", "--crio-state", "/r:/g",
			     "--podman-state", "/p" };
	const char *rel[] = { "ctrcap", "--podman-state", "p" };
	const char *twice[] = { "ctrcap", "--docker-root", "/a", "--docker-root", "/b" };
	const char *none[] = { "ctrcap", "-i", "lo" };
	struct ctrcap_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, 11, ok), 0);
	assert_string_equal(o.docker_sock, "/d.sock");
	assert_string_equal(o.docker_root, "/d");
	assert_string_equal(o.containerd_state, "/c");
	assert_string_equal(o.crio_state, "/r:/g");
	assert_string_equal(o.podman_state, "/p");
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 0, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--docker-sock is for root only"));
	assert_non_null(strstr(err, "uid 1000"));
	o.docker_sock = o.docker_root = o.containerd_state = o.crio_state = NULL;
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--podman-state is for root only"));
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, none), 0);
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), 0);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, rel), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, twice), -1);
	ctrcap_opts_free(&o);
}

/*
 * The kernel's path of the file run wins over the name exec was given, for a
 * process already gone too (runc's and busybox's /proc/self/exe re-execs).
 */
static void test_proc_table_exec_path(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 0x7fffffe0, .ppid = 1,
				       .args_len = 4 };
	const struct ctrcap_proc *p;
	size_t i;

	(void)state;
	assert_non_null(t);
	strcpy(e.exe, "/proc/self/exe");
	memcpy(e.args, "wget", 4);
	memcpy(e.path, "busybox\0bin\0", 12);
	e.path_len = 12;
	ctrcap_proc_on_exec(t, &e);
	p = ctrcap_proc_get(t, e.tgid);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/busybox");
	assert_string_equal(p->args, "wget");
	/* A file of no directory (runc's memfd copy of itself) is its name. */
	e.path_len = sizeof("memfd:runc_cloned");
	memcpy(e.path, "memfd:runc_cloned", e.path_len);
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/memfd:runc_cloned");
	/* No path (the walk gave up), a malformed one or one too long: exec's name. */
	strcpy(e.exe, "/usr/bin/wget");
	e.path_len = 0;
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/usr/bin/wget");
	memcpy(e.path, "bin\0\0", 5);
	e.path_len = 5;
	strcpy(e.exe, "/bin/a");
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/bin/a");
	memcpy(e.path, "busybox", 7);
	e.path_len = 7;
	strcpy(e.exe, "/bin/b");
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/bin/b");
	/* 25 components of 10 bytes: 275 characters do not fit in 255. */
	for (i = 0; i < 25; i++)
		memcpy(e.path + i * 11, "123456789a", 11);
	e.path_len = 25 * 11;
	strcpy(e.exe, "/bin/c");
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/bin/c");
	/* 23 of them, 253 characters, do; a path_len past the buffer is cut to it. */
	e.path_len = 23 * 11;
	ctrcap_proc_on_exec(t, &e);
	assert_int_equal(strlen(p->exe), 23 * 11);
	assert_memory_equal(p->exe, "/123456789a/", 12);
	e.path_len = 0xffffffff;
	memset(e.path, 'x', sizeof(e.path));
	strcpy(e.exe, "/bin/d");
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, "/bin/d");
	ctrcap_proc_table_free(t);
}

/* busybox applets exec /proc/self/exe: the table keeps the real executable. */
static void test_proc_table_self_exe(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = (uint32_t)getpid(),
				       .ppid = 1, .args_len = 3 };
	const struct ctrcap_proc *p;
	char real[CTRCAP_EXE_LEN] = "";
	uint32_t gen;

	(void)state;
	assert_non_null(t);
	assert_true(readlink("/proc/self/exe", real, sizeof(real) - 1) > 0);
	strcpy(e.comm, "wget");
	strcpy(e.exe, "/proc/self/exe");
	memcpy(e.args, "wget", 3);
	ctrcap_proc_on_exec(t, &e);
	p = ctrcap_proc_get(t, e.tgid);
	assert_non_null(p);
	assert_string_equal(p->exe, real);
	/* Relative names too. */
	gen = p->gen;
	strcpy(e.exe, "./wget");
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(p->exe, real);
	assert_int_not_equal(p->gen, gen);
	/* A process already gone keeps what exec was given. */
	e.tgid = 0x7ffffff0;
	ctrcap_proc_on_exec(t, &e);
	assert_string_equal(ctrcap_proc_get(t, e.tgid)->exe, "./wget");
	ctrcap_proc_table_free(t);
}

/* Build e's identity and return its (cached) record, checking it against a fresh encoding. */
static uint32_t record_of(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
			  struct ctrcap_ident_buf *b, uint8_t *out)
{
	static uint8_t fresh[CTRCAP_RECORD_MAX];
	const uint8_t *rec;
	uint32_t len;
	int n;

	ctrcap_ident_build(x, e, b);
	assert_int_equal(ctrcap_ident_record(x, b, &rec, &len), 0);
	n = ctrcap_record_encode(&b->id, fresh, sizeof(fresh));
	assert_int_equal(n, len);
	assert_memory_equal(rec, fresh, len);
	memcpy(out, rec, len);
	return len;
}

/* The encoded record is reused while the identity is unchanged, and only then. */
static void test_record_cache(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event ex = { .type = CTRCAP_EV_EXEC, .tgid = 3000101, .ppid = 3000100,
					.uid = 7, .args_len = 9 };
	struct ctrcap_pkt_event e = { .type = CTRCAP_EV_PACKET, .netns = 4026531840u,
				      .attribution = CTRCAP_ATTR_SOCKET,
				      .owner = { .tgid = 3000101, .tid = 3000101, .uid = 7,
						 .cgroup_id = 1234 } };
	static struct ctrcap_ident_buf b;
	static uint8_t r1[CTRCAP_RECORD_MAX], r2[CTRCAP_RECORD_MAX];
	struct ctrcap_identity d;
	struct ctrcap_ident *x;
	uint64_t hits, misses;
	uint32_t l1, l2;
	char err[128];

	(void)state;
	assert_non_null(t);
	x = ctrcap_ident_new(t, NULL, "");
	assert_non_null(x);
	strcpy(ex.comm, "wget");
	strcpy(ex.exe, "/usr/bin/wget");
	memcpy(ex.args, "wget\0-q\0\0", 9);
	ctrcap_proc_on_exec(t, &ex);
	strcpy(e.owner.comm, "wget");

	l1 = record_of(x, &e, &b, r1);
	l2 = record_of(x, &e, &b, r2);
	assert_int_equal(l1, l2);
	assert_memory_equal(r1, r2, l1);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);

	/* Each change is a new record: exec, thread, attribution, netns. */
	strcpy(ex.exe, "/usr/bin/curl");
	ctrcap_proc_on_exec(t, &ex);
	l2 = record_of(x, &e, &b, r2);
	assert_int_equal(ctrcap_record_decode(r2, l2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.exe.len, strlen("/usr/bin/curl"));
	assert_memory_equal(d.exe.ptr, "/usr/bin/curl", d.exe.len);
	e.owner.tid = 3000102;
	record_of(x, &e, &b, r2);
	e.attribution = CTRCAP_ATTR_FLOW;
	record_of(x, &e, &b, r2);
	e.netns = 4026531841u;
	record_of(x, &e, &b, r2);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 5);
	/* And unchanged again: reused. */
	record_of(x, &e, &b, r2);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 2);
	ctrcap_ident_free(x);
	ctrcap_proc_table_free(t);
}

/*
 * A namespace path that opens another namespace than the one listed (a
 * /proc/PID path whose pid was reused) is refused before setns.
 */
static void test_netns_enter_checks_inode(void **state)
{
	struct ctrcap_netns ns = { .path = "/proc/self/ns/net" };

	(void)state;
	assert_int_equal(ctrcap_netns_init(), 0);
	ns.ino = ctrcap_netns_ino(ns.path) + 1;
	errno = 0;
	assert_int_equal(ctrcap_netns_enter(&ns), -1);
	assert_int_equal(errno, ESTALE);
	/* The namespace it names is entered (setns needs root). */
	if (geteuid() == 0) {
		ns.ino = ctrcap_netns_ino(ns.path);
		assert_int_equal(ctrcap_netns_enter(&ns), 0);
		assert_int_equal(ctrcap_netns_leave(), 0);
	}
}

/*
 * --hops table: first keeps one copy per id; container prefers a container
 * hop, skips host veths/bridges, keeps a host-only packet at its first hop;
 * an id is new again after the hop window; a full table shows a packet
 * twice rather than hiding one.
 */
static void test_hops_keep(void **state)
{
	struct ctrcap_hops *f = ctrcap_hops_new(CTRCAP_HOPS_FIRST);
	struct ctrcap_hops *c = ctrcap_hops_new(CTRCAP_HOPS_CONTAINER);
	const uint64_t win = 1000000000ull;

	(void)state;
	assert_int_equal(ctrcap_hops_parse("container"), CTRCAP_HOPS_CONTAINER);
	assert_int_equal(ctrcap_hops_parse("every"), -1);
	assert_true(ctrcap_hops_keep(f, 7, 100, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(f, 7, 200, CTRCAP_HOP_CONTAINER));
	assert_true(ctrcap_hops_keep(f, 7, 100 + win, CTRCAP_HOP_CONTAINER));
	/* host to container: bridge and veth left out, the receiver's eth0 kept */
	assert_false(ctrcap_hops_keep(c, 9, 100, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(c, 9, 110, CTRCAP_HOP_PLUMBING));
	assert_true(ctrcap_hops_keep(c, 9, 120, CTRCAP_HOP_CONTAINER));
	/* container to container: the sender's eth0, then nothing */
	assert_true(ctrcap_hops_keep(c, 10, 100, CTRCAP_HOP_CONTAINER));
	assert_false(ctrcap_hops_keep(c, 10, 110, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(c, 10, 120, CTRCAP_HOP_CONTAINER));
	/* lo: out kept, in left out */
	assert_true(ctrcap_hops_keep(c, 11, 100, CTRCAP_HOP_HOST));
	assert_false(ctrcap_hops_keep(c, 11, 110, CTRCAP_HOP_HOST));
	assert_int_equal(ctrcap_hops_skipped(c), 5);
	/* more live ids than slots: old ones are forgotten, so shown again */
	for (uint64_t id = 100; id < 100 + 2 * CTRCAP_HOPS_SLOTS; id++)
		assert_true(ctrcap_hops_keep(f, id, 500, CTRCAP_HOP_HOST));
	assert_true(ctrcap_hops_keep(f, 100, 600, CTRCAP_HOP_HOST));
	ctrcap_hops_free(f);
	ctrcap_hops_free(c);
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
		cmocka_unit_test(test_proc_table_full_counted),
		cmocka_unit_test(test_proc_table_gc_keeps_others),
		cmocka_unit_test(test_container_pick),
		cmocka_unit_test(test_identity_match),
		cmocka_unit_test(test_opts_long_names_and_read),
		cmocka_unit_test(test_opts_engine_paths),
		cmocka_unit_test(test_proc_table_exec_path),
		cmocka_unit_test(test_proc_table_self_exe),
		cmocka_unit_test(test_record_cache),
		cmocka_unit_test(test_netns_enter_checks_inode),
		cmocka_unit_test(test_hops_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
