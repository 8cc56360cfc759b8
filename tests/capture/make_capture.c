// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: make_capture FILE writes, with the common writer, the kind of
 * file a ctrcap capture produces, for tests that need no root: two
 * interfaces (host lo, eth0 in the netns of container web) and six UDP
 * packets from 10.99.2.1 (ports 5001...) to 10.99.2.2, their identities
 * taking turns:
 *   1, 4: pid 100 comm wget, container web (id 78f1...), pod shop/web-1
 *   2, 5: pid 200 comm psql, uid 999, container db (id 9c2e...)
 *   3, 6: no identity
 * Packet i has packet id i and alternates out/in.
 * make_capture --pcap FORMAT FILE writes the six frames as classic pcap
 * (tcpdump -w's format, no identity): FORMAT us or ns (timestamp magic),
 * us-swapped or ns-swapped (the other byte order), kuz (Kuznetzov's
 * patched format); only their link type (Ethernet), no interface names.
 *
 * make_capture FILE tcp writes instead, on eth0 of web, a TCP connection
 * 10.99.2.1:40000 -> 10.99.2.2:80 (SYN seq 1000000, SYN-ACK seq 5000000, ACK,
 * 5 bytes "hello" from the client, its ACK), all pid 100 / container web,
 * 1 ms apart, IPv4 id 54321 with DF.
 *
 * make_capture --strip IN OUT copies the pcapng file IN (host byte order, as
 * ctrcap writes) to OUT without ctrcap's custom options, every other block
 * and option byte for byte: a file as a tool that drops them leaves it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctrcap/pcapng.h"

#define S(x) ((struct ctrcap_str){ x, sizeof(x) - 1 })
#define NPKT 6

/* An Ethernet/IPv4/UDP frame from 10.99.2.1:sport to 10.99.2.2:7000, 4 bytes of payload. */
static void frame(uint8_t *f, uint16_t sport)
{
	static const uint8_t head[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,	  /* Ethernet */
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 99, 2, 1, /* IPv4 */
		10, 99, 2, 2,
	};

	memcpy(f, head, sizeof(head));
	f[34] = sport >> 8;
	f[35] = sport & 0xff;
	f[36] = 7000 >> 8;
	f[37] = 7000 & 0xff;
	f[38] = 0;
	f[39] = 12; /* UDP length: header + 4 */
	f[40] = f[41] = 0;
	memcpy(f + 42, "ping", 4);
}

/* Append v (4 bytes, host order or swapped) to f. */
static void put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, f);
}

static void put16(FILE *f, uint16_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap16(v);
	fwrite(&v, 2, 1, f);
}

/* The six frames as a classic pcap file in the chosen format. */
static int write_pcap(const char *fmt, const char *path)
{
	bool ns = !strncmp(fmt, "ns", 2), kuz = !strcmp(fmt, "kuz");
	bool swap = strstr(fmt, "-swapped") != NULL;
	uint8_t f[46];
	FILE *out;

	if (strcmp(fmt, "us") && strcmp(fmt, "ns") && strcmp(fmt, "us-swapped") &&
	    strcmp(fmt, "ns-swapped") && !kuz) {
		fprintf(stderr, "make_capture: unknown pcap format '%s'\n", fmt);
		return 2;
	}
	out = fopen(path, "wb");
	if (!out) {
		perror(path);
		return 1;
	}
	put32(out, kuz ? 0xa1b2cd34 : ns ? 0xa1b23c4d : 0xa1b2c3d4, swap);
	put16(out, 2, swap);
	put16(out, 4, swap);
	put32(out, 0, swap);
	put32(out, 0, swap);
	put32(out, 262144, swap);
	put32(out, 1, swap);
	for (unsigned i = 1; i <= NPKT; i++) {
		/* The pcapng file's timestamps: 1700000000 s + i ms. */
		put32(out, 1700000000u, swap);
		put32(out, ns ? i * 1000000u : i * 1000u, swap);
		put32(out, sizeof(f), swap);
		put32(out, sizeof(f), swap);
		if (kuz) {
			put32(out, 1, swap); /* ifindex, protocol, pkt_type, pad */
			put32(out, 0, swap);
		}
		frame(f, 5000 + i);
		fwrite(f, sizeof(f), 1, out);
	}
	if (fclose(out)) {
		perror(path);
		return 1;
	}
	return 0;
}

/* An Ethernet/IPv4/TCP frame of the test connection; to_server picks the direction. */
static uint32_t tcp_frame(uint8_t *f, int to_server, uint8_t flags, uint32_t seq, uint32_t ack,
			  const char *data)
{
	static const uint8_t head[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,		/* Ethernet */
		0x45, 0, 0, 40, 0xd4, 0x31, 0x40, 0, 64, 6, 0, 0, 10, 99, 2, 1, /* IPv4 */
		10, 99, 2, 2, 0x9c, 0x40, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0xff, 0xff,
		0, 0, 0, 0,							/* TCP */
	};
	uint32_t dl = strlen(data);

	memcpy(f, head, sizeof(head));
	if (!to_server) {
		memcpy(f, head + 6, 6);
		memcpy(f + 6, head, 6);
		memcpy(f + 26, head + 30, 4);
		memcpy(f + 30, head + 26, 4);
		memcpy(f + 34, head + 36, 2);
		memcpy(f + 36, head + 34, 2);
	}
	f[17] = 40 + dl;
	for (int i = 0; i < 4; i++) {
		f[38 + i] = seq >> (24 - 8 * i);
		f[42 + i] = ack >> (24 - 8 * i);
	}
	f[47] = flags;
	memcpy(f + sizeof(head), data, dl);
	return sizeof(head) + dl;
}

/* The tcp file: one connection's handshake, data and its acknowledgement. */
static int write_tcp(struct ctrcap_pcapng_writer *w, const struct ctrcap_identity *id)
{
	static const struct {
		int to_server;
		uint8_t flags;
		uint32_t seq, ack;
		const char *data;
	} seg[] = {
		{ 1, 0x02, 1000000, 0, "" },	     { 0, 0x12, 5000000, 1000001, "" },
		{ 1, 0x10, 1000001, 5000001, "" },   { 1, 0x18, 1000001, 5000001, "hello" },
		{ 0, 0x10, 5000001, 1000006, "" },
	};
	uint8_t f[64];

	for (unsigned i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		struct ctrcap_pcapng_packet p = {
			.if_id = 1,
			.ts_ns = 1700000000000000000ull + (i + 1) * 1000000ull,
			.data = f,
			.direction = seg[i].to_server ? CTRCAP_DIR_OUT : CTRCAP_DIR_IN,
			.packet_id = i + 1,
			.id = id,
		};

		p.caplen = p.origlen = tcp_frame(f, seg[i].to_server, seg[i].flags, seg[i].seq,
						 seg[i].ack, seg[i].data);
		if (ctrcap_pcapng_writer_packet(w, &p))
			return -1;
	}
	return 0;
}

/* One EPB's options without ctrcap's (code 2989, PEN 32473) into out; its new length. */
static size_t strip_epb(const uint8_t *b, uint32_t total, uint8_t *out)
{
	uint32_t caplen, off, n;

	memcpy(out, b, 28);
	memcpy(&caplen, b + 20, 4);
	off = 28 + ((caplen + 3) & ~3u);
	if (off > total - 4)
		return 0;
	memcpy(out + 28, b + 28, off - 28);
	n = off;
	while (off + 4 <= total - 4) {
		uint16_t code, len;
		uint32_t pen = 0, size;

		memcpy(&code, b + off, 2);
		memcpy(&len, b + off + 2, 2);
		size = 4 + ((len + 3u) & ~3u);
		if (off + size > total - 4)
			return 0;
		if (len >= 4)
			memcpy(&pen, b + off + 4, 4);
		if (!(code == CTRCAP_OPT_CUSTOM_BIN && pen == CTRCAP_PEN)) {
			memcpy(out + n, b + off, size);
			n += size;
		}
		off += size;
		if (code == 0)
			break;
	}
	n += 4;
	memcpy(out + 4, &n, 4);
	memcpy(out + n - 4, &n, 4);
	return n;
}

/* make_capture --strip IN OUT. */
static int strip(const char *in, const char *out_path)
{
	static uint8_t buf[1 << 22], out[1 << 16];
	FILE *f = fopen(in, "rb"), *o;
	size_t len, off = 0;

	if (!f) {
		perror(in);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	o = fopen(out_path, "wb");
	if (!o) {
		perror(out_path);
		return 1;
	}
	while (off + 12 <= len) {
		uint32_t type, total;
		size_t n;

		memcpy(&type, buf + off, 4);
		memcpy(&total, buf + off + 4, 4);
		if (total < 12 || total > len - off || total > sizeof(out)) {
			fprintf(stderr, "make_capture: %s: bad block at offset %zu\n", in, off);
			fclose(o);
			return 1;
		}
		n = type == 6 ? strip_epb(buf + off, total, out) : total;
		if (!n) {
			fprintf(stderr, "make_capture: %s: bad EPB at offset %zu\n", in, off);
			fclose(o);
			return 1;
		}
		fwrite(type == 6 ? out : buf + off, 1, n, o);
		off += total;
	}
	if (fclose(o) || off != len) {
		fprintf(stderr, "make_capture: %s: %zu bytes not copied\n", in, len - off);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctrcap_pcapng_writer_opts o = { .userappl = "make_capture" };
	struct ctrcap_identity web = { 0 }, db = { 0 };
	struct ctrcap_pcapng_writer *w;
	uint8_t f[46];
	char err[512];

	if (argc == 4 && !strcmp(argv[1], "--pcap"))
		return write_pcap(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--strip"))
		return strip(argv[2], argv[3]);
	if (argc != 2 && (argc != 3 || strcmp(argv[2], "tcp"))) {
		fprintf(stderr, "usage: make_capture FILE [tcp] | --pcap FORMAT FILE | "
				"--strip IN OUT\n");
		return 2;
	}
	web.present = CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID | CTRCAP_HAS_NETNS |
		      CTRCAP_HAS_ATTRIBUTION;
	web.pid = web.tid = 100;
	web.netns = 4026532281u;
	web.attribution = CTRCAP_ATTR_SOCKET;
	web.comm = S("wget");
	web.exe = S("/usr/bin/wget");
	web.args = S("wget http://10.99.2.2/");
	web.ctr_id = S("78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d");
	web.ctr_name = S("web");
	web.ctr_image = S("busybox:1");
	web.pod_name = S("web-1");
	web.pod_namespace = S("shop");
	db = web;
	db.pid = db.tid = 200;
	db.uid = 999;
	db.comm = S("psql");
	db.exe = S("/usr/bin/psql");
	db.args = S("psql -h 10.99.2.2");
	db.ctr_id = S("9c2e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7");
	db.ctr_name = S("db");
	db.pod_name = (struct ctrcap_str){ NULL, 0 };
	db.pod_namespace = (struct ctrcap_str){ NULL, 0 };

	o.path = argv[1];
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "make_capture: %s\n", err);
		return 1;
	}
	if (ctrcap_pcapng_writer_interface(w, 4026531840u, 1, "lo", NULL, 1, 262144) != 0 ||
	    ctrcap_pcapng_writer_interface(w, 4026532281u, 2, "eth0", "web", 1, 262144) != 1)
		goto fail;
	if (argc == 3) {
		if (write_tcp(w, &web))
			goto fail;
		goto close;
	}
	for (unsigned i = 1; i <= NPKT; i++) {
		struct ctrcap_pcapng_packet p = {
			.if_id = i % 2,
			.ts_ns = 1700000000000000000ull + i * 1000000ull,
			.data = f,
			.caplen = sizeof(f),
			.origlen = sizeof(f),
			.direction = i % 2 ? CTRCAP_DIR_OUT : CTRCAP_DIR_IN,
			.packet_id = i,
			.id = i % 3 == 1 ? &web : i % 3 == 2 ? &db : NULL,
		};

		frame(f, 5000 + i);
		if (ctrcap_pcapng_writer_packet(w, &p))
			goto fail;
	}
	ctrcap_pcapng_writer_set_stats(w, 1, 3, 0, 0);
close:
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err))) {
		fprintf(stderr, "make_capture: %s\n", err);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "make_capture: %s\n", ctrcap_pcapng_writer_error(w));
	ctrcap_pcapng_writer_close(w, err, sizeof(err));
	return 1;
}
