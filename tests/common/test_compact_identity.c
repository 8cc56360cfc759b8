// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of --compact-identity (docs/pcapng-format.md, section 2.1):
 * the writer defines an identity once per (section, interface) and refers
 * to it afterwards, per-packet TLVs stay on every packet, rotation defines
 * again, and the reader resolves references, names a dangling one and
 * hands out self-contained records (what ctrcap -r -w and the rpcap
 * server pass on).
 */
#include "ctrcap/identity_refs.h"
#include "test_util.h"

#define T0 1700000000000000000ull

/* A compact writer on file in a new directory, with n_if interfaces (ids 0..n_if-1). */
static struct ctrcap_pcapng_writer *compact_writer(const char *tag, uint64_t rotate_bytes,
						   unsigned n_if, char **dir, char *path,
						   size_t cap)
{
	struct ctrcap_pcapng_writer_opts o = {
		.rotate_bytes = rotate_bytes,
		.userappl = "ctrcap-test",
		.compact_identity = true,
	};
	static const char *names[] = { "eth0", "veth1", "veth2" };
	struct ctrcap_pcapng_writer *w;
	char err[512] = "";

	*dir = test_tmpdir(tag);
	snprintf(path, cap, "%s/a.pcapng", *dir);
	o.path = path;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		fail_msg("writer_open: %s", err);
	for (unsigned i = 0; i < n_if; i++)
		assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2 + i, names[i], NULL, 1, 0),
				 (int)i);
	return w;
}

static void put(struct ctrcap_pcapng_writer *w, uint64_t i, uint32_t if_id,
		const struct ctrcap_identity *id, uint32_t len)
{
	static uint8_t data[1024];
	struct ctrcap_pcapng_packet p = {
		.if_id = if_id, .ts_ns = T0 + i, .data = data, .caplen = len, .origlen = len,
		.direction = CTRCAP_DIR_OUT, .id = id,
	};

	if (ctrcap_pcapng_writer_packet(w, &p) < 0)
		fail_msg("writer_packet: %s", ctrcap_pcapng_writer_error(w));
}

/*
 * The packets of a file as written, walking its bytes: per EPB "K<if>"
 * (a definition), "R<if>" (a reference), "F<if>" (a self-contained record)
 * or "-<if>" (none); *ref_max gets the largest record of a reference.
 * Keys go to keys[] in order (up to 64).
 */
static void walk(const char *path, char *out, size_t cap, uint32_t *keys, size_t *ref_max)
{
	static uint8_t buf[1 << 18];
	FILE *f = fopen(path, "rb");
	size_t len, off = 0, k = 0, nk = 0;

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	out[0] = '\0';
	if (ref_max)
		*ref_max = 0;
	while (off + 12 <= len) {
		uint32_t type, total, caplen, if_id;
		char what = '-';

		memcpy(&type, buf + off, 4);
		memcpy(&total, buf + off + 4, 4);
		assert_true(total >= 12 && off + total <= len);
		if (type != 6) {
			off += total;
			continue;
		}
		memcpy(&if_id, buf + off + 8, 4);
		memcpy(&caplen, buf + off + 20, 4);
		for (size_t o = off + 28 + ((caplen + 3) & ~3u); o + 4 <= off + total - 4;) {
			uint16_t code, olen;
			uint32_t key = 0, ref = 0;
			int has;

			memcpy(&code, buf + o, 2);
			memcpy(&olen, buf + o + 2, 2);
			if (code == 0)
				break;
			if (code == CTRCAP_OPT_CUSTOM_BIN) {
				has = ctrcap_record_idref(buf + o + 8, olen - 4u, &key, &ref);
				assert_true(has >= 0 && has != 3);
				what = has == CTRCAP_IDREF_KEY ? 'K' : has == CTRCAP_IDREF_REF ? 'R' : 'F';
				if (has && nk < 64 && keys)
					keys[nk++] = has == CTRCAP_IDREF_KEY ? key : ref;
				if (has == CTRCAP_IDREF_REF && ref_max && olen - 4u > *ref_max)
					*ref_max = olen - 4u;
			}
			o += 4 + ((olen + 3u) & ~3u);
		}
		k += (size_t)snprintf(out + k, cap - k, "%c%u ", what, if_id);
		assert_true(k < cap);
		off += total;
	}
}

/* The first packet of an identity defines it; later ones refer to it, in ~20 bytes. */
static void test_full_then_refs(void **state)
{
	char *dir, path[512], err[512], got[256];
	struct ctrcap_pcapng_writer *w = compact_writer("cid1", 0, 1, &dir, path, sizeof(path));
	struct ctrcap_identity a, b;
	uint32_t keys[64];
	size_t ref_max;
	(void)state;

	sample_identity(&a);
	sample_identity(&b);
	b.pid = 4242;
	put(w, 0, 0, &a, 60);
	put(w, 1, 0, &a, 60);
	a.tid = 7; /* per packet: still the same identity */
	a.attribution = CTRCAP_ATTR_FLOW;
	put(w, 2, 0, &a, 60);
	put(w, 3, 0, &b, 60);
	put(w, 4, 0, &b, 60);
	put(w, 5, 0, NULL, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	walk(path, got, sizeof(got), keys, &ref_max);
	assert_string_equal(got, "K0 R0 R0 K0 R0 -0 ");
	assert_int_equal(keys[1], keys[0]);
	assert_int_equal(keys[2], keys[0]);
	assert_int_equal(keys[4], keys[3]);
	assert_true(keys[3] != keys[0]);
	/* version, identity-ref, tid, attribution */
	assert_int_equal(ref_max, 1 + 8 + 8 + 5);
	test_rmdir(dir);
}

/* Keys are scoped by interface: each interface's first packet defines the identity. */
static void test_per_interface(void **state)
{
	char *dir, path[512], err[512], got[256];
	struct ctrcap_pcapng_writer *w = compact_writer("cid2", 0, 3, &dir, path, sizeof(path));
	struct ctrcap_identity a;
	(void)state;

	sample_identity(&a);
	put(w, 0, 0, &a, 60);
	put(w, 1, 1, &a, 60);
	put(w, 2, 0, &a, 60);
	put(w, 3, 1, &a, 60);
	put(w, 4, 2, &a, 60);
	/* The writer's shortcut (the interface's last reference) gives the same bytes. */
	put(w, 5, 0, &a, 60);
	put(w, 6, 2, &a, 60);
	put(w, 7, 2, &a, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	walk(path, got, sizeof(got), NULL, NULL);
	assert_string_equal(got, "K0 K1 R0 R1 K2 R0 R2 R2 ");
	test_rmdir(dir);
}

/* -C rotation starts a new section: each file defines its identities again. */
static void test_rotation_resets(void **state)
{
	char *dir, path[512], p1[600], err[512], got[256];
	struct ctrcap_pcapng_writer *w =
		compact_writer("cid3", 1800, 1, &dir, path, sizeof(path));
	struct ctrcap_identity a;
	(void)state;

	sample_identity(&a);
	/* 500-byte packets: about two per file. */
	for (int i = 0; i < 5; i++)
		put(w, (uint64_t)i, 0, &a, 500);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	walk(path, got, sizeof(got), NULL, NULL);
	assert_string_equal(got, "K0 R0 ");
	snprintf(p1, sizeof(p1), "%s1", path);
	walk(p1, got, sizeof(got), NULL, NULL);
	assert_string_equal(got, "K0 R0 ");
	snprintf(p1, sizeof(p1), "%s2", path);
	walk(p1, got, sizeof(got), NULL, NULL);
	assert_string_equal(got, "K0 ");
	test_rmdir(dir);
}

struct want {
	struct ctrcap_identity id[8];
	int n, seen;
};

/* Each packet read back is the identity written, as a self-contained record. */
static void check_packet(const struct ctrcap_pcapng_rec *rec, void *ctx)
{
	struct want *w = (struct want *)ctx;
	struct ctrcap_identity again;
	uint32_t key, ref;
	char err[256];

	assert_true(w->seen < w->n);
	assert_null(rec->identity_error);
	assert_true(rec->has_identity);
	assert_identity_eq(&rec->identity, &w->id[w->seen]);
	assert_true(ctrcap_identity_is_drop(&rec->identity) ==
		    ctrcap_identity_is_drop(&w->id[w->seen]));
	/* identity_raw: no key, no reference; it decodes alone to the same identity. */
	assert_int_equal(ctrcap_record_idref(rec->identity_raw, rec->identity_raw_len, &key, &ref),
			 0);
	memset(&again, 0, sizeof(again));
	assert_int_equal(ctrcap_record_decode(rec->identity_raw, rec->identity_raw_len, &again, err,
					      sizeof(err)),
			 0);
	assert_identity_eq(&again, &w->id[w->seen]);
	w->seen++;
}

/* The reader resolves every reference to the identity written, per-packet TLVs its own. */
static void test_reader_resolves(void **state)
{
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = compact_writer("cid4", 0, 2, &dir, path, sizeof(path));
	static struct want want;
	(void)state;

	memset(&want, 0, sizeof(want));
	sample_identity(&want.id[0]);
	want.id[1] = want.id[0];
	want.id[1].tid = 99;
	want.id[1].attribution = CTRCAP_ATTR_EARLIER_HOP;
	/* A drop: its TLVs are this packet's, not the next one's. */
	want.id[2] = want.id[0];
	want.id[2].drop_location = S("nft_do_chain+0x46f");
	want.id[2].drop_reason = S("NETFILTER_DROP");
	want.id[2].drop_reason_code = 6;
	want.id[2].present |= CTRCAP_HAS_DROP_REASON;
	want.id[3] = want.id[0];
	want.id[4] = want.id[0];
	want.id[4].ctr_name = S("db");
	want.id[5] = want.id[0];
	want.n = 6;
	put(w, 0, 0, &want.id[0], 60);
	put(w, 1, 0, &want.id[1], 60);
	put(w, 2, 0, &want.id[2], 60);
	put(w, 3, 1, &want.id[3], 60);
	put(w, 4, 1, &want.id[4], 60);
	put(w, 5, 0, &want.id[5], 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	assert_int_equal(test_each_packet(path, check_packet, &want), 6);
	assert_int_equal(want.seen, 6);
	test_rmdir(dir);
}

/*
 * A reference whose definition is not in the file (a packet subset): an
 * error naming the interface and key, the packet without identity, the
 * packets after it read as usual.
 */
static void test_dangling_ref(void **state)
{
	char *dir, path[512], cut[600], err[512];
	struct ctrcap_pcapng_writer *w = compact_writer("cid5", 0, 1, &dir, path, sizeof(path));
	static uint8_t buf[1 << 16];
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	struct ctrcap_identity a;
	size_t len, off = 0, epb_at = 0, epb_len = 0;
	int rc, n = 0, rest = 0;
	uint32_t key = 0, ref;
	FILE *f;
	(void)state;

	sample_identity(&a);
	put(w, 0, 0, &a, 60);
	put(w, 1, 0, &a, 60);
	put(w, 2, 0, &a, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	/* The file without its first EPB, the one that defines the identity. */
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (off + 8 <= len && !epb_len) {
		uint32_t type, total;

		memcpy(&type, buf + off, 4);
		memcpy(&total, buf + off + 4, 4);
		if (type == 6) {
			/* 60 bytes of data, epb_flags, then the option: code, length, PEN, record */
			size_t o = off + 28 + 60 + 8;
			uint16_t olen;

			epb_at = off;
			epb_len = total;
			memcpy(&olen, buf + o + 2, 2);
			assert_int_equal(ctrcap_record_idref(buf + o + 8, olen - 4u, &key, &ref),
					 CTRCAP_IDREF_KEY);
		}
		off += total;
	}
	assert_true(epb_len > 0);
	snprintf(cut, sizeof(cut), "%s/cut.pcapng", dir);
	f = fopen(cut, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, epb_at, f), epb_at);
	assert_int_equal(fwrite(buf + epb_at + epb_len, 1, len - epb_at - epb_len, f),
			 len - epb_at - epb_len);
	fclose(f);

	r = ctrcap_pcapng_reader_open(cut, err, sizeof(err));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		char want[128];

		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		n++;
		assert_non_null(rec.identity_error);
		snprintf(want, sizeof(want), "interface 0 (eth0): identity-ref %u names no identity",
			 key);
		assert_non_null(strstr(rec.identity_error, want));
		/* Without identity: only what the packet carries itself (tid, attribution). */
		assert_false(rec.identity.present & CTRCAP_HAS_PID);
		assert_null(rec.identity.ctr_name.ptr);
		assert_int_equal(rec.identity.tid, a.tid);
		assert_int_equal(rec.caplen, 60);
		rest += rec.has_flags;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);
	assert_int_equal(rest, 2);
	ctrcap_pcapng_reader_close(r);
	test_rmdir(dir);
}

/*
 * What the rpcap server sends: the reader's identity encoded again, full
 * on every packet (ctrcap_record_encode leaves key and reference out).
 */
static void check_reencoded(const struct ctrcap_pcapng_rec *rec, void *ctx)
{
	uint8_t enc[CTRCAP_RECORD_MAX];
	struct ctrcap_identity full, back;
	uint32_t key, ref;
	char err[256];
	int n;

	(void)ctx;
	n = ctrcap_record_encode(&rec->identity, enc, sizeof(enc));
	assert_true(n > 300);
	assert_int_equal(ctrcap_record_idref(enc, (size_t)n, &key, &ref), 0);
	sample_identity(&full);
	memset(&back, 0, sizeof(back));
	assert_int_equal(ctrcap_record_decode(enc, (size_t)n, &back, err, sizeof(err)), 0);
	assert_identity_eq(&back, &full);
}

static void test_reencode_full(void **state)
{
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = compact_writer("cid6", 0, 1, &dir, path, sizeof(path));
	struct ctrcap_identity a;
	(void)state;

	sample_identity(&a);
	for (int i = 0; i < 4; i++)
		put(w, (uint64_t)i, 0, &a, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	assert_int_equal(test_each_packet(path, check_reencoded, NULL), 4);
	test_rmdir(dir);
}

/* The split: identity TLVs to the definition, per-packet ones apart, key and ref to neither. */
static void test_split(void **state)
{
	uint8_t rec[CTRCAP_RECORD_MAX], def[CTRCAP_RECORD_MAX], pp[CTRCAP_RECORD_MAX];
	struct ctrcap_identity a, d;
	size_t def_len, pp_len;
	uint32_t key, ref;
	char err[256];
	int n;
	(void)state;

	sample_identity(&a);
	a.drop_location = S("0xffffffff81000000");
	n = ctrcap_record_encode(&a, rec, sizeof(rec));
	assert_true(n > 0);
	assert_int_equal(ctrcap_record_split(rec, (size_t)n, def, &def_len, pp, &pp_len), 0);
	/* tid 8, attribution 5, drop location 4 + 18 */
	assert_int_equal(pp_len, 8 + 5 + 4 + 18);
	assert_int_equal(def_len + pp_len, (size_t)n);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctrcap_record_decode(def, def_len, &d, err, sizeof(err)), 0);
	assert_false(d.present & (CTRCAP_HAS_TID | CTRCAP_HAS_ATTRIBUTION));
	assert_null(d.drop_location.ptr);
	assert_true(d.present & CTRCAP_HAS_PID);
	assert_int_equal(ctrcap_record_idref(rec, (size_t)n, &key, &ref), 0);
	/* Malformed: a TLV running past the end. */
	rec[n] = 0x01;
	assert_int_equal(ctrcap_record_split(rec, (size_t)n + 1, def, &def_len, pp, &pp_len), -1);
	assert_int_equal(ctrcap_record_idref(rec, (size_t)n + 1, &key, &ref), -1);
	assert_true(ctrcap_tlv_per_packet(CTRCAP_T_DROP_REASON));
	assert_false(ctrcap_tlv_per_packet(CTRCAP_T_CTR_NAME));
	assert_string_equal(ctrcap_tlv_name(CTRCAP_T_IDENTITY_REF), "identity-ref");
}

/* The table: replace on redefinition, keys from content, probing past a taken key, reset. */
static void test_table(void **state)
{
	struct ctrcap_idrefs *t = ctrcap_idrefs_new();
	const uint8_t x[] = { 1, 2, 3 }, y[] = { 1, 2, 4 };
	uint32_t kx, kx2, ky, kother;
	const uint8_t *got;
	size_t len;
	(void)state;

	assert_non_null(t);
	assert_int_equal(ctrcap_idrefs_intern(t, 0, x, sizeof(x), &kx), 1);
	assert_int_equal(ctrcap_idrefs_intern(t, 0, x, sizeof(x), &kx2), 0);
	assert_int_equal(kx, kx2);
	/* Another interface: the same key, defined there anew. */
	assert_int_equal(ctrcap_idrefs_intern(t, 1, x, sizeof(x), &kother), 1);
	assert_int_equal(kother, kx);
	/* A key taken by other bytes (a merged file's) is skipped. */
	assert_int_equal(ctrcap_idrefs_define(t, 2, kx, y, sizeof(y)), 0);
	assert_int_equal(ctrcap_idrefs_intern(t, 2, x, sizeof(x), &ky), 1);
	assert_int_equal(ky, kx + 1);
	got = ctrcap_idrefs_lookup(t, 2, kx, &len);
	assert_non_null(got);
	assert_memory_equal(got, y, sizeof(y));
	/* Redefinition replaces. */
	assert_int_equal(ctrcap_idrefs_define(t, 2, kx, x, sizeof(x)), 0);
	got = ctrcap_idrefs_lookup(t, 2, kx, &len);
	assert_memory_equal(got, x, sizeof(x));
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(ctrcap_idrefs_define(t, 3, i, x, sizeof(x)), 0);
	assert_non_null(ctrcap_idrefs_lookup(t, 3, 999, &len));
	assert_int_equal(ctrcap_idrefs_bytes(t), 3 * 1004);
	ctrcap_idrefs_reset(t);
	assert_null(ctrcap_idrefs_lookup(t, 0, kx, &len));
	assert_int_equal(ctrcap_idrefs_bytes(t), 0);
	ctrcap_idrefs_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_then_refs),	 cmocka_unit_test(test_per_interface),
		cmocka_unit_test(test_rotation_resets),	 cmocka_unit_test(test_reader_resolves),
		cmocka_unit_test(test_dangling_ref),	 cmocka_unit_test(test_reencode_full),
		cmocka_unit_test(test_split),		 cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
