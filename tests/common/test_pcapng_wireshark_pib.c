// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of Wireshark's Process Information Block (a custom block with
 * PEN 32622, entry type 3; layout in docs/pcapng-format.md): the exact bytes
 * --process-blocks writes, none without it, and the reader matching a block
 * to packets by option 8's pid in either section byte order.
 */
#include <stdio.h>

#include "test_util.h"
#include "test_blocks.h"

#define T0 1700000000000000000ull

/* A writer in a new test directory, with or without process_blocks. */
static struct ctrcap_pcapng_writer *pib_writer(const char *tag, bool pib, char **dir,
					       char *path, size_t cap)
{
	struct ctrcap_pcapng_writer_opts o = {
	    .path = path, .userappl = "ctrcap-test", .process_blocks = pib,
	};
	char err[512] = "";
	struct ctrcap_pcapng_writer *w;

	*dir = test_tmpdir(tag);
	snprintf(path, cap, "%s/a.pcapng", *dir);
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		fail_msg("writer_open: %s", err);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0), 0);
	return w;
}

static void put_packet(struct ctrcap_pcapng_writer *w, uint64_t i, uint32_t pid, const char *name)
{
	static uint8_t data[60];
	struct ctrcap_pcapng_packet p = {
	    .ts_ns = T0 + i, .data = data, .caplen = sizeof(data), .origlen = sizeof(data),
	    .pid = pid, .tid = pid, .pname = name, .pname_len = (uint16_t)strlen(name),
	};

	if (ctrcap_pcapng_writer_packet(w, &p) < 0)
		fail_msg("writer_packet: %s", ctrcap_pcapng_writer_error(w));
}

/* The file's bytes; *n of them. */
static uint8_t *slurp(const char *path, size_t *n)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

/* Offset of the block after the first `skip` blocks. */
static size_t block_at(const uint8_t *b, unsigned skip)
{
	size_t off = 0;

	for (unsigned i = 0; i < skip; i++) {
		uint32_t total;

		memcpy(&total, b + off + 4, 4);
		off += total;
	}
	return off;
}

/*
 * pid 4321 "curl": SHB, IDB, Apple's block, then Wireshark's, byte for byte
 * (little-endian host): type 0xBAD, total 40, PEN 32622, entry type 3, entry
 * length 16, pid, option 2 "curl", end of options, total 40.
 */
static void test_pib_bytes(void **state)
{
	static const uint8_t want[40] = {
	    0xad, 0x0b, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x6e, 0x7f, 0x00, 0x00,
	    0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xe1, 0x10, 0x00, 0x00,
	    0x02, 0x00, 0x04, 0x00, 'c',  'u',  'r',  'l',  0x00, 0x00, 0x00, 0x00,
	    0x28, 0x00, 0x00, 0x00,
	};
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = pib_writer("wpib", true, &dir, path, sizeof(path));
	size_t n, off;
	uint8_t *b;
	uint32_t type;
	(void)state;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		skip();
	put_packet(w, 0, 4321, "curl");
	put_packet(w, 1, 4321, "curl");
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	b = slurp(path, &n);
	off = block_at(b, 2);
	memcpy(&type, b + off, 4);
	assert_int_equal(type, 0x80000001u);
	off = block_at(b, 3);
	assert_true(off + sizeof(want) <= n);
	assert_memory_equal(b + off, want, sizeof(want));
	/* Once per process: the next blocks are the two packets. */
	memcpy(&type, b + off + sizeof(want), 4);
	assert_int_equal(type, 6);
	test_rmdir(dir);
}

/* Without the option, no custom block. */
static void test_pib_off(void **state)
{
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = pib_writer("wpib0", false, &dir, path, sizeof(path));
	size_t n, off;
	uint8_t *b;
	(void)state;

	put_packet(w, 0, 4321, "curl");
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	b = slurp(path, &n);
	for (off = 0; off + 8 <= n;) {
		uint32_t type, total;

		memcpy(&type, b + off, 4);
		memcpy(&total, b + off + 4, 4);
		assert_int_not_equal(type, 0xBADu);
		off += total;
	}
	test_rmdir(dir);
}

/* The entry of a Wireshark custom block: little-endian whatever the section's order. */
static void bb_ws_entry(struct bb *b, uint32_t type, uint32_t pid, const char *name)
{
	bool be = b->be;
	size_t nl = name ? strlen(name) : 0;

	b->be = false;
	bb_uint(b, type, 4);
	bb_uint(b, 4 + (name ? 8 + 4 + ((nl + 3) & ~(size_t)3) + 4 : 0), 4);
	bb_uint(b, pid, 4);
	if (name) {
		bb_opt_u32(b, 6, 0); /* pib_uid, skipped */
		bb_opt(b, 2, name, (uint16_t)nl);
		bb_opt_end(b);
	}
	b->be = be;
}

/* A file of either byte order: Wireshark's blocks, packets naming pids by option 8. */
static void build(struct bb *b, bool be)
{
	static const uint8_t data[60];
	size_t s;

	memset(b, 0, sizeof(*b));
	b->be = be;
	bb_shb(b, "test");
	bb_idb(b, 1, 65535, "eth0", 9);
	s = bb_begin(b, 0xBAD);
	bb_uint(b, 32622, 4);
	bb_ws_entry(b, 3, 77, "sshd");
	bb_end(b, s);
	/* Another PEN, and an entry type not known: skipped. */
	s = bb_begin(b, 0x40000BAD);
	bb_uint(b, 32473, 4);
	bb_uint(b, 3, 4);
	bb_end(b, s);
	s = bb_begin(b, 0xBAD);
	bb_uint(b, 32622, 4);
	bb_ws_entry(b, 99, 88, NULL);
	bb_end(b, s);
	s = bb_epb_begin(b, 0, T0, data, 60, 60);
	bb_opt_u64(b, 8, be ? (77ull << 32) | 78 : (78ull << 32) | 77);
	bb_opt_end(b);
	bb_end(b, s);
	/* A pid no block names, then one named by a block after a first one. */
	s = bb_epb_begin(b, 0, T0 + 1, data, 60, 60);
	bb_opt_u64(b, 8, be ? (99ull << 32) : 99);
	bb_opt_end(b);
	bb_end(b, s);
	s = bb_begin(b, 0xBAD);
	bb_uint(b, 32622, 4);
	bb_ws_entry(b, 3, 77, "sshd-session");
	bb_end(b, s);
	s = bb_epb_begin(b, 0, T0 + 2, data, 60, 60);
	bb_opt_u64(b, 8, be ? (77ull << 32) : 77);
	bb_opt_end(b);
	bb_end(b, s);
}

/* The packets as "pid:name" (from the block) or "pid:-". */
static void read_all(struct bb *b, char *got, size_t cap)
{
	char err[512];
	FILE *f = fmemopen(b->p, b->len, "rb");
	struct ctrcap_pcapng_reader *r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
	struct ctrcap_pcapng_rec rec;
	size_t k = 0;
	int rc;

	assert_non_null(r);
	got[0] = '\0';
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		if (rec.has_pib)
			k += (size_t)snprintf(got + k, cap - k, "%u:%.*s ", rec.pid, rec.pname_len,
					      rec.pname);
		else
			k += (size_t)snprintf(got + k, cap - k, "%u:- ", rec.pid);
	}
	if (rc < 0)
		fail_msg("reader: %s", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	fclose(f);
}

/* Option 8's pid finds the section's last block of that pid, in both byte orders. */
static void test_pib_read_back(void **state)
{
	static struct bb b;
	char got[256];
	(void)state;

	for (int be = 0; be < 2; be++) {
		build(&b, be);
		read_all(&b, got, sizeof(got));
		assert_string_equal(got, "77:sshd 99:- 77:sshd-session ");
	}
}

/* What the writer writes, the reader reads back. */
static void test_pib_round_trip(void **state)
{
	char *dir, path[512], err[512], got[256] = "";
	struct ctrcap_pcapng_writer *w = pib_writer("wpib2", true, &dir, path, sizeof(path));
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	size_t k = 0;
	(void)state;

	put_packet(w, 0, 4321, "curl");
	put_packet(w, 1, 55, "wget");
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	while (ctrcap_pcapng_reader_next(r, &rec) == 1)
		if (rec.kind == CTRCAP_REC_PACKET)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%u:%.*s ", rec.pib_pid,
					      rec.pname_len, rec.pname);
	ctrcap_pcapng_reader_close(r);
	assert_string_equal(got, "4321:curl 55:wget ");
	test_rmdir(dir);
}

/* An entry longer than its block, an option past its entry: errors naming them. */
static void test_pib_malformed(void **state)
{
	static struct bb b;
	char err[512];
	struct ctrcap_pcapng_rec rec;
	const char *cases[] = { "does not fit", "runs past" };
	(void)state;

	for (int c = 0; c < 2; c++) {
		FILE *f;
		struct ctrcap_pcapng_reader *r;
		size_t s;
		int rc;

		memset(&b, 0, sizeof(b));
		bb_shb(&b, "test");
		s = bb_begin(&b, 0xBAD);
		bb_uint(&b, 32622, 4);
		bb_uint(&b, 3, 4);
		bb_uint(&b, c == 0 ? 64 : 12, 4);
		bb_uint(&b, 7, 4);
		bb_uint(&b, 2, 2);
		bb_uint(&b, c == 0 ? 0 : 40, 2);
		bb_uint(&b, 0, 4);
		bb_end(&b, s);
		f = fmemopen(b.p, b.len, "rb");
		r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
		assert_non_null(r);
		while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1)
			;
		assert_int_equal(rc, -1);
		assert_non_null(strstr(ctrcap_pcapng_reader_error(r), cases[c]));
		ctrcap_pcapng_reader_close(r);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pib_bytes),
	    cmocka_unit_test(test_pib_off),
	    cmocka_unit_test(test_pib_read_back),
	    cmocka_unit_test(test_pib_round_trip),
	    cmocka_unit_test(test_pib_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
