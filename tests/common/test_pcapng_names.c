// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of Name Resolution Blocks: the bytes the writer puts out, each
 * (address, name) once per section and again in every rotated file, a new
 * owner written anew, and the reader on NRBs it did not write.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "test_util.h"
#include "test_blocks.h"

#include "ctrcap/pcapng.h"

#define T0 1700000000000000000ull

static void put_packet(struct ctrcap_pcapng_writer *w, uint64_t i, uint32_t len)
{
	static uint8_t data[1024];
	struct ctrcap_pcapng_packet p = {
	    .ts_ns = T0 + i, .data = data, .caplen = len, .origlen = len, .packet_id = i + 1,
	};

	if (ctrcap_pcapng_writer_packet(w, &p) < 0)
		fail_msg("writer_packet: %s", ctrcap_pcapng_writer_error(w));
}

static void name4(struct ctrcap_pcapng_writer *w, const char *ip, const char *name)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	assert_int_equal(ctrcap_pcapng_writer_name(w, AF_INET, a, name), 0);
}

static void name6(struct ctrcap_pcapng_writer *w, const char *ip, const char *name)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	assert_int_equal(ctrcap_pcapng_writer_name(w, AF_INET6, a, name), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Offset of the n-th (0-based) block of type in buf, or -1. */
static long nth_block(const uint8_t *buf, size_t len, uint32_t type, unsigned n)
{
	size_t off = 0;

	while (off + 8 <= len) {
		uint32_t t, l;

		memcpy(&t, buf + off, 4);
		memcpy(&l, buf + off + 4, 4);
		if (t == type && n-- == 0)
			return (long)off;
		assert_true(l >= 12 && off + l <= len);
		off += l;
	}
	return -1;
}

/* The kinds of the blocks of a file as letters: S I N P T (stats), and the names read. */
static void block_kinds(const char *path, char *kinds, size_t cap, char *names, size_t ncap)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	size_t k = 0, m = 0;
	char err[512];
	int rc;

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	names[0] = '\0';
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		static const char letter[] = "?SIPTON";

		assert_true(k + 1 < cap);
		kinds[k++] = letter[rec.kind];
		for (size_t i = 0; rec.kind == CTRCAP_REC_NAMES && i < rec.n_names; i++) {
			char ip[64];

			inet_ntop(rec.names[i].family, rec.names[i].addr, ip, sizeof(ip));
			m += (size_t)snprintf(names + m, ncap - m, "%s=%s ", ip, rec.names[i].name);
			assert_true(m < ncap);
		}
	}
	kinds[k] = '\0';
	if (rc < 0)
		fail_msg("%s: %s", path, ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
}

/* Write b's bytes to path. */
static void write_bb(const char *path, const struct bb *b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	fclose(f);
}

/* The NRB's bytes, against a block built by hand; it comes before the first packet. */
static void test_nrb_bytes(void **state)
{
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("nrb", "a.pcapng", 0, &dir, path, sizeof(path));
	struct bb want = {.be = false};
	uint8_t a4[4] = {10, 99, 0, 2}, a6[16];
	size_t len, s;
	uint8_t *buf;
	long nrb, epb;
	(void)state;

	name4(w, "10.99.0.2", "web");
	name6(w, "fd99::2", "db-0.shop.pod");
	put_packet(w, 0, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	inet_pton(AF_INET6, "fd99::2", a6);
	s = bb_begin(&want, 4);
	{
		uint8_t v4[4 + 4], v6[16 + 14];

		memcpy(v4, a4, 4);
		memcpy(v4 + 4, "web", 4);
		memcpy(v6, a6, 16);
		memcpy(v6 + 16, "db-0.shop.pod", 14);
		bb_opt(&want, 1, v4, sizeof(v4));
		bb_opt(&want, 2, v6, sizeof(v6));
	}
	bb_uint(&want, 0, 4); /* nrb_record_end */
	bb_end(&want, s);
	assert_int_equal(want.len, 8 + 12 + 36 + 4 + 4);

	buf = slurp(path, &len);
	nrb = nth_block(buf, len, 4, 0);
	epb = nth_block(buf, len, 6, 0);
	assert_true(nrb > 0 && epb > nrb);
	assert_memory_equal(buf + nrb, want.p, want.len);
	assert_int_equal(nth_block(buf, len, 4, 1), -1);
	free(buf);
	test_rmdir(dir);
}

/*
 * Once per section: the same name again writes nothing, a new owner of an
 * address writes one entry, a name after the last packet is kept at close.
 */
static void test_once_per_section(void **state)
{
	char *dir, path[512], err[512], kinds[64], names[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("nrb1", "a.pcapng", 0, &dir, path, sizeof(path));
	(void)state;

	name4(w, "10.99.0.2", "web");
	name4(w, "10.99.0.3", "db");
	put_packet(w, 0, 60);
	/* Said again by every scan: nothing new to write. */
	name4(w, "10.99.0.2", "web");
	name4(w, "10.99.0.3", "db");
	put_packet(w, 1, 60);
	/* 10.99.0.3 has a new owner. */
	name4(w, "10.99.0.3", "cache");
	name4(w, "10.99.0.3", "cache");
	put_packet(w, 2, 60);
	name6(w, "fd99::9", "late");
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	block_kinds(path, kinds, sizeof(kinds), names, sizeof(names));
	assert_string_equal(kinds, "SINPPNPN");
	assert_string_equal(names, "10.99.0.2=web 10.99.0.3=db 10.99.0.3=cache fd99::9=late ");
	test_rmdir(dir);
}

/* Rotation: every file repeats the names that hold, before its first packet. */
static void test_rotation_repeats(void **state)
{
	char *dir, path[512], err[512], kinds[256], names[1024];
	struct ctrcap_pcapng_writer *w = test_writer_in("nrb2", "r.pcapng", 1200, &dir, path, sizeof(path));
	uint8_t gone[4] = {10, 99, 0, 4};
	struct stat st;
	unsigned files = 0;
	(void)state;

	name4(w, "10.99.0.2", "web");
	name4(w, "10.99.0.4", "gone");
	/* 500-byte packets: one per file. */
	for (uint64_t i = 0; i < 6; i++) {
		/* Its owner went away after the first file: later files do not name it. */
		if (i == 1)
			ctrcap_pcapng_writer_unname(w, AF_INET, gone);
		put_packet(w, i, 500);
	}
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	for (unsigned i = 0;; i++) {
		char p[600];

		if (i == 0)
			snprintf(p, sizeof(p), "%s", path);
		else
			snprintf(p, sizeof(p), "%s%u", path, i);
		if (stat(p, &st))
			break;
		files++;
		block_kinds(p, kinds, sizeof(kinds), names, sizeof(names));
		/* SHB, IDB, one NRB, then packets only (the last file ends with the ISB). */
		assert_int_equal(strncmp(kinds, "SINP", 4), 0);
		assert_null(strchr(kinds + 3, 'N'));
		assert_string_equal(names, i == 0 ? "10.99.0.2=web 10.99.0.4=gone "
						  : "10.99.0.2=web ");
	}
	assert_true(files >= 3);
	test_rmdir(dir);
}

/*
 * Names given before any interface wait for the first IDB: Wireshark takes
 * the interfaces from the IDBs right after the SHB (editcap refuses a file
 * with an NRB there).
 */
static void test_after_first_idb(void **state)
{
	char *dir = test_tmpdir("nrb5"), path[512], err[512], kinds[64], names[256];
	struct ctrcap_pcapng_writer *w;
	(void)state;

	snprintf(path, sizeof(path), "%s/a.pcapng", dir);
	w = test_open_writer(path, 0, 0, 0);
	name4(w, "10.99.0.2", "web");
	assert_int_equal(ctrcap_pcapng_writer_flush(w), 0);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0), 0);
	put_packet(w, 0, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	block_kinds(path, kinds, sizeof(kinds), names, sizeof(names));
	assert_string_equal(kinds, "SINP");
	assert_string_equal(names, "10.99.0.2=web ");
	test_rmdir(dir);
}

/* Bad arguments are refused with a message. */
static void test_bad_names(void **state)
{
	char *dir = test_tmpdir("nrb3"), path[512], err[512];
	struct ctrcap_pcapng_writer *w;
	uint8_t a[16] = {0};
	(void)state;

	snprintf(path, sizeof(path), "%s/a.pcapng", dir);
	w = test_open_writer(path, 0, 0, 0);
	assert_int_equal(ctrcap_pcapng_writer_name(w, AF_UNIX, a, "x"), -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "IPv4 or IPv6"));
	assert_int_equal(ctrcap_pcapng_writer_name(w, AF_INET, a, ""), -1);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	test_rmdir(dir);
}

/* The reader on hand-built NRBs, both byte orders: odd records skipped, overruns refused. */
static void test_reader_nrb(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct bb b = {.be = be};
		char *dir = test_tmpdir("nrb4"), path[512], kinds[32], names[512];
		uint8_t v[] = {192, 0, 2, 1, 'a', 0, 'b', '.', 'x', 0};
		uint8_t unterminated[] = {192, 0, 2, 7, 'u', 'n', 't'};
		uint8_t short4[] = {192, 0};
		size_t s;
		int rc;

		bb_shb(&b, "hand");
		s = bb_begin(&b, 4);
		bb_opt(&b, 1, v, sizeof(v));		/* two names for one address */
		bb_opt(&b, 77, "zz", 2);		/* unknown record type: skipped */
		bb_opt(&b, 1, short4, sizeof(short4));	/* no whole address: skipped */
		bb_opt(&b, 1, unterminated, sizeof(unterminated));
		bb_uint(&b, 0, 4);
		bb_opt(&b, 2, "dns.example", 11);	/* ns_dnsname: an option, not a name */
		bb_opt_end(&b);
		bb_end(&b, s);
		snprintf(path, sizeof(path), "%s/h.pcapng", dir);
		write_bb(path, &b);
		block_kinds(path, kinds, sizeof(kinds), names, sizeof(names));
		assert_string_equal(kinds, "SN");
		assert_string_equal(names, "192.0.2.1=a 192.0.2.1=b.x 192.0.2.7=unt ");

		/* A record whose length runs past its block is an error naming it. */
		b.len = 0;
		bb_shb(&b, "hand");
		s = bb_begin(&b, 4);
		bb_uint(&b, 1, 2);
		bb_uint(&b, 200, 2);
		bb_uint(&b, 0, 4);
		bb_end(&b, s);
		write_bb(path, &b);
		{
			char err[512];
			struct ctrcap_pcapng_rec rec;
			struct ctrcap_pcapng_reader *r = ctrcap_pcapng_reader_open(path, err,
										    sizeof(err));

			assert_non_null(r);
			assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
			rc = ctrcap_pcapng_reader_next(r, &rec);
			assert_int_equal(rc, -1);
			assert_non_null(strstr(ctrcap_pcapng_reader_error(r),
					       "name resolution record 1: length 200"));
			ctrcap_pcapng_reader_close(r);
		}
		test_rmdir(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nrb_bytes),
	    cmocka_unit_test(test_once_per_section),
	    cmocka_unit_test(test_rotation_repeats),
	    cmocka_unit_test(test_after_first_idb),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_reader_nrb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
