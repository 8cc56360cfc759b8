// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet corpus and random classic BPF programs for the filter tests.
 * Headers are built by hand so every field the filters look at (addresses,
 * ports, flags, fragment bits, header lengths, extension headers, VLAN tags)
 * varies, and so do the lengths.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/filter.h>

#include "corpus.h"

#define BASE_PACKETS 700

enum kind {
	K_TCP4, K_UDP4, K_ICMP4, K_OTHER4, K_TCP6, K_UDP6, K_ICMP6, K_ARP, K_ETHER_OTHER, K_NR,
};

static const uint8_t macs[][6] = {
	{ 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb },
	{ 0x33, 0x33, 0, 0, 0, 0x01 }, { 0x02, 0x42, 0xac, 0x11, 0x00, 0x03 },
};

static const uint8_t ip4s[][4] = {
	{ 10, 99, 7, 3 }, { 10, 99, 7, 4 }, { 10, 99, 1, 1 }, { 192, 168, 1, 20 },
	{ 172, 16, 5, 5 }, { 203, 0, 113, 7 }, { 224, 0, 0, 251 }, { 255, 255, 255, 255 },
	{ 10, 99, 255, 255 },
};

static const uint8_t ip6s[][16] = {
	{ 0xfd, 0, [15] = 1 }, { 0xfd, 0, [15] = 2 }, { 0xfd, 0, 0, 1, [15] = 5 },
	{ 0xfe, 0x80, [15] = 1 }, { 0xff, 0x02, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 },
};

static const uint16_t ports[] = {
	80, 443, 22, 53, 8080, 1024, 5000, 6000, 33000, 40000, 65535, 123, 80, 53,
};

static const uint8_t tcp_flags[] = {
	0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01, 0x29, 0xc2, 0x00, 0xff,
};

uint32_t cflt_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#define PICK(arr, rng) (arr[cflt_rand(rng) % (sizeof(arr) / sizeof(arr[0]))])

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Payload bytes: random, sometimes an HTTP request or a magic word filters look for. */
static size_t payload(uint8_t *p, size_t room, uint32_t *rng)
{
	static const uint32_t sizes[] = { 0, 0, 1, 4, 10, 40, 60, 100, 200, 512, 1000, 1400 };
	size_t n = sizes[cflt_rand(rng) % 12], i;

	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		p[i] = cflt_rand(rng);
	if (n >= 4 && cflt_rand(rng) % 4 == 0)
		memcpy(p, "GET ", 4);
	else if (n >= 4 && cflt_rand(rng) % 4 == 0)
		put32(p, 0xdeadbeef);
	return n;
}

/* A layer-4 header plus payload for @proto; returns its length. */
static size_t l4(uint8_t *p, uint8_t proto, size_t room, uint32_t *rng)
{
	size_t n;

	switch (proto) {
	case 6: {
		size_t hl = 20 + 4 * (cflt_rand(rng) % 4 == 0 ? cflt_rand(rng) % 11 : 0);

		memset(p, 0, hl);
		put16(p, PICK(ports, rng));
		put16(p + 2, PICK(ports, rng));
		put32(p + 4, cflt_rand(rng));
		put32(p + 8, cflt_rand(rng));
		p[12] = (hl / 4) << 4;
		p[13] = PICK(tcp_flags, rng);
		put16(p + 14, 64240);
		memset(p + 20, 1, hl - 20);	/* NOP options */
		return hl + payload(p + hl, room - hl, rng);
	}
	case 17:
		put16(p, PICK(ports, rng));
		put16(p + 2, PICK(ports, rng));
		n = payload(p + 8, room - 8, rng);
		put16(p + 4, 8 + n);
		put16(p + 6, 0);
		return 8 + n;
	case 1:
	case 58: {
		static const uint8_t t4[] = { 0, 3, 8, 11, 5 }, t6[] = { 128, 129, 1, 135, 136 };

		p[0] = proto == 1 ? PICK(t4, rng) : PICK(t6, rng);
		p[1] = cflt_rand(rng) % 4;
		put16(p + 2, 0);
		put32(p + 4, cflt_rand(rng));
		return 8 + payload(p + 8, room - 8, rng);
	}
	default:
		return payload(p, room, rng);
	}
}

static size_t ipv4(uint8_t *p, uint8_t proto, size_t room, uint32_t *rng)
{
	static const uint8_t ttls[] = { 1, 32, 64, 128, 255 };
	size_t hl = 20, n;
	uint32_t r = cflt_rand(rng) % 20;

	if (cflt_rand(rng) % 6 == 0)
		hl += 4 * (1 + cflt_rand(rng) % 10);
	memset(p, 0, hl);
	p[0] = 0x40 | (hl / 4);
	p[1] = cflt_rand(rng) % 8 == 0 ? cflt_rand(rng) : 0;
	put16(p + 4, cflt_rand(rng));
	if (r == 0)
		put16(p + 6, 0x2000);				/* MF, first fragment */
	else if (r == 1)
		put16(p + 6, 0x2000 | (1 + cflt_rand(rng) % 200));	/* middle */
	else if (r == 2)
		put16(p + 6, 1 + cflt_rand(rng) % 200);		/* last */
	else if (r < 10)
		put16(p + 6, 0x4000);				/* DF */
	p[8] = PICK(ttls, rng);
	p[9] = proto;
	memcpy(p + 12, PICK(ip4s, rng), 4);
	memcpy(p + 16, PICK(ip4s, rng), 4);
	memset(p + 20, 1, hl - 20);
	n = hl + l4(p + hl, proto, room - hl, rng);
	put16(p + 2, cflt_rand(rng) % 20 == 0 ? cflt_rand(rng) : n);
	return n;
}

static size_t ipv6(uint8_t *p, uint8_t proto, size_t room, uint32_t *rng)
{
	static const uint8_t exts[] = { 0, 43, 44, 60, 51 };
	uint8_t *next = p + 6;
	size_t n = 40, i, nexts = cflt_rand(rng) % 3 == 0 ? 1 + cflt_rand(rng) % 3 : 0;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = cflt_rand(rng) % 2 ? 64 : 255;
	memcpy(p + 8, PICK(ip6s, rng), 16);
	memcpy(p + 24, PICK(ip6s, rng), 16);
	for (i = 0; i < nexts; i++) {
		uint8_t ext = PICK(exts, rng);
		size_t el = ext == 44 ? 8 : ext == 51 ? 16 : 8 * (1 + cflt_rand(rng) % 2);

		*next = ext;
		next = p + n;
		memset(p + n, 0, el);
		/* AH counts 4-byte words minus 2, the others 8-byte words minus 1. */
		p[n + 1] = ext == 44 ? 0 : ext == 51 ? el / 4 - 2 : el / 8 - 1;
		n += el;
	}
	*next = proto;
	n += l4(p + n, proto, room - n, rng);
	put16(p + 4, n - 40);
	return n;
}

static size_t arp(uint8_t *p, uint32_t *rng)
{
	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, 1 + cflt_rand(rng) % 2);
	memcpy(p + 8, PICK(macs, rng), 6);
	memcpy(p + 14, PICK(ip4s, rng), 4);
	memcpy(p + 18, PICK(macs, rng), 6);
	memcpy(p + 24, PICK(ip4s, rng), 4);
	return 28;
}

/*
 * BPF_PROG_TEST_RUN refuses (EINVAL) a frame whose ethertype (bytes 12-13,
 * whatever the slot) says IPv4 or IPv6 but which is shorter than that header.
 */
static bool test_run_takes(const uint8_t *data, size_t len)
{
	uint16_t type;

	if (len < CFLT_PKT_MIN)
		return false;
	type = data[12] << 8 | data[13];
	return !(type == 0x0800 && len < 14 + 20) && !(type == 0x86dd && len < 14 + 40);
}

static int add(struct cflt_corpus *c, const uint8_t *data, size_t len)
{
	struct cflt_pkt *pk;

	if (!test_run_takes(data, len))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;

		pk = realloc(c->pkts, cap * sizeof(*pk));
		if (!pk)
			return -1;
		c->pkts = pk;
		c->cap = cap;
	}
	pk = &c->pkts[c->n++];
	pk->len = len;
	memcpy(pk->data, data, len);
	return 0;
}

/* Add @len bytes, and now and then a copy cut short somewhere past byte 14. */
static int add_maybe_cut(struct cflt_corpus *c, const uint8_t *data, size_t len, uint32_t *rng)
{
	if (add(c, data, len))
		return -1;
	if (len > CFLT_PKT_MIN + 1 && cflt_rand(rng) % 3 == 0)
		return add(c, data, CFLT_PKT_MIN + cflt_rand(rng) % (len - CFLT_PKT_MIN));
	return 0;
}

int cflt_corpus_build(struct cflt_corpus *eth, struct cflt_corpus *raw, uint32_t seed)
{
	static const uint16_t other_types[] = { 0x88cc, 0x86dd, 0x0800, 0x8863, 0x0026, 0x05dc };
	static const uint8_t other_protos[] = { 47, 2, 50, 132 };
	uint8_t buf[CFLT_PKT_MAX];
	uint32_t rng = seed ? seed : 1;
	size_t i;

	memset(eth, 0, sizeof(*eth));
	memset(raw, 0, sizeof(*raw));
	for (i = 0; i < BASE_PACKETS; i++) {
		enum kind kind = i % K_NR;
		size_t vlans = cflt_rand(&rng) % 4 == 0 ? 1 + cflt_rand(&rng) % 2 : 0;
		size_t l2 = 14 + 4 * vlans, l3 = 0, v;
		size_t room = CFLT_PKT_MAX - l2;
		uint16_t type;
		uint8_t *ip = buf + l2;

		switch (kind) {
		case K_TCP4: l3 = ipv4(ip, 6, room, &rng); type = 0x0800; break;
		case K_UDP4: l3 = ipv4(ip, 17, room, &rng); type = 0x0800; break;
		case K_ICMP4: l3 = ipv4(ip, 1, room, &rng); type = 0x0800; break;
		case K_OTHER4: l3 = ipv4(ip, PICK(other_protos, &rng), room, &rng); type = 0x0800;
			break;
		case K_TCP6: l3 = ipv6(ip, 6, room, &rng); type = 0x86dd; break;
		case K_UDP6: l3 = ipv6(ip, 17, room, &rng); type = 0x86dd; break;
		case K_ICMP6: l3 = ipv6(ip, 58, room, &rng); type = 0x86dd; break;
		case K_ARP: l3 = arp(ip, &rng); type = 0x0806; break;
		default:
			type = PICK(other_types, &rng);
			l3 = payload(ip, room, &rng);
			if (l3 < 46)
				l3 = 46;
			break;
		}
		memcpy(buf, PICK(macs, &rng), 6);
		memcpy(buf + 6, PICK(macs, &rng), 6);
		for (v = 0; v < vlans; v++) {
			static const uint16_t tpids[] = { 0x8100, 0x8100, 0x88a8 };
			static const uint16_t vids[] = { 100, 200, 1, 4094 };

			put16(buf + 12 + 4 * v, v + 1 < vlans ? 0x88a8 : PICK(tpids, &rng));
			put16(buf + 14 + 4 * v, (cflt_rand(&rng) % 8) << 13 | PICK(vids, &rng));
		}
		put16(buf + 12 + 4 * vlans, type);
		/* Short frames get Ethernet's padding to 60 bytes, usually. */
		if (l2 + l3 < 60 && cflt_rand(&rng) % 4) {
			memset(buf + l2 + l3, 0, 60 - l2 - l3);
			if (add_maybe_cut(eth, buf, 60, &rng))
				goto fail;
		} else if (add_maybe_cut(eth, buf, l2 + l3, &rng)) {
			goto fail;
		}
		if (kind < K_ARP && add_maybe_cut(raw, ip, l3, &rng))
			goto fail;
	}
	return 0;
fail:
	cflt_corpus_free(eth);
	cflt_corpus_free(raw);
	return -1;
}

void cflt_corpus_free(struct cflt_corpus *c)
{
	free(c->pkts);
	memset(c, 0, sizeof(*c));
}

/*
 * A random but valid classic BPF program that libpcap 1.10's interpreter runs
 * without UB: every opcode, forward jumps, loads in and far out of bounds,
 * returns in the middle (so some instructions are unreachable).
 */
size_t cflt_random_program(struct pkt_filter_cbpf_insn *p, uint32_t *rng)
{
	static const uint32_t mem[] = { 0, 1, 5, 15 };
	static const uint16_t sizes[] = { BPF_B, BPF_H, BPF_W };
	static const uint16_t alu[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND,
					BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH };
	static const uint16_t jmp[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	size_t n = 0, body = 1 + cflt_rand(rng) % 40, total, i;

	/* libpcap 1.10 leaves M[] uninitialised: store before any load can happen. */
	for (i = 0; i < 4; i++) {
		p[n++] = (struct pkt_filter_cbpf_insn){ BPF_LD | BPF_IMM, 0, 0, cflt_rand(rng) };
		p[n++] = (struct pkt_filter_cbpf_insn){ BPF_ST, 0, 0, mem[i] };
	}
	total = n + body + 1;
	for (i = 0; i < body; i++, n++) {
		struct pkt_filter_cbpf_insn *in = &p[n];
		uint32_t r = cflt_rand(rng) % 100, left = total - n - 2;
		uint32_t small = cflt_rand(rng) % 80;

		memset(in, 0, sizeof(*in));
		if (r < 30) {
			in->code = BPF_LD | sizes[cflt_rand(rng) % 3] |
				   (cflt_rand(rng) % 3 ? BPF_ABS : BPF_IND);
			in->k = cflt_rand(rng) % 20 ? small : 0xfffffff0 + cflt_rand(rng) % 16;
		} else if (r < 35) {
			in->code = BPF_LDX | BPF_MSH | BPF_B;
			in->k = cflt_rand(rng) % 20 ? small : 0x7fffffff;
		} else if (r < 43) {
			in->code = (cflt_rand(rng) % 2 ? BPF_LD : BPF_LDX) | BPF_IMM;
			in->k = cflt_rand(rng) % 2 ? small : cflt_rand(rng);
		} else if (r < 46) {
			in->code = (cflt_rand(rng) % 2 ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN;
		} else if (r < 54) {
			static const uint16_t m[] = { BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST,
						      BPF_STX };

			in->code = m[cflt_rand(rng) % 4];
			in->k = mem[cflt_rand(rng) % 4];
		} else if (r < 74) {
			uint16_t op = alu[cflt_rand(rng) % 10];
			bool x = cflt_rand(rng) % 3 == 0;

			in->code = BPF_ALU | op | (x ? BPF_X : BPF_K);
			in->k = cflt_rand(rng) % 2 ? small : cflt_rand(rng);
			if (op == BPF_LSH || op == BPF_RSH)
				in->k %= 32;
			if ((op == BPF_DIV || op == BPF_MOD) && in->k == 0)
				in->k = 3;
		} else if (r < 76) {
			in->code = BPF_ALU | BPF_NEG;
		} else if (r < 80) {
			in->code = BPF_MISC | (cflt_rand(rng) % 2 ? BPF_TAX : BPF_TXA);
		} else if (r < 96) {
			in->code = BPF_JMP | jmp[cflt_rand(rng) % 4] |
				   (cflt_rand(rng) % 3 == 0 ? BPF_X : BPF_K);
			in->k = small;
			in->jt = cflt_rand(rng) % (left + 1);
			in->jf = cflt_rand(rng) % (left + 1);
		} else if (r < 98) {
			in->code = BPF_JMP | BPF_JA;
			in->k = cflt_rand(rng) % (left + 1);
		} else {
			in->code = BPF_RET | (cflt_rand(rng) % 2 ? BPF_A : BPF_K);
			in->k = small;
		}
	}
	p[n++] = (struct pkt_filter_cbpf_insn){ BPF_RET | (cflt_rand(rng) % 2 ? BPF_A : BPF_K),
						0, 0, cflt_rand(rng) % 4 ? 96 : 0 };
	return n;
}
