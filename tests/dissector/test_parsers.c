// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the dissector's epan-free parsers: the record TLV walk
 * (against records made by ctrcap_common's encoder and by hand) and the
 * ptcpdump comment/label readers, and ptcpdump's comments as the identity
 * `ctrcap -r` prints and filters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctrcap/record.h"
#include "ctrcap_tlv.h"
#include "ctrcap/ptcpdump_identity.h"
#include "ctrcap/ptcpdump_text.h"

static struct ctrcap_str S(const char *s)
{
	struct ctrcap_str v = { s, (uint16_t)strlen(s) };

	return v;
}

/* Every TLV the project's encoder writes is walked, with the right kind and size. */
static void test_walk_encoder_output(void **state)
{
	struct ctrcap_identity id;
	uint8_t buf[4096];
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;
	int n, count = 0, labels = 0;
	uint32_t pid = 0;
	char name[32] = "";

	(void)state;
	memset(&id, 0, sizeof(id));
	id.present = CTRCAP_HAS_PID | CTRCAP_HAS_CGROUP_ID | CTRCAP_HAS_ATTRIBUTION;
	id.pid = 241879;
	id.cgroup_id = 1ull << 40;
	id.attribution = CTRCAP_ATTR_FLOW;
	id.ctr_name = S("web");
	id.ctr_labels[0] = S("a=b");
	id.ctr_labels[1] = S("c=d");
	id.n_ctr_labels = 2;
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_true(n > 1);

	assert_int_equal(ctrcap_tlv_iter_init(&it, buf, (size_t)n), CTRCAP_WALK_OK);
	assert_int_equal(it.version, CTRCAP_RECORD_VERSION);
	while (ctrcap_tlv_next(&it, &t) == 1) {
		count++;
		assert_true(ctrcap_tlv_size_ok(&t));
		assert_true(t.value_offset + t.len <= (uint32_t)n);
		if (t.type == CTRCAP_T_PID)
			pid = ctrcap_be32(buf + t.value_offset);
		if (t.type == CTRCAP_T_CTR_NAME)
			memcpy(name, buf + t.value_offset, t.len < 31 ? t.len : 31);
		if (t.type == CTRCAP_T_CTR_LABEL)
			labels++;
		if (t.type == CTRCAP_T_CGROUP_ID)
			assert_true(ctrcap_be64(buf + t.value_offset) == 1ull << 40);
	}
	assert_int_equal(it.status, CTRCAP_WALK_OK);
	assert_int_equal(count, 6);
	assert_int_equal(pid, 241879);
	assert_string_equal(name, "web");
	assert_int_equal(labels, 2);
}

static void test_walk_errors(void **state)
{
	/* version 1, pid (ok), then a header cut after 2 bytes */
	static const uint8_t cut_hdr[] = { 1, 0x01, 0x01, 0, 4, 0, 0, 0, 7, 0x03, 0x02 };
	/* version 1, a string TLV claiming 9 bytes with 3 present */
	static const uint8_t cut_val[] = { 1, 0x03, 0x02, 0, 9, 'w', 'e', 'b' };
	static const uint8_t v2[] = { 2, 0x03, 0x02, 0, 1, 'x' };
	static const uint8_t bad_pid[] = { 1, 0x01, 0x01, 0, 3, 1, 2, 3 };
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;

	(void)state;
	ctrcap_tlv_iter_init(&it, cut_hdr, sizeof(cut_hdr));
	assert_int_equal(ctrcap_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, CTRCAP_T_PID);
	assert_int_equal(ctrcap_tlv_next(&it, &t), -1);
	assert_int_equal(it.status, CTRCAP_WALK_SHORT_HEADER);
	assert_int_equal(it.err_offset, 9);
	/* a failed walk stays failed */
	assert_int_equal(ctrcap_tlv_next(&it, &t), -1);

	ctrcap_tlv_iter_init(&it, cut_val, sizeof(cut_val));
	assert_int_equal(ctrcap_tlv_next(&it, &t), -1);
	assert_int_equal(it.status, CTRCAP_WALK_SHORT_VALUE);
	assert_int_equal(it.err_offset, 1);

	assert_int_equal(ctrcap_tlv_iter_init(&it, v2, sizeof(v2)), CTRCAP_WALK_VERSION);
	assert_int_equal(it.version, 2);
	assert_int_equal(ctrcap_tlv_next(&it, &t), -1);

	assert_int_equal(ctrcap_tlv_iter_init(&it, v2, 0), CTRCAP_WALK_EMPTY);
	assert_int_equal(ctrcap_tlv_iter_init(&it, NULL, 5), CTRCAP_WALK_EMPTY);

	ctrcap_tlv_iter_init(&it, bad_pid, sizeof(bad_pid));
	assert_int_equal(ctrcap_tlv_next(&it, &t), 1);
	assert_false(ctrcap_tlv_size_ok(&t));
	assert_int_equal(ctrcap_tlv_next(&it, &t), 0);
}

static void test_unknown_types_skipped(void **state)
{
	static const uint8_t rec[] = { 1, 0x0e, 0x01, 0, 2, 'h', 'i', 0x03, 0x02, 0, 1, 'w',
				       0x7f, 0xff, 0, 0 };
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;
	int known = 0, unknown = 0;

	(void)state;
	ctrcap_tlv_iter_init(&it, rec, sizeof(rec));
	while (ctrcap_tlv_next(&it, &t) == 1) {
		if (ctrcap_tlv_kind_of(t.type) == CTRCAP_KIND_UNKNOWN)
			unknown++;
		else
			known++;
	}
	assert_int_equal(it.status, CTRCAP_WALK_OK);
	assert_int_equal(known, 1);
	assert_int_equal(unknown, 2);
	assert_null(ctrcap_tlv_type_name(0x0e01));
	assert_string_equal(ctrcap_tlv_type_name(CTRCAP_T_CTR_NAME), "container name");
}

static void expect_line(struct ptcpdump_iter *it, const char *s, enum ptcpdump_key key,
			const char *value)
{
	struct ptcpdump_line l;

	assert_int_equal(ptcpdump_next(it, &l), 1);
	assert_int_equal(l.key, key);
	assert_int_equal(l.value_len, strlen(value));
	assert_memory_equal(s + l.value_off, value, l.value_len);
}

static bool str_is(struct ctrcap_str v, const char *want)
{
	return v.ptr && v.len == strlen(want) && !memcmp(v.ptr, want, v.len);
}

/* ptcpdump's comments (joined by '\n', as the reader gives them) -> identity. */
static void test_ptcpdump_identity(void **state)
{
	static const char all[] =
		"PID: 241879\nCmd: /usr/bin/containerd-shim-runc-v2\nArgs: shim -id 1\n"
		"ThreadId: 241880\nThreadName: shim\nUserId: 0\n"
		"ParentPID: 1\nParentCmd: /sbin/init\nParentArgs: \n"
		"ContainerName: web\nContainerId: 78f1\nContainerImage: \n"
		"ContainerLabels: {\"app\":\"web\",\"q\":\"a\\\"b\"}\n"
		"PodName: web-1\nPodNamespace: shop\nPodUID: u-1\nPodLabels: {}\n"
		"PodAnnotations: {\"x\":\"y\"}";
	static const char fd[] = "Cmd: /dev/fd/5\nArgs: /usr/sbin/dropbear -F -p 22";
	static const char cut[] = "Cmd: /usr/bin/runc...";
	static const char bad[] = "PID: 12ab\nUserId: 99999999999\nContainerLabels: {\"a\":";
	struct ctrcap_ptcpdump_store st = { 0 };
	struct ctrcap_identity id;
	(void)state;

	assert_int_equal(ctrcap_ptcpdump_identity(all, strlen(all), &id, &st), 1);
	assert_int_equal(id.present, CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID |
					     CTRCAP_HAS_PARENT_PID);
	assert_true(id.pid == 241879 && id.tid == 241880 && id.uid == 0 && id.parent_pid == 1);
	assert_true(str_is(id.exe, "/usr/bin/containerd-shim-runc-v2"));
	/* The kernel's comm of that executable: its name cut to 15 bytes. */
	assert_true(str_is(id.comm, "containerd-shim"));
	assert_true(str_is(id.args, "shim -id 1"));
	assert_true(str_is(id.parent_exe, "/sbin/init"));
	assert_null(id.parent_args.ptr); /* ptcpdump writes empty values: absent */
	assert_true(str_is(id.ctr_name, "web") && str_is(id.ctr_id, "78f1"));
	assert_null(id.ctr_image.ptr);
	assert_int_equal(id.n_ctr_labels, 2);
	assert_true(str_is(id.ctr_labels[0], "app=web") && str_is(id.ctr_labels[1], "q=a\"b"));
	assert_true(str_is(id.pod_name, "web-1") && str_is(id.pod_namespace, "shop") &&
		    str_is(id.pod_uid, "u-1"));
	assert_int_equal(id.n_pod_labels, 0);

	/* Broken numbers are left out, broken labels stop at the break. */
	assert_int_equal(ctrcap_ptcpdump_identity(bad, strlen(bad), &id, &st), 1);
	assert_int_equal(id.present, 0);
	assert_int_equal(id.n_ctr_labels, 0);
	assert_null(id.comm.ptr);

	/* A script run from /dev/fd/N is named by its first argument, as ptcpdump does. */
	assert_int_equal(ctrcap_ptcpdump_identity(fd, strlen(fd), &id, &st), 1);
	assert_true(str_is(id.comm, "dropbear"));
	assert_int_equal(ctrcap_ptcpdump_identity(cut, strlen(cut), &id, &st), 1);
	assert_true(str_is(id.comm, "runc"));

	/* A human comment is no identity, and leaves none behind. */
	assert_int_equal(ctrcap_ptcpdump_identity("looked at it", 12, &id, &st), 0);
	assert_int_equal(id.present, 0);
	assert_null(id.ctr_name.ptr);
	ctrcap_ptcpdump_store_free(&st);
}

/* The name ptcpdump shows: Cmd's basename, a script's from Args, "..." dropped, 15 bytes. */
static void test_ptcpdump_comm(void **state)
{
	static const char exe[] = "/usr/bin/wget", script[] = "/dev/fd/3",
			  args[] = "/opt/tools/check.sh -v", cut[] = "/usr/lib/a-very-long-program-name...";
	const char *p;
	size_t n = 0;
	(void)state;

	p = ptcpdump_comm(exe, strlen(exe), NULL, 0, &n);
	assert_true(p && n == 4 && !memcmp(p, "wget", 4));
	p = ptcpdump_comm(script, strlen(script), args, strlen(args), &n);
	assert_true(p && n == 8 && !memcmp(p, "check.sh", 8));
	p = ptcpdump_comm(cut, strlen(cut), NULL, 0, &n);
	assert_true(p && n == PTCPDUMP_COMM_MAX && !memcmp(p, "a-very-long-pro", n));
	assert_null(ptcpdump_comm("/usr/bin/", 9, NULL, 0, &n));
	assert_null(ptcpdump_comm(NULL, 0, args, strlen(args), &n));
}

static void test_ptcpdump_lines(void **state)
{
	static const char c[] = "PID: 241879\nCmd: /usr/bin/wget\r\nArgs:  wget -T 10 x...  \n"
				"Nonsense line\nUnknownKey: 5\n  ContainerImage : busybox:1\n"
				"ThreadName:";
	struct ptcpdump_iter it;
	struct ptcpdump_line l;
	uint32_t v;

	(void)state;
	ptcpdump_iter_init(&it, c, strlen(c));
	expect_line(&it, c, PTCPDUMP_K_PID, "241879");
	expect_line(&it, c, PTCPDUMP_K_CMD, "/usr/bin/wget");
	expect_line(&it, c, PTCPDUMP_K_ARGS, "wget -T 10 x...");
	expect_line(&it, c, PTCPDUMP_K_CTR_IMAGE, "busybox:1");
	expect_line(&it, c, PTCPDUMP_K_THREAD_NAME, "");
	assert_int_equal(ptcpdump_next(&it, &l), 0);

	assert_true(ptcpdump_is_identity(c, strlen(c)));
	assert_false(ptcpdump_is_identity("just a note: nothing", 20));
	assert_false(ptcpdump_is_identity("", 0));

	assert_true(ptcpdump_parse_u32("4294967295", 10, &v));
	assert_int_equal(v, 4294967295u);
	assert_false(ptcpdump_parse_u32("4294967296", 10, &v));
	assert_false(ptcpdump_parse_u32("12ab", 4, &v));
	assert_false(ptcpdump_parse_u32("-1", 2, &v));
	assert_false(ptcpdump_parse_u32("", 0, &v));
}

static void test_ptcpdump_json(void **state)
{
	static const char j[] = " {\"app\":\"web\", \"note\" : \"a\\u003cb \\\"q\\\"\","
				"\"u\":\"\\ud83d\\ude00\\n\"} ";
	struct ptcpdump_json_iter it;
	char out[64];

	(void)state;
	ptcpdump_json_init(&it, j, strlen(j));
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 1);
	assert_string_equal(out, "app=web");
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 1);
	assert_string_equal(out, "note=a<b \"q\"");
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 1);
	assert_string_equal(out, "u=\xf0\x9f\x98\x80\n");
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 0);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 0);

	ptcpdump_json_init(&it, "{}", 2);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 0);

	ptcpdump_json_init(&it, "{\"a\":", 5);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), -1);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), -1);

	ptcpdump_json_init(&it, "{\"a\":1}", 7);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), -1);

	ptcpdump_json_init(&it, "{\"a\":\"b\"} x", 11);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), 1);
	assert_int_equal(ptcpdump_json_next(&it, out, sizeof(out)), -1);

	/* output is cut, never overrun */
	ptcpdump_json_init(&it, "{\"key\":\"a-long-value\"}", 22);
	assert_int_equal(ptcpdump_json_next(&it, out, 6), 1);
	assert_string_equal(out, "key=a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_encoder_output),
		cmocka_unit_test(test_walk_errors),
		cmocka_unit_test(test_unknown_types_skipped),
		cmocka_unit_test(test_ptcpdump_comm),
		cmocka_unit_test(test_ptcpdump_lines),
		cmocka_unit_test(test_ptcpdump_json),
		cmocka_unit_test(test_ptcpdump_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
