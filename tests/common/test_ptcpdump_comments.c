// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of --comments: an identity as ptcpdump's comments (the text
 * ptcpdump's writer lays out, byte for byte), read back through
 * ptcpdump_identity.c to the same identity, written by the pcapng writer as
 * one opt_comment each and read back by the pcapng reader.
 */
#include "test_util.h"

#include "ctrcap/ptcpdump_identity.h"

static char buf[CTRCAP_PTCPDUMP_COMMENTS_MAX];

/* The texts of buf (n bytes) joined by '\n', as the pcapng reader joins a packet's comments. */
static char *joined(const char *texts, int n)
{
	char *s = malloc((size_t)n);

	assert_non_null(s);
	memcpy(s, texts, (size_t)n);
	for (int i = 0; i < n - 1; i++)
		if (!s[i])
			s[i] = '\n';
	return s;
}

/* ptcpdump's writer (internal/writer/pcapng.go): six comments, its keys, order and JSON. */
static void test_layout(void **state)
{
	static const char want[] =
	    "PID: 241879\nCmd: /usr/bin/wget\nArgs: wget -T 10 10.99.7.3\0"
	    "ThreadId: 241880\nThreadName: wget\0"
	    "UserId: 0\0"
	    "ParentPID: 241858\nParentCmd: /usr/bin/containerd-shim-runc-v2\n"
	    "ParentArgs: /usr/bin/containerd-shim-runc-v2 -namespace moby\0"
	    "ContainerName: web\nContainerId: "
	    "78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d\n"
	    "ContainerImage: busybox:1\nContainerLabels: {\"app\":\"web\",\"tier\":\"front\"}\0"
	    "PodName: web-7d4b9c\nPodNamespace: shop\nPodUID: 0b6f1a52-4c1e-4a43-9a7e-1f6c2d3e4f50\n"
	    "PodLabels: {\"app.kubernetes.io/name\":\"web\"}\nPodAnnotations: {}";
	struct ctrcap_identity id;
	int n;
	(void)state;

	sample_identity(&id);
	n = ctrcap_ptcpdump_comments(&id, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* Too small a buffer is refused, never a cut comment. */
	assert_int_equal(ctrcap_ptcpdump_comments(&id, buf, 100), -1);
	/* Nothing ptcpdump writes: no comment. */
	memset(&id, 0, sizeof(id));
	id.present = CTRCAP_HAS_NETNS;
	assert_int_equal(ctrcap_ptcpdump_comments(&id, buf, sizeof(buf)), 0);
}

/* The comments parse back (ptcpdump_identity.c) to the identity, in every field they carry. */
static void test_round_trip(void **state)
{
	struct ctrcap_ptcpdump_store st = { 0 };
	struct ctrcap_identity id, back, want;
	char *s;
	int n;
	(void)state;

	sample_identity(&id);
	n = ctrcap_ptcpdump_comments(&id, buf, sizeof(buf));
	assert_true(n > 0);
	s = joined(buf, n);
	assert_int_equal(ctrcap_ptcpdump_identity(s, strlen(s), &back, &st), 1);
	/* What ptcpdump's text has no key for: gid, user, start time, netns, cgroup, ... */
	want = id;
	want.present &= CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID | CTRCAP_HAS_PARENT_PID;
	want.gid = 0;
	want.start_time_ns = want.cgroup_id = 0;
	want.netns = 0;
	want.attribution = 0;
	want.user = want.parent_comm = want.ctr_runtime = want.k8s_ctr_name =
	    (struct ctrcap_str){ NULL, 0 };
	assert_identity_eq(&back, &want);
	free(s);

	/* Labels that JSON escapes, a newline in an argument, a Docker "/name". */
	id.ctr_name = S("/db");
	id.args = S("sh -c 'echo a\nb'");
	id.ctr_labels[0] = S("z=\"quoted\" <b> & \\ \x01 \xe2\x80\xa8 \xff tab\t");
	id.ctr_labels[1] = S("a=first");
	id.ctr_labels[2] = S("novalue");
	id.n_ctr_labels = 3;
	n = ctrcap_ptcpdump_comments(&id, buf, sizeof(buf));
	assert_true(n > 0);
	s = joined(buf, n);
	assert_non_null(strstr(s, "ContainerName: db\n"));
	assert_non_null(strstr(s, "Args: sh -c 'echo a b'\n"));
	/* Sorted by key, escaped as Go's json.Marshal escapes. */
	assert_non_null(strstr(s, "ContainerLabels: {\"a\":\"first\",\"novalue\":\"\",\"z\":"
				  "\"\\\"quoted\\\" \\u003cb\\u003e \\u0026 \\\\ \\u0001 \\u2028 "
				  "\\ufffd tab\\t\"}\n"));
	assert_int_equal(ctrcap_ptcpdump_identity(s, strlen(s), &back, &st), 1);
	assert_int_equal(back.n_ctr_labels, 3);
	assert_str_eq(back.ctr_labels[0], S("a=first"));
	assert_str_eq(back.ctr_labels[1], S("novalue="));
	assert_str_eq(back.ctr_labels[2],
		      S("z=\"quoted\" <b> & \\ \x01 \xe2\x80\xa8 \xef\xbf\xbd tab\t"));
	assert_str_eq(back.ctr_name, S("db"));
	free(s);
	ctrcap_ptcpdump_store_free(&st);
}

/* Labels too many for one opt_comment: those that do not fit are left out. */
static void test_long_labels(void **state)
{
	static char big[CTRCAP_MAX_LABELS][CTRCAP_STR_MAX];
	struct ctrcap_identity id;
	size_t off = 0, longest = 0;
	int n;
	(void)state;

	sample_identity(&id);
	for (unsigned i = 0; i < CTRCAP_MAX_LABELS; i++) {
		int k = snprintf(big[i], sizeof(big[i]), "k%02u=", i);

		memset(big[i] + k, '<', sizeof(big[i]) - (size_t)k);
		id.ctr_labels[i] = (struct ctrcap_str){ big[i], sizeof(big[i]) };
	}
	id.n_ctr_labels = CTRCAP_MAX_LABELS;
	n = ctrcap_ptcpdump_comments(&id, buf, sizeof(buf));
	assert_true(n > 0);
	while (off < (size_t)n) {
		size_t len = strlen(buf + off);

		longest = len > longest ? len : longest;
		off += len + 1;
	}
	/* Each label is ~24.5 KB of JSON ('<' is 6 bytes escaped): two fit in 64 KiB, not three. */
	assert_true(longest <= 65535);
	assert_true(longest > 2 * 6 * 4000);
	assert_non_null(memmem(buf, (size_t)n, "\"k01\":", 6));
	assert_null(memmem(buf, (size_t)n, "\"k02\":", 6));
	assert_non_null(memmem(buf, (size_t)n, "\"}\0PodName: ", 12));
}

/* The packet test_writer_reader wrote, read back. */
static void check_commented(const struct ctrcap_pcapng_rec *rec, void *ctx)
{
	const struct ctrcap_identity *id = ctx;
	struct ctrcap_ptcpdump_store st = { 0 };
	struct ctrcap_identity back;

	assert_false(rec->has_identity);
	assert_string_equal(rec->comment, buf);
	assert_non_null(rec->comments_all);
	assert_non_null(strstr(rec->comments_all, "\nPodAnnotations: {}"));
	assert_int_equal(ctrcap_ptcpdump_identity(rec->comments_all, strlen(rec->comments_all),
						  &back, &st),
			 1);
	assert_int_equal(back.pid, id->pid);
	assert_int_equal(back.tid, id->tid);
	assert_str_eq(back.ctr_name, id->ctr_name);
	assert_str_eq(back.pod_name, id->pod_name);
	assert_int_equal(back.n_pod_labels, 1);
	ctrcap_ptcpdump_store_free(&st);
}

/* Written as one opt_comment each; the reader joins them; -r's parser takes them. */
static void test_writer_reader(void **state)
{
	static const uint8_t data[60];
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("ptcmt", "c.pcapng", 0, &dir, path,
							sizeof(path));
	struct ctrcap_identity id;
	struct ctrcap_pcapng_packet p = {
	    .ts_ns = 1, .data = data, .caplen = sizeof(data), .origlen = sizeof(data),
	};
	int n;
	(void)state;

	sample_identity(&id);
	n = ctrcap_ptcpdump_comments(&id, buf, sizeof(buf));
	p.comments = buf;
	p.comments_len = (uint32_t)n;
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p), 0);
	/* Texts not ended by a NUL are refused with a message. */
	p.comments = "PID: 1";
	p.comments_len = 6;
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p), -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "ended by a NUL"));
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	assert_int_equal(test_each_packet(path, check_commented, &id), 1);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_long_labels),
	    cmocka_unit_test(test_writer_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
