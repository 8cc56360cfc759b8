// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Our files through the real Wireshark tools: capinfos and tshark see the
 * packets, interfaces, directions and packet ids we wrote, and editcap,
 * mergecap and tshark -w keep the identity option byte for byte.
 */
#include <unistd.h>

#include "test_util.h"
#include "test_blocks.h"

#include "ctrcap/pcapng.h"

#define T0   1700000000000000000ull
#define NPKT 6

static char *dir;
static uint8_t orig_raw[NPKT][CTRCAP_RECORD_MAX];
static size_t orig_len[NPKT];

/* An Ethernet + IPv4 + UDP frame between test addresses (bytes only, never sent). */
static uint32_t make_frame(uint8_t *f, unsigned i)
{
	static const uint8_t hdr[] = {
	    0x02, 0,	0,  0,	0, 2,  0x02, 0, 0,   0,	  0,   1,   0x08, 0x00, /* Ethernet */
	    0x45, 0,	0,  32, 0, 1,  0,    0, 64,  17,  0,   0,   10,	  99,
	    7,	  2,	10, 99, 7, 3,				    /* IPv4 */
	    0x9c, 0x40, 0,  53, 0, 12, 0,    0, 't', 'e', 's', 't', /* UDP */
	};

	memcpy(f, hdr, sizeof(hdr));
	f[sizeof(hdr) - 1] = (uint8_t)('0' + i);
	return sizeof(hdr);
}

static char *path_of(const char *name)
{
	return test_path(dir, name);
}

/* The file every test reads: 2 interfaces, NPKT packets, ids 100.., identity on all but one. */
static int setup(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .userappl = "ctrcap-test"};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	uint8_t frame[64];
	char err[512];
	unsigned i;
	int ifs[2];
	(void)state;

	dir = test_tmpdir("tools");
	if (!dir)
		return -1;
	o.path = path_of("a.pcapng");
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		return -1;
	ifs[0] = ctrcap_pcapng_writer_interface(w, 4026532281u, 5, "eth0", "web", 1, 262144);
	ifs[1] = ctrcap_pcapng_writer_interface(w, 4026531840u, 9, "veth4c1652a", NULL, 1, 262144);
	sample_identity(&id);
	for (i = 0; i < NPKT; i++) {
		struct ctrcap_pcapng_packet p = {
		    .if_id = (uint32_t)ifs[i % 2],
		    .ts_ns = T0 + i * 1000,
		    .data = frame,
		    .direction = i % 3 == 2 ? CTRCAP_DIR_UNKNOWN
					    : (i % 3 == 0 ? CTRCAP_DIR_OUT : CTRCAP_DIR_IN),
		    .packet_id = 100 + i,
		    .id = i == 4 ? NULL : &id,
		};

		p.caplen = p.origlen = make_frame(frame, i);
		id.pid = 1000 + i;
		if (p.id) {
			int n = ctrcap_record_encode(&id, orig_raw[i], sizeof(orig_raw[i]));

			orig_len[i] = (size_t)n;
		}
		if (ctrcap_pcapng_writer_packet(w, &p) < 0)
			return -1;
	}
	ctrcap_pcapng_writer_set_stats(w, 0, 10, 1, 0);
	return ctrcap_pcapng_writer_close(w, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(dir);
	return 0;
}

static void test_capinfos(void **state)
{
	char out[8192];
	(void)state;

	assert_int_equal(test_run(out, sizeof(out), "capinfos -c -M '%s'", path_of("a.pcapng")), 0);
	assert_non_null(strstr(out, "Number of packets:   6"));
	assert_int_equal(test_run(out, sizeof(out), "capinfos '%s'", path_of("a.pcapng")), 0);
	assert_non_null(strstr(out, "Number of interfaces in file: 2"));
	assert_non_null(strstr(out, "Name = eth0"));
	assert_non_null(strstr(out, "Description = netns 4026532281 (web)"));
	assert_non_null(strstr(out, "Name = veth4c1652a"));
	assert_non_null(strstr(out, "Time precision = nanoseconds (9)"));
	assert_non_null(strstr(out, "Number of packets = 3"));
}

static void test_tshark_fields(void **state)
{
	char out[8192];
	/* No epb_flags is written for an unknown direction: the field is empty. */
	static const char want[] = "0,eth0,0x00000002,100\n"
				   "1,veth4c1652a,0x00000001,101\n"
				   "0,eth0,,102\n"
				   "1,veth4c1652a,0x00000002,103\n"
				   "0,eth0,0x00000001,104\n"
				   "1,veth4c1652a,,105\n";
	(void)state;

	assert_int_equal(test_run(out, sizeof(out),
			     "tshark -r '%s' -T fields -E separator=, -e frame.interface_id "
			     "-e frame.interface_name -e frame.packet_flags_direction "
			     "-e frame.packet_id 2>/dev/null",
			     path_of("a.pcapng")),
			 0);
	assert_string_equal(out, want);
	/* The frames decode as UDP between the test addresses. */
	assert_int_equal(test_run(out, sizeof(out),
			     "tshark -r '%s' -Y 'udp.dstport == 53' 2>/dev/null | wc -l",
			     path_of("a.pcapng")),
			 0);
	assert_string_equal(out, "6\n");
}

/* Wireshark's own pcapng structure dissector reads our ISB counters and options. */
static void test_isb_and_options_in_wireshark(void **state)
{
	static char out[1 << 17];
	(void)state;

	assert_int_equal(test_run(out, sizeof(out),
			     "tshark -r '%s' -X 'read_format:MIME Files Format' -V 2>/dev/null",
			     path_of("a.pcapng")),
			 0);
	assert_non_null(strstr(out, "Interface Statistics Block"));
	assert_non_null(strstr(out, "Number of Received Packets = 10"));
	assert_non_null(strstr(out, "Number of Dropped Packets = 1"));
	assert_non_null(strstr(out, "Number of Packets Dropped by OS = 0"));
	assert_non_null(strstr(out, "Timestamp Resolution = 10^-9 (nanoseconds)"));
	assert_non_null(strstr(out, "Packet ID = 0x0000000000000064"));
	assert_non_null(strstr(out, "Direction: Outbound"));
	/* 4.0 calls the option "Unknown", 4.4 "Custom Option which can be copied". */
	assert_non_null(strstr(out, " (2989)\n"));
}

/* Packet id -> identity_raw of every packet in path equals what was written. */
static unsigned check_raw(const char *path)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	unsigned n = 0;
	char err[512];
	int rc;

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		unsigned i;

		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		assert_true(rec.has_packet_id);
		i = (unsigned)(rec.packet_id - 100);
		assert_true(i < NPKT);
		assert_int_equal(rec.identity_raw_len, orig_len[i]);
		if (orig_len[i]) {
			assert_memory_equal(rec.identity_raw, orig_raw[i], orig_len[i]);
			assert_true(rec.has_identity);
			assert_int_equal(rec.identity.pid, 1000 + i);
		}
		n++;
	}
	if (rc < 0)
		fail_msg("%s", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	return n;
}

static void test_rewrites_keep_identity(void **state)
{
	(void)state;

	assert_int_equal(
	    test_run(NULL, 0, "editcap '%s' '%s' 2>&1", path_of("a.pcapng"), path_of("e.pcapng")), 0);
	assert_int_equal(check_raw(path_of("e.pcapng")), NPKT);
	/* A subset: exporting packets never loses their identity. */
	assert_int_equal(test_run(NULL, 0, "editcap -r '%s' '%s' 2-4 2>&1", path_of("a.pcapng"),
			     path_of("sub.pcapng")),
			 0);
	assert_int_equal(check_raw(path_of("sub.pcapng")), 3);
	assert_int_equal(test_run(NULL, 0, "mergecap -w '%s' '%s' '%s' 2>&1", path_of("m.pcapng"),
			     path_of("a.pcapng"), path_of("e.pcapng")),
			 0);
	assert_int_equal(check_raw(path_of("m.pcapng")), 2 * NPKT);
	assert_int_equal(
	    test_run(NULL, 0, "tshark -r '%s' -w '%s' 2>&1", path_of("a.pcapng"), path_of("t.pcapng")),
	    0);
	assert_int_equal(check_raw(path_of("t.pcapng")), NPKT);
	assert_int_equal(test_run(NULL, 0, "tshark -r '%s' -Y 'frame.packet_id >= 103' -w '%s' 2>&1",
			     path_of("a.pcapng"), path_of("f.pcapng")),
			 0);
	assert_int_equal(check_raw(path_of("f.pcapng")), 3);
}

/*
 * A big-endian file: Wireshark reads the PEN in section byte order and
 * writes it back in its own, the record bytes unchanged.
 */
static void test_big_endian_through_editcap(void **state)
{
	static struct bb b;
	struct ctrcap_identity id;
	uint8_t frame[64];
	unsigned i;
	FILE *f;
	(void)state;

	sample_identity(&id);
	b.len = 0;
	b.be = true;
	bb_shb(&b, "be-test");
	bb_idb(&b, 1, 0, "eth0", 9);
	for (i = 0; i < NPKT; i++) {
		uint32_t len = make_frame(frame, i);
		size_t s = bb_epb_begin(&b, 0, T0 + i, frame, len, len);

		bb_opt_u64(&b, 5, 100 + i);
		if (orig_len[i])
			bb_opt_ctrcap(&b, CTRCAP_PEN, orig_raw[i], (uint16_t)orig_len[i]);
		bb_opt_end(&b);
		bb_end(&b, s);
	}
	f = fopen(path_of("be.pcapng"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
	fclose(f);
	assert_int_equal(check_raw(path_of("be.pcapng")), NPKT);
	assert_int_equal(
	    test_run(NULL, 0, "editcap '%s' '%s' 2>&1", path_of("be.pcapng"), path_of("be-e.pcapng")),
	    0);
	assert_int_equal(check_raw(path_of("be-e.pcapng")), NPKT);
	{
		struct ctrcap_pcapng_reader *r;
		struct ctrcap_pcapng_rec rec;
		char err[256];

		r = ctrcap_pcapng_reader_open(path_of("be-e.pcapng"), err, sizeof(err));
		assert_non_null(r);
		assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
		assert_false(rec.big_endian); /* rewritten in the host's order */
		ctrcap_pcapng_reader_close(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capinfos),
	    cmocka_unit_test(test_tshark_fields),
	    cmocka_unit_test(test_isb_and_options_in_wireshark),
	    cmocka_unit_test(test_rewrites_keep_identity),
	    cmocka_unit_test(test_big_endian_through_editcap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
