// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the identity record codec and its text form. */
#include "test_util.h"

#include "ctrcap/identity_text.h"

static uint8_t buf[CTRCAP_RECORD_MAX];

static void test_wire_bytes(void **state)
{
	struct ctrcap_identity id = {0};
	static const uint8_t want[] = {0x01, 0x01, 0x01, 0x00, 0x04, 0x00, 0x03, 0xb0,
				       0xd7, 0x05, 0x03, 0x00, 0x01, 0x02, 0x01, 0x03,
				       0x00, 0x04, 'w',	 'g',  'e',  't'};
	(void)state;

	id.present = CTRCAP_HAS_PID | CTRCAP_HAS_ATTRIBUTION;
	id.pid = 241879;
	id.attribution = CTRCAP_ATTR_FLOW;
	id.comm = S("wget");
	assert_int_equal(ctrcap_record_encode(&id, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_round_trip_full(void **state)
{
	struct ctrcap_identity in, out = {0};
	char err[256] = "";
	int n;
	(void)state;

	sample_identity(&in);
	n = ctrcap_record_encode(&in, buf, sizeof(buf));
	assert_true(n > 1);
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_identity_eq(&in, &out);
	assert_int_equal(out.n_unknown, 0);
	assert_int_equal(out.n_labels_dropped, 0);
}

static void test_empty_identity(void **state)
{
	struct ctrcap_identity id = {0}, out = {0};
	(void)state;

	assert_int_equal(ctrcap_record_encode(&id, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], CTRCAP_RECORD_VERSION);
	assert_int_equal(ctrcap_record_decode(buf, 1, &out, NULL, 0), 0);
	assert_int_equal(out.present, 0);
	assert_null(out.comm.ptr);
	assert_int_equal(ctrcap_record_encode(&id, buf, 0), -1);
}

static void test_zero_length_string_is_empty(void **state)
{
	struct ctrcap_identity id = {0}, out = {0};
	int n;
	(void)state;

	id.ctr_name.ptr = "";
	id.ctr_name.len = 0;
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_int_equal(n, 1 + 4);
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, NULL, 0), 0);
	assert_non_null(out.ctr_name.ptr);
	assert_int_equal(out.ctr_name.len, 0);
}

/* Strings beyond CTRCAP_STR_MAX are cut, never inside a UTF-8 sequence. */
static void test_long_strings_cut_at_utf8_boundary(void **state)
{
	static char s[CTRCAP_STR_MAX + 100];
	struct ctrcap_identity id = {0}, out = {0};
	int n;
	(void)state;

	memset(s, 'a', sizeof(s));
	/* "é" (c3 a9) straddles the limit: the cut must fall before it. */
	s[CTRCAP_STR_MAX - 1] = (char)0xc3;
	s[CTRCAP_STR_MAX] = (char)0xa9;
	id.args.ptr = s;
	id.args.len = sizeof(s);
	/* A 4-byte sequence ending exactly at the limit is kept whole. */
	id.exe.ptr = s;
	id.exe.len = CTRCAP_STR_MAX - 1;
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, NULL, 0), 0);
	assert_int_equal(out.args.len, CTRCAP_STR_MAX - 1);
	assert_int_equal(out.exe.len, CTRCAP_STR_MAX - 1);

	/* Plain ASCII is cut exactly at the limit. */
	s[CTRCAP_STR_MAX - 1] = 'a';
	s[CTRCAP_STR_MAX] = 'a';
	memset(&out, 0, sizeof(out));
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, NULL, 0), 0);
	assert_int_equal(out.args.len, CTRCAP_STR_MAX);
}

/*
 * Every string at its maximum and every label slot full is more than one
 * option holds: the record stays <= CTRCAP_RECORD_MAX, scalars and the
 * named strings all survive, and labels are left out whole.
 */
static void test_maximum_record(void **state)
{
	static char big[CTRCAP_STR_MAX];
	static char lab[2 * CTRCAP_MAX_LABELS][600];
	static struct ctrcap_identity in, out;
	struct ctrcap_str *strs[] = {
	    &in.comm,	     &in.exe,	      &in.args,		 &in.user,     &in.parent_comm,
	    &in.parent_exe,  &in.parent_args, &in.ctr_id,	 &in.ctr_name, &in.ctr_image,
	    &in.ctr_runtime, &in.pod_name,    &in.pod_namespace, &in.pod_uid,  &in.k8s_ctr_name};
	unsigned i, total_labels;
	char err[256];
	int n;
	(void)state;

	sample_identity(&in);
	memset(big, 'x', sizeof(big));
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		strs[i]->ptr = big;
		strs[i]->len = sizeof(big);
	}
	for (i = 0; i < 2 * CTRCAP_MAX_LABELS; i++) {
		memset(lab[i], 'a' + i % 26, sizeof(lab[i]));
		memcpy(lab[i], "k=", 2);
		if (i < CTRCAP_MAX_LABELS)
			in.ctr_labels[i] = (struct ctrcap_str){lab[i], sizeof(lab[i])};
		else
			in.pod_labels[i - CTRCAP_MAX_LABELS] =
			    (struct ctrcap_str){lab[i], sizeof(lab[i])};
	}
	in.n_ctr_labels = CTRCAP_MAX_LABELS;
	in.n_pod_labels = CTRCAP_MAX_LABELS;
	in.node_name = (struct ctrcap_str){big, sizeof(big)};

	n = ctrcap_record_encode(&in, buf, sizeof(buf));
	assert_true(n > 0 && (unsigned)n <= CTRCAP_RECORD_MAX);
	/* What is left is smaller than one more label TLV. */
	assert_true(CTRCAP_RECORD_MAX - (unsigned)n < CTRCAP_TLV_HDR + sizeof(lab[0]));
	memset(&out, 0, sizeof(out));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	assert_int_equal(out.present, in.present);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		/* The same field of out: same offset from the struct's start. */
		const struct ctrcap_str *o =
		    (const void *)((const char *)&out + ((const char *)strs[i] - (char *)&in));

		assert_int_equal(o->len, CTRCAP_STR_MAX);
		assert_memory_equal(o->ptr, big, CTRCAP_STR_MAX);
	}
	/* The node name too, at its own, shorter maximum. */
	assert_int_equal(out.node_name.len, CTRCAP_NODE_NAME_MAX);
	assert_memory_equal(out.node_name.ptr, big, CTRCAP_NODE_NAME_MAX);
	total_labels = out.n_ctr_labels + out.n_pod_labels;
	assert_true(total_labels > 0 && total_labels < 2 * CTRCAP_MAX_LABELS);
	for (i = 0; i < out.n_ctr_labels; i++)
		assert_int_equal(out.ctr_labels[i].len, sizeof(lab[0]));
	for (i = 0; i < out.n_pod_labels; i++)
		assert_int_equal(out.pod_labels[i].len, sizeof(lab[0]));

	/* A small buffer holds whole TLVs only. */
	n = ctrcap_record_encode(&in, buf, 40);
	assert_true(n >= 1 && n <= 40);
	memset(&out, 0, sizeof(out));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	assert_true(out.present & CTRCAP_HAS_PID);
}

/*
 * The node name: its wire bytes (type 0x0701, after the other named
 * strings), the round trip, and the cut at CTRCAP_NODE_NAME_MAX bytes that
 * keeps every named string in a record with all others at their maximum.
 */
static void test_node_name(void **state)
{
	static const uint8_t want[] = {0x01, 0x03, 0x02, 0x00, 0x03, 'w', 'e', 'b',
				       0x07, 0x01, 0x00, 0x08, 'w', 'o', 'r', 'k',
				       'e',  'r',  '-',	 '1'};
	static char big[CTRCAP_STR_MAX + 10];
	struct ctrcap_identity id = {0}, out = {0};
	char err[256] = "";
	int n;
	(void)state;

	id.ctr_name = S("web");
	id.node_name = S("worker-1");
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	assert_identity_eq(&id, &out);
	assert_int_equal(out.n_unknown, 0);

	/* With every field of the example too, and cut at 253 bytes at a UTF-8 boundary. */
	sample_identity(&id);
	memset(big, 'n', sizeof(big));
	big[CTRCAP_NODE_NAME_MAX - 1] = (char)0xc3;
	big[CTRCAP_NODE_NAME_MAX] = (char)0xa9;
	id.node_name = (struct ctrcap_str){big, sizeof(big)};
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	memset(&out, 0, sizeof(out));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	assert_int_equal(out.node_name.len, CTRCAP_NODE_NAME_MAX - 1);
	assert_memory_equal(out.node_name.ptr, big, CTRCAP_NODE_NAME_MAX - 1);
	assert_str_eq(out.k8s_ctr_name, id.k8s_ctr_name);
	assert_int_equal(out.n_pod_labels, 1);
}

static void expect_decode_error(const uint8_t *b, size_t len, const char *msg)
{
	struct ctrcap_identity out = {0};
	char err[256] = "";

	assert_int_equal(ctrcap_record_decode(b, len, &out, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_malformed(void **state)
{
	/* version, pid TLV with 3 bytes of value */
	static const uint8_t short_num[] = {1, 0x01, 0x01, 0, 3, 1, 2, 3};
	static const uint8_t zero_num[] = {1, 0x01, 0x06, 0, 0};
	static const uint8_t overflow[] = {1, 0x03, 0x02, 0x01, 0x2c, 'w', 'e', 'b'};
	static const uint8_t torn_hdr[] = {1, 0x01, 0x03, 0x00};
	static const uint8_t bad_version[] = {7, 0x01, 0x03, 0, 1, 'x'};
	static const uint8_t zero_version[] = {0};
	static const uint8_t long_u64[] = {1, 0x05, 0x02, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	(void)state;

	expect_decode_error(short_num, sizeof(short_num),
			    "TLV 0x0101 (pid) at offset 1: length 3, a u32 needs 4");
	expect_decode_error(zero_num, sizeof(zero_num),
			    "TLV 0x0106 (uid) at offset 1: length 0, a u32 needs 4");
	expect_decode_error(long_u64, sizeof(long_u64),
			    "TLV 0x0502 (cgroup-id) at offset 1: length 9, a u64 needs 8");
	expect_decode_error(overflow, sizeof(overflow),
			    "TLV 0x0302 at offset 1: length 300 runs past the end (8 bytes)");
	expect_decode_error(torn_hdr, sizeof(torn_hdr),
			    "TLV header at offset 1: only 3 bytes left, a header needs 4");
	expect_decode_error(bad_version, sizeof(bad_version),
			    "unknown record version 7 (this reader knows version 1)");
	expect_decode_error(zero_version, sizeof(zero_version),
			    "unknown record version 0 (this reader knows version 1)");
	expect_decode_error(NULL, 0, "empty record: no version byte");
}

/* A truncated copy of a valid record fails cleanly at every possible cut. */
static void test_every_truncation(void **state)
{
	struct ctrcap_identity in, out;
	uint8_t *copy;
	size_t cut;
	int n, fails = 0;
	(void)state;

	sample_identity(&in);
	n = ctrcap_record_encode(&in, buf, sizeof(buf));
	for (cut = 1; cut < (size_t)n; cut++) {
		/* A heap copy of exactly cut bytes lets ASan catch any overread. */
		copy = malloc(cut);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		memset(&out, 0, sizeof(out));
		if (ctrcap_record_decode(copy, cut, &out, NULL, 0) < 0)
			fails++;
		free(copy);
	}
	/* Only cuts that fall exactly on a TLV boundary decode. */
	assert_true(fails > n / 2);
}

static void test_unknown_types_skipped(void **state)
{
	static const uint8_t rec[] = {1,    0x7f, 0x01, 0,    3, 'a', 'b', 'c',	 0x01,
				      0x01, 0,	  4,	0,    0, 0,   42,  0x01, 0xff,
				      0,    0,	  0x03, 0x02, 0, 2,   'd', 'b'};
	struct ctrcap_identity out = {0};
	(void)state;

	assert_int_equal(ctrcap_record_decode(rec, sizeof(rec), &out, NULL, 0), 0);
	assert_int_equal(out.n_unknown, 2);
	assert_int_equal(out.pid, 42);
	assert_true(out.present & CTRCAP_HAS_PID);
	assert_str_eq(out.ctr_name, S("db"));
}

static void test_labels_beyond_max_counted(void **state)
{
	static uint8_t rec[1 + (CTRCAP_MAX_LABELS + 5) * 7];
	struct ctrcap_identity out = {0};
	size_t off = 1;
	unsigned i;
	(void)state;

	rec[0] = 1;
	for (i = 0; i < CTRCAP_MAX_LABELS + 5; i++) {
		static const uint8_t tlv[] = {0x03, 0x05, 0, 3, 'a', '=', 'b'};

		memcpy(rec + off, tlv, sizeof(tlv));
		off += sizeof(tlv);
	}
	assert_int_equal(ctrcap_record_decode(rec, off, &out, NULL, 0), 0);
	assert_int_equal(out.n_ctr_labels, CTRCAP_MAX_LABELS);
	assert_int_equal(out.n_labels_dropped, 5);
}

/* A repeated option extends one identity: labels add up, later scalars win. */
static void test_merge_repeated(void **state)
{
	static const uint8_t a[] = {1, 0x01, 0x01, 0, 4, 0,   0,   0,
				    1, 0x03, 0x05, 0, 3, 'a', '=', '1'};
	static const uint8_t b[] = {1, 0x01, 0x01, 0, 4, 0,   0,   0,
				    2, 0x03, 0x05, 0, 3, 'b', '=', '2'};
	struct ctrcap_identity out = {0};
	(void)state;

	assert_int_equal(ctrcap_record_decode(a, sizeof(a), &out, NULL, 0), 0);
	assert_int_equal(ctrcap_record_decode(b, sizeof(b), &out, NULL, 0), 0);
	assert_int_equal(out.pid, 2);
	assert_int_equal(out.n_ctr_labels, 2);
	assert_str_eq(out.ctr_labels[0], S("a=1"));
	assert_str_eq(out.ctr_labels[1], S("b=2"));
}

/* A kernel drop's TLVs: their bytes, read back, and what marks a drop. */
static void test_drop_tlvs(void **state)
{
	static const uint8_t want[] = {1,    0x06, 0x01, 0, 4, 0, 0, 0, 6,
				       0x06, 0x02, 0,	 3, 'N', 'O', 'P',
				       0x06, 0x03, 0,	 5, 'f', '+', '0', 'x', '9'};
	struct ctrcap_identity id = {0}, out = {0};
	uint8_t buf[64];
	int n;
	(void)state;

	assert_false(ctrcap_identity_is_drop(&id));
	id.present = CTRCAP_HAS_DROP_REASON;
	id.drop_reason_code = 6;
	id.drop_reason = S("NOP");
	id.drop_location = S("f+0x9");
	n = ctrcap_record_encode(&id, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(ctrcap_record_decode(buf, (size_t)n, &out, NULL, 0), 0);
	assert_true(ctrcap_identity_is_drop(&out));
	assert_int_equal(out.drop_reason_code, 6);
	assert_str_eq(out.drop_reason, S("NOP"));
	assert_str_eq(out.drop_location, S("f+0x9"));
	assert_int_equal(out.n_unknown, 0);
	/* A kernel without reasons: the location alone marks the drop. */
	memset(&out, 0, sizeof(out));
	{
		uint8_t loc_only[1 + 9] = {1};

		memcpy(loc_only + 1, want + 16, 9);
		assert_int_equal(ctrcap_record_decode(loc_only, sizeof(loc_only), &out, NULL, 0), 0);
		assert_true(ctrcap_identity_is_drop(&out));
		assert_false(out.present & CTRCAP_HAS_DROP_REASON);
	}
	assert_string_equal(ctrcap_tlv_name(CTRCAP_T_DROP_LOCATION), "drop-location");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_NONE), "none");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_SOCKET), "socket");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_FLOW), "flow");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_REVERSE_FLOW), "reverse-flow");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_EARLIER_HOP), "earlier-hop");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_IFACE_NETNS), "interface-netns");
	assert_string_equal(ctrcap_attribution_name(CTRCAP_ATTR_LISTENER), "listener");
	assert_string_equal(ctrcap_attribution_name(200), "unknown");
	assert_string_equal(ctrcap_tlv_name(CTRCAP_T_CTR_NAME), "container-name");
	assert_string_equal(ctrcap_tlv_name(CTRCAP_T_NODE_NAME), "node-name");
	assert_null(ctrcap_tlv_name(0x7777));
}

static void test_format_example(void **state)
{
	struct ctrcap_identity id;
	char text[2048];
	size_t n;
	static const char want[] =
	    "    Process (pid 241879, cmd /usr/bin/wget, args wget -T 10 10.99.7.3, tid 241880)\n"
	    "    User (uid 0, gid 0, name root)\n"
	    "    ParentProc (pid 241858, cmd /usr/bin/containerd-shim-runc-v2, args "
	    "/usr/bin/containerd-shim-runc-v2 -namespace moby)\n"
	    "    Container (name web, id "
	    "78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d, image busybox:1, "
	    "labels {app=web, tier=front}, runtime docker)\n"
	    "    Pod (name web-7d4b9c, namespace shop, uid 0b6f1a52-4c1e-4a43-9a7e-1f6c2d3e4f50, "
	    "container nginx, labels {app.kubernetes.io/name=web})\n";
	(void)state;

	sample_identity(&id);
	n = ctrcap_identity_format(&id, "    ", text, sizeof(text));
	assert_string_equal(text, want);
	assert_int_equal(n, strlen(want));

	/* Too small a buffer: cut, NUL-terminated, and the full length returned. */
	memset(text, 'Z', sizeof(text));
	assert_int_equal(ctrcap_identity_format(&id, "    ", text, 20), strlen(want));
	assert_int_equal(strlen(text), 19);
	assert_memory_equal(text, want, 19);
	assert_int_equal(ctrcap_identity_format(&id, "    ", NULL, 0), strlen(want));
}

static void test_format_minimal_and_escaping(void **state)
{
	struct ctrcap_identity id = {0};
	char text[512];
	(void)state;

	assert_int_equal(ctrcap_identity_format(&id, NULL, text, sizeof(text)), 0);
	assert_string_equal(text, "");

	id.present = CTRCAP_HAS_PID | CTRCAP_HAS_UID;
	id.pid = 7;
	id.uid = 1000;
	id.comm = S("ev\x1b[31mil\n\\");
	id.ctr_name = S("caf\xc3\xa9 \xff");
	ctrcap_identity_format(&id, NULL, text, sizeof(text));
	assert_string_equal(text, "Process (pid 7, cmd ev\\x1b[31mil\\n\\\\)\n"
				  "User (uid 1000)\n"
				  "Container (name caf\xc3\xa9 \\xff)\n");
}

/* The -v lines of the parts of id that list names ("user,pod"). */
static const char *lines_of(const struct ctrcap_identity *id, const char *list, char *text,
			    size_t cap)
{
	struct ctrcap_identity part;
	unsigned ctx = 0;
	char err[160];

	assert_int_equal(ctrcap_context_parse(list, &ctx, err, sizeof(err)), 0);
	ctrcap_identity_select(id, ctx, &part);
	ctrcap_identity_format(&part, NULL, text, cap);
	return text;
}

/* The short form ending a packet line, each context on its own and all of them. */
static void test_brief_and_context(void **state)
{
	struct ctrcap_identity id;
	char text[1024], err[160];
	unsigned ctx = 0;
	(void)state;

	sample_identity(&id);
	ctrcap_identity_brief(&id, CTRCAP_CTX_BRIEF, text, sizeof(text));
	assert_string_equal(text, ", Process [wget.241879], Container [web], Pod [web-7d4b9c.shop]");
	assert_int_equal(ctrcap_context_parse("thread,parentproc,user", &ctx, err, sizeof(err)), 0);
	ctrcap_identity_brief(&id, ctx, text, sizeof(text));
	assert_string_equal(text, ", Thread [241880], ParentProc [containerd-shim.241858], "
				  "User [root]");
	/* No name: exe's last part, the uid, a short container id; nothing known: "". */
	id.comm.ptr = NULL;
	id.user.ptr = NULL;
	id.ctr_name.ptr = NULL;
	id.pod_name.ptr = NULL;
	ctrcap_identity_brief(&id, CTRCAP_CTX_ALL & ~(unsigned)CTRCAP_CTX_PARENTPROC, text,
			      sizeof(text));
	assert_string_equal(text, ", Process [wget.241879], Thread [241880], User [uid 0], "
				  "Container [78f1713c7d0f]");
	memset(&id, 0, sizeof(id));
	assert_int_equal(ctrcap_identity_brief(&id, CTRCAP_CTX_ALL, text, sizeof(text)), 0);
	assert_string_equal(text, "");

	/* The node: on the line only when chosen, after the pod. */
	sample_identity(&id);
	id.node_name = S("worker-1");
	ctrcap_identity_brief(&id, CTRCAP_CTX_BRIEF, text, sizeof(text));
	assert_string_equal(text, ", Process [wget.241879], Container [web], Pod [web-7d4b9c.shop]");
	assert_int_equal(ctrcap_context_parse("container,node", &ctx, err, sizeof(err)), 0);
	assert_int_equal(ctx, CTRCAP_CTX_CONTAINER | CTRCAP_CTX_NODE);
	ctrcap_identity_brief(&id, ctx, text, sizeof(text));
	assert_string_equal(text, ", Container [web], Node [worker-1]");
	/* -v's lines: a Node line last, left out when not chosen. */
	assert_string_equal(lines_of(&id, "container,node", text, sizeof(text)),
			    "Container (name web, id "
			    "78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d, "
			    "image busybox:1, labels {app=web, tier=front}, runtime docker)\n"
			    "Node (name worker-1)\n");
	assert_null(strstr(lines_of(&id, "container,pod", text, sizeof(text)), "Node"));
	/* A packet the node alone names (a kernel-sent ARP): the Node line alone. */
	memset(&id, 0, sizeof(id));
	id.node_name = S("w\n1");
	ctrcap_identity_format(&id, "    ", text, sizeof(text));
	assert_string_equal(text, "    Node (name w\\n1)\n");

	/* select keeps only the chosen parts for the -v lines. */
	sample_identity(&id);
	assert_string_equal(lines_of(&id, "user,pod", text, sizeof(text)),
			    "User (uid 0, gid 0, name root)\n"
			    "Pod (name web-7d4b9c, namespace shop, uid "
			    "0b6f1a52-4c1e-4a43-9a7e-1f6c2d3e4f50, container nginx, labels "
			    "{app.kubernetes.io/name=web})\n");

	assert_int_equal(ctrcap_context_parse("process,bogus", &ctx, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown context 'bogus' (process, thread, parentproc, user, "
				 "container, pod, node)");
	assert_int_equal(ctrcap_context_parse("", &ctx, err, sizeof(err)), -1);
}

/* A user or parent with no process names the missing process, never stands alone. */
static void test_format_parent_without_process(void **state)
{
	struct ctrcap_identity id = {0};
	uint8_t rec[CTRCAP_RECORD_MAX];
	struct ctrcap_identity out = {0};
	char text[512];
	int n;
	(void)state;

	id.present = CTRCAP_HAS_UID | CTRCAP_HAS_GID | CTRCAP_HAS_PARENT_PID;
	id.uid = 999;
	id.gid = 999;
	id.parent_pid = 3104;
	id.parent_comm = S("containerd-shim");
	/* Through the wire form too, as ctrcap -r shows a record from a file. */
	n = ctrcap_record_encode(&id, rec, sizeof(rec));
	assert_true(n > 0);
	assert_int_equal(ctrcap_record_decode(rec, (size_t)n, &out, NULL, 0), 0);
	ctrcap_identity_format(&out, "    ", text, sizeof(text));
	assert_string_equal(text,
			    "    Process (pid unknown (the identity record names no process))\n"
			    "    User (uid 999, gid 999)\n"
			    "    ParentProc (pid 3104, cmd containerd-shim)\n");

	/* A parent alone gets the same named gap. */
	id.present = CTRCAP_HAS_PARENT_PID;
	ctrcap_identity_format(&id, NULL, text, sizeof(text));
	assert_string_equal(text, "Process (pid unknown (the identity record names no process))\n"
				  "ParentProc (pid 3104, cmd containerd-shim)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_bytes),
	    cmocka_unit_test(test_round_trip_full),
	    cmocka_unit_test(test_empty_identity),
	    cmocka_unit_test(test_zero_length_string_is_empty),
	    cmocka_unit_test(test_long_strings_cut_at_utf8_boundary),
	    cmocka_unit_test(test_maximum_record),
	    cmocka_unit_test(test_node_name),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_unknown_types_skipped),
	    cmocka_unit_test(test_labels_beyond_max_counted),
	    cmocka_unit_test(test_merge_repeated),
	    cmocka_unit_test(test_drop_tlvs),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_format_example),
	    cmocka_unit_test(test_format_minimal_and_escaping),
	    cmocka_unit_test(test_brief_and_context),
	    cmocka_unit_test(test_format_parent_without_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
