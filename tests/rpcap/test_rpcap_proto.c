// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the rpcap server's pure parts: message parsing and
 * building, the client filter (plain and inner-frame), PKTAP framing,
 * the source list and password authentication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <crypt.h>
#include <pcap/pcap.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "pktap_frame.h"
#include "rpcap_auth.h"
#include "rpcap_filter.h"
#include "rpcap_proto.h"
#include "rpcap_sources.h"
#include "self_traffic.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char err[512];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Serialize a program the way libpcap's client does, after a filter header. */
static size_t pack_filter(uint8_t *buf, const struct bpf_insn *insns, unsigned n)
{
	buf[0] = 0;
	buf[1] = RPCAP_UPDATEFILTER_BPF;
	buf[2] = buf[3] = 0;
	put32(buf + 4, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = buf + RPCAP_FILTER_LEN + i * RPCAP_INSN_LEN;

		q[0] = insns[i].code >> 8;
		q[1] = insns[i].code & 0xff;
		q[2] = insns[i].jt;
		q[3] = insns[i].jf;
		put32(q + 4, insns[i].k);
	}
	return RPCAP_FILTER_LEN + (size_t)n * RPCAP_INSN_LEN;
}

static void compile(int dlt, const char *expr, struct bpf_program *prog)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);

	assert_non_null(p);
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		fail_msg("compile %s: %s", expr, pcap_geterr(p));
	pcap_close(p);
}

static void test_header_round_trip(void **state)
{
	uint8_t b[RPCAP_HDR_LEN];
	struct rpcap_hdr h;
	bool fatal;
	(void)state;

	rpcap_hdr_build(b, 0, RPCAP_MSG_OPEN_REQ, 0x1234, 13);
	assert_int_equal(b[1], 3);
	assert_int_equal(b[7], 13);
	rpcap_hdr_parse(b, &h);
	assert_int_equal(h.type, RPCAP_MSG_OPEN_REQ);
	assert_int_equal(h.value, 0x1234);
	assert_int_equal(h.plen, 13);
	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), 0);
	assert_false(fatal);
}

static void test_header_rejects(void **state)
{
	struct rpcap_hdr h = { .ver = 1, .type = RPCAP_MSG_OPEN_REQ, .plen = 4 };
	bool fatal;
	(void)state;

	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), RPCAP_ERR_WRONGVER);
	assert_false(fatal);
	assert_non_null(strstr(err, "version 1"));

	h = (struct rpcap_hdr){ .type = RPCAP_MSG_OPEN_REQ | RPCAP_MSG_IS_REPLY };
	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), RPCAP_ERR_WRONGMSG);
	assert_non_null(strstr(err, "reply"));

	h = (struct rpcap_hdr){ .type = RPCAP_MSG_PACKET };
	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), RPCAP_ERR_WRONGMSG);
	h = (struct rpcap_hdr){ .type = 0x42 };
	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), RPCAP_ERR_WRONGMSG);
	assert_false(fatal);

	h = (struct rpcap_hdr){ .type = RPCAP_MSG_STARTCAP_REQ, .plen = RPCAP_MAX_PAYLOAD + 1 };
	assert_int_equal(rpcap_hdr_check(&h, err, sizeof(err), &fatal), RPCAP_ERR_WRONGMSG);
	assert_true(fatal);
}

static void test_auth_parse(void **state)
{
	uint8_t b[64] = { 0, RPCAP_AUTH_PWD, 0, 0, 0, 3, 0, 2, 'b', 'o', 'b', 'p', 'w' };
	struct rpcap_auth_msg m;
	(void)state;

	assert_int_equal(rpcap_auth_parse(b, 13, &m, err, sizeof(err)), 0);
	assert_int_equal(m.user_len, 3);
	assert_memory_equal(m.user, "bob", 3);
	assert_memory_equal(m.pass, "pw", 2);
	/* lengths that disagree with the payload, in both directions */
	assert_int_equal(rpcap_auth_parse(b, 12, &m, err, sizeof(err)), -1);
	assert_int_equal(rpcap_auth_parse(b, 14, &m, err, sizeof(err)), -1);
	assert_int_equal(rpcap_auth_parse(b, 7, &m, err, sizeof(err)), -1);
	b[4] = 0xff; /* user length 0xff03 */
	assert_int_equal(rpcap_auth_parse(b, 13, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceed"));
	b[1] = RPCAP_AUTH_NULL;
	assert_int_equal(rpcap_auth_parse(b, 8, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, RPCAP_AUTH_NULL);
}

static void test_open_parse(void **state)
{
	char name[RPCAP_MAX_DEVNAME + 1];
	uint8_t big[300];
	(void)state;

	assert_int_equal(rpcap_open_parse((const uint8_t *)"container-any", 13, name,
					  sizeof(name), err, sizeof(err)), 0);
	assert_string_equal(name, "container-any");
	assert_int_equal(rpcap_open_parse((const uint8_t *)"", 0, name, sizeof(name), err,
					  sizeof(err)), -1);
	assert_int_equal(rpcap_open_parse((const uint8_t *)"a\0b", 3, name, sizeof(name), err,
					  sizeof(err)), -1);
	memset(big, 'a', sizeof(big));
	assert_int_equal(rpcap_open_parse(big, sizeof(big), name, sizeof(name), err, sizeof(err)),
			 -1);
}

static void test_startcap_parse(void **state)
{
	struct bpf_insn ret = BPF_STMT(BPF_RET | BPF_K, 65535);
	uint8_t b[128] = { 0 };
	struct rpcap_startcap_msg m;
	struct rpcap_insn in;
	size_t n;
	(void)state;

	put32(b, 262144);
	put32(b + 4, 500);
	b[9] = RPCAP_STARTCAP_FLAG_PROMISC;
	n = RPCAP_STARTCAPREQ_LEN + pack_filter(b + RPCAP_STARTCAPREQ_LEN, &ret, 1);
	assert_int_equal(rpcap_startcap_parse(b, n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.snaplen, 262144);
	assert_int_equal(m.read_timeout, 500);
	assert_int_equal(m.flags, RPCAP_STARTCAP_FLAG_PROMISC);
	assert_int_equal(m.filter.nitems, 1);
	rpcap_filter_insn(&m.filter, 0, &in);
	assert_int_equal(in.code, BPF_RET | BPF_K);
	assert_int_equal(in.k, 65535);

	/* libpcap 1.10.3 without pcap_setfilter(): nitems 1, no instruction in plen */
	assert_int_equal(rpcap_startcap_parse(b, RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN, &m,
					      err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pcap_setfilter"));
	assert_int_equal(rpcap_startcap_parse(b, 11, &m, err, sizeof(err)), -1);
	put32(b + RPCAP_STARTCAPREQ_LEN + 4, RPCAP_MAX_INSNS + 1);
	assert_int_equal(rpcap_startcap_parse(b, n, &m, err, sizeof(err)), -1);
	put32(b + RPCAP_STARTCAPREQ_LEN + 4, 0);
	assert_int_equal(rpcap_startcap_parse(b, RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN, &m,
					      err, sizeof(err)), -1);
	b[RPCAP_STARTCAPREQ_LEN + 1] = 2; /* not BPF */
	put32(b + RPCAP_STARTCAPREQ_LEN + 4, 1);
	assert_int_equal(rpcap_startcap_parse(b, n, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not BPF"));
}

static void test_replies(void **state)
{
	uint8_t b[64];
	struct rpcap_stats_msg st = { 1, 2, 3, 4 };
	struct rpcap_pkt_meta pm = { 10, 20, 30, 40, 50 };
	uint32_t magic;
	size_t off = 0;
	(void)state;

	rpcap_authreply_build(b);
	memcpy(&magic, b + 4, 4);
	assert_int_equal(magic, RPCAP_BYTE_ORDER_MAGIC); /* host order on purpose */
	rpcap_openreply_build(b, 258);
	assert_int_equal(b[2], 1);
	assert_int_equal(b[3], 2);
	rpcap_startcapreply_build(b, 1 << 20, 0x1234);
	assert_int_equal(b[4], 0x12);
	assert_int_equal(b[5], 0x34);
	rpcap_stats_build(b, &st);
	assert_int_equal(b[3], 1);
	assert_int_equal(b[15], 4);
	rpcap_packet_hdr_build(b, &pm);
	assert_int_equal(b[1], RPCAP_MSG_PACKET);
	assert_int_equal(b[7], RPCAP_PKTHDR_LEN + 30);
	assert_int_equal(b[27], 50);
	assert_int_equal(rpcap_findalldevs_if_build(b, sizeof(b), &off, "container-any", "d",
						    6), 0);
	assert_int_equal(off, RPCAP_FINDALLDEVS_IF_LEN + 14);
	assert_int_equal(b[1], 13);
	assert_int_equal(b[3], 1);
	assert_int_equal(rpcap_findalldevs_if_build(b, sizeof(b), &off, "container-any",
						    "this description does not fit", 6), -1);
	assert_int_equal(off, RPCAP_FINDALLDEVS_IF_LEN + 14);
}

/* A UDP/IPv4 Ethernet frame 10.99.5.1 -> 10.99.5.2, port 80. */
static size_t eth_udp(uint8_t *f)
{
	static const uint8_t frame[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 99, 5, 1, 10, 99, 5, 2,
		0x30, 0x39, 0x00, 0x50, 0, 10, 0, 0, 'h', 'i',
	};
	memcpy(f, frame, sizeof(frame));
	return sizeof(frame);
}

static void identity(struct ctrcap_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID;
	id->pid = 4242;
	id->comm = (struct ctrcap_str){ "a-very-long-command-name", 24 };
	id->ctr_name = (struct ctrcap_str){ "crpc-web", 8 };
	id->ctr_id = (struct ctrcap_str){ "0123456789abcdef", 16 };
}

/*
 * A --compact-identity stream (never asked of the helper, but a stream fed
 * by hand may be one) read as the server reads the helper: every PKTAP
 * frame carries the whole identity, the referring packets' too, with no
 * key or reference a late-joining client could not resolve.
 */
static void test_pktap_compact_stream(void **state)
{
	char path[] = "/tmp/ctrcap-rpcap-compact-XXXXXX", err2[512];
	struct ctrcap_pcapng_writer_opts o = { .compact_identity = true, .userappl = "t" };
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	struct ctrcap_identity id;
	uint8_t pkt[64], buf[4096];
	int fd, rc, n = 0;
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	o.path = path;
	w = ctrcap_pcapng_writer_open(&o, err2, sizeof(err2));
	assert_non_null(w);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0), 0);
	identity(&id);
	for (int i = 0; i < 3; i++) {
		struct ctrcap_pcapng_packet p = { .ts_ns = 1000 + (uint64_t)i, .data = pkt,
						  .id = &id };

		p.caplen = p.origlen = (uint32_t)eth_udp(pkt);
		assert_int_equal(ctrcap_pcapng_writer_packet(w, &p), 0);
	}
	assert_int_equal(ctrcap_pcapng_writer_close(w, err2, sizeof(err2)), 0);
	r = ctrcap_pcapng_reader_open(path, err2, sizeof(err2));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		struct pktap_frame_in in = { .linktype = 1, .data = rec.data, .caplen = rec.caplen,
					     .origlen = rec.origlen, .id = &rec.identity };
		struct ctrcap_identity back = { 0 };
		struct pktap_frame_out out;
		uint32_t key, ref, hl;

		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		n++;
		assert_true(rec.has_identity);
		assert_int_equal(pktap_frame_build(&in, 65535, buf, sizeof(buf), &out), 0);
		hl = le32(buf);
		assert_int_equal(ctrcap_record_idref(buf + CTRCAP_PKTAP_RECORD_OFF,
						     hl - CTRCAP_PKTAP_RECORD_OFF, &key, &ref),
				 0);
		assert_int_equal(ctrcap_record_decode(buf + CTRCAP_PKTAP_RECORD_OFF,
						      hl - CTRCAP_PKTAP_RECORD_OFF, &back, err,
						      sizeof(err)),
				 0);
		assert_int_equal(back.pid, 4242);
		assert_int_equal(back.ctr_name.len, 8);
		assert_memory_equal(back.ctr_name.ptr, "crpc-web", 8);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);
	ctrcap_pcapng_reader_close(r);
	unlink(path);
}

static void test_pktap_frame(void **state)
{
	uint8_t pkt[64], buf[4096];
	struct ctrcap_identity id, back = { 0 };
	struct pktap_frame_in in = { .linktype = 1, .ifname = "crpc-veth0-with-a-long-name",
				     .direction = CTRCAP_DIR_OUT, .data = pkt };
	struct pktap_frame_out out;
	uint32_t hl;
	(void)state;

	in.caplen = in.origlen = (uint32_t)eth_udp(pkt);
	identity(&id);
	in.id = &id;
	assert_int_equal(pktap_frame_build(&in, 65535, buf, sizeof(buf), &out), 0);
	hl = le32(buf);
	assert_int_equal(hl, out.hdrlen);
	assert_true(hl > CTRCAP_PKTAP_RECORD_OFF);
	assert_int_equal(le32(buf + CTRCAP_PTH_TYPE_NEXT_OFF), CTRCAP_PTH_TYPE_PACKET);
	assert_int_equal(le32(buf + CTRCAP_PTH_DLT_OFF), 1);
	assert_int_equal(le32(buf + CTRCAP_PTH_FLAGS_OFF), CTRCAP_PTH_FLAG_DIR_OUT);
	assert_int_equal(le32(buf + CTRCAP_PTH_PID_OFF), 4242);
	assert_int_equal(le32(buf + CTRCAP_PTH_EPID_OFF), 0xffffffffu);
	assert_string_equal((char *)buf + CTRCAP_PTH_COMM_OFF, "a-very-long-comm");
	assert_string_equal((char *)buf + CTRCAP_PTH_IFNAME_OFF, "crpc-veth0-with-a-long-");
	assert_int_equal(buf[108], 0x00);
	assert_int_equal(buf[109], 0x00);
	assert_int_equal(buf[110], 0x7e);
	assert_int_equal(buf[111], 0xd9); /* 32473 big-endian */
	assert_int_equal(ctrcap_record_decode(buf + CTRCAP_PKTAP_RECORD_OFF,
					      hl - CTRCAP_PKTAP_RECORD_OFF, &back, err,
					      sizeof(err)), 0);
	assert_int_equal(back.pid, 4242);
	assert_int_equal(back.ctr_name.len, 8);
	assert_memory_equal(back.ctr_name.ptr, "crpc-web", 8);
	assert_int_equal(out.caplen, hl + in.caplen);
	assert_int_equal(out.wirelen, hl + in.origlen);
	assert_memory_equal(buf + hl, pkt, in.caplen);

	/* No identity: the bare 108-byte header, pid -1. */
	in.id = NULL;
	assert_int_equal(pktap_frame_build(&in, 65535, buf, sizeof(buf), &out), 0);
	assert_int_equal(le32(buf), CTRCAP_PKTAP_HDR_LEN);
	assert_int_equal(le32(buf + CTRCAP_PTH_PID_OFF), 0xffffffffu);

	/* A tight snap length keeps the header, cuts the packet, never exceeds it. */
	in.id = &id;
	assert_int_equal(pktap_frame_build(&in, PKTAP_FRAME_MIN_SNAPLEN, buf, sizeof(buf), &out),
			 0);
	assert_true(out.caplen <= PKTAP_FRAME_MIN_SNAPLEN);
	assert_true(out.hdrlen >= CTRCAP_PKTAP_HDR_LEN);
	assert_int_equal(pktap_frame_build(&in, PKTAP_FRAME_MIN_SNAPLEN - 1, buf, sizeof(buf),
					   &out), -1);
}

static size_t make_frame(uint8_t *buf, const struct ctrcap_identity *id, uint32_t *hl)
{
	uint8_t pkt[64];
	struct pktap_frame_in in = { .linktype = 1, .ifname = "lo", .data = pkt, .id = id };
	struct pktap_frame_out out;

	in.caplen = in.origlen = (uint32_t)eth_udp(pkt);
	assert_int_equal(pktap_frame_build(&in, 65535, buf, 4096, &out), 0);
	*hl = out.hdrlen;
	return out.caplen;
}

static uint32_t run_expr(int dlt, const char *expr, bool marker, const uint8_t *frame,
			 uint32_t len, uint32_t hl)
{
	struct bpf_insn insns[512];
	struct bpf_program prog;
	struct rpcap_filter_msg m;
	struct rpcap_bpf f = { 0 };
	uint8_t wire[8 + 512 * 8];
	unsigned n = 0;
	uint32_t r;

	compile(dlt, expr, &prog);
	assert_true(prog.bf_len + 2 < 512);
	if (marker) {
		insns[n++] = (struct bpf_insn)BPF_STMT(BPF_LD | BPF_W | BPF_IMM,
						       CTRCAP_PKTAP_INNER_FILTER_MAGIC);
		insns[n++] = (struct bpf_insn)BPF_STMT(BPF_LD | BPF_W | BPF_IMM, (uint32_t)dlt);
	}
	memcpy(insns + n, prog.bf_insns, prog.bf_len * sizeof(*insns));
	n += prog.bf_len;
	pcap_freecode(&prog);
	assert_int_equal(rpcap_filter_parse(wire, pack_filter(wire, insns, n), &m, err,
					    sizeof(err)), 0);
	assert_int_equal(rpcap_bpf_load(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(f.inner, marker);
	r = rpcap_bpf_run(&f, frame, len, len, hl, 1);
	rpcap_bpf_free(&f);
	return r;
}

static void test_filter_inner(void **state)
{
	uint8_t frame[4096];
	struct ctrcap_identity id;
	uint32_t hl, len;
	(void)state;

	identity(&id);
	len = (uint32_t)make_frame(frame, &id, &hl);
	assert_int_equal(run_expr(DLT_EN10MB, "host 10.99.5.2", true, frame, len, hl), len);
	assert_int_equal(run_expr(DLT_EN10MB, "udp port 80", true, frame, len, hl), len);
	assert_int_equal(run_expr(DLT_EN10MB, "tcp port 80", true, frame, len, hl), 0);
	assert_int_equal(run_expr(DLT_EN10MB, "host 10.99.5.3", true, frame, len, hl), 0);
	/* Without the marker the same program reads the PKTAP header: no match. */
	assert_int_equal(run_expr(DLT_EN10MB, "host 10.99.5.2", false, frame, len, hl), 0);
	/* Inner snap length counts from the inner frame; the header goes along. */
	assert_int_equal(run_expr(DLT_EN10MB, "host 10.99.5.2", true, frame, len, hl), len);
}

static void test_filter_pktap_link(void **state)
{
	uint8_t frame[4096];
	struct ctrcap_identity id;
	uint32_t hl, len;
	(void)state;

	identity(&id);
	len = (uint32_t)make_frame(frame, &id, &hl);
	/* What libpcap 1.10 can compile for DLT_PKTAP: raw link[] on the header (LE pid). */
	assert_int_equal(run_expr(DLT_PKTAP, "link[52:4] = 0x92100000", false, frame, len, hl),
			 len);
	assert_int_equal(run_expr(DLT_PKTAP, "link[52:4] = 0x93100000", false, frame, len, hl),
			 0);
}

static void test_filter_invalid(void **state)
{
	struct bpf_insn bad[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 10, 0, 0), /* jumps out of the program */
		BPF_STMT(BPF_RET | BPF_K, 1),
	};
	struct bpf_insn noret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
	uint8_t wire[64];
	struct rpcap_filter_msg m;
	struct rpcap_bpf f = { 0 };
	(void)state;

	assert_int_equal(rpcap_filter_parse(wire, pack_filter(wire, bad, 2), &m, err, sizeof(err)),
			 0);
	assert_int_equal(rpcap_bpf_load(&m, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a valid"));
	assert_int_equal(rpcap_filter_parse(wire, pack_filter(wire, noret, 1), &m, err,
					    sizeof(err)), 0);
	assert_int_equal(rpcap_bpf_load(&m, &f, err, sizeof(err)), -1);
	assert_null(f.insns);

	/* Opcodes bpf_validate() lets through but bpf_filter() aborts on (found by fuzzing). */
	{
		struct bpf_insn stray[] = { { 0x0806, 0, 0, 0xffff } };
		struct bpf_insn retx[] = { BPF_STMT(BPF_RET | BPF_X, 0) };

		assert_int_equal(rpcap_filter_parse(wire, pack_filter(wire, stray, 1), &m, err,
						    sizeof(err)), 0);
		assert_int_equal(rpcap_bpf_load(&m, &f, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "unknown opcode 0x0806"));
		assert_int_equal(rpcap_filter_parse(wire, pack_filter(wire, retx, 1), &m, err,
						    sizeof(err)), 0);
		assert_int_equal(rpcap_bpf_load(&m, &f, err, sizeof(err)), -1);
	}
}

static void test_sources(void **state)
{
	static const char text[] =
		"0123456789abcdef0123\tweb\tbusybox:1\tdocker\t\t\n"
		"fedcba9876543210fedc\tweb\tnginx\tpodman\tshop\tfront\n"
		"bad id with spaces\tx\ty\tz\t\t\n"
		"aaaaaaaaaaaabbbb\tname/with/slash\timg\tcontainerd\n"
		"\n";
	struct rpcap_source *v;
	const struct rpcap_source *s;
	size_t n, skipped;
	(void)state;

	assert_int_equal(rpcap_sources_parse(text, sizeof(text) - 1, &v, &n, &skipped, err,
					     sizeof(err)), 0);
	assert_int_equal(n, 5);
	assert_int_equal(skipped, 1);
	assert_string_equal(v[0].name, "container-any");
	assert_false(v[0].drops);
	assert_string_equal(v[1].name, "container-any+drops");
	assert_true(v[1].drops);
	assert_string_equal(v[2].name, "web");
	assert_string_equal(v[3].name, "fedcba987654"); /* duplicate name: listed by id */
	assert_non_null(strstr(v[3].desc, "pod shop/front"));
	assert_string_equal(v[4].name, "aaaaaaaaaaaa"); /* name unusable in a URL */
	s = rpcap_sources_find(v, n, "web");
	assert_ptr_equal(s, &v[2]);
	assert_ptr_equal(rpcap_sources_find(v, n, "fedcba9876543210fedc"), &v[3]);
	assert_ptr_equal(rpcap_sources_find(v, n, "0123456789abc"), &v[2]);
	assert_null(rpcap_sources_find(v, n, "0123"));
	assert_null(rpcap_sources_find(v, n, "nope"));
	free(v);
}

/* The +drops suffix of an OPEN's source name: stripped only at the end, never alone. */
static void test_source_drops(void **state)
{
	char a[] = "container-any+drops", b[] = "web+drops", c[] = "web", d[] = "+drops",
	     e[] = "web+drops+x";
	(void)state;

	assert_true(rpcap_source_strip_drops(a));
	assert_string_equal(a, "container-any");
	assert_true(rpcap_source_strip_drops(b));
	assert_string_equal(b, "web");
	assert_false(rpcap_source_strip_drops(c));
	assert_string_equal(c, "web");
	assert_false(rpcap_source_strip_drops(d));
	assert_string_equal(d, "+drops");
	assert_false(rpcap_source_strip_drops(e));
}

static void test_auth(void **state)
{
	char path[] = "/tmp/crpc-passwd-XXXXXX";
	struct rpcap_auth_cfg c = { 0 };
	struct rpcap_auth_msg m = { .type = RPCAP_AUTH_PWD, .user = "alice", .user_len = 5 };
	struct crypt_data cd = { 0 };
	const char *hash;
	FILE *f;
	int fd;
	(void)state;

	m.type = RPCAP_AUTH_NULL;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_FAILED);
	c.null_ok = true;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), 0);
	m.type = 7;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_TYPE_NOTSUP);

	hash = crypt_r("s3cret", "$6$crpcsalt$", &cd);
	assert_non_null(hash);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# test users\nbob:%s\nalice:%s\n", "*", hash);
	fclose(f);
	c.passwd_file = path;
	m.type = RPCAP_AUTH_PWD;
	m.pass = "s3cret";
	m.pass_len = 6;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), 0);
	m.pass = "s3creT";
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_FAILED);
	m.user = "bob";
	m.user_len = 3;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_FAILED);
	m.user = "carol";
	m.user_len = 5;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_FAILED);
	unlink(path);
	m.user = "alice";
	m.user_len = 5;
	m.pass = "s3cret";
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH);

	/* An over-long line's tail must not count as an entry of its own. */
	strcpy(path, "/tmp/crpc-passwd-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# %01500d\nmallory:%s\n", 0, hash);
	fprintf(f, "# %01021dmallory:%s\n", 0, hash);
	fclose(f);
	m.user = "mallory";
	m.user_len = 7;
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), 0);
	unlink(path);
	strcpy(path, "/tmp/crpc-passwd-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# %01021dmallory:%s\n", 0, hash);
	fclose(f);
	assert_int_equal(rpcap_auth_check(&c, &m, err, sizeof(err)), RPCAP_ERR_AUTH_FAILED);
	unlink(path);
}

/* Ethernet + IPv4 + TCP header from (sa, sp) to (da, dp). */
static size_t tcp4(uint8_t *f, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
	memset(f, 0, 54);
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = IPPROTO_TCP;
	memcpy(f + 26, &sa, 4);
	memcpy(f + 30, &da, 4);
	f[34] = sp >> 8;
	f[35] = sp & 0xff;
	f[36] = dp >> 8;
	f[37] = dp & 0xff;
	return 54;
}

static void test_self_traffic(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct self_conn sc;
	uint32_t lo = htonl(INADDR_LOOPBACK), other = htonl(0x0a630502);
	uint16_t lport, pport;
	uint8_t f[64];
	size_t n;
	int l, c, s;
	(void)state;

	a.sin_addr.s_addr = lo;
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(self_conn_from_fd(&sc, s), 0);
	lport = sc.local_port;
	pport = sc.peer_port;
	assert_int_equal(lport, ntohs(a.sin_port));

	n = tcp4(f, lo, lport, lo, pport);
	assert_true(self_conn_match(&sc, 1, f, (uint32_t)n));
	n = tcp4(f, lo, pport, lo, lport); /* the client's ACKs */
	assert_true(self_conn_match(&sc, 1, f, (uint32_t)n));
	assert_true(self_conn_match(&sc, 101, f + 14, (uint32_t)n - 14)); /* raw IP */
	n = tcp4(f, lo, lport, other, pport);
	assert_false(self_conn_match(&sc, 1, f, (uint32_t)n));
	n = tcp4(f, lo, lport, lo, (uint16_t)(pport + 1));
	assert_false(self_conn_match(&sc, 1, f, (uint32_t)n));
	n = tcp4(f, lo, lport, lo, pport);
	f[23] = IPPROTO_UDP;
	assert_false(self_conn_match(&sc, 1, f, (uint32_t)n));
	f[23] = IPPROTO_TCP;
	for (uint32_t cut = 0; cut < 14 + 20 + 4; cut++) /* cut before the ports: no match */
		assert_false(self_conn_match(&sc, 1, f, cut));
	assert_false(self_conn_match(&sc, 147, f, (uint32_t)n)); /* unknown link type */
	close(s);
	close(c);
	close(l);
}

static void test_log_escape(void **state)
{
	char out[32];
	(void)state;

	rpcap_log_escape("ok \\ \n\x1b\xff", 8, out, sizeof(out));
	assert_string_equal(out, "ok \\x5c \\x0a\\x1b\\xff");
	/* Bounded: cut with "...", never a half escape. */
	rpcap_log_escape("abcdefghij\n", 11, out, 10);
	assert_string_equal(out, "abcdef...");
	rpcap_log_escape("\n\n\n\n", 4, out, 10);
	assert_string_equal(out, "\\x0a...");
	rpcap_log_escape("abc", 3, out, 4);
	assert_string_equal(out, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_auth_parse),
		cmocka_unit_test(test_open_parse),
		cmocka_unit_test(test_startcap_parse),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_pktap_frame),
		cmocka_unit_test(test_filter_inner),
		cmocka_unit_test(test_filter_pktap_link),
		cmocka_unit_test(test_filter_invalid),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_source_drops),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_self_traffic),
		cmocka_unit_test(test_pktap_compact_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
