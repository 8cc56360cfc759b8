// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Seeds for the fuzzers, written by the library itself and by hand:
 * make_corpus DIR creates DIR/record/ and DIR/pcapng/.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "test_util.h"
#include "test_blocks.h"

#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"

static int put(const char *dir, const char *sub, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "make_corpus: writing %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static int mkdirs(const char *dir)
{
	char p[1024];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(p, sizeof(p), "%s/record", dir);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(p, sizeof(p), "%s/pcapng", dir);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* name: packets from the writer; compact: with --compact-identity (definitions, references). */
static int written_file(const char *dir, const char *name, bool compact,
			const struct ctrcap_identity *id)
{
	struct ctrcap_pcapng_writer_opts o = {.userappl = "make_corpus",
					      .compact_identity = compact};
	struct ctrcap_pcapng_writer *w;
	static const uint8_t frame[42] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
	char path[1024], err[512];
	int i;

	snprintf(path, sizeof(path), "%s/pcapng/%s", dir, name);
	o.path = path;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "make_corpus: %s\n", err);
		return -1;
	}
	ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "lo", NULL, 1, 262144);
	ctrcap_pcapng_writer_interface(w, 4026532281u, 2, "eth0", "web", 1, 262144);
	/* A Name Resolution Block (IPv4 and IPv6) and Darwin process info blocks. */
	ctrcap_pcapng_writer_name(w, AF_INET, (const uint8_t[4]){10, 99, 0, 2}, "web");
	ctrcap_pcapng_writer_name(w, AF_INET6, (const uint8_t[16]){0xfd, 0x99, [15] = 2},
				  "db-0.shop.pod");
	for (i = 0; i < (compact ? 6 : 3); i++) {
		struct ctrcap_pcapng_packet p = {.if_id = (uint32_t)(i % 2),
						 .ts_ns = 1000 + i,
						 .data = frame,
						 .caplen = sizeof(frame),
						 .origlen = 60,
						 .direction = (uint32_t)(i % 3),
						 .packet_id = (uint64_t)i,
						 .pid = 100 + i,
						 .pname = "wget",
						 .pname_len = 4,
						 .id = i ? id : NULL};

		ctrcap_pcapng_writer_packet(w, &p);
	}
	ctrcap_pcapng_writer_set_stats(w, 1, 5, 1, 0);
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err)) < 0) {
		fprintf(stderr, "make_corpus: %s\n", err);
		return -1;
	}
	return 0;
}

/* A PKTAP interface with one frame: the header, ctrcap's PEN and rec, an Ethernet header. */
static int pktap_file(const char *dir, const uint8_t *rec, uint16_t n)
{
	static struct bb b;
	static uint8_t frame[CTRCAP_PKTAP_RECORD_OFF + 64 + 14];
	struct ctrcap_pktap_hdr h = {.pth_length = CTRCAP_PKTAP_RECORD_OFF + n,
				     .pth_type_next = CTRCAP_PTH_TYPE_PACKET,
				     .pth_dlt = 1,
				     .pth_ifname = "eth0",
				     .pth_flags = CTRCAP_PTH_FLAG_DIR_OUT,
				     .pth_pid = 7,
				     .pth_comm = "x",
				     .pth_epid = CTRCAP_PTH_PID_NONE};
	size_t s, len = CTRCAP_PKTAP_RECORD_OFF + n + 14;

	if (n > 64)
		return -1;
	/* The header is little-endian on the wire: this seed is for a little-endian host. */
	memcpy(frame, &h, sizeof(h));
	frame[CTRCAP_PKTAP_EXT_OFF + 2] = CTRCAP_PEN >> 8;
	frame[CTRCAP_PKTAP_EXT_OFF + 3] = CTRCAP_PEN & 0xff;
	memcpy(frame + CTRCAP_PKTAP_RECORD_OFF, rec, n);
	bb_shb(&b, "pktap");
	bb_idb(&b, CTRCAP_LINKTYPE_PKTAP, 0, "any", 6);
	s = bb_epb_begin(&b, 0, 1, frame, (uint32_t)len, (uint32_t)len);
	bb_opt_end(&b);
	bb_end(&b, s);
	return put(dir, "pcapng", "pktap.pcapng", b.p, b.len);
}

int main(int argc, char **argv)
{
	static uint8_t rec[CTRCAP_RECORD_MAX];
	static struct bb b;
	struct ctrcap_identity id, small = {0};
	int n, rc = 0;
	size_t s;

	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus DIR\n");
		return 2;
	}
	if (mkdirs(argv[1]) < 0) {
		fprintf(stderr, "make_corpus: creating %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	sample_identity(&id);
	id.node_name = S("worker-1");
	n = ctrcap_record_encode(&id, rec, sizeof(rec));
	rc |= put(argv[1], "record", "full", rec, (size_t)n);
	small.present = CTRCAP_HAS_PID;
	small.pid = 1;
	small.ctr_name = S("web");
	n = ctrcap_record_encode(&small, rec, sizeof(rec));
	rc |= put(argv[1], "record", "small", rec, (size_t)n);
	rc |= pktap_file(argv[1], rec, (uint16_t)n);
	rc |= put(argv[1], "record", "version-only", "\x01", 1);

	rc |= written_file(argv[1], "written.pcapng", false, &id);
	rc |= written_file(argv[1], "compact.pcapng", true, &id);
	b.be = true;
	bb_shb(&b, "be");
	bb_idb(&b, 1, 0, "eth0", 6);
	s = bb_epb_begin(&b, 0, 1, "abcd", 4, 4);
	bb_opt(&b, 1, "PID: 1 Cmd: x", 13);
	bb_opt_u32(&b, 2, 1);
	bb_opt_u64(&b, 5, 9);
	bb_opt_ctrcap(&b, CTRCAP_PEN, rec, (uint16_t)n);
	bb_opt_end(&b);
	bb_end(&b, s);
	s = bb_begin(&b, 3);
	bb_uint(&b, 4, 4);
	bb_bytes(&b, "abcd", 4);
	bb_end(&b, s);
	s = bb_begin(&b, 5);
	bb_uint(&b, 0, 4);
	bb_uint(&b, 0, 8);
	bb_opt_u64(&b, 4, 1);
	bb_opt_end(&b);
	bb_end(&b, s);
	rc |= put(argv[1], "pcapng", "big-endian.pcapng", b.p, b.len);
	return rc ? 1 : 0;
}
