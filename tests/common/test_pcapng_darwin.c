// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of Apple's Darwin process info blocks: the block's bytes, one
 * per (pid, name) per section, indexes from 0 in each section, and EPB
 * option 0x8001 naming the right block.
 */
#include <sys/stat.h>

#include "test_util.h"
#include "test_blocks.h"

#define T0 1700000000000000000ull

static void put_proc_packet(struct ctrcap_pcapng_writer *w, uint64_t i, uint32_t pid,
			    const char *name, uint32_t len)
{
	static uint8_t data[1024];
	struct ctrcap_pcapng_packet p = {
	    .ts_ns = T0 + i, .data = data, .caplen = len, .origlen = len, .pid = pid, .tid = pid,
	    .pname = name, .pname_len = name ? (uint16_t)strlen(name) : 0,
	};

	if (ctrcap_pcapng_writer_packet(w, &p) < 0)
		fail_msg("writer_packet: %s", ctrcap_pcapng_writer_error(w));
}

/*
 * The blocks of a file as text: "D<pid>:<name>" per process info block,
 * "P<index>" per packet (its option 0x8001, "P-" without), walking the
 * bytes (host byte order, as the writer writes).
 */
static void walk(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 16];
	size_t len, off = 0, k = 0;

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	out[0] = '\0';
	while (off + 12 <= len) {
		uint32_t type, total, v;

		memcpy(&type, buf + off, 4);
		memcpy(&total, buf + off + 4, 4);
		assert_true(total >= 12 && off + total <= len);
		if (type == 0x80000001u) {
			uint16_t code, olen;

			memcpy(&v, buf + off + 8, 4);
			memcpy(&code, buf + off + 12, 2);
			memcpy(&olen, buf + off + 14, 2);
			assert_int_equal(code, 2);
			k += (size_t)snprintf(out + k, cap - k, "D%u:%.*s ", v, olen,
					      (const char *)buf + off + 16);
		} else if (type == 6) {
			uint32_t caplen;
			size_t o;
			bool found = false;

			memcpy(&caplen, buf + off + 20, 4);
			for (o = off + 28 + ((caplen + 3) & ~3u); o + 4 <= off + total - 4;) {
				uint16_t code, olen;

				memcpy(&code, buf + o, 2);
				memcpy(&olen, buf + o + 2, 2);
				if (code == 0)
					break;
				if (code == 0x8001) {
					assert_int_equal(olen, 4);
					memcpy(&v, buf + o + 4, 4);
					k += (size_t)snprintf(out + k, cap - k, "P%u ", v);
					found = true;
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
			if (!found)
				k += (size_t)snprintf(out + k, cap - k, "P- ");
		}
		assert_true(k < cap);
		off += total;
	}
}

/* The block's bytes, against a block built by hand. */
static void test_dpib_bytes(void **state)
{
	char *dir, path[512], err[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("dpib", "a.pcapng", 0, &dir, path,
							sizeof(path));
	struct bb want = {.be = false};
	static uint8_t buf[4096];
	size_t len, s, off = 0;
	FILE *f;
	(void)state;

	put_proc_packet(w, 0, 241879, "wget", 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	s = bb_begin(&want, 0x80000001u);
	bb_uint(&want, 241879, 4);
	bb_opt(&want, 2, "wget", 4);
	bb_opt_end(&want);
	bb_end(&want, s);
	assert_int_equal(want.len, 28);

	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* SHB, IDB, then the block, then the packet. */
	for (int i = 0; i < 2; i++) {
		uint32_t total;

		memcpy(&total, buf + off + 4, 4);
		off += total;
	}
	assert_true(off + want.len <= len);
	assert_memory_equal(buf + off, want.p, want.len);
	test_rmdir(dir);
}

/* One block per (pid, name) per section; names cut to 15 bytes; no name, no block. */
static void test_dpib_once_per_process(void **state)
{
	char *dir, path[512], err[512], got[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("dpib1", "a.pcapng", 0, &dir, path,
							sizeof(path));
	(void)state;

	put_proc_packet(w, 0, 100, "wget", 60);
	put_proc_packet(w, 1, 100, "wget", 60);
	put_proc_packet(w, 2, 200, "curl", 60);
	put_proc_packet(w, 3, 100, "wget", 60);
	/* The process exec'ed: same pid, another name. */
	put_proc_packet(w, 4, 100, "sh", 60);
	put_proc_packet(w, 5, 300, "a-very-long-process-name", 60);
	put_proc_packet(w, 6, 300, "a-very-long-process-name", 60);
	put_proc_packet(w, 7, 400, NULL, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	walk(path, got, sizeof(got));
	assert_string_equal(got, "D100:wget P0 P0 D200:curl P1 P0 D100:sh P2 "
				 "D300:a-very-long-pro P3 P3 P- ");
	test_rmdir(dir);
}

/* Every rotated file numbers its blocks from 0 and repeats those its packets need. */
static void test_dpib_rotation(void **state)
{
	char *dir, path[512], p1[600], err[512], got[512];
	struct ctrcap_pcapng_writer *w = test_writer_in("dpib2", "r.pcapng", 900, &dir, path,
							sizeof(path));
	(void)state;

	/* 500-byte packets: one per file. */
	put_proc_packet(w, 0, 100, "wget", 500);
	put_proc_packet(w, 1, 200, "curl", 500);
	put_proc_packet(w, 2, 100, "wget", 500);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	walk(path, got, sizeof(got));
	assert_string_equal(got, "D100:wget P0 ");
	snprintf(p1, sizeof(p1), "%s1", path);
	walk(p1, got, sizeof(got));
	assert_string_equal(got, "D200:curl P0 ");
	snprintf(p1, sizeof(p1), "%s2", path);
	walk(p1, got, sizeof(got));
	assert_string_equal(got, "D100:wget P0 ");
	test_rmdir(dir);
}

/* The reader gives each packet the pid and name of the block its option 0x8001 names. */
static void test_dpib_read_back(void **state)
{
	char *dir, path[512], err[512], got[256] = "";
	struct ctrcap_pcapng_writer *w = test_writer_in("dpib3", "a.pcapng", 0, &dir, path,
							sizeof(path));
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	size_t k = 0;
	int rc;
	(void)state;

	put_proc_packet(w, 0, 100, "wget", 60);
	put_proc_packet(w, 1, 200, "curl", 60);
	put_proc_packet(w, 2, 100, "wget", 60);
	put_proc_packet(w, 3, 400, NULL, 60);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		if (rec.has_pib)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%u:%.*s ", rec.pib_pid,
					      rec.pname_len, rec.pname);
		else
			k += (size_t)snprintf(got + k, sizeof(got) - k, "- ");
	}
	assert_int_equal(rc, 0);
	ctrcap_pcapng_reader_close(r);
	assert_string_equal(got, "100:wget 200:curl 100:wget - ");
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dpib_bytes),
	    cmocka_unit_test(test_dpib_once_per_process),
	    cmocka_unit_test(test_dpib_rotation),
	    cmocka_unit_test(test_dpib_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
