// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the capture files the dissector tests read:
 *   writer.pcapng        through the project's pcapng writer (ctrcap_common)
 *   raw.pcapng           hand-built records: repeated options, unknown TLVs,
 *                        another PEN, unknown version (little-endian section)
 *   raw-be.pcapng        the same packets in a big-endian section
 *   malformed.pcapng     truncated and inconsistent records
 *   ptcpdump.pcapng      ptcpdump's opt_comment text
 *   pktap.pcapng         LINKTYPE_PKTAP frames with the ctrcap header extension
 *   journey.pcapng       one packet on three hops, a single-hop packet, an id
 *                        seen again after the window, a frame without an id
 *   alternating.pcapng   web's record and records differing from it in one byte
 * with --mutate SEED COPIES IN OUT, COPIES randomly corrupted copies of
 * every packet of IN (record and comment bytes, packet head) for the
 * tshark fuzz batch; or, with --bench N DIR, N-packet files for bench/dissector:
 *   bench.pcapng         every packet with a record (web / db / none in turn)
 *   bench-ptcpdump.pcapng the same identities as ptcpdump comments
 *   bench-none.pcapng, bench-ptcpdump-none.pcapng: the same packets written
 *                        alike without identity, to measure its bytes
 * The hand-built files use their own byte code (not ctrcap_common) so that
 * the plugin is checked against the format text, not against one encoder.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/record.h"

#define MAXBLK 131072

/* ------------------------------------------------------------ raw pcapng */

struct raw {
	FILE *f;
	const char *path;
	bool be; /* section byte order */
	uint8_t blk[MAXBLK];
	size_t n;
	bool overflow;
};

static void put(struct raw *r, const void *p, size_t len)
{
	if (r->n + len > sizeof(r->blk)) {
		r->overflow = true;
		return;
	}
	memcpy(r->blk + r->n, p, len);
	r->n += len;
}

static void put8(struct raw *r, uint8_t v)
{
	put(r, &v, 1);
}

static void put16(struct raw *r, uint16_t v)
{
	uint8_t b[2];

	if (r->be) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	}
	put(r, b, 2);
}

static void put32(struct raw *r, uint32_t v)
{
	if (r->be) {
		put16(r, (uint16_t)(v >> 16));
		put16(r, (uint16_t)v);
	} else {
		put16(r, (uint16_t)v);
		put16(r, (uint16_t)(v >> 16));
	}
}

static void pad4(struct raw *r)
{
	while (r->n % 4)
		put8(r, 0);
}

static void block_begin(struct raw *r, uint32_t type)
{
	r->n = 0;
	put32(r, type);
	put32(r, 0); /* length, patched in block_end */
}

static int block_end(struct raw *r)
{
	uint32_t len = (uint32_t)(r->n + 4);
	struct raw tmp = { .be = r->be };

	put32(r, len);
	if (r->overflow) {
		fprintf(stderr, "gen_captures: %s: block too large\n", r->path);
		return -1;
	}
	put32(&tmp, len);
	memcpy(r->blk + 4, tmp.blk, 4);
	if (fwrite(r->blk, 1, r->n, r->f) != r->n) {
		fprintf(stderr, "gen_captures: %s: write: %s\n", r->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int raw_open(struct raw *r, const char *dir, const char *name, bool be, uint16_t linktype)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->be = be;
	r->f = fopen(path, "wb");
	if (!r->f) {
		fprintf(stderr, "gen_captures: %s: %s\n", path, strerror(errno));
		return -1;
	}
	block_begin(r, 0x0A0D0D0A);
	put32(r, 0x1A2B3C4D);
	put16(r, 1);
	put16(r, 0);
	put32(r, 0xffffffff);
	put32(r, 0xffffffff);
	if (block_end(r))
		return -1;
	block_begin(r, 1);
	put16(r, linktype);
	put16(r, 0);
	put32(r, 262144);
	if (block_end(r))
		return -1;
	return 0;
}

static int raw_close(struct raw *r)
{
	if (fclose(r->f)) {
		fprintf(stderr, "gen_captures: %s: close: %s\n", r->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Options of the EPB being built; values are raw bytes (caller's order). */
struct opts {
	uint8_t buf[MAXBLK / 2];
	size_t n;
};

static void opt_raw(struct opts *o, uint16_t code, const void *v, size_t len, bool be)
{
	uint8_t h[4];

	if (o->n + 4 + len + 3 > sizeof(o->buf))
		abort();
	if (be) {
		h[0] = (uint8_t)(code >> 8), h[1] = (uint8_t)code;
		h[2] = (uint8_t)(len >> 8), h[3] = (uint8_t)len;
	} else {
		h[0] = (uint8_t)code, h[1] = (uint8_t)(code >> 8);
		h[2] = (uint8_t)len, h[3] = (uint8_t)(len >> 8);
	}
	memcpy(o->buf + o->n, h, 4);
	memcpy(o->buf + o->n + 4, v, len);
	o->n += 4 + len;
	while (o->n % 4)
		o->buf[o->n++] = 0;
}

/* A custom binary option: PEN in section order, then the record payload. */
static void opt_record(struct opts *o, uint32_t pen, const void *payload, size_t len, bool be)
{
	uint8_t v[65536];

	if (len + 4 > 65535)
		abort();
	if (be) {
		v[0] = (uint8_t)(pen >> 24), v[1] = (uint8_t)(pen >> 16);
		v[2] = (uint8_t)(pen >> 8), v[3] = (uint8_t)pen;
	} else {
		v[0] = (uint8_t)pen, v[1] = (uint8_t)(pen >> 8);
		v[2] = (uint8_t)(pen >> 16), v[3] = (uint8_t)(pen >> 24);
	}
	memcpy(v + 4, payload, len);
	opt_raw(o, CTRCAP_OPT_CUSTOM_BIN, v, len + 4, be);
}

static void opt_comment(struct opts *o, const char *text, bool be)
{
	opt_raw(o, 1, text, strlen(text), be);
}

static int raw_packet(struct raw *r, uint64_t ts_us, const uint8_t *data, uint32_t len,
		      const struct opts *o)
{
	block_begin(r, 6);
	put32(r, 0);
	put32(r, (uint32_t)(ts_us >> 32));
	put32(r, (uint32_t)ts_us);
	put32(r, len);
	put32(r, len);
	put(r, data, len);
	pad4(r);
	if (o && o->n) {
		put(r, o->buf, o->n);
		put32(r, 0); /* opt_endofopt */
	}
	return block_end(r);
}

/* ------------------------------------------------------------ records */

struct rec {
	uint8_t b[65531];
	size_t n;
};

static void rec_begin(struct rec *r, uint8_t version)
{
	r->n = 0;
	r->b[r->n++] = version;
}

static void rec_tlv(struct rec *r, uint16_t type, const void *v, uint16_t len)
{
	if (r->n + 4 + len > sizeof(r->b))
		abort();
	r->b[r->n++] = (uint8_t)(type >> 8);
	r->b[r->n++] = (uint8_t)type;
	r->b[r->n++] = (uint8_t)(len >> 8);
	r->b[r->n++] = (uint8_t)len;
	memcpy(r->b + r->n, v, len);
	r->n += len;
}

static void rec_str(struct rec *r, uint16_t type, const char *s)
{
	rec_tlv(r, type, s, (uint16_t)strlen(s));
}

static void rec_u32(struct rec *r, uint16_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	rec_tlv(r, type, b, 4);
}

static void rec_u64(struct rec *r, uint16_t type, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	rec_tlv(r, type, b, 8);
}

static void rec_u8(struct rec *r, uint16_t type, uint8_t v)
{
	rec_tlv(r, type, &v, 1);
}

/* ------------------------------------------------------------ frames */

/* Ethernet + IPv4 + UDP from 10.99.3.<src> to 10.99.3.<dst> (test subnet, file only). */
static uint32_t udp_frame(uint8_t *f, uint8_t src, uint8_t dst, uint16_t sport)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = f + 14, *udp = f + 34;
	uint32_t sum = 0;
	int i;

	memset(f, 0, 60);
	memcpy(f, eth, 14);
	ip[0] = 0x45;
	ip[3] = 46; /* total length: 20 IP + 8 UDP + 18 payload */
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 99, ip[14] = 3, ip[15] = src;
	ip[16] = 10, ip[17] = 99, ip[18] = 3, ip[19] = dst;
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[2] = 0x1f, udp[3] = 0x90; /* 8080 */
	udp[4] = 0, udp[5] = 26;
	memcpy(udp + 8, "ctrcap-test-payload", 18);
	return 60;
}

/* ------------------------------------------------------------ identities */

static const char web_id[] = "78f1713c7d0f5a6b9c1d2e3f40516273849506a7b8c9d0e1f2a3b4c5d6e7f809";
static const char db_id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* The full "web" identity: every TLV type the contract defines. */
static void rec_web(struct rec *r)
{
	rec_begin(r, CTRCAP_RECORD_VERSION);
	rec_u32(r, CTRCAP_T_PID, 241879);
	rec_u32(r, CTRCAP_T_TID, 241880);
	rec_str(r, CTRCAP_T_COMM, "wget");
	rec_str(r, CTRCAP_T_EXE, "/usr/bin/wget");
	rec_str(r, CTRCAP_T_ARGS, "wget -T 10 10.99.3.1");
	rec_u32(r, CTRCAP_T_UID, 1000);
	rec_u32(r, CTRCAP_T_GID, 1001);
	rec_str(r, CTRCAP_T_USER, "alice");
	rec_u64(r, CTRCAP_T_START_TIME, 1700000000123456789ull);
	rec_u8(r, CTRCAP_T_PROC_STATE, CTRCAP_PROC_PID_REUSED);
	rec_u32(r, CTRCAP_T_PARENT_PID, 241858);
	rec_str(r, CTRCAP_T_PARENT_EXE, "/usr/bin/containerd-shim-runc-v2");
	rec_str(r, CTRCAP_T_PARENT_ARGS, "containerd-shim-runc-v2 -namespace moby");
	rec_str(r, CTRCAP_T_PARENT_COMM, "containerd-shim");
	rec_str(r, CTRCAP_T_CTR_ID, web_id);
	rec_str(r, CTRCAP_T_CTR_NAME, "web");
	rec_str(r, CTRCAP_T_CTR_IMAGE, "busybox:1");
	rec_str(r, CTRCAP_T_CTR_RUNTIME, "docker");
	rec_str(r, CTRCAP_T_CTR_LABEL, "app=web");
	rec_str(r, CTRCAP_T_CTR_LABEL, "tier=front");
	rec_str(r, CTRCAP_T_POD_NAME, "web-7d9f");
	rec_str(r, CTRCAP_T_POD_NAMESPACE, "shop");
	rec_str(r, CTRCAP_T_POD_UID, "5f1c2d3e-aaaa-bbbb-cccc-0123456789ab");
	rec_str(r, CTRCAP_T_K8S_CTR_NAME, "nginx");
	rec_str(r, CTRCAP_T_POD_LABEL, "team=red");
	rec_u32(r, CTRCAP_T_NETNS, 4026532000u);
	rec_u64(r, CTRCAP_T_CGROUP_ID, 123456789012ull);
	rec_u8(r, CTRCAP_T_ATTRIBUTION, CTRCAP_ATTR_SOCKET);
}

static struct ctrcap_str S(const char *s)
{
	struct ctrcap_str v = { s, (uint16_t)strlen(s) };

	return v;
}

static void ident_web(struct ctrcap_identity *id, uint32_t pid)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID | CTRCAP_HAS_UID | CTRCAP_HAS_NETNS | CTRCAP_HAS_ATTRIBUTION |
		      CTRCAP_HAS_PARENT_PID | CTRCAP_HAS_CGROUP_ID;
	id->pid = pid;
	id->uid = 0;
	id->netns = 4026532000u;
	id->cgroup_id = 5555;
	id->attribution = CTRCAP_ATTR_SOCKET;
	id->parent_pid = 241858;
	id->comm = S("wget");
	id->exe = S("/usr/bin/wget");
	id->args = S("wget -T 10 10.99.3.1");
	id->parent_exe = S("/usr/bin/containerd-shim-runc-v2");
	id->ctr_id = S(web_id);
	id->ctr_name = S("web");
	id->ctr_image = S("busybox:1");
	id->ctr_runtime = S("docker");
	id->ctr_labels[0] = S("app=web");
	id->n_ctr_labels = 1;
}

static void ident_db(struct ctrcap_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID | CTRCAP_HAS_UID | CTRCAP_HAS_ATTRIBUTION;
	id->pid = 3100;
	id->uid = 999;
	id->attribution = CTRCAP_ATTR_FLOW;
	id->comm = S("postgres");
	id->ctr_id = S(db_id);
	id->ctr_name = S("db");
	id->ctr_image = S("postgres:16");
	id->ctr_runtime = S("containerd");
	id->pod_name = S("db-0");
	id->pod_namespace = S("shop");
	id->k8s_ctr_name = S("postgres");
	id->pod_labels[0] = S("app=db");
	id->n_pod_labels = 1;
}

static void ident_host(struct ctrcap_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID | CTRCAP_HAS_ATTRIBUTION;
	id->pid = 777;
	id->attribution = CTRCAP_ATTR_IFACE_NETNS;
	id->comm = S("sshd");
}

/* ------------------------------------------------------------ the files */

/* dir/name opened with ctrcap's writer; NULL after a message. */
static struct ctrcap_pcapng_writer *writer_open(const char *dir, const char *name, const char *appl)
{
	struct ctrcap_pcapng_writer_opts o = { 0 };
	struct ctrcap_pcapng_writer *w;
	char path[4096], err[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.path = path;
	o.userappl = appl;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		fprintf(stderr, "gen_captures: %s\n", err);
	return w;
}

/* Close w, after a failed write when failed: 0, or -1 after a message. */
static int writer_done(struct ctrcap_pcapng_writer *w, bool failed)
{
	char err[512];

	if (failed)
		fprintf(stderr, "gen_captures: %s\n", ctrcap_pcapng_writer_error(w));
	if (ctrcap_pcapng_writer_close(w, err, sizeof(err)) && !failed) {
		fprintf(stderr, "gen_captures: %s\n", err);
		return -1;
	}
	return failed ? -1 : 0;
}

/*
 * writer.pcapng, through ctrcap_common:
 *   1 web (pid 241879)  2 db  3 no identity  4 web (pid 241999)  5 host process;
 *   each with epb_processid_threadid from its identity, 3 with that option
 *   alone (pid 4242, tid 4243); 1 and 4 on node node-a, 2 on node-b; those
 *   with a comm also with Apple's Darwin process info block (one per
 *   process) and EPB option 0x8001
 */
static int gen_writer(const char *dir)
{
	struct ctrcap_pcapng_writer *w = writer_open(dir, "writer.pcapng", "ctrcap dissector test");
	struct ctrcap_identity ids[5];
	const struct ctrcap_identity *which[5];
	uint8_t frame[64];
	int ifid, i;

	if (!w)
		return -1;
	ifid = ctrcap_pcapng_writer_interface(w, 4026532000u, 7, "veth0a1b", "web", 1, 262144);
	if (ifid < 0)
		return writer_done(w, true);
	ident_web(&ids[0], 241879);
	ident_db(&ids[1]);
	ident_web(&ids[3], 241999);
	ident_host(&ids[4]);
	/* Packets of two nodes, as a merged capture has them; the host one names none. */
	ids[0].node_name = S("node-a");
	ids[1].node_name = S("node-b");
	ids[3].node_name = S("node-a");
	which[0] = &ids[0];
	which[1] = &ids[1];
	which[2] = NULL;
	which[3] = &ids[3];
	which[4] = &ids[4];
	for (i = 0; i < 5; i++) {
		struct ctrcap_pcapng_packet p = { 0 };

		p.if_id = (uint32_t)ifid;
		p.ts_ns = 1700000000000000000ull + (uint64_t)i * 1000000;
		p.data = frame;
		p.caplen = p.origlen = udp_frame(frame, (uint8_t)(2 + i), 1, (uint16_t)(40000 + i));
		p.direction = CTRCAP_DIR_OUT;
		p.packet_id = (uint64_t)i + 1;
		p.pid = which[i] ? which[i]->pid : 4242;
		p.tid = which[i] ? which[i]->tid : 4243;
		/* Apple's process info blocks (4.0 must still read the file cleanly). */
		if (which[i] && which[i]->comm.len) {
			p.pname = which[i]->comm.ptr;
			p.pname_len = which[i]->comm.len;
		}
		p.id = which[i];
		if (ctrcap_pcapng_writer_packet(w, &p))
			return writer_done(w, true);
	}
	return writer_done(w, false);
}

/*
 * raw.pcapng / raw-be.pcapng:
 *   1 full web record (every TLV type, node worker-1)
 *   2 the identity split over two options (process, then container)
 *   3 unknown TLV types around a container name
 *   4 a record under another PEN only (ignored)
 *   5 record version 2 (shown as unknown version)
 *   6 no options at all
 *   7 a kernel drop: pid, reason code and name, location
 *   8 a kernel drop on a kernel without reasons: the location alone
 */
static int gen_raw(const char *dir, const char *name, bool be)
{
	static struct rec r;
	static struct opts o;
	struct raw f;
	uint8_t frame[64];
	uint32_t n;
	int rc = 0;

	if (raw_open(&f, dir, name, be, 1))
		return -1;
	n = udp_frame(frame, 2, 1, 40001);

	o.n = 0;
	rec_web(&r);
	/* Here only: the PKTAP file's header length is fixed by its tests. */
	rec_str(&r, CTRCAP_T_NODE_NAME, "worker-1");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000001, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_u32(&r, CTRCAP_T_PID, 4242);
	rec_str(&r, CTRCAP_T_COMM, "curl");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rec_begin(&r, 1);
	rec_str(&r, CTRCAP_T_CTR_NAME, "split");
	rec_str(&r, CTRCAP_T_CTR_LABEL, "part=two");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000002, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_str(&r, 0x0e01, "future");
	rec_str(&r, CTRCAP_T_CTR_NAME, "fwd");
	rec_tlv(&r, 0x7fff, "", 0);
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000003, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_str(&r, CTRCAP_T_CTR_NAME, "otherpen");
	opt_record(&o, 99999, r.b, r.n, be);
	rc |= raw_packet(&f, 1000004, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 2);
	rec_str(&r, CTRCAP_T_CTR_NAME, "v2");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000005, frame, n, &o);

	rc |= raw_packet(&f, 1000006, frame, n, NULL);

	o.n = 0;
	rec_begin(&r, 1);
	rec_u32(&r, CTRCAP_T_PID, 4242);
	rec_u32(&r, CTRCAP_T_DROP_REASON_CODE, 77);
	rec_str(&r, CTRCAP_T_DROP_REASON, "NETFILTER_DROP");
	rec_str(&r, CTRCAP_T_DROP_LOCATION, "nf_hook_slow+0x9c");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000007, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_str(&r, CTRCAP_T_DROP_LOCATION, "0xffffffff8120009c");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, be);
	rc |= raw_packet(&f, 1000008, frame, n, &o);
	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

/*
 * malformed.pcapng:
 *   1 TLV header cut after 2 bytes (a valid pid before it)
 *   2 TLV length running past the end (a valid container name before it)
 *   3 pid TLV of length 3 (then a valid comm)
 *   4 empty record: the option holds only the PEN
 *   5 attribution value 9 (unknown method)
 *   6 a container name that is not UTF-8
 */
static int gen_malformed(const char *dir)
{
	static struct rec r;
	static struct opts o;
	struct raw f;
	uint8_t frame[64];
	uint32_t n;
	int rc = 0;

	if (raw_open(&f, dir, "malformed.pcapng", false, 1))
		return -1;
	n = udp_frame(frame, 2, 1, 40001);

	o.n = 0;
	rec_begin(&r, 1);
	rec_u32(&r, CTRCAP_T_PID, 11);
	r.b[r.n++] = 0x03;
	r.b[r.n++] = 0x02;
	opt_record(&o, CTRCAP_PEN, r.b, r.n, false);
	rc |= raw_packet(&f, 2000001, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_str(&r, CTRCAP_T_CTR_NAME, "cut");
	rec_str(&r, CTRCAP_T_CTR_IMAGE, "imagename");
	r.b[r.n - 11] = 0x40; /* image length 0x4009: far past the end */
	opt_record(&o, CTRCAP_PEN, r.b, r.n, false);
	rc |= raw_packet(&f, 2000002, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_tlv(&r, CTRCAP_T_PID, "\x01\x02\x03", 3);
	rec_str(&r, CTRCAP_T_COMM, "short");
	opt_record(&o, CTRCAP_PEN, r.b, r.n, false);
	rc |= raw_packet(&f, 2000003, frame, n, &o);

	o.n = 0;
	opt_record(&o, CTRCAP_PEN, "", 0, false);
	rc |= raw_packet(&f, 2000004, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_u8(&r, CTRCAP_T_ATTRIBUTION, 9);
	opt_record(&o, CTRCAP_PEN, r.b, r.n, false);
	rc |= raw_packet(&f, 2000005, frame, n, &o);

	o.n = 0;
	rec_begin(&r, 1);
	rec_tlv(&r, CTRCAP_T_CTR_NAME, "bad\xff\xfe", 5);
	opt_record(&o, CTRCAP_PEN, r.b, r.n, false);
	rc |= raw_packet(&f, 2000006, frame, n, &o);

	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

/* ptcpdump's comments for one packet, in the order and format its writer uses. */
static void ptcpdump_comments(struct opts *o, int kind, bool be)
{
	switch (kind) {
	case 0: /* web, every comment ptcpdump writes */
		opt_comment(o, "PID: 241879\nCmd: /usr/bin/wget\nArgs: wget -T 10 10.99.3.1", be);
		opt_comment(o, "ThreadId: 241880\nThreadName: wget", be);
		opt_comment(o, "UserId: 1000", be);
		opt_comment(o,
			    "ParentPID: 241858\nParentCmd: /usr/bin/containerd-shim-runc-v2\n"
			    "ParentArgs: containerd-shim-runc-v2 -namespace moby",
			    be);
		opt_comment(o,
			    "ContainerName: web\nContainerId: "
			    "78f1713c7d0f5a6b9c1d2e3f40516273849506a7b8c9d0e1f2a3b4c5d6e7f809\n"
			    "ContainerImage: busybox:1\n"
			    "ContainerLabels: {\"app\":\"web\",\"note\":\"a\\u003cb \\\"q\\\"\"}",
			    be);
		opt_comment(o,
			    "PodName: web-7d9f\nPodNamespace: shop\n"
			    "PodUID: 5f1c2d3e-aaaa-bbbb-cccc-0123456789ab\n"
			    "PodLabels: {\"team\":\"red\"}\nPodAnnotations: {}",
			    be);
		break;
	case 1: /* db, process and container only */
		opt_comment(o, "PID: 3100\nCmd: /usr/lib/postgresql/bin/postgres\nArgs: postgres",
			    be);
		opt_comment(o,
			    "ContainerName: db\nContainerId: "
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
			    "ContainerImage: postgres:16\nContainerLabels: {}",
			    be);
		break;
	case 2: /* an ordinary human comment: not ptcpdump's */
		opt_comment(o, "looked at this one by hand", be);
		break;
	case 3: /* broken numbers and labels */
		opt_comment(o, "PID: 12ab\nCmd: /bin/sh\nArgs: sh -c x", be);
		opt_comment(o, "ContainerName: broken\nContainerLabels: {\"a\":", be);
		break;
	}
}

/*
 * ptcpdump.pcapng: 1 web (all comments)  2 db  3 no comment
 *                  4 a human comment     5 bad number and bad labels
 */
static int gen_ptcpdump(const char *dir)
{
	static struct opts o;
	static const int kinds[] = { 0, 1, -1, 2, 3 };
	struct raw f;
	uint8_t frame[64];
	uint32_t n;
	int rc = 0;
	size_t i;

	if (raw_open(&f, dir, "ptcpdump.pcapng", false, 1))
		return -1;
	n = udp_frame(frame, 2, 1, 40001);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		o.n = 0;
		if (kinds[i] >= 0)
			ptcpdump_comments(&o, kinds[i], false);
		rc |= raw_packet(&f, 3000001 + i, frame, n, &o);
	}
	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A PKTAP frame: header (pth_length = hdrlen), PEN + record, Ethernet frame. */
static uint32_t pktap_frame(uint8_t *out, uint32_t pth_length, uint32_t pen, const struct rec *r)
{
	uint8_t eth[64];
	uint32_t n = udp_frame(eth, 2, 1, 40001), off = 108;

	memset(out, 0, 108);
	le32(out, pth_length);
	le32(out + 4, 1);	/* pth_type_next: packet */
	le32(out + 8, 1);	/* pth_dlt: Ethernet */
	memcpy(out + 12, "veth0a1b", 8);
	le32(out + 36, 2);	/* outbound */
	le32(out + 52, 241879); /* pth_pid */
	memcpy(out + 56, "wget", 4);
	le32(out + 84, 0xffffffff);
	if (r) {
		out[off++] = (uint8_t)(pen >> 24), out[off++] = (uint8_t)(pen >> 16);
		out[off++] = (uint8_t)(pen >> 8), out[off++] = (uint8_t)pen;
		memcpy(out + off, r->b, r->n);
		off += (uint32_t)r->n;
	}
	memcpy(out + off, eth, n);
	return off + n;
}

/*
 * pktap.pcapng: 1 web record  2 standard 108-byte header (no identity)
 *               3 another PEN  4 pth_length beyond the packet
 */
static int gen_pktap(const char *dir)
{
	static struct rec r;
	static uint8_t frame[70000];
	struct raw f;
	uint32_t n;
	int rc = 0;

	if (raw_open(&f, dir, "pktap.pcapng", false, 258))
		return -1;
	rec_web(&r);
	n = pktap_frame(frame, (uint32_t)(112 + r.n), CTRCAP_PEN, &r);
	rc |= raw_packet(&f, 4000001, frame, n, NULL);
	n = pktap_frame(frame, 108, 0, NULL);
	rc |= raw_packet(&f, 4000002, frame, n, NULL);
	n = pktap_frame(frame, (uint32_t)(112 + r.n), 99999, &r);
	rc |= raw_packet(&f, 4000003, frame, n, NULL);
	n = pktap_frame(frame, 5000, CTRCAP_PEN, &r);
	rc |= raw_packet(&f, 4000004, frame, n, NULL);
	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

/* ------------------------------------------------------------ one-byte variants */

/* The offset of the value of the first TLV of this type in r; aborts when there is none. */
static size_t rec_value_at(const struct rec *r, uint16_t type)
{
	size_t i = 1;

	while (i + 4 <= r->n) {
		uint16_t t = (uint16_t)(r->b[i] << 8 | r->b[i + 1]);
		uint16_t len = (uint16_t)(r->b[i + 2] << 8 | r->b[i + 3]);

		if (t == type)
			return i + 4;
		i += 4u + len;
	}
	abort();
}

/*
 * alternating.pcapng: web's record (A) and four records that each differ
 * from it in one byte, in turn, so that a reader keeping what it made of
 * one record must tell them apart by every byte:
 *   B container.name "wec"; C process.pid 241878; D the attribution TLV's
 *   length 2 (runs past the end: malformed); E record version 2.
 * Frames: A B A C A D D A E B C A (12).
 */
static int gen_alternating(const char *dir)
{
	static const char order[] = "ABACADDAEBCA";
	static struct rec v[5];
	static struct opts o;
	uint8_t frame[64];
	struct raw f;
	uint32_t n;
	size_t i;
	int rc = 0;

	rec_web(&v[0]);
	for (i = 1; i < 5; i++)
		v[i] = v[0];
	v[1].b[rec_value_at(&v[1], CTRCAP_T_CTR_NAME) + 2] = 'c';
	v[2].b[rec_value_at(&v[2], CTRCAP_T_PID) + 3] ^= 1; /* 241879 = 0x0003b0d7 */
	v[3].b[rec_value_at(&v[3], CTRCAP_T_ATTRIBUTION) - 1] = 2;
	v[4].b[0] = 2;
	if (raw_open(&f, dir, "alternating.pcapng", false, 1))
		return -1;
	n = udp_frame(frame, 2, 1, 40001);
	for (i = 0; order[i]; i++) {
		const struct rec *r = &v[order[i] - 'A'];

		o.n = 0;
		opt_record(&o, CTRCAP_PEN, r->b, r->n, false);
		rc |= raw_packet(&f, 6000001 + i, frame, n, &o);
	}
	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

/* ------------------------------------------------------------ journeys */

/*
 * journey.pcapng (ctrcap's writer): frames 1-3 one packet (id 10) leaving
 * web's eth0, on the host veth 10 us later, entering db's eth0 25 us after
 * the first; 4 another packet (id 11) on one hop; 5 id 10 again 2 s later
 * (another run's packet: a journey of its own); 6 no packet id; 7-8 a
 * packet (id 12) leaving web's eth0, then dropped by the kernel on the host
 * veth 10 us later (no direction, the drop TLVs).
 */
static int gen_journey(const char *dir)
{
	static const struct {
		int iface;
		uint64_t id, t_us;
		uint32_t dir;
	} pk[] = {
		{ 0, 10, 0, CTRCAP_DIR_OUT }, { 1, 10, 10, CTRCAP_DIR_IN }, { 2, 10, 25, CTRCAP_DIR_IN },
		{ 0, 11, 100, CTRCAP_DIR_OUT }, { 1, 10, 2000000, CTRCAP_DIR_IN },
		{ 1, 0, 2000100, CTRCAP_DIR_IN }, { 0, 12, 3000000, CTRCAP_DIR_OUT },
		{ 1, 12, 3000010, 0 },
	};
	struct ctrcap_pcapng_writer *w = writer_open(dir, "journey.pcapng", "ctrcap dissector test");
	struct ctrcap_identity web, drop;
	uint8_t frame[64];
	int ifid[3];
	size_t i;

	if (!w)
		return -1;
	ifid[0] = ctrcap_pcapng_writer_interface(w, 4026532000u, 2, "eth0", "web", 1, 262144);
	ifid[1] = ctrcap_pcapng_writer_interface(w, 4026531840u, 7, "veth0a1b", NULL, 1, 262144);
	ifid[2] = ctrcap_pcapng_writer_interface(w, 4026532100u, 2, "eth0", "db", 1, 262144);
	if (ifid[0] < 0 || ifid[1] < 0 || ifid[2] < 0)
		return writer_done(w, true);
	ident_web(&web, 241879);
	drop = web;
	drop.present |= CTRCAP_HAS_DROP_REASON;
	drop.drop_reason_code = 77;
	drop.drop_reason = S("NETFILTER_DROP");
	drop.drop_location = S("nf_hook_slow+0x9c");
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		struct ctrcap_pcapng_packet p = { 0 };

		p.if_id = (uint32_t)ifid[pk[i].iface];
		p.ts_ns = 1700000000000000000ull + pk[i].t_us * 1000;
		p.data = frame;
		p.caplen = p.origlen = udp_frame(frame, 2, 3, (uint16_t)(40000 + pk[i].id));
		p.direction = pk[i].dir;
		p.packet_id = pk[i].id;
		p.id = pk[i].id == 11 ? NULL : pk[i].dir ? &web : &drop;
		if (ctrcap_pcapng_writer_packet(w, &p))
			return writer_done(w, true);
	}
	return writer_done(w, false);
}

/*
 * compact.pcapng (--compact-identity) and compact-full.pcapng (the same
 * packets, every record whole): web and db on two interfaces in turn, a
 * kernel drop of web's, a packet with no identity, web with another tid
 * and attribution; 12 packets.
 */
static int gen_compact_one(const char *dir, const char *name, bool compact)
{
	struct ctrcap_pcapng_writer_opts o = { 0 };
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity web, db, drop, web2;
	const struct ctrcap_identity *seq[12];
	char path[4096], err[512];
	uint8_t frame[64];
	int ifid[2], i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.path = path;
	o.userappl = "ctrcap dissector test";
	o.compact_identity = compact;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "gen_captures: %s\n", err);
		return -1;
	}
	ifid[0] = ctrcap_pcapng_writer_interface(w, 4026532000u, 2, "eth0", "web", 1, 262144);
	ifid[1] = ctrcap_pcapng_writer_interface(w, 4026531840u, 7, "veth0a1b", NULL, 1, 262144);
	if (ifid[0] < 0 || ifid[1] < 0)
		return writer_done(w, true);
	ident_web(&web, 241879);
	web.node_name = S("node-a");
	ident_db(&db);
	drop = web;
	drop.present |= CTRCAP_HAS_DROP_REASON;
	drop.drop_reason_code = 77;
	drop.drop_reason = S("NETFILTER_DROP");
	drop.drop_location = S("nf_hook_slow+0x9c");
	web2 = web;
	web2.present |= CTRCAP_HAS_TID;
	web2.tid = 241881;
	web2.attribution = CTRCAP_ATTR_EARLIER_HOP;
	seq[0] = &web;
	seq[1] = &web;
	seq[2] = &db;
	seq[3] = &web;
	seq[4] = &db;
	seq[5] = &drop;
	seq[6] = &web;
	seq[7] = NULL;
	seq[8] = &web2;
	seq[9] = &db;
	seq[10] = &web;
	seq[11] = &db;
	for (i = 0; i < 12; i++) {
		struct ctrcap_pcapng_packet p = { 0 };

		p.if_id = (uint32_t)ifid[i % 2];
		p.ts_ns = 1700000000000000000ull + (uint64_t)i * 1000000;
		p.data = frame;
		p.caplen = p.origlen = udp_frame(frame, (uint8_t)(2 + i), 1, (uint16_t)(40000 + i));
		p.direction = seq[i] == &drop ? CTRCAP_DIR_UNKNOWN : CTRCAP_DIR_OUT;
		p.packet_id = (uint64_t)i + 1;
		p.id = seq[i];
		if (ctrcap_pcapng_writer_packet(w, &p))
			return writer_done(w, true);
	}
	return writer_done(w, false);
}

static int gen_compact(const char *dir)
{
	return gen_compact_one(dir, "compact.pcapng", true) ||
	       gen_compact_one(dir, "compact-full.pcapng", false);
}

/* ------------------------------------------------------------ benchmark files */

/*
 * name: count packets from ctrcap's writer, web / db / none in turn when
 * with_id, else none.
 */
static int bench_written(const char *dir, const char *name, unsigned long count, bool with_id)
{
	struct ctrcap_pcapng_writer *w = writer_open(dir, name, "ctrcap dissector bench");
	struct ctrcap_identity web, db;
	uint8_t frame[64];
	unsigned long i;
	uint32_t n;
	int ifid;

	if (!w)
		return -1;
	ident_web(&web, 241879);
	ident_db(&db);
	ifid = ctrcap_pcapng_writer_interface(w, 4026532000u, 7, "veth0a1b", NULL, 1, 262144);
	if (ifid < 0)
		return writer_done(w, true);
	n = udp_frame(frame, 2, 1, 40001);
	for (i = 0; i < count; i++) {
		struct ctrcap_pcapng_packet p = { 0 };

		p.if_id = (uint32_t)ifid;
		p.ts_ns = 1700000000000000000ull + (uint64_t)i * 1000;
		p.data = frame;
		p.caplen = p.origlen = n;
		p.direction = CTRCAP_DIR_OUT;
		p.packet_id = i + 1; /* as ctrcap writes them: the plugin notes each journey */
		p.id = !with_id ? NULL : i % 3 == 0 ? &web : i % 3 == 1 ? &db : NULL;
		if (ctrcap_pcapng_writer_packet(w, &p))
			return writer_done(w, true);
	}
	return writer_done(w, false);
}

/* name: the same packets as ptcpdump writes them, with its comments when with_id. */
static int bench_ptcpdump(const char *dir, const char *name, unsigned long count, bool with_id)
{
	static struct opts o;
	uint8_t frame[64];
	struct raw f;
	unsigned long i;
	uint32_t n = udp_frame(frame, 2, 1, 40001);
	int rc = 0;

	if (raw_open(&f, dir, name, false, 1))
		return -1;
	for (i = 0; i < count && rc == 0; i++) {
		o.n = 0;
		if (with_id && i % 3 < 2)
			ptcpdump_comments(&o, (int)(i % 3), false);
		rc |= raw_packet(&f, 5000000 + i, frame, n, &o);
	}
	rc |= raw_close(&f);
	return rc ? -1 : 0;
}

static int gen_bench(const char *dir, unsigned long count)
{
	if (bench_written(dir, "bench.pcapng", count, true) ||
	    bench_written(dir, "bench-none.pcapng", count, false) ||
	    bench_ptcpdump(dir, "bench-ptcpdump.pcapng", count, true) ||
	    bench_ptcpdump(dir, "bench-ptcpdump-none.pcapng", count, false))
		return -1;
	return 0;
}

/* ------------------------------------------------------------ mutation */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: reproducible from the seed, good enough to pick bytes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static uint32_t rd32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t rd16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Overwrite a few random bytes of the option values (records and comments) of one EPB. */
static void mutate_epb(uint8_t *b, uint32_t blen, bool be)
{
	uint32_t caplen, off, end = blen - 4;

	if (blen < 32)
		return;
	caplen = rd32(b + 20, be);
	if (caplen > blen - 32)
		return;
	off = 28 + ((caplen + 3) & ~3u);
	/* Options are bounded by the block; each step moves at least 4 bytes. */
	while (off + 4 <= end) {
		uint16_t code = rd16(b + off, be), len = rd16(b + off + 2, be);
		uint32_t vstart = off + 4, n, i;

		if (code == 0 || vstart + len > end)
			break;
		if ((code == CTRCAP_OPT_CUSTOM_BIN || code == 1) && len > 0 && rng() % 2) {
			/* mostly after the PEN, sometimes the PEN itself */
			uint32_t from = code == CTRCAP_OPT_CUSTOM_BIN && len > 4 && rng() % 8 ? 4 : 0;

			n = 1 + rng() % 4;
			for (i = 0; i < n; i++)
				b[vstart + from + rng() % (len - from)] = (uint8_t)rng();
		}
		off = vstart + ((len + 3u) & ~3u);
	}
	/* PKTAP and other in-packet records: sometimes hit the first bytes of the packet. */
	if (caplen > 0 && rng() % 4 == 0)
		b[28 + rng() % (caplen < 700 ? caplen : 700)] = (uint8_t)rng();
}

/* Write copies mutated copies of every EPB of in (a pcapng this program wrote) to out. */
static int mutate_file(const char *in, const char *out, uint64_t seed, unsigned copies)
{
	FILE *fi = fopen(in, "rb"), *fo = NULL;
	static uint8_t buf[1 << 22], blk[MAXBLK];
	size_t n, pos = 0;
	bool be = false;
	int rc = -1;

	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	if (!fi) {
		fprintf(stderr, "gen_captures: %s: %s\n", in, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), fi);
	fclose(fi);
	fo = fopen(out, "wb");
	if (!fo) {
		fprintf(stderr, "gen_captures: %s: %s\n", out, strerror(errno));
		return -1;
	}
	while (pos + 12 <= n) {
		uint32_t type, len;
		unsigned c;

		if (rd32(buf + pos, false) == 0x0A0D0D0A)
			be = buf[pos + 8] == 0x1A;
		type = rd32(buf + pos, be);
		len = rd32(buf + pos + 4, be);
		if (len < 12 || len % 4 || len > n - pos || len > sizeof(blk)) {
			fprintf(stderr, "gen_captures: %s: bad block at %zu\n", in, pos);
			goto out;
		}
		for (c = 0; c < (type == 6 ? copies : 1); c++) {
			memcpy(blk, buf + pos, len);
			if (type == 6)
				mutate_epb(blk, len, be);
			if (fwrite(blk, 1, len, fo) != len) {
				fprintf(stderr, "gen_captures: %s: write: %s\n", out, strerror(errno));
				goto out;
			}
		}
		pos += len;
	}
	rc = 0;
out:
	if (fclose(fo) && rc == 0) {
		fprintf(stderr, "gen_captures: %s: close: %s\n", out, strerror(errno));
		rc = -1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "--mutate") == 0) {
		uint64_t seed = strtoull(argv[2], NULL, 10);
		unsigned long copies = strtoul(argv[3], NULL, 10);

		if (copies == 0 || copies > 10000) {
			fprintf(stderr, "gen_captures: bad copy count '%s'\n", argv[3]);
			return 2;
		}
		return mutate_file(argv[4], argv[5], seed, (unsigned)copies) ? 1 : 0;
	}
	if (argc == 4 && strcmp(argv[1], "--bench") == 0) {
		char *end;
		unsigned long count = strtoul(argv[2], &end, 10);

		if (*end || count == 0 || count > 100000000ul) {
			fprintf(stderr, "gen_captures: bad packet count '%s'\n", argv[2]);
			return 2;
		}
		return gen_bench(argv[3], count) ? 1 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR | --bench COUNT DIR | --mutate SEED COPIES IN OUT\n",
			argv[0]);
		return 2;
	}
	if (gen_writer(argv[1]) || gen_raw(argv[1], "raw.pcapng", false) ||
	    gen_raw(argv[1], "raw-be.pcapng", true) || gen_malformed(argv[1]) ||
	    gen_ptcpdump(argv[1]) || gen_pktap(argv[1]) || gen_journey(argv[1]) ||
	    gen_compact(argv[1]) || gen_alternating(argv[1]))
		return 1;
	return 0;
}
