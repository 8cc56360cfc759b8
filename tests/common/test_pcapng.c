// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the pcapng writer and reader: round trips, byte orders, rotation, errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "test_blocks.h"

#include "ctrcap/pcapng.h"

#define T0 1700000000000000000ull /* 2023-11-14, ns */

static char *join(const char *dir, const char *name)
{
	char *p;

	if (!dir || !name)
		fail_msg("no test directory");
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void put_packet(struct ctrcap_pcapng_writer *w, int ifid, uint64_t ts, uint32_t len,
		       uint64_t pkt_id, const struct ctrcap_identity *id)
{
	static uint8_t data[2048];
	struct ctrcap_pcapng_packet p = {
	    .if_id = (uint32_t)ifid,
	    .ts_ns = ts,
	    .data = data,
	    .caplen = len,
	    .origlen = len,
	    .direction = CTRCAP_DIR_OUT,
	    .packet_id = pkt_id,
	    .id = id,
	};

	memset(data, (int)(pkt_id & 0xff), len);
	if (ctrcap_pcapng_writer_packet(w, &p) < 0)
		fail_msg("writer_packet: %s", ctrcap_pcapng_writer_error(w));
}

/*
 * Read a whole file, which must end cleanly and start with an SHB; returns
 * the packet count, appends packet ids to ids and, when lead_ifs is not
 * NULL, the number of IDBs right after the SHB.
 */
static unsigned read_file_ids(const char *path, uint64_t *ids, unsigned max_ids, unsigned *lead_ifs)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	unsigned n = 0, blocks = 0, lead = 0;
	bool leading = true;
	char err[512];
	int rc;

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (blocks++ == 0) {
			assert_int_equal(rec.kind, CTRCAP_REC_SECTION);
			continue;
		}
		if (rec.kind == CTRCAP_REC_INTERFACE && leading)
			lead++;
		else
			leading = false;
		if (rec.kind == CTRCAP_REC_PACKET) {
			assert_true(rec.has_identity);
			if (n < max_ids)
				ids[n] = rec.packet_id;
			n++;
		}
	}
	if (rc < 0)
		fail_msg("%s: %s", path, ctrcap_pcapng_reader_error(r));
	if (lead_ifs)
		*lead_ifs = lead;
	ctrcap_pcapng_reader_close(r);
	return n;
}

/* ------------------------------------------------------------------ round trip */

/* A writer with a node names it first in every IDB description (a copy of the string). */
static void test_node_in_idb(void **state)
{
	char *dir = test_tmpdir("node"), *path = join(dir, "node.pcapng");
	char node[] = "worker-1", err[512];
	struct ctrcap_pcapng_writer_opts o = {.path = path, .node = node};
	struct ctrcap_pcapng_writer *w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	(void)state;

	assert_non_null(w);
	node[0] = 'X';
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "lo", NULL, 1, 0), 0);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 4026532281u, 2, "eth0", "web", 1, 0), 1);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
	assert_string_equal(rec.iface->description, "node worker-1, netns 4026531840");
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_string_equal(rec.iface->description, "node worker-1, netns 4026532281 (web)");
	ctrcap_pcapng_reader_close(r);
	free(path);
	test_rmdir(dir);
}

static void test_round_trip(void **state)
{
	char *dir = test_tmpdir("rt"), *path = join(dir, "rt.pcapng");
	struct ctrcap_pcapng_writer *w = test_open_writer(path, 0, 0, 0);
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	struct ctrcap_identity id;
	uint8_t data[100];
	char err[512];
	int lo, eth, again, renamed, i;
	(void)state;

	sample_identity(&id);
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)i;
	lo = ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "lo", NULL, 1, 262144);
	eth = ctrcap_pcapng_writer_interface(w, 4026532281u, 2, "eth0", "web", 1, 65535);
	again = ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "lo", NULL, 1, 262144);
	assert_int_equal(lo, 0);
	assert_int_equal(eth, 1);
	assert_int_equal(again, 0);

	struct ctrcap_pcapng_packet p1 = {.if_id = 1,
					  .ts_ns = T0 + 123456789,
					  .data = data,
					  .caplen = 60,
					  .origlen = 1500,
					  .direction = CTRCAP_DIR_OUT,
					  .packet_id = 0xdeadbeef01ull,
					  .pid = 241879,
					  .tid = 241880,
					  .id = &id};
	struct ctrcap_pcapng_packet p2 = {.if_id = 0,
					  .ts_ns = T0 + 1,
					  .data = data,
					  .caplen = 3,
					  .origlen = 3,
					  .direction = CTRCAP_DIR_IN};
	struct ctrcap_pcapng_packet bad = p2;

	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p1), 0);
	bad.caplen = 4;
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &bad), -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "caplen 4 > origlen 3"));
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), path));
	bad = p2;
	bad.if_id = 9;
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &bad), -1);
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p2), 0);

	/* The same ifindex under a new name (a veth replaced) is a new interface. */
	renamed = ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "veth9", NULL, 1, 262144);
	assert_int_equal(renamed, 2);
	assert_int_equal(
	    ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "veth9", NULL, 1, 262144), 2);
	ctrcap_pcapng_writer_set_stats(w, 1, 1000, 7, 3);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_SECTION);
	assert_string_equal(rec.userappl, "ctrcap-test");
	assert_false(rec.big_endian);

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
	assert_int_equal(rec.iface_id, 0);
	assert_string_equal(rec.iface->name, "lo");
	assert_string_equal(rec.iface->description, "netns 4026531840");
	assert_int_equal(rec.iface->tsresol, 9);
	assert_int_equal(rec.iface->snaplen, 262144);
	assert_int_equal(rec.iface->linktype, 1);

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
	assert_string_equal(rec.iface->name, "eth0");
	assert_string_equal(rec.iface->description, "netns 4026532281 (web)");

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
	assert_int_equal(rec.iface_id, 1);
	assert_true(rec.ts_ns == T0 + 123456789);
	assert_int_equal(rec.caplen, 60);
	assert_int_equal(rec.origlen, 1500);
	assert_memory_equal(rec.data, data, 60);
	assert_true(rec.has_flags);
	assert_int_equal(rec.flags, CTRCAP_DIR_OUT);
	assert_true(rec.has_packet_id);
	assert_true(rec.packet_id == 0xdeadbeef01ull);
	assert_true(rec.has_pid_tid);
	assert_int_equal(rec.pid, 241879);
	assert_int_equal(rec.tid, 241880);
	assert_true(rec.has_identity);
	assert_null(rec.identity_error);
	assert_identity_eq(&rec.identity, &id);
	assert_non_null(rec.identity_raw);
	assert_int_equal(rec.identity_raw[0], CTRCAP_RECORD_VERSION);

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
	assert_int_equal(rec.iface_id, 0);
	assert_int_equal(rec.caplen, 3);
	assert_int_equal(rec.flags, CTRCAP_DIR_IN);
	assert_false(rec.has_packet_id);
	assert_false(rec.has_pid_tid);
	assert_false(rec.has_identity);
	assert_null(rec.identity_raw);
	assert_null(rec.comment);
	assert_null(rec.comments_all);

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
	assert_string_equal(rec.iface->name, "veth9");

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_STATS);
	assert_int_equal(rec.iface_id, 1);
	assert_true(rec.has_received && rec.isb_received == 1000);
	assert_true(rec.has_dropped && rec.isb_dropped == 7);
	assert_true(rec.has_osdrop && rec.isb_osdrop == 3);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 0);
	ctrcap_pcapng_reader_close(r);
	free(path);
	test_rmdir(dir);
}

/* A record encoded once by the caller goes out byte for byte, in place of id. */
static void test_pre_encoded_record(void **state)
{
	char *dir = test_tmpdir("pre"), *path = join(dir, "pre.pcapng");
	struct ctrcap_pcapng_writer *w = test_open_writer(path, 0, 0, 0);
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	struct ctrcap_identity id, other = {0};
	static uint8_t enc[CTRCAP_RECORD_MAX + 1];
	char err[512];
	int n, ifid, rc, packets = 0;
	(void)state;

	sample_identity(&id);
	n = ctrcap_record_encode(&id, enc, CTRCAP_RECORD_MAX);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	other.present = CTRCAP_HAS_PID;
	other.pid = 99;
	struct ctrcap_pcapng_packet p = {.if_id = (uint32_t)ifid,
					 .ts_ns = T0,
					 .data = enc,
					 .caplen = 10,
					 .origlen = 10,
					 .id = &other,
					 .record = enc,
					 .record_len = (uint32_t)n};

	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p), 0);
	p.record_len = CTRCAP_RECORD_MAX + 1;
	assert_int_equal(ctrcap_pcapng_writer_packet(w, &p), -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "pre-encoded identity record"));
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		packets++;
		assert_int_equal(rec.identity_raw_len, n);
		assert_memory_equal(rec.identity_raw, enc, (size_t)n);
		assert_identity_eq(&rec.identity, &id);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(packets, 1);
	ctrcap_pcapng_reader_close(r);
	free(path);
	test_rmdir(dir);
}

/* Many interfaces: ids stay stable through the index growing. */
static void test_many_interfaces(void **state)
{
	char *dir = test_tmpdir("ifs"), *path = join(dir, "ifs.pcapng");
	struct ctrcap_pcapng_writer *w = test_open_writer(path, 0, 0, 0);
	char name[32], err[512];
	int i;
	(void)state;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "veth%d", i);
		assert_int_equal(ctrcap_pcapng_writer_interface(w, 4026530000u + (uint32_t)(i % 7),
								(uint32_t)i, name, NULL, 1, 0),
				 i);
	}
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "veth%d", i);
		assert_int_equal(ctrcap_pcapng_writer_interface(w, 4026530000u + (uint32_t)(i % 7),
								(uint32_t)i, name, NULL, 1, 0),
				 i);
	}
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	{
		unsigned lead;

		assert_int_equal(read_file_ids(path, NULL, 0, &lead), 0);
		assert_int_equal(lead, 300);
	}
	free(path);
	test_rmdir(dir);
}

/* ------------------------------------------------------------------ hand-made files */

static const uint8_t small_rec[] = {1,	0x01, 0x01, 0, 4, 0,   0,   0,
				    42, 0x03, 0x02, 0, 3, 'w', 'e', 'b'};

/* One section of either byte order: IDB (µs), EPB with options, SPB, ISB, custom block. */
static void build_section(struct bb *b, bool be)
{
	static const uint8_t pkt[5] = {1, 2, 3, 4, 5};
	size_t s;

	b->be = be;
	bb_shb(b, be ? "big" : "little");
	bb_idb(b, 1, 1514, "eth0", -1);
	s = bb_epb_begin(b, 0, 1700000000123456ull, pkt, 5, 9);
	bb_opt(b, 1, "PID: 42\nCmd: wget", 17);
	bb_opt(b, 1, "ContainerName: web", 18);
	bb_opt_u32(b, 2, 2);
	bb_opt_u64(b, 5, 77);
	bb_opt_ctrcap(b, 32473, small_rec, sizeof(small_rec));
	bb_opt_ctrcap(b, 99999, (const uint8_t *)"\x01zzzz", 5); /* other PEN: ignored */
	bb_opt_end(b);
	bb_end(b, s);
	s = bb_begin(b, 3); /* SPB */
	bb_uint(b, 5, 4);
	bb_bytes(b, pkt, 5);
	bb_pad(b);
	bb_end(b, s);
	s = bb_begin(b, 5); /* ISB */
	bb_uint(b, 0, 4);
	bb_uint(b, 0, 4);
	bb_uint(b, 0, 4);
	bb_opt_u64(b, 4, 10);
	bb_opt_u64(b, 5, 2);
	bb_opt_end(b);
	bb_end(b, s);
	s = bb_begin(b, 0x40000BAD); /* custom block: skipped but reported */
	bb_uint(b, 32473, 4);
	bb_end(b, s);
}

static void check_section(struct ctrcap_pcapng_reader *r, bool be)
{
	struct ctrcap_pcapng_rec rec;

	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_SECTION);
	assert_int_equal(rec.big_endian, be);
	assert_string_equal(rec.userappl, be ? "big" : "little");
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
	assert_int_equal(rec.iface_id, 0); /* a new section restarts interface ids */
	assert_int_equal(rec.iface->tsresol, 6);
	assert_int_equal(rec.iface->snaplen, 1514);
	assert_string_equal(rec.iface->name, "eth0");
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
	assert_true(rec.ts_ns == 1700000000123456000ull);
	assert_int_equal(rec.caplen, 5);
	assert_int_equal(rec.origlen, 9);
	assert_int_equal(rec.data[4], 5);
	assert_string_equal(rec.comment, "PID: 42\nCmd: wget");
	assert_string_equal(rec.comments_all, "PID: 42\nCmd: wget\nContainerName: web");
	assert_int_equal(rec.flags, 2);
	assert_true(rec.packet_id == 77);
	assert_true(rec.has_identity);
	assert_int_equal(rec.identity.pid, 42);
	assert_str_eq(rec.identity.ctr_name, S("web"));
	assert_int_equal(rec.identity_raw_len, sizeof(small_rec));
	assert_memory_equal(rec.identity_raw, small_rec, sizeof(small_rec));
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
	assert_int_equal(rec.block_type, 3);
	assert_int_equal(rec.caplen, 5);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_STATS);
	assert_true(rec.isb_received == 10 && rec.isb_dropped == 2 && !rec.has_osdrop);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_OTHER);
	assert_int_equal(rec.block_type, 0x40000BAD);
}

static struct ctrcap_pcapng_reader *mem_reader(const void *buf, size_t len, FILE **f)
{
	char err[256];
	struct ctrcap_pcapng_reader *r;

	*f = fmemopen((void *)buf, len, "rb");
	assert_non_null(*f);
	r = ctrcap_pcapng_reader_fdopen(*f, err, sizeof(err));
	assert_non_null(r);
	return r;
}

/* Append v to a classic pcap image at *n, in host order or swapped. */
static void pc32(uint8_t *p, size_t *n, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	memcpy(p + *n, &v, 4);
	*n += 4;
}

/*
 * Classic pcap: both byte orders, us and ns magic, Kuznetzov's format;
 * section, interface, packets; a cut anywhere after the header is an error
 * naming the offset, with every whole packet before it returned.
 */
static void test_classic_pcap(void **state)
{
	static const struct {
		uint32_t magic;
		bool swap;
		unsigned extra;
		uint64_t frac_ns;
	} kinds[] = {
		{ 0xa1b2c3d4, false, 0, 1000 },	{ 0xa1b2c3d4, true, 0, 1000 },
		{ 0xa1b23c4d, false, 0, 1 },	{ 0xa1b23c4d, true, 0, 1 },
		{ 0xa1b2cd34, true, 8, 1000 },
	};
	uint8_t img[256];
	(void)state;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct ctrcap_pcapng_reader *r;
		struct ctrcap_pcapng_rec rec;
		size_t n = 0, cut, pkt2 = 0;
		bool sw = kinds[k].swap;
		FILE *f;

		pc32(img, &n, kinds[k].magic, sw);
		pc32(img, &n, sw ? 0x04000200 : 0x00040002, false); /* version 2.4 */
		pc32(img, &n, 0, sw);
		pc32(img, &n, 0, sw);
		pc32(img, &n, 65535, sw);
		pc32(img, &n, 0x10000000u | 101, sw); /* FCS bits above raw IP */
		for (unsigned i = 0; i < 2; i++) {
			if (i == 1)
				pkt2 = n;
			pc32(img, &n, 1700000000u + i, sw);
			pc32(img, &n, 250, sw);
			pc32(img, &n, 3 + i, sw);
			pc32(img, &n, 100, sw);
			memset(img + n, 0, kinds[k].extra);
			n += kinds[k].extra;
			memset(img + n, 0x45 + (int)i, 3 + i);
			n += 3 + i;
		}
		r = mem_reader(img, n, &f);
		assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
		assert_int_equal(rec.kind, CTRCAP_REC_SECTION);
		assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
		assert_int_equal(rec.kind, CTRCAP_REC_INTERFACE);
		assert_int_equal(rec.iface->linktype, 101);
		assert_int_equal(rec.iface->snaplen, 65535);
		for (unsigned i = 0; i < 2; i++) {
			assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
			assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
			assert_true(rec.ts_ns ==
				    (1700000000ull + i) * 1000000000ull + 250 * kinds[k].frac_ns);
			assert_int_equal(rec.caplen, 3 + i);
			assert_int_equal(rec.origlen, 100);
			assert_int_equal(rec.data[rec.caplen - 1], 0x45 + i);
			assert_int_equal(rec.iface_id, 0);
			assert_non_null(rec.iface);
		}
		assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 0);
		ctrcap_pcapng_reader_close(r);
		fclose(f);

		/* Cut anywhere: in the file header, the first packet or the second. */
		for (cut = 1; cut < n; cut++) {
			unsigned pkts = 0;
			int rc;

			r = mem_reader(img, cut, &f);
			while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1)
				pkts += rec.kind == CTRCAP_REC_PACKET;
			if (cut == 24 || cut == pkt2) {
				/* A file of no packets, or one whole one, is a clean end. */
				assert_int_equal(rc, 0);
				assert_int_equal(pkts, cut == pkt2);
			} else {
				assert_int_equal(rc, -1);
				assert_int_equal(pkts, cut > pkt2);
				if (cut >= 4 && cut < 24)
					assert_non_null(strstr(ctrcap_pcapng_reader_error(r),
							       "stream: offset 0: file ends inside "
							       "the pcap file header"));
				if (cut > 24 && cut < pkt2)
					assert_non_null(strstr(ctrcap_pcapng_reader_error(r),
							       "stream: offset 24: file ends inside"));
				if (cut > pkt2)
					assert_non_null(strstr(ctrcap_pcapng_reader_error(r),
							       "file ends inside"));
			}
			ctrcap_pcapng_reader_close(r);
			fclose(f);
		}
	}
}

/* A directory is refused at open, named as tcpdump names it. */
static void test_open_directory(void **state)
{
	char err[256] = "";
	(void)state;

	assert_null(ctrcap_pcapng_reader_open("/", err, sizeof(err)));
	assert_string_equal(err, "/: Is a directory");
}

/* A big-endian section followed by a little-endian one, read as one stream. */
static void test_both_byte_orders(void **state)
{
	static struct bb b;
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	FILE *f;
	(void)state;

	b.len = 0;
	build_section(&b, true);
	build_section(&b, false);
	r = mem_reader(b.p, b.len, &f);
	check_section(r, true);
	check_section(r, false);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 0);
	ctrcap_pcapng_reader_close(r);
	fclose(f);
}

static void expect_read_error(const void *buf, size_t len, unsigned good_blocks, const char *msg)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	unsigned i;
	FILE *f;

	r = mem_reader(buf, len, &f);
	for (i = 0; i < good_blocks; i++) {
		if (ctrcap_pcapng_reader_next(r, &rec) != 1)
			fail_msg("block %u: %s (expected later: %s)", i,
				 ctrcap_pcapng_reader_error(r), msg);
	}
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), -1);
	if (!strstr(ctrcap_pcapng_reader_error(r), msg))
		fail_msg("error '%s' lacks '%s'", ctrcap_pcapng_reader_error(r), msg);
	/* Failed stays failed. */
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), -1);
	ctrcap_pcapng_reader_close(r);
	fclose(f);
}

static void test_malformed_files(void **state)
{
	static struct bb b, c;
	/* Classic pcap, version 3.4: tcpdump's magic, a version nobody wrote. */
	static const uint8_t pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 3, 0, 4, 0};
	static const uint8_t bad_rec[] = {9, 1, 2};
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	size_t s, cut, epb;
	FILE *f;
	(void)state;

	expect_read_error(pcap, sizeof(pcap), 0, "offset 4: pcap version 3.4, only 2.x is known");
	expect_read_error("garbage!", 8, 0, "not a pcapng or pcap file: it starts with 0x62726167");
	expect_read_error("", 0, 0, "empty input");

	b.len = 0;
	b.be = false;
	build_section(&b, false);
	/* Every prefix either ends at a block boundary or is reported as cut short. */
	for (cut = 1; cut < b.len; cut++) {
		uint8_t *copy = malloc(cut);
		int rc, guard = 0;

		memcpy(copy, b.p, cut);
		r = mem_reader(copy, cut, &f);
		while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1 && guard++ < 100) {
		}
		assert_true(rc == 0 || rc == -1);
		if (rc < 0)
			assert_true(strstr(ctrcap_pcapng_reader_error(r), "stream: offset ") !=
				    NULL);
		ctrcap_pcapng_reader_close(r);
		fclose(f);
		free(copy);
	}
	expect_read_error(b.p, 44 + 4, 1, "file ends inside a block header (4 of 8 bytes)");

	/* Trailer differing from the leading length. */
	memcpy(&c, &b, sizeof(b));
	c.p[c.len - 1] ^= 0x40;
	expect_read_error(c.p, c.len, 5, "trailing length");

	/* Unknown byte-order magic. */
	memcpy(&c, &b, sizeof(b));
	c.p[8] = 0x99;
	expect_read_error(c.p, c.len, 0, "unknown byte-order magic");

	/* An option running past its block. */
	c.len = 0;
	c.be = true;
	bb_shb(&c, "x");
	s = bb_begin(&c, 1);
	bb_uint(&c, 1, 2);
	bb_uint(&c, 0, 2);
	bb_uint(&c, 0, 4);
	bb_uint(&c, 2, 2);
	bb_uint(&c, 200, 2);
	bb_bytes(&c, "eth0", 4);
	bb_end(&c, s);
	expect_read_error(c.p, c.len, 1, "option 2: length 200 runs past the end of its block");

	/* A packet naming an interface the section does not have. */
	c.len = 0;
	bb_shb(&c, "x");
	s = bb_epb_begin(&c, 3, 0, "abcd", 4, 4);
	bb_end(&c, s);
	expect_read_error(c.p, c.len, 1, "block names interface 3, the section has 0");

	/* caplen larger than the block: 256 where 4 bytes are there. */
	c.len = 0;
	bb_shb(&c, "x");
	bb_idb(&c, 1, 0, "lo", 9);
	epb = c.len;
	s = bb_epb_begin(&c, 0, 0, "abcd", 4, 4);
	bb_end(&c, s);
	c.p[epb + 20 + 2] = 1; /* caplen sits 20 bytes into the EPB, big-endian here */
	c.p[epb + 20 + 3] = 0;
	expect_read_error(c.p, c.len, 2, "captured length 256 runs past the end");

	/* A bad identity record: the packet is still returned, with the decode error. */
	c.len = 0;
	bb_shb(&c, "x");
	bb_idb(&c, 1, 0, "lo", 9);
	s = bb_epb_begin(&c, 0, 0, "abcd", 4, 4);
	bb_opt_ctrcap(&c, 32473, bad_rec, sizeof(bad_rec));
	bb_opt_end(&c);
	bb_end(&c, s);
	r = mem_reader(c.p, c.len, &f);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 1);
	assert_int_equal(rec.kind, CTRCAP_REC_PACKET);
	assert_false(rec.has_identity);
	assert_non_null(rec.identity_error);
	assert_non_null(strstr(rec.identity_error, "unknown record version 9"));
	assert_int_equal(rec.identity_raw_len, sizeof(bad_rec));
	assert_int_equal(ctrcap_pcapng_reader_next(r, &rec), 0);
	ctrcap_pcapng_reader_close(r);
	fclose(f);
}

/* ------------------------------------------------------------------ rotation */

/* Names in dir, sorted; hidden files counted apart. */
static unsigned list_dir(const char *dir, char names[][256], unsigned max, unsigned *hidden)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	*hidden = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == '.') {
			(*hidden)++;
			continue;
		}
		if (n < max)
			snprintf(names[n], 256, "%s", de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n < max ? n : max, 256, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void test_rotate_size(void **state)
{
	char *dir = test_tmpdir("rotC"), *path = join(dir, "cap.pcapng");
	struct ctrcap_pcapng_writer *w = test_open_writer(path, 4096, 0, 0);
	struct ctrcap_identity id;
	char names[64][256], err[512];
	uint64_t ids[200], seen[200];
	unsigned n, hidden, i, total = 0;
	int ifid;
	(void)state;

	sample_identity(&id);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	/* An interface first seen later is in the IDBs of every later file. */
	for (i = 0; i < 100; i++) {
		if (i == 30)
			assert_int_equal(
			    ctrcap_pcapng_writer_interface(w, 2, 7, "eth1", NULL, 1, 0), 1);
		put_packet(w, i >= 30 ? 1 : ifid, T0 + i, 200, i + 1, &id);
		ids[i] = i + 1;
	}
	/* While open: the finished files are visible, the current one is hidden. */
	n = list_dir(dir, names, 64, &hidden);
	assert_int_equal(hidden, 1);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	n = list_dir(dir, names, 64, &hidden);
	assert_int_equal(hidden, 0);
	assert_true(n > 5);
	for (i = 0; i < n; i++) {
		char nm[64], *p;
		struct stat st;
		unsigned got, lead;

		/* tcpdump's names: cap.pcapng, cap.pcapng1, cap.pcapng2, ... */
		if (i == 0)
			snprintf(nm, sizeof(nm), "cap.pcapng");
		else
			snprintf(nm, sizeof(nm), "cap.pcapng%u", i);
		p = join(dir, nm);
		assert_int_equal(stat(p, &st), 0);
		assert_true(st.st_size <= 4096);
		got = read_file_ids(p, seen + total, 200 - total, &lead);
		assert_true(got > 0);
		/* Every file repeats all IDBs known when it started. */
		assert_int_equal(lead, seen[total] > 30 ? 2 : 1);
		total += got;
		free(p);
	}
	assert_int_equal(total, 100);
	assert_memory_equal(seen, ids, sizeof(uint64_t) * 100);
	free(path);
	test_rmdir(dir);
}

/* -C with -W 3: a ring of exactly three complete files holding the newest packets. */
static void test_rotate_ring(void **state)
{
	char *dir = test_tmpdir("rotW"), *path = join(dir, "ring");
	struct ctrcap_pcapng_writer *w = test_open_writer(path, 2048, 0, 3);
	struct ctrcap_identity id;
	char names[16][256], err[512];
	uint64_t seen[300];
	unsigned n, hidden, i, total = 0, last = 0;
	int ifid;
	(void)state;

	sample_identity(&id);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	for (i = 0; i < 100; i++)
		put_packet(w, ifid, T0 + i, 300, i + 1, &id);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	n = list_dir(dir, names, 16, &hidden);
	assert_int_equal(n, 3);
	assert_int_equal(hidden, 0);
	assert_string_equal(names[0], "ring0");
	assert_string_equal(names[1], "ring1");
	assert_string_equal(names[2], "ring2");
	for (i = 0; i < 3; i++) {
		char *p = join(dir, names[i]);
		unsigned k, got = read_file_ids(p, seen + total, 300 - total, NULL);

		assert_true(got > 0);
		for (k = 0; k < got; k++)
			last = seen[total + k] > last ? (unsigned)seen[total + k] : last;
		total += got;
		free(p);
	}
	assert_int_equal(last, 100);
	assert_true(total < 100);
	free(path);
	test_rmdir(dir);
}

/* -G 2 with strftime names and -W 2: the two newest periods remain. */
static void test_rotate_time(void **state)
{
	char *dir = test_tmpdir("rotG"), *tmpl = join(dir, "t-%s.pcapng");
	struct ctrcap_pcapng_writer *w = test_open_writer(tmpl, 0, 2, 2);
	struct ctrcap_identity id;
	char names[16][256], err[512];
	uint64_t now = (uint64_t)time(NULL), seen[64];
	unsigned n, hidden, i, total = 0;
	int ifid;
	(void)state;

	sample_identity(&id);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	/*
	 * 10 seconds of packets, 4 per second, starting 100 s ahead: the first
	 * packet ends the (empty) period the writer opened with, so periods
	 * start exactly at base, base + 2, ... whenever the clock ticks.
	 */
	for (i = 0; i < 40; i++)
		put_packet(w, ifid, (now + 100 + i / 4) * 1000000000ull + (i % 4), 100, i + 1, &id);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	n = list_dir(dir, names, 16, &hidden);
	assert_int_equal(n, 2);
	assert_int_equal(hidden, 0);
	for (i = 0; i < n; i++) {
		char *p = join(dir, names[i]);
		unsigned long secs;

		assert_int_equal(sscanf(names[i], "t-%lu.pcapng", &secs), 1);
		assert_true(secs >= now + 106 && secs <= now + 109);
		total += read_file_ids(p, seen + total, 64 - total, NULL);
		free(p);
	}
	/* Each period holds 2 s = 8 packets: the last two periods. */
	assert_int_equal(total, 16);
	assert_true(seen[total - 1] == 40);
	free(tmpl);
	test_rmdir(dir);
}

/* ------------------------------------------------------------------ file ops */

/* A temporary directory per test, removed by the teardown also when the test fails. */
static int tmpdir_setup(void **state)
{
	*state = test_tmpdir("ops");
	return *state ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
	test_rmdir(*state);
	return 0;
}

struct ops_log {
	char calls[64][600]; /* "open PATH", "open_dir PATH", "open_at NAME", ... */
	unsigned n;
	unsigned refuse_from; /* refuse this call (1 = the first) and later ones, 0 = never */
};

/* Note one call; true when the test wants it refused (the reason goes into err). */
static bool log_call(void *ctx, char *err, size_t errlen, const char *op, const char *a,
		     const char *b)
{
	struct ops_log *l = ctx;
	unsigned i = l->n++;

	if (i < 64)
		snprintf(l->calls[i], sizeof(l->calls[i]), "%s %s%s%s", op, a, b ? " " : "",
			 b ? b : "");
	if (l->refuse_from && l->n >= l->refuse_from) {
		snprintf(err, errlen, "%s: refused by the test hook", a);
		return true;
	}
	return false;
}

static int log_open(void *ctx, const char *path, int flags, mode_t mode, char *err, size_t errlen)
{
	assert_true((flags & (O_CREAT | O_TRUNC)) == (O_CREAT | O_TRUNC));
	if (log_call(ctx, err, errlen, "open", path, NULL))
		return -1;
	return ctrcap_pcapng_plain_file_ops.open(NULL, path, flags, mode, err, errlen);
}

static int log_open_dir(void *ctx, const char *path, char *err, size_t errlen)
{
	if (log_call(ctx, err, errlen, "open_dir", path, NULL))
		return -1;
	return ctrcap_pcapng_plain_file_ops.open_dir(NULL, path, err, errlen);
}

static int log_open_at(void *ctx, int dirfd, const char *name, int flags, mode_t mode, char *err,
		       size_t errlen)
{
	assert_true((flags & (O_CREAT | O_TRUNC)) == (O_CREAT | O_TRUNC));
	if (log_call(ctx, err, errlen, "open_at", name, NULL))
		return -1;
	return ctrcap_pcapng_plain_file_ops.open_at(NULL, dirfd, name, flags, mode, err, errlen);
}

static int log_rename_at(void *ctx, int dirfd, const char *from, const char *to, char *err,
			 size_t errlen)
{
	if (log_call(ctx, err, errlen, "rename_at", from, to))
		return -1;
	return ctrcap_pcapng_plain_file_ops.rename_at(NULL, dirfd, from, to, err, errlen);
}

static int log_unlink_at(void *ctx, int dirfd, const char *name, char *err, size_t errlen)
{
	if (log_call(ctx, err, errlen, "unlink_at", name, NULL))
		return -1;
	return ctrcap_pcapng_plain_file_ops.unlink_at(NULL, dirfd, name, err, errlen);
}

static const struct ctrcap_pcapng_file_ops log_ops = {
    .open = log_open,
    .open_dir = log_open_dir,
    .open_at = log_open_at,
    .rename_at = log_rename_at,
    .unlink_at = log_unlink_at,
};

/* Write one packet per second at base, base + 1, ...; -1 at the first failure. */
static int put_seconds(struct ctrcap_pcapng_writer *w, int ifid, uint64_t base, unsigned n)
{
	static uint8_t data[200];
	struct ctrcap_pcapng_packet pk = {.if_id = (uint32_t)ifid,
					  .data = data,
					  .caplen = 200,
					  .origlen = 200,
					  .direction = CTRCAP_DIR_OUT};
	struct ctrcap_identity id;
	unsigned i;

	sample_identity(&id);
	pk.id = &id;
	for (i = 0; i < n; i++) {
		pk.ts_ns = (base + i) * 1000000000ull;
		pk.packet_id = i + 1;
		if (ctrcap_pcapng_writer_packet(w, &pk) < 0)
			return -1;
	}
	return 0;
}

/*
 * Every open, rename and delete goes through the caller's file ops: the
 * output without rotation through open, with rotation the directory once
 * through open_dir and every file by its name in it. Refusals are the
 * writer's errors, with the hook's reason.
 */
static void test_file_ops_used(void **state)
{
	char *dir = *state, *path = join(dir, "h.pcapng"), *tmpl = join(dir, "g-%s");
	struct ctrcap_pcapng_writer_opts o = {.path = path, .file_ops = &log_ops};
	struct ctrcap_pcapng_file_ops partial = log_ops;
	uint64_t base = (uint64_t)time(NULL) + 100;
	struct ops_log *log = calloc(1, sizeof(*log));
	struct ctrcap_pcapng_writer *w;
	char err[512], want[600];
	unsigned i, opens = 0, renames = 0, unlinks = 0;
	int ifid;

	assert_non_null(log);
	o.file_ctx = log;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	assert_int_equal(log->n, 1);
	snprintf(want, sizeof(want), "open %s", path);
	assert_string_equal(log->calls[0], want);

	/* -G 1 -W 2: the directory once, then names in it only. */
	memset(log, 0, sizeof(*log));
	o.path = tmpl;
	o.rotate_seconds = 1;
	o.max_files = 2;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	assert_int_equal(put_seconds(w, ifid, base, 5), 0);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "open_dir %s", dir);
	assert_string_equal(log->calls[0], want);
	for (i = 1; i < log->n && i < 64; i++) {
		const char *c = log->calls[i];

		assert_null(strchr(c, '/'));
		opens += !strncmp(c, "open_at ", 8);
		renames += !strncmp(c, "rename_at ", 10);
		unlinks += !strncmp(c, "unlink_at ", 10);
		assert_true(strncmp(c, "open ", 5) && strncmp(c, "open_dir ", 9));
	}
	/* The empty start period, then one file per packet; the newest two stay. */
	assert_int_equal(opens, 6);
	assert_int_equal(renames, 6);
	assert_int_equal(unlinks, 4);
	snprintf(want, sizeof(want), "rename_at .g-%llu.tmp g-%llu", (unsigned long long)base + 4,
		 (unsigned long long)base + 4);
	assert_string_equal(log->calls[log->n - 2], want);
	snprintf(want, sizeof(want), "unlink_at g-%llu", (unsigned long long)base + 2);
	assert_string_equal(log->calls[log->n - 1], want);

	/* A refused directory fails the open, naming it and the hook's reason. */
	memset(log, 0, sizeof(*log));
	log->refuse_from = 1;
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	snprintf(want, sizeof(want), "opening the directory %s of %s: %s: refused by the test hook",
		 dir, tmpl, dir);
	assert_string_equal(err, want);

	/* A refusal at a rotation fails the packet that needed it, with the hook's reason. */
	memset(log, 0, sizeof(*log));
	log->refuse_from = 4; /* open_dir, open_at, rename_at, then the next open_at */
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	assert_int_equal(put_seconds(w, ifid, base, 1), -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "refused by the test hook"));
	ctrcap_pcapng_writer_close(w, err, sizeof(err));

	/* All five are needed. */
	partial.unlink_at = NULL;
	o.file_ops = &partial;
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "file_ops must set all of"));

	/* The directory is opened once: a conversion in it could not take effect. */
	free(tmpl);
	tmpl = join(dir, "%Y/g");
	o.file_ops = &log_ops;
	o.path = tmpl;
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "may stand in the file name only"));
	/* A name strftime expands to something with '/' would leave the directory. */
	free(tmpl);
	tmpl = join(dir, "g-%D");
	o.path = tmpl;
	memset(log, 0, sizeof(*log));
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, ", not a file name in "));
	free(log);
	free(tmpl);
	free(path);
}

/* Bytes of path, or -1 when it does not exist. */
static long long file_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (long long)st.st_size;
}

/*
 * -G 1 -W 2 into dir/d: after the second file the directory is moved away
 * and dir/d becomes a symlink to dir/elsewhere. The writer goes on in the
 * directory it opened: every later file is created, renamed and deleted
 * there, nothing lands in elsewhere, and the file elsewhere named like the
 * oldest one (which -W deletes) keeps its 6 bytes.
 */
static void test_rotate_dir_swapped(void **state)
{
	char *dir = *state, *d = join(dir, "d"), *moved = join(dir, "d.moved");
	char *elsewhere = join(dir, "elsewhere"), *tmpl = join(d, "g-%s"), *p;
	struct ctrcap_pcapng_writer_opts o = {.path = tmpl, .rotate_seconds = 1, .max_files = 2};
	uint64_t base = (uint64_t)time(NULL) + 100;
	struct ctrcap_pcapng_writer *w;
	char names[16][256], decoy[64], err[512];
	unsigned n, hidden;
	int ifid, fd;

	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(mkdir(elsewhere, 0755), 0);
	snprintf(decoy, sizeof(decoy), "g-%llu", (unsigned long long)base);
	p = join(elsewhere, decoy);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "decoy\n", 6), 6);
	close(fd);

	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	assert_int_equal(put_seconds(w, ifid, base, 2), 0);
	assert_int_equal(rename(d, moved), 0);
	assert_int_equal(symlink("elsewhere", d), 0);
	if (put_seconds(w, ifid, base + 2, 3) < 0)
		fail_msg("rotation after the swap failed: %s", ctrcap_pcapng_writer_error(w));
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), 0);

	n = list_dir(elsewhere, names, 16, &hidden);
	assert_int_equal(hidden, 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], decoy);
	assert_int_equal(file_size(p), 6);
	free(p);
	/* The moved directory holds the newest two files, whole. */
	n = list_dir(moved, names, 16, &hidden);
	assert_int_equal(hidden, 0);
	assert_int_equal(n, 2);
	snprintf(decoy, sizeof(decoy), "g-%llu", (unsigned long long)base + 3);
	assert_string_equal(names[0], decoy);
	p = join(moved, names[1]);
	assert_int_equal(read_file_ids(p, NULL, 0, NULL), 1);
	free(p);
	free(tmpl);
	free(elsewhere);
	free(moved);
	free(d);
}

/* ------------------------------------------------------------------ errors */

static void test_open_errors(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = "/nonexistent-ctrcap-dir/x.pcapng"};
	char err[512];
	(void)state;

	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_string_equal(err, "opening /nonexistent-ctrcap-dir/x.pcapng for writing: "
				 "No such file or directory");
	o.rotate_bytes = 100;
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_string_equal(err, "opening the directory /nonexistent-ctrcap-dir of "
				 "/nonexistent-ctrcap-dir/x.pcapng: No such file or directory");
	o.path = "-";
	assert_null(ctrcap_pcapng_writer_open(&o, err, sizeof(err)));
	assert_string_equal(err, "rotation (-C/-G) needs a file name, not stdout");
	assert_null(ctrcap_pcapng_reader_open("/nonexistent-ctrcap-dir/x", err, sizeof(err)));
	assert_string_equal(err, "opening /nonexistent-ctrcap-dir/x: No such file or directory");
}

/* EACCES: an unprivileged child cannot write into a root-only directory. */
static void test_eacces(void **state)
{
	char *dir = test_tmpdir("acc"), *path = join(dir, "x.pcapng");
	pid_t pid;
	int st;
	(void)state;

	if (geteuid() != 0) {
		free(path);
		test_rmdir(dir);
		skip();
	}
	assert_int_equal(chmod(dir, 0700), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ctrcap_pcapng_writer_opts o = {.path = path};
		char err[512];

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (ctrcap_pcapng_writer_open(&o, err, sizeof(err)))
			_exit(3);
		_exit(strstr(err, "Permission denied") && strstr(err, path) ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(path);
	test_rmdir(dir);
}

/*
 * EPIPE: the reader of a pipe goes away. The writer reports it, the
 * process is not killed by SIGPIPE, and what the reader got was whole blocks.
 */
/* A writer with options o on a new pipe (fds: its read and write ends). */
static struct ctrcap_pcapng_writer *pipe_writer(struct ctrcap_pcapng_writer_opts *o, int fds[2])
{
	struct ctrcap_pcapng_writer *w;
	char err[512];

	assert_int_equal(pipe(fds), 0);
	o->fd = fds[1];
	w = ctrcap_pcapng_writer_open(o, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	return w;
}

static void test_epipe_and_flush_each(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .flush_each = true};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	struct sigaction old, dfl = {.sa_handler = SIG_DFL};
	char err[512], want[128];
	uint8_t got[65536];
	ssize_t n;
	int fds[2], ifid, i, rc = 0;
	(void)state;

	sigaction(SIGPIPE, &dfl, &old);
	sample_identity(&id);
	w = pipe_writer(&o, fds);
	ifid = ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
	put_packet(w, ifid, T0, 64, 1, &id);
	/* -U: SHB, IDB and the packet are in the pipe already, whole. */
	n = read(fds[0], got, sizeof(got));
	assert_true(n > 0);
	{
		FILE *f = fmemopen(got, (size_t)n, "rb");
		struct ctrcap_pcapng_reader *r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
		struct ctrcap_pcapng_rec rec;
		int k = 0;

		while (ctrcap_pcapng_reader_next(r, &rec) == 1)
			k++;
		assert_int_equal(k, 3);
		assert_string_equal(ctrcap_pcapng_reader_error(r), "");
		ctrcap_pcapng_reader_close(r);
		fclose(f);
	}
	close(fds[0]);
	for (i = 0; i < 10 && rc == 0; i++) {
		struct ctrcap_pcapng_packet p = {
		    .if_id = 0, .ts_ns = T0, .data = got, .caplen = 64, .origlen = 64, .id = &id};

		rc = ctrcap_pcapng_writer_packet(w, &p);
	}
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want),
		 "writing fd %d: Broken pipe (the reading side closed the pipe)", fds[1]);
	assert_string_equal(ctrcap_pcapng_writer_error(w), want);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Broken pipe"));
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
}

/*
 * A file size limit (RLIMIT_FSIZE, EFBIG) stops the writer at many offsets,
 * including inside a block split across page-aligned writes: each time the
 * file is cut back to whole blocks, reads cleanly, and its size is the one
 * the error reports. Runs in a child so the limit stays there.
 */
static void cut_at_any_size(bool thread)
{
	static const unsigned long limits[] = {100,   4096,  5000,   65536,  65537,
					       69000, 70000, 131072, 140001, 200000};
	char *dir = test_tmpdir("fsize");
	unsigned i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char *path, name[32];
		int st, fds[2];
		char msg[1024] = "";
		unsigned long long kept = 0;
		struct stat sb;
		ssize_t n;
		pid_t pid;

		snprintf(name, sizeof(name), "cut%lu.pcapng", limits[i]);
		path = join(dir, name);
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct rlimit rl = {.rlim_cur = limits[i], .rlim_max = limits[i]};
			struct ctrcap_pcapng_writer_opts o = {.path = path, .write_thread = thread};
			struct ctrcap_pcapng_writer *w;
			struct ctrcap_identity id;
			static uint8_t data[1500];
			char err[1024];
			unsigned k;

			signal(SIGXFSZ, SIG_IGN);
			if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
				_exit(2);
			sample_identity(&id);
			w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
			if (!w) {
				/* Even the SHB did not fit: the error still says why. */
				n = write(fds[1], err, strlen(err));
				_exit(n > 0 ? 3 : 4);
			}
			ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0);
			for (k = 0; k < 1000; k++) {
				struct ctrcap_pcapng_packet p = {.if_id = 0,
								 .ts_ns = T0 + k,
								 .data = data,
								 .caplen = 100 + (k * 37) % 1400,
								 .origlen = 1500,
								 .id = &id};

				if (ctrcap_pcapng_writer_packet(w, &p) < 0)
					break;
			}
			ctrcap_pcapng_writer_close(w, err, sizeof(err));
			n = write(fds[1], err, strlen(err));
			_exit(n > 0 ? 0 : 5);
		}
		close(fds[1]);
		n = read(fds[0], msg, sizeof(msg) - 1);
		close(fds[0]);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(n > 0);
		msg[n] = '\0';
		assert_non_null(strstr(msg, path));
		assert_non_null(strstr(msg, "File too large"));
		if (WEXITSTATUS(st) == 3) {
			assert_true(limits[i] < 200);
			free(path);
			continue;
		}
		assert_int_equal(WEXITSTATUS(st), 0);
		assert_int_equal(sscanf(strstr(msg, "keeps its first ") + 16, "%llu", &kept), 1);
		assert_int_equal(stat(path, &sb), 0);
		assert_true((unsigned long long)sb.st_size == kept);
		assert_true(kept <= limits[i]);
		/* Little is lost: at most one page-aligned write plus a block. */
		assert_true(kept + 70 * 1024 + 2000 > limits[i]);
		read_file_ids(path, NULL, 0, NULL);
		free(path);
	}
	test_rmdir(dir);
}

static void test_cut_at_any_size(void **state)
{
	(void)state;
	cut_at_any_size(false);
}

/* The same with the writer thread: its failure, taken a chunk late, cuts back the same way. */
static void test_cut_at_any_size_thread(void **state)
{
	(void)state;
	cut_at_any_size(true);
}

/* Write a fixed mix of packets (small, 1500-byte, larger than the buffer) to path; returns packets. */
static unsigned write_mix(const char *path, bool thread, uint64_t rotate_bytes)
{
	struct ctrcap_pcapng_writer_opts o = {.path = path, .userappl = "ctrcap-test",
					      .os = "test", .hardware = "test",
					      .write_thread = thread, .rotate_bytes = rotate_bytes};
	static uint8_t data[100000];
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	char err[512];
	unsigned k, n = 3000;

	sample_identity(&id);
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 7);
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0), 0);
	for (k = 0; k < n; k++) {
		uint32_t len = k % 500 == 7 ? sizeof(data) : 40 + (k * 53) % 1460;
		struct ctrcap_pcapng_packet p = {.if_id = 0,
						 .ts_ns = T0 + k,
						 .data = data,
						 .caplen = len,
						 .origlen = len,
						 .packet_id = k + 1,
						 .id = &id};

		if (ctrcap_pcapng_writer_packet(w, &p) < 0)
			fail_msg("%s", ctrcap_pcapng_writer_error(w));
		/* A flush now and then hands over a chunk that ends on a block. */
		if (k % 700 == 3 && ctrcap_pcapng_writer_flush(w) < 0)
			fail_msg("%s", ctrcap_pcapng_writer_error(w));
	}
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return n;
}

/* Compare two files byte for byte; fails the test naming the first difference. */
static void assert_same_file(const char *a, const char *b)
{
	char out[64];

	if (test_run(out, sizeof(out), "cmp '%s' '%s' >&2", a, b))
		fail_msg("%s and %s differ", a, b);
}

/* The writer thread writes the same bytes as the caller does, also when rotating. */
static void test_write_thread_same_bytes(void **state)
{
	char *dir = test_tmpdir("wthread"), *a = join(dir, "a.pcapng"),
	     *b = join(dir, "b.pcapng");
	char names[64][256];
	unsigned i, n, hidden;
	(void)state;

	write_mix(a, false, 0);
	write_mix(b, true, 0);
	assert_same_file(a, b);
	assert_int_equal(read_file_ids(b, NULL, 0, NULL), 3000);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	/* -C 200000: files cut at the same packets, each the same bytes. */
	a = join(dir, "r.pcapng");
	write_mix(a, false, 200000);
	n = list_dir(dir, names, 64, &hidden);
	assert_true(n > 5);
	for (i = 0; i < n; i++) {
		char *from = join(dir, names[i]), *to;
		char moved[300];

		snprintf(moved, sizeof(moved), "sync-%.255s", names[i]);
		to = join(dir, moved);
		assert_int_equal(rename(from, to), 0);
		free(from);
		free(to);
	}
	write_mix(a, true, 200000);
	for (i = 0; i < n; i++) {
		char *x = join(dir, names[i]), *y, moved[300];

		snprintf(moved, sizeof(moved), "sync-%.255s", names[i]);
		y = join(dir, moved);
		assert_same_file(y, x);
		free(x);
		free(y);
	}
	assert_int_equal(list_dir(dir, names, 64, &hidden), 2 * n);
	free(a);
	test_rmdir(dir);
}

/* A pipe whose reader left: the writer thread's EPIPE comes back as the writer's error. */
static void test_write_thread_epipe(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .write_thread = true};
	struct sigaction old, dfl = {.sa_handler = SIG_DFL};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	char err[512];
	int fds[2], i, rc = 0;
	(void)state;

	sigaction(SIGPIPE, &dfl, &old);
	sample_identity(&id);
	w = pipe_writer(&o, fds);
	close(fds[0]);
	assert_true(ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0) >= 0);
	/*
	 * Bounded: 40000 packets of 1500 bytes are more than the 32 MiB queue,
	 * so a hand-over takes the first chunk's failure at the latest when
	 * the queue is full (usually the second does).
	 */
	for (i = 0; i < 40000 && rc == 0; i++) {
		static uint8_t data[1500];
		struct ctrcap_pcapng_packet p = {
		    .if_id = 0, .ts_ns = T0, .data = data, .caplen = 1500, .origlen = 1500, .id = &id};

		rc = ctrcap_pcapng_writer_packet(w, &p);
	}
	assert_int_equal(rc, -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "Broken pipe"));
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Broken pipe"));
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
}

/*
 * The reader of test_write_thread_queue's pipe: waits for a full queue (or
 * delay_ms), then copies the pipe to out, or with out -1 closes it.
 */
struct queue_reader {
	struct ctrcap_pcapng_writer *w;
	int in, out;
	unsigned delay_ms; /* instead of waiting for a full queue */
	unsigned pace_us;  /* a pause after each read: a steady output slower than the caller */
	bool saw_full; /* the writer's queue was full before the first read */
	_Atomic unsigned packets; /* handed to the writer so far */
	unsigned packets_at_full; /* of them, when the queue was seen full */
};

static void *queue_reader_main(void *arg)
{
	struct queue_reader *qr = arg;
	struct ctrcap_pcapng_write_stats st;
	static char buf[65536];
	ssize_t n;
	int i;

	if (qr->delay_ms)
		usleep(qr->delay_ms * 1000u);
	/* Bounded: 30 s. Nothing reads the pipe before the queue is full. */
	for (i = 0; i < 3000 && !qr->delay_ms; i++) {
		ctrcap_pcapng_writer_write_stats(qr->w, &st);
		if (st.thread && st.deepest_queue == CTRCAP_PCAPNG_WRITE_QUEUE_MIB) {
			qr->saw_full = true;
			qr->packets_at_full = qr->packets;
			break;
		}
		usleep(10000);
	}
	if (qr->out < 0) {
		close(qr->in);
		return NULL;
	}
	while ((n = read(qr->in, buf, sizeof(buf))) > 0) {
		if (write(qr->out, buf, (size_t)n) != n)
			break;
		if (qr->pace_us)
			usleep(qr->pace_us);
	}
	return NULL;
}

/* Open a writer on a pipe read by queue_reader_main (out set by the caller), with one interface. */
static void queue_reader_start(struct queue_reader *qr, struct ctrcap_pcapng_writer_opts *o,
			       int fds[2], pthread_t *rd)
{
	qr->w = pipe_writer(o, fds);
	qr->in = fds[0];
	assert_int_equal(pthread_create(rd, NULL, queue_reader_main, qr), 0);
	assert_true(ctrcap_pcapng_writer_interface(qr->w, 1, 1, "eth0", NULL, 1, 0) >= 0);
}

/* Hand the queue reader's writer n packets of size zero bytes, each with identity id. */
static void queue_reader_send(struct queue_reader *qr, unsigned n, uint32_t size,
			      const struct ctrcap_identity *id)
{
	static uint8_t data[16000];

	assert_true(size <= sizeof(data));
	for (unsigned i = 0; i < n; i++) {
		struct ctrcap_pcapng_packet p = {.if_id = 0, .ts_ns = T0 + i, .data = data,
						 .caplen = size, .origlen = size, .id = id};

		if (ctrcap_pcapng_writer_packet(qr->w, &p) < 0)
			fail_msg("%s", ctrcap_pcapng_writer_error(qr->w));
	}
}

/* Take the write stats, close the writer and the pipe, wait for the reader. */
static void queue_reader_finish(struct queue_reader *qr, int fds[2], pthread_t rd,
				struct ctrcap_pcapng_write_stats *st)
{
	char err[512];

	ctrcap_pcapng_writer_write_stats(qr->w, st);
	if (ctrcap_pcapng_writer_close(qr->w, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	close(fds[1]);
	pthread_join(rd, NULL);
	close(fds[0]);
	if (qr->out >= 0)
		close(qr->out);
}

/*
 * A pipe nobody reads (a write() that stalls): hand-overs go on until the
 * queue is full, then wait; once the pipe is read, every packet arrives,
 * in order and whole.
 */
static void test_write_thread_queue(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .write_thread = true};
	struct ctrcap_pcapng_write_stats st;
	char *dir = test_tmpdir("wqueue"), *path = join(dir, "q.pcapng");
	struct queue_reader qr = {0};
	struct ctrcap_identity id;
	static uint8_t data[1500];
	uint64_t *ids;
	pthread_t rd;
	int fds[2];
	unsigned i, n = 40000; /* 1500-byte packets: ~62 MiB, past the 32 MiB queue */
	(void)state;

	sample_identity(&id);
	qr.out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(qr.out >= 0);
	queue_reader_start(&qr, &o, fds, &rd);
	for (i = 0; i < n; i++) {
		struct ctrcap_pcapng_packet p = {.if_id = 0, .ts_ns = T0 + i, .data = data,
						 .caplen = sizeof(data), .origlen = sizeof(data),
						 .packet_id = i + 1, .id = &id};

		if (ctrcap_pcapng_writer_packet(qr.w, &p) < 0)
			fail_msg("%s", ctrcap_pcapng_writer_error(qr.w));
		qr.packets++;
	}
	queue_reader_finish(&qr, fds, rd, &st);
	assert_true(st.thread);
	assert_true(qr.saw_full);
	assert_int_equal(st.deepest_queue, CTRCAP_PCAPNG_WRITE_QUEUE_MIB);
	assert_true(((size_t)CTRCAP_PCAPNG_WRITE_QUEUE_MIB << 20) < (size_t)n * sizeof(data));
	/* While nothing read, the caller went on for at least 16 MiB. */
	assert_true((size_t)qr.packets_at_full * sizeof(data) >= 16u << 20);
	/* Every packet, in order. */
	ids = calloc(n, sizeof(*ids));
	assert_non_null(ids);
	assert_int_equal(read_file_ids(path, ids, n, NULL), n);
	for (i = 0; i < n; i++)
		assert_int_equal(ids[i], i + 1);
	free(ids);
	unlink(path);
	free(path);
	test_rmdir(dir);
}

/*
 * A pipe read steadily, slower than the caller fills buffers, but no
 * write() stalls: the queue stays short (no 32 MiB for an output that
 * keeps its pace).
 */
static void test_write_thread_calm(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .write_thread = true};
	struct ctrcap_pcapng_write_stats st;
	struct queue_reader qr = {.delay_ms = 1, .pace_us = 50};
	struct ctrcap_identity id;
	pthread_t rd;
	int fds[2];
	unsigned n = 4096; /* 16000-byte packets: 62 MiB, twice the queue */
	(void)state;

	sample_identity(&id);
	qr.out = open("/dev/null", O_WRONLY);
	assert_true(qr.out >= 0);
	queue_reader_start(&qr, &o, fds, &rd);
	/*
	 * The reader takes 64 KiB, then pauses 50 us: under 1 GB/s, and a 1 MiB
	 * chunk fits the 1 MiB pipe at once or within a few reads.
	 */
	if (fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) < 0)
		fail_msg("F_SETPIPE_SZ: %s", strerror(errno));
	queue_reader_send(&qr, n, 16000, &id);
	queue_reader_finish(&qr, fds, rd, &st);
	assert_true(st.thread);
	/*
	 * A reader kept off the CPU for 5 ms (a loaded machine) makes a write()
	 * a stall, and the queue may rightly grow: nothing to judge then.
	 */
	if (st.longest_write_ns >= 5 * 1000000ull) {
		print_message("a write() took %llu ns, a stall: the queue's growth not judged\n",
			      (unsigned long long)st.longest_write_ns);
		skip();
	}
	/* One chunk being written and the one handed over, never more. */
	if (st.deepest_queue > 2)
		fail_msg("the queue grew to %u chunks, no write() longer than %llu ns",
			 st.deepest_queue, (unsigned long long)st.longest_write_ns);
}

/* Without the thread, a write() that waits 300 ms for the pipe's reader is the longest write. */
static void test_write_stats_slow_pipe(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL};
	struct ctrcap_pcapng_write_stats st;
	struct queue_reader qr = {.delay_ms = 300};
	struct ctrcap_identity id;
	pthread_t rd;
	int fds[2];
	(void)state;

	sample_identity(&id);
	qr.out = open("/dev/null", O_WRONLY);
	assert_true(qr.out >= 0);
	queue_reader_start(&qr, &o, fds, &rd);
	/* ~300 KB: more than the pipe (64 KiB) and the writer's buffer hold. */
	queue_reader_send(&qr, 200, 1500, &id);
	queue_reader_finish(&qr, fds, rd, &st);
	assert_false(st.thread);
	if (st.longest_write_ns < 250 * 1000000ull)
		fail_msg("longest write %llu ns, the reader slept 300 ms",
			 (unsigned long long)st.longest_write_ns);
}

/* The pipe's reader leaves while 32 chunks wait: the error comes back, the queue is dropped. */
static void test_write_thread_queue_epipe(void **state)
{
	struct ctrcap_pcapng_writer_opts o = {.path = NULL, .write_thread = true};
	struct sigaction old, dfl = {.sa_handler = SIG_DFL};
	struct queue_reader qr = {.out = -1};
	struct ctrcap_identity id;
	static uint8_t data[1500];
	pthread_t rd;
	char err[512];
	int fds[2], rc = 0;
	unsigned i;
	(void)state;

	sigaction(SIGPIPE, &dfl, &old);
	sample_identity(&id);
	queue_reader_start(&qr, &o, fds, &rd);
	/* Bounded: twice the queue's 32 MiB. */
	for (i = 0; i < 45000 && rc == 0; i++) {
		struct ctrcap_pcapng_packet p = {.if_id = 0, .ts_ns = T0 + i, .data = data,
						 .caplen = sizeof(data), .origlen = sizeof(data),
						 .id = &id};

		rc = ctrcap_pcapng_writer_packet(qr.w, &p);
	}
	pthread_join(rd, NULL);
	assert_true(qr.saw_full);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(qr.w), "Broken pipe"));
	assert_int_equal(ctrcap_pcapng_writer_close(qr.w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Broken pipe"));
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
}

/* Packets and interfaces in a complete stream read from fd; fails on a malformed one. */
static unsigned read_stream_packets(int fd)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	unsigned n = 0;
	char err[256];
	FILE *f = fdopen(fd, "rb");
	int rc;

	assert_non_null(f);
	r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1)
		n += rec.kind == CTRCAP_REC_PACKET && rec.has_identity;
	if (rc < 0)
		fail_msg("%s", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	fclose(f);
	return n;
}

/* A child writes 5 packets to path ("-" = its stdout, redirected to out_fd). */
static pid_t spawn_writer(const char *path, int out_fd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ctrcap_pcapng_writer_opts o = {.path = path};
		struct ctrcap_pcapng_writer *w;
		struct ctrcap_identity id;
		uint8_t data[64] = {0};
		char err[512];
		int i;

		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(2);
		sample_identity(&id);
		w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
		if (!w)
			_exit(3);
		if (ctrcap_pcapng_writer_interface(w, 1, 1, "eth0", NULL, 1, 0) != 0)
			_exit(4);
		for (i = 0; i < 5; i++) {
			struct ctrcap_pcapng_packet p = {.if_id = 0,
							 .ts_ns = T0,
							 .data = data,
							 .caplen = 64,
							 .origlen = 64,
							 .id = &id};

			if (ctrcap_pcapng_writer_packet(w, &p) < 0)
				_exit(5);
		}
		_exit(ctrcap_pcapng_writer_close(w, err, sizeof(err)) < 0 ? 6 : 0);
	}
	return pid;
}

static void test_stdout_and_fifo(void **state)
{
	char *dir = test_tmpdir("fifo"), *fifo = join(dir, "fifo");
	int fds[2], st, fd;
	pid_t pid;
	(void)state;

	assert_int_equal(pipe(fds), 0);
	pid = spawn_writer("-", fds[1]);
	close(fds[1]);
	assert_int_equal(read_stream_packets(fds[0]), 5);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = spawn_writer(fifo, -1);
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read_stream_packets(fd), 5);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(fifo);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_node_in_idb),
	    cmocka_unit_test(test_pre_encoded_record),
	    cmocka_unit_test(test_many_interfaces),
	    cmocka_unit_test(test_both_byte_orders),
	    cmocka_unit_test(test_classic_pcap),
	    cmocka_unit_test(test_open_directory),
	    cmocka_unit_test(test_malformed_files),
	    cmocka_unit_test(test_rotate_size),
	    cmocka_unit_test(test_rotate_ring),
	    cmocka_unit_test(test_rotate_time),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test_setup_teardown(test_file_ops_used, tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_rotate_dir_swapped, tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test(test_eacces),
	    cmocka_unit_test(test_epipe_and_flush_each),
	    cmocka_unit_test(test_stdout_and_fifo),
	    cmocka_unit_test(test_cut_at_any_size),
	    cmocka_unit_test(test_cut_at_any_size_thread),
	    cmocka_unit_test(test_write_thread_same_bytes),
	    cmocka_unit_test(test_write_thread_epipe),
	    cmocka_unit_test(test_write_thread_queue),
	    cmocka_unit_test(test_write_thread_calm),
	    cmocka_unit_test(test_write_thread_queue_epipe),
	    cmocka_unit_test(test_write_stats_slow_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
