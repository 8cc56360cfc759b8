// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the capture helper's pure parts: option parsing, the
 * tcpdump-like summaries, argv joining, the process table and the identity
 * filters. No root, no BPF.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/btf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "drop_reason.h"
#include "kernel_features.h"
#include "hops.h"
#include "identity.h"
#include "ctrcap/identity_text.h"
#include "netns.h"
#include "node_name.h"
#include "node_k8s.h"
#include "node_ssh.h"
#include "node_rpcap.h"
#include "node_uri.h"
#include "ctrcap/helper_spawn.h"
#include "options.h"
#include "dns_text.h"
#include "tcp_options.h"
#include "packet_dump.h"
#include "packet_text.h"
#include "tcp_seq.h"
#include "proc_table.h"
#include "read_filter.h"
#include "iface_container.h"
#include "link_info.h"
#include "addr_names.h"
#include "netns_addrs.h"
#include "containers/resolver.h"
#include <arpa/inet.h>

static int parse(struct ctrcap_opts *o, int argc, const char **argv)
{
	return ctrcap_opts_parse(argc, (char **)argv, o);
}

static void test_opts_ifaces_filter_cmd(void **state)
{
	const char *argv[] = { "ctrcap", "-i", "eth0@web", "-i", "lo", "-w", "-", "-U", "-c", "5",
			       "--pid", "42", "-Z", "alice", "tcp", "port", "80", "--", "wget",
			       "-q" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 20, argv), 0);
	assert_string_equal(o.run_as, "alice");
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0].name, "eth0");
	assert_string_equal(o.ifaces[0].netns, "web");
	assert_string_equal(o.ifaces[1].name, "lo");
	assert_string_equal(o.ifaces[1].netns, "");
	assert_false(o.any);
	assert_true(o.out.flush_each);
	assert_int_equal(o.count, 5);
	assert_int_equal(o.n_pids, 1);
	assert_int_equal(o.pids[0], 42);
	assert_string_equal(o.filter, "tcp port 80");
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "wget");
	assert_string_equal(o.cmd[1], "-q");
	ctrcap_opts_free(&o);
}

static void test_opts_defaults_and_errors(void **state)
{
	const char *def[] = { "ctrcap" };
	const char *bad_c[] = { "ctrcap", "-c", "abc" };
	const char *zero_c[] = { "ctrcap", "-c", "0" };
	const char *bad_q[] = { "ctrcap", "-Q", "sideways" };
	const char *rot[] = { "ctrcap", "-C", "10" };
	const char *long_if[] = { "ctrcap", "-i", "averyveryverylongname0" };
	const char *dash_end[] = { "ctrcap", "--" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 1, def), 0);
	assert_true(o.any);
	assert_int_equal(o.snaplen, 262144);
	assert_int_equal(o.dir_mask, 3);
	assert_null(o.filter);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, bad_c), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, zero_c), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, bad_q), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, rot), -1); /* -C needs -w FILE */
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, long_if), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, dash_end), -1);
	ctrcap_opts_free(&o);
}

/* Ethernet + IPv4 + TCP SYN 10.99.1.1:40000 -> 10.99.1.2:80, seq 1000. */
static const uint8_t syn_frame[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
	0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 99, 1, 1, 10, 99, 1, 2,
	0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

static void test_summary_tcp_syn(void **state)
{
	struct ctrcap_text_pkt p = { .linktype = 1, .data = syn_frame,
				     .caplen = sizeof(syn_frame), .len = sizeof(syn_frame) };
	char buf[256];

	(void)state;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP 10.99.1.1.40000 > 10.99.1.2.80: Flags [S], seq 1000, "
				 "win 65535, length 0");
	/* Truncated: never reads past caplen. */
	p.caplen = 20;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP truncated");
	p.caplen = 5;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "truncated Ethernet, length 54");
}

static void test_summary_arp_and_raw_udp6(void **state)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 1, 0, 1, 2, 3, 4, 5, 10, 99, 1, 1, 0, 0, 0, 0, 0, 0,
		10, 99, 1, 2,
	};
	uint8_t udp6[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	struct ctrcap_text_pkt p = { .linktype = 1, .data = arp, .caplen = sizeof(arp),
				     .len = 42 };
	char buf[256];

	(void)state;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "ARP, Request who-has 10.99.1.2 tell 10.99.1.1, length 42");
	udp6[23] = 1;	/* src ::1 */
	udp6[39] = 2;	/* dst ::2 */
	udp6[40] = 0x1f;
	udp6[41] = 0x40; /* 8000 */
	udp6[43] = 53;
	udp6[45] = 8;	/* udp length 8 */
	p = (struct ctrcap_text_pkt){ .linktype = 101, .data = udp6, .caplen = 48, .len = 48 };
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP6 ::1.8000 > ::2.53: UDP, length 0");
}

/* What a dump prints: mode 'x' hex, 'X' hex and ASCII, 'A' ASCII; free() it. */
static char *dumped(int mode, const uint8_t *d, uint32_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (mode == 'A')
		ctrcap_dump_ascii(f, d, n);
	else
		ctrcap_dump_hex(f, d, n, mode == 'X');
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_dump_hex_layout(void **state)
{
	uint8_t d[19];
	char *t;

	(void)state;
	for (unsigned i = 0; i < sizeof(d); i++)
		d[i] = 0x41 + i;
	d[1] = 0x00;
	d[2] = 0x7f;
	t = dumped('x', d, sizeof(d));
	assert_string_equal(t, "\t0x0000:  4100 7f44 4546 4748 494a 4b4c 4d4e 4f50\n"
			       "\t0x0010:  5152 53\n");
	free(t);
	t = dumped('X', d, sizeof(d));
	assert_string_equal(t, "\t0x0000:  4100 7f44 4546 4748 494a 4b4c 4d4e 4f50  "
			       "A..DEFGHIJKLMNOP\n"
			       "\t0x0010:  5152 53                                  QRS\n");
	free(t);
	t = dumped('X', d, 0);
	assert_string_equal(t, "");
	free(t);
}

static void test_dump_ascii(void **state)
{
	static const uint8_t d[] = "GET / HTTP/1.1\r\nHost: a\x01\r\n\tx\ry";
	char *t;

	(void)state;
	/* CR LF as one line end, a lone CR and a control byte as '.', a last newline added. */
	t = dumped('A', d, sizeof(d) - 1);
	assert_string_equal(t, "GET / HTTP/1.1\nHost: a.\n\tx.y\n");
	free(t);
	/* Ending in a newline already, or a CR cut off by the end: no extra line. */
	t = dumped('A', (const uint8_t *)"a\n", 2);
	assert_string_equal(t, "a\n");
	free(t);
	t = dumped('A', (const uint8_t *)"a\r", 2);
	assert_string_equal(t, "a.\n");
	free(t);
}

static void seg(struct ctrcap_tcp_seq *t, int to_server, uint8_t flags, uint32_t seq, uint32_t ack,
		uint32_t want_seq, uint32_t want_ack)
{
	static const uint8_t cli[4] = { 10, 99, 1, 1 }, srv[4] = { 10, 99, 1, 2 };

	if (to_server)
		ctrcap_tcp_seq_relative(t, cli, srv, 4, 40000, 80, flags, &seq, &ack);
	else
		ctrcap_tcp_seq_relative(t, srv, cli, 4, 80, 40000, flags, &seq, &ack);
	assert_int_equal(seq, want_seq);
	assert_int_equal(ack, want_ack);
}

static void test_tcp_seq_relative(void **state)
{
	struct ctrcap_tcp_seq *t = ctrcap_tcp_seq_new();
	uint8_t a[4] = { 10, 99, 3, 0 }, b[4] = { 10, 99, 3, 1 };
	uint32_t s, k;

	(void)state;
	assert_non_null(t);
	seg(t, 1, 0x02, 1000, 0, 0, 0);			/* SYN */
	seg(t, 0, 0x12, 90000, 1001, 0, 1);		/* SYN-ACK */
	seg(t, 1, 0x18, 1001, 90001, 1, 1);		/* data */
	seg(t, 0, 0x10, 90001, 1006, 1, 6);		/* its ACK */
	seg(t, 1, 0x11, 0xffffffffu, 90001, 0xfffffffeu - 999, 1); /* wraps */
	/* The same ends, a new SYN: a new connection counts from 0 again. */
	seg(t, 1, 0x02, 7000, 0, 0, 0);
	seg(t, 0, 0x12, 123, 7001, 0, 1);
	/* Mid-connection: the first ACK seen sets the other side's base too. */
	s = 500;
	k = 800;
	ctrcap_tcp_seq_relative(t, a, b, 4, 1, 2, 0x10, &s, &k);
	assert_int_equal(s, 0);
	assert_int_equal(k, 0);
	s = 800;
	k = 510;
	ctrcap_tcp_seq_relative(t, b, a, 4, 2, 1, 0x10, &s, &k);
	assert_int_equal(s, 0);
	assert_int_equal(k, 10);
	/*
	 * Bounded: after 20000 other connections the first one was evicted,
	 * and its next segment starts from 0 (kept, it would print 1).
	 */
	for (uint32_t i = 0; i < 20000; i++) {
		uint8_t x[4] = { 10, 99, i >> 8, i & 0xff };

		s = 1;
		k = 0;
		ctrcap_tcp_seq_relative(t, x, b, 4, 1000, 2000, 0x02, &s, &k);
	}
	seg(t, 1, 0x10, 7001, 124, 0, 0);
	/* Not IPv4 or IPv6 addresses, or no table: numbers left as they are. */
	s = 5;
	k = 6;
	ctrcap_tcp_seq_relative(t, a, b, 3, 1, 2, 0x10, &s, &k);
	ctrcap_tcp_seq_relative(NULL, a, b, 4, 1, 2, 0x10, &s, &k);
	assert_int_equal(s, 5);
	assert_int_equal(k, 6);
	ctrcap_tcp_seq_free(t);
}

/* opts (len bytes, avail of them captured) as text, in a buffer of cap bytes. */
static const char *tcp_opts(const uint8_t *opts, uint32_t len, uint32_t avail, size_t cap,
			    bool rel, uint32_t base)
{
	static char buf[256];
	struct text_buf b = { buf, cap, 0 };

	buf[0] = '\0';
	ctrcap_tcp_options_text(&b, opts, len, avail, rel, base);
	return buf;
}

/* tcpdump's TCP option text, cut and malformed options bounded. */
static void test_tcp_options(void **state)
{
	static const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
				       1, 3, 3, 7 };
	static const uint8_t sack[] = { 1, 1, 5, 10, 0, 0, 0x10, 0x64, 0, 0, 0x10, 0xc8 };
	static const uint8_t odd[] = { 2, 3, 5, 0xfe, 4, 0xab, 0xcd, 0, 1, 1 };
	static const uint8_t bad[] = { 1, 2, 1 }, past[] = { 8, 10, 0, 0 };

	(void)state;
	assert_string_equal(tcp_opts(syn, 20, 20, 256, false, 0),
			    "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]");
	/* SACK edges as the ack counts them: relative to its base, or as sent. */
	assert_string_equal(tcp_opts(sack, 12, 12, 256, true, 4096),
			    "options [nop,nop,sack 1 {100:200}]");
	assert_string_equal(tcp_opts(sack, 12, 12, 256, false, 4000),
			    "options [nop,nop,sack 1 {4196:4296}]");
	/* Wrong length for a known kind, an unknown kind in hex, eol ends the list. */
	assert_string_equal(tcp_opts(odd, 10, 10, 256, false, 0),
			    "options [mss [len 3],unknown-254 0xabcd,eol]");
	/* A length below 2 or past the header: "bad opt", nothing read beyond. */
	assert_string_equal(tcp_opts(bad, 3, 3, 256, false, 0), "options [nop,bad opt]");
	assert_string_equal(tcp_opts(past, 4, 4, 256, false, 0), "options [bad opt]");
	/* Cut by the capture (snaplen): what was captured, then tcpdump's "|tcp". */
	assert_string_equal(tcp_opts(syn, 20, 6, 256, false, 0), "options [mss 1460,sackOK,|tcp]");
	assert_string_equal(tcp_opts(syn, 20, 1, 256, false, 0), "options [|tcp]");
	/* A small buffer is filled, never overrun. */
	assert_string_equal(tcp_opts(syn, 20, 20, 12, false, 0), "options [ms");
}

/* -v's IP detail, -e's link header, relative seq in the summary. */
static void test_summary_fmt(void **state)
{
	struct ctrcap_text_pkt p = { .linktype = 1, .data = syn_frame,
				     .caplen = sizeof(syn_frame), .len = sizeof(syn_frame) };
	struct ctrcap_text_opts fmt = { .ip_detail = true, .link_header = true };
	struct ctrcap_text_state st = { .seq = ctrcap_tcp_seq_new() };
	uint8_t v6[60] = { 0x62, 0x51, 0x23, 0x45, 0, 20, 6, 63 };
	uint8_t sll[sizeof(syn_frame) + 2];
	char buf[512];

	(void)state;
	assert_non_null(st.seq);
	ctrcap_packet_summary_fmt(&p, &fmt, &st, buf, sizeof(buf));
	assert_string_equal(buf, "06:07:08:09:0a:0b > 00:01:02:03:04:05, ethertype IPv4 (0x0800), "
				 "length 54: IP (tos 0x0, ttl 64, id 4660, offset 0, flags [DF], "
				 "proto TCP (6), length 40) 10.99.1.1.40000 > 10.99.1.2.80: "
				 "Flags [S], seq 0, win 65535, length 0");
	/* Raw IPv6: class and flow label shown as they are set; no link header. */
	v6[23] = 1;
	v6[39] = 2;
	v6[52] = 0x50;
	p = (struct ctrcap_text_pkt){ .linktype = 101, .data = v6, .caplen = 60, .len = 60 };
	ctrcap_packet_summary_fmt(&p, &fmt, &st, buf, sizeof(buf));
	assert_string_equal(buf, "IP6 (class 0x25, flowlabel 0x12345, hlim 63, next-header TCP (6) "
				 "payload length: 20) ::1.0 > ::2.0: Flags [], win 0, length 0");
	/* Linux cooked: the sender's address, the protocol, the length. */
	memset(sll, 0, sizeof(sll));
	sll[5] = 6;
	memcpy(sll + 6, syn_frame + 6, 6);
	memcpy(sll + 14, syn_frame + 12, sizeof(syn_frame) - 12);
	p = (struct ctrcap_text_pkt){ .linktype = 113, .data = sll, .caplen = sizeof(sll),
				      .len = sizeof(sll) };
	fmt.ip_detail = false;
	ctrcap_packet_summary_fmt(&p, &fmt, &st, buf, sizeof(buf));
	assert_string_equal(buf, "06:07:08:09:0a:0b ethertype IPv4 (0x0800), length 56: "
				 "IP 10.99.1.1.40000 > 10.99.1.2.80: Flags [S], seq 0, win 65535, "
				 "length 0");
	ctrcap_tcp_seq_free(st.seq);
}

/* A query for web.shop A, id 0x1234, RD; and its answer, names compressed. */
static const uint8_t dns_q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				 3, 'w', 'e', 'b', 4, 's', 'h', 'o', 'p', 0, 0, 1, 0, 1 };
static const uint8_t dns_r[] = {
	0x12, 0x34, 0x85, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
	3, 'w', 'e', 'b', 4, 's', 'h', 'o', 'p', 0, 0, 1, 0, 1,
	0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'x', 0xc0, 16,	/* CNAME x.shop. */
	0xc0, 38, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 99, 7, 3,		/* A 10.99.7.3 */
};

static void test_dns_text(void **state)
{
	uint8_t m[sizeof(dns_r)], big[12 + 321 + 4], ip[28 + sizeof(dns_q)];
	struct ctrcap_text_pkt p = { .linktype = 101, .data = ip, .caplen = sizeof(ip),
				     .len = sizeof(ip) };
	char buf[512];

	(void)state;
	assert_int_equal(ctrcap_dns_text(dns_q, sizeof(dns_q), sizeof(dns_q), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4660+ A? web.shop. (26)");
	assert_int_equal(ctrcap_dns_text(dns_r, sizeof(dns_r), sizeof(dns_r), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4660* 2/0/0 CNAME x.shop., A 10.99.7.3 (58)");
	memcpy(m, dns_r, sizeof(m));
	m[3] = 0x03; /* NXDomain, recursion not available, no answers */
	m[7] = 0;
	assert_int_equal(ctrcap_dns_text(m, 26, 26, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4660*- NXDomain 0/0/0 (26)");
	/* Never trusted: a pointer loop, a record past the end, a short capture. */
	memcpy(m, dns_r, sizeof(m));
	m[27] = 26;
	assert_int_equal(ctrcap_dns_text(m, sizeof(m), sizeof(m), buf, sizeof(buf)), -1);
	memcpy(m, dns_r, sizeof(m));
	m[sizeof(m) - 5] = 5; /* rdlength 5 with 4 bytes left */
	assert_int_equal(ctrcap_dns_text(m, sizeof(m), sizeof(m), buf, sizeof(buf)), -1);
	assert_int_equal(ctrcap_dns_text(dns_r, 40, sizeof(dns_r), buf, sizeof(buf)), -1);
	assert_int_equal(ctrcap_dns_text(dns_q, 11, 11, buf, sizeof(buf)), -1);
	/* In a packet line, in place of "UDP, length 26"; not on other ports. */
	memset(ip, 0, sizeof(ip));
	memcpy(ip, (const uint8_t[]){ 0x45, 0, 0, sizeof(ip), 0, 1, 0, 0, 64, 17, 0, 0, 10, 99,
				      1, 1, 10, 99, 1, 2, 0x9c, 0x40, 0, 53, 0, 8 + 26 },
	       26);
	memcpy(ip + 28, dns_q, sizeof(dns_q));
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP 10.99.1.1.40000 > 10.99.1.2.53: 4660+ A? web.shop. (26)");
	ip[23] = 54;
	ctrcap_packet_summary(&p, buf, sizeof(buf));
	assert_string_equal(buf, "IP 10.99.1.1.40000 > 10.99.1.2.54: UDP, length 26");
	/* A name of 5 labels of 63 bytes: longer than DNS allows, refused. */
	memset(big, 'a', sizeof(big));
	memcpy(big, dns_q, 12);
	for (int i = 0; i < 5; i++)
		big[12 + 64 * i] = 63;
	big[12 + 320] = 0;
	memset(big + 12 + 321, 0, 4);
	assert_int_equal(ctrcap_dns_text(big, sizeof(big), sizeof(big), buf, sizeof(buf)), -1);
	big[12 + 192] = 0; /* three labels: fine */
	assert_int_equal(ctrcap_dns_text(big, 12 + 193 + 4, 12 + 193 + 4, buf, sizeof(buf)), 0);
}

static void test_opts_text_flags(void **state)
{
	const char *all[] = { "ctrcap", "-r", "f", "-XX", "-x", "-A", "-e", "-tttt", "-S", "-l",
			      "--nano" };
	const char *prec[] = { "ctrcap", "--time-stamp-precision=nano", "--micro" };
	const char *xxx[] = { "ctrcap", "-xxx" };
	const char *t6[] = { "ctrcap", "-tttttt" };
	const char *badp[] = { "ctrcap", "--time-stamp-precision", "milli" };
	const char *w[] = { "ctrcap", "-w", "x.pcapng", "-X" };
	const char *wp[] = { "ctrcap", "-w", "x.pcapng", "--print", "-X" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 11, all), 0);
	assert_int_equal(o.text.hex_ascii, 2);
	assert_int_equal(o.text.hex, 1);
	assert_true(o.text.ascii && o.text.link_header && o.text.abs_seq && o.text.nano);
	assert_true(o.text.line_buffered);
	assert_int_equal(o.text.ts, CTRCAP_TS_DATE);
	assert_string_equal(o.text_flag, "-X");
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, prec), 0);
	assert_false(o.text.nano); /* the last one given wins */
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, xxx), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, t6), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, badp), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 4, w), -1); /* nothing printed to format */
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, wp), 0);
	ctrcap_opts_free(&o);
}

static void test_args_join(void **state)
{
	char out[16];

	(void)state;
	ctrcap_args_join("wget\0-q\0x\0", 10, out, sizeof(out));
	assert_string_equal(out, "wget -q x");
	ctrcap_args_join("abcdefghijklmnopqrstuvwxyz", 26, out, sizeof(out));
	assert_string_equal(out, "abcdefghijklmno");
	ctrcap_args_join("", 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_proc_table_exec_fork_exit(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3000001, .ppid = 3000000,
				       .uid = 7, .args_len = 9 };
	const struct ctrcap_proc *p;

	(void)state;
	assert_non_null(t);
	strcpy(e.comm, "wget");
	strcpy(e.exe, "/usr/bin/wget");
	memcpy(e.args, "wget\0-q\0\0", 9);
	ctrcap_proc_on_exec(t, &e, 1000);
	ctrcap_proc_on_fork(t, 3000002, 3000001, 0, 1000);
	ctrcap_proc_on_exit(t, 3000001, 0, 1000);
	p = ctrcap_proc_get(t, 3000001);
	assert_non_null(p);
	assert_string_equal(p->exe, "/usr/bin/wget");
	assert_string_equal(p->args, "wget -q");
	p = ctrcap_proc_get(t, 3000002);
	assert_non_null(p);
	assert_string_equal(p->exe, "/usr/bin/wget"); /* inherited at fork */
	assert_int_equal(p->ppid, 3000001);
	assert_true(ctrcap_proc_descends(t, 3000002, 0, 3000001));
	assert_false(ctrcap_proc_descends(t, 3000001, 0, 3000002));
	/* Kept for late packets, then forgotten. */
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS / 2);
	assert_non_null(ctrcap_proc_get(t, 3000001));
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
	assert_null(ctrcap_proc_get(t, 3000001));
	ctrcap_proc_table_free(t);
}

/* A full table refuses new processes and counts each one; exits make room again. */
static void test_proc_table_full_counted(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3999999, .ppid = 1 };
	const uint32_t first_refused = 4000000 + CTRCAP_PROC_MAX - 1;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	strcpy(e.comm, "sh");
	strcpy(e.exe, "/bin/sh");
	ctrcap_proc_on_exec(t, &e, 1000);
	for (i = 0; i < CTRCAP_PROC_MAX + 4; i++)
		ctrcap_proc_on_fork(t, 4000000 + i, e.tgid, 0, 1000);
	assert_int_equal(ctrcap_proc_table_untracked(t), 5);
	assert_non_null(ctrcap_proc_get(t, 4000000));
	assert_null(ctrcap_proc_get(t, first_refused));
	/* Forks of a known process on a full table: counted, nothing overwritten. */
	ctrcap_proc_on_fork(t, first_refused + 9, 4000000, 0, 1000);
	assert_int_equal(ctrcap_proc_table_untracked(t), 6);
	assert_int_equal(ctrcap_proc_get(t, 4000000)->ppid, e.tgid);
	/* Exited processes leave after their linger time and make room. */
	for (i = 0; i < 10; i++)
		ctrcap_proc_on_exit(t, 4000000 + i, 0, 1000);
	ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
	ctrcap_proc_on_fork(t, first_refused, e.tgid, 0, 1000);
	assert_non_null(ctrcap_proc_get(t, first_refused));
	assert_int_equal(ctrcap_proc_table_untracked(t), 6);
	ctrcap_proc_table_free(t);
}

/*
 * gc in steps (between ring reads): a pass ends after as many steps as the
 * table has slices, and then has forgotten what a whole gc would have.
 */
static void test_proc_table_gc_steps(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3999999, .ppid = 1 };
	const uint64_t later = 1000 + CTRCAP_PROC_LINGER_MS + 1;
	const uint32_t slots = 1000, n = 3000;
	uint32_t i, steps = 1;

	(void)state;
	assert_non_null(t);
	strcpy(e.exe, "/bin/sh");
	ctrcap_proc_on_exec(t, &e, 1000);
	for (i = 0; i < n; i++)
		ctrcap_proc_on_fork(t, 6000000 + i, e.tgid, 0, 1000);
	for (i = 0; i < n; i += 2)
		ctrcap_proc_on_exit(t, 6000000 + i, 0, 1000);
	while (!ctrcap_proc_table_gc_step(t, later, slots))
		steps++;
	/* 4/3 * CTRCAP_PROC_MAX slots in all, 1000 per step. */
	assert_int_equal(steps, (CTRCAP_PROC_MAX / 3 * 4 + slots - 1) / slots);
	for (i = 0; i < n; i++) {
		const struct ctrcap_proc *p = ctrcap_proc_get(t, 6000000 + i);

		if (i % 2 ? !p || p->pid != 6000000 + i : p != NULL)
			fail_msg("pid %u %s after a pass in steps", 6000000 + i,
				 i % 2 ? "lost" : "kept");
	}
	/* The next pass starts over at the first slot. */
	assert_false(ctrcap_proc_table_gc_step(t, later, slots));
	ctrcap_proc_table_free(t);
}

/* gc deletes in place: every process left is still found, in a table of long probe runs. */
static void test_proc_table_gc_keeps_others(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 3999999, .ppid = 1 };
	const uint32_t n = CTRCAP_PROC_MAX - 1;
	uint32_t i, round, seed = 1;
	static bool alive[CTRCAP_PROC_MAX];

	(void)state;
	assert_non_null(t);
	strcpy(e.exe, "/bin/sh");
	ctrcap_proc_on_exec(t, &e, 1000);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			if (!alive[i]) {
				ctrcap_proc_on_fork(t, 5000000 + i, e.tgid, 0, 1000);
				alive[i] = true;
			}
		}
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0) {
				ctrcap_proc_on_exit(t, 5000000 + i, 0, 1000);
				alive[i] = false;
			}
		}
		ctrcap_proc_table_gc(t, 1000 + CTRCAP_PROC_LINGER_MS + 1);
		for (i = 0; i < n; i++) {
			const struct ctrcap_proc *p = alive[i] ? ctrcap_proc_get(t, 5000000 + i) : NULL;

			if (alive[i] && (!p || p->pid != 5000000 + i))
				fail_msg("round %u: pid %u lost by gc", round, 5000000 + i);
		}
	}
	assert_int_equal(ctrcap_proc_table_untracked(t), 0);
	ctrcap_proc_table_free(t);
}


/* Build an RTM_NEWLINK message: index 7, name, IFLA_LINK 9, kind veth, nsid 3. */
static size_t link_msg(uint8_t *buf, size_t cap, const char *name)
{
	struct nlmsghdr *h = (void *)buf;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *a, *kind;
	uint32_t v;

	memset(buf, 0, cap);
	h->nlmsg_type = RTM_NEWLINK;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi->ifi_index = 7;
	a = (void *)(buf + NLMSG_ALIGN(h->nlmsg_len));
	a->rta_type = IFLA_IFNAME;
	a->rta_len = RTA_LENGTH(strlen(name) + 1);
	memcpy(RTA_DATA(a), name, strlen(name) + 1);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	a = (void *)(buf + h->nlmsg_len);
	a->rta_type = IFLA_LINK;
	a->rta_len = RTA_LENGTH(4);
	v = 9;
	memcpy(RTA_DATA(a), &v, 4);
	h->nlmsg_len += RTA_ALIGN(a->rta_len);
	a = (void *)(buf + h->nlmsg_len);
	a->rta_type = IFLA_LINK_NETNSID;
	a->rta_len = RTA_LENGTH(4);
	v = 3;
	memcpy(RTA_DATA(a), &v, 4);
	h->nlmsg_len += RTA_ALIGN(a->rta_len);
	a = (void *)(buf + h->nlmsg_len);
	a->rta_type = IFLA_LINKINFO;
	kind = RTA_DATA(a);
	kind->rta_type = IFLA_INFO_KIND;
	kind->rta_len = RTA_LENGTH(5);
	memcpy(RTA_DATA(kind), "veth", 5);
	a->rta_len = RTA_LENGTH(RTA_ALIGN(kind->rta_len));
	h->nlmsg_len += RTA_ALIGN(a->rta_len);
	return h->nlmsg_len;
}

/* rtnetlink link messages parse, and a length beyond the buffer is refused. */
static void test_link_parse(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	struct ctrcap_link l;
	size_t n;
	(void)state;

	n = link_msg(buf, sizeof(buf), "eth0");
	assert_int_equal(ctrcap_link_parse(buf, n, &l), 0);
	assert_string_equal(l.name, "eth0");
	assert_int_equal(l.ifindex, 7);
	assert_int_equal(l.iflink, 9);
	assert_int_equal(l.link_netnsid, 3);
	assert_string_equal(l.kind, "veth");
	assert_int_equal(ctrcap_link_parse(buf, n - 1, &l), -1);
	assert_int_equal(ctrcap_link_parse(buf, 8, &l), -1);
	/* An attribute claiming more than the message holds ends the walk. */
	((struct rtattr *)(buf + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct ifinfomsg)))))->rta_len =
	    200;
	assert_int_equal(ctrcap_link_parse(buf, n, &l), 0);
	assert_string_equal(l.name, "");
	assert_int_equal(l.iflink, 0);
}

static int nsid_says_ns3(void *ctx, const struct ctrcap_link *l, const struct ctrcap_link *cand)
{
	(void)ctx;
	(void)l;
	return cand->netns == 3;
}

/* Peers by mutual ids; equal ids in other namespaces are told apart by the nsid check. */
static void test_link_peer(void **state)
{
	struct ctrcap_link v[] = {
		{ .netns = 1, .ifindex = 5, .iflink = 6, .link_netnsid = -1, .kind = "veth" },
		{ .netns = 1, .ifindex = 6, .iflink = 5, .link_netnsid = -1, .kind = "veth" },
		{ .netns = 2, .ifindex = 2, .iflink = 2, .link_netnsid = 0, .kind = "veth" },
		{ .netns = 3, .ifindex = 2, .iflink = 2, .link_netnsid = 0, .kind = "veth" },
		{ .netns = 4, .ifindex = 2, .iflink = 2, .link_netnsid = 0, .kind = "veth" },
		{ .netns = 1, .ifindex = 1, .iflink = 1, .link_netnsid = -1, .kind = "" },
		{ .netns = 1, .ifindex = 8, .iflink = 8, .link_netnsid = -1, .kind = "veth" },
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	(void)state;

	assert_int_equal(ctrcap_link_peer(v, n, 0, NULL, NULL), 1);
	assert_int_equal(ctrcap_link_peer(v, n, 1, NULL, NULL), 0);
	assert_int_equal(ctrcap_link_peer(v, n, 2, NULL, NULL), -2);
	assert_int_equal(ctrcap_link_peer(v, n, 2, nsid_says_ns3, NULL), 3);
	assert_int_equal(ctrcap_link_peer(v, n, 5, NULL, NULL), -1);
	/* A veth whose peer is itself by the ids (same netns): no peer. */
	assert_int_equal(ctrcap_link_peer(v, n, 6, NULL, NULL), -1);
	/* Only one namespace has a match: no check needed. */
	v[4].ifindex = 3;
	assert_int_equal(ctrcap_link_peer(v, n, 2, NULL, NULL), 3);
}

/* -i IFACE@CONTAINER: a name, a unique id prefix, pod:NS/NAME; running ones only. */
static void test_container_pick(void **state)
{
	static struct ctr_info v[4];
	char err[400];

	(void)state;
	memset(v, 0, sizeof(v));
	strcpy(v[0].id, "78f1aa");
	strcpy(v[0].name, "web");
	v[0].pid = 10;
	strcpy(v[0].pod_namespace, "shop");
	strcpy(v[0].pod_name, "shop-0");
	strcpy(v[1].id, "78f2bb");
	strcpy(v[1].name, "db");
	v[1].pid = 20;
	strcpy(v[2].id, "c0ffee");
	strcpy(v[2].name, "stopped");
	strcpy(v[3].id, "db");	/* an id that is another one's name: names win */
	strcpy(v[3].name, "other");
	v[3].pid = 40;

	assert_int_equal(ctrcap_container_pick(v, 4, "web", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_container_pick(v, 4, "db", err, sizeof(err)), 1);
	assert_int_equal(ctrcap_container_pick(v, 4, "78f2", err, sizeof(err)), 1);
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop/shop-0", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_container_pick(v, 4, "78f", err, sizeof(err)), -1);
	assert_string_equal(err, "container id prefix '78f' matches 2 containers (web, db)");
	assert_int_equal(ctrcap_container_pick(v, 4, "stopped", err, sizeof(err)), -1);
	assert_string_equal(err, "no network namespace or running container named 'stopped'");
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop/shop-1", err, sizeof(err)), -1);
	assert_string_equal(err, "no running pod shop/shop-1");
	assert_int_equal(ctrcap_container_pick(v, 4, "pod:shop", err, sizeof(err)), -1);
	assert_string_equal(err, "'pod:shop' is not pod:NAMESPACE/NAME");
	assert_int_equal(ctrcap_container_pick(v, 4, "", err, sizeof(err)), -1);
}

static void test_identity_match(void **state)
{
	struct ctrcap_ident_buf b = { 0 };
	const char *argv[] = { "ctrcap", "--comm", "wget", "--container-id", "78f1" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 5, argv), 0);
	b.id.present = CTRCAP_HAS_PID;
	b.id.pid = 5;
	b.id.comm = (struct ctrcap_str){ "wget", 4 };
	b.id.ctr_id = (struct ctrcap_str){ "78f1713c7d0f", 12 };
	assert_true(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.ctr_id = (struct ctrcap_str){ "78f", 3 }; /* shorter than the prefix */
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.ctr_id = (struct ctrcap_str){ "78f1713c7d0f", 12 };
	b.id.comm = (struct ctrcap_str){ "wgetx", 5 };
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	b.id.comm = (struct ctrcap_str){ NULL, 0 };
	assert_false(ctrcap_ident_match(NULL, &o, &b, 0));
	ctrcap_opts_free(&o);
}

/* tcpdump's and ptcpdump's long names, --count, and what -r takes or refuses. */
static void test_opts_long_names_and_read(void **state)
{
	const char *longs[] = { "ctrcap", "--interface", "lo", "--write-file", "f",
				"--receive-count", "3", "--snapshot-length", "100",
				"--packet-buffered", "--direction", "in", "--pname", "curl",
				"--verbose", "--number", "--print" };
	const char *count[] = { "ctrcap", "-r", "x", "--count" };
	const char *imm[] = { "ctrcap", "--immediate-mode" };
	const char *rw[] = { "ctrcap", "--read-file", "in", "-w", "out", "-C", "1", "--file-count",
			     "2" };
	const char *r_s[] = { "ctrcap", "-r", "x", "-s", "100" };
	const char *r_eng[] = { "ctrcap", "-r", "x", "--podman-state", "/p" };
	const char *count_w[] = { "ctrcap", "-r", "x", "--count", "-w", "y" };
	const char *print_stdout[] = { "ctrcap", "--print", "-w", "-" };
	const char *no_value[] = { "ctrcap", "--container-id" };
	const char *count_value[] = { "ctrcap", "--count=1" };
	struct ctrcap_opts o;

	(void)state;
	assert_int_equal(parse(&o, 17, longs), 0);
	assert_int_equal(o.n_ifaces, 1);
	assert_string_equal(o.ifaces[0].name, "lo");
	assert_string_equal(o.out.path, "f");
	assert_int_equal(o.count, 3);
	assert_int_equal(o.snaplen, 100);
	assert_true(o.out.flush_each);
	assert_int_equal(o.dir_mask, 1);
	assert_int_equal(o.comms.n, 1);
	assert_string_equal(o.comms.v[0], "curl");
	assert_int_equal(o.verbose, 1);
	assert_true(o.number);
	assert_true(o.print);
	assert_false(o.count_only);
	assert_string_equal(o.live_only, "-i");
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 4, count), 0);
	assert_true(o.count_only);
	assert_int_equal(o.count, 0);
	assert_null(o.live_only);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, imm), 0);
	assert_true(o.out.flush_each);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 9, rw), 0);
	assert_string_equal(o.read_path, "in");
	assert_string_equal(o.out.path, "out");
	assert_int_equal(o.out.rotate_bytes, 1000000);
	assert_int_equal(o.out.max_files, 2);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, r_s), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, r_eng), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 6, count_w), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 4, print_stdout), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, no_value), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 2, count_value), -1);
	ctrcap_opts_free(&o);
}

/*
 * -r's filter: one program per link type, raw IP (LINKTYPE 101, DLT 12 here)
 * mapped for libpcap, and a link type the expression cannot compile for
 * selecting nothing with one note.
 */
static void test_read_filter(void **state)
{
	static const uint8_t ip_udp[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 99, 2, 1,
					    10, 99, 2, 2, 0x13, 0x89, 0x1b, 0x58, 0, 8, 0, 0 };
	uint8_t eth[14 + 28] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	struct ctrcap_read_filter *f;
	const char *note;
	char err[256] = "";

	(void)state;
	memcpy(eth + 14, ip_udp, sizeof(ip_udp));
	assert_null(ctrcap_read_filter_new("udp port", err, sizeof(err)));
	assert_non_null(strstr(err, "invalid filter expression 'udp port': "));
	f = ctrcap_read_filter_new("udp dst port 7000", err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(ctrcap_read_filter_match(f, 1, 0, eth, sizeof(eth), sizeof(eth), &note,
						  err, sizeof(err)),
			 1);
	assert_null(note);
	assert_int_equal(ctrcap_read_filter_match(f, 101, 65535, ip_udp, sizeof(ip_udp),
						  sizeof(ip_udp), &note, err, sizeof(err)),
			 1);
	assert_null(note);
	eth[14 + 23] = 0x59; /* port 7001 */
	assert_int_equal(ctrcap_read_filter_match(f, 1, 0, eth, sizeof(eth), sizeof(eth), &note,
						  err, sizeof(err)),
			 0);
	ctrcap_read_filter_free(f);

	f = ctrcap_read_filter_new("ether host 02:00:00:00:00:01", err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(ctrcap_read_filter_match(f, 101, 0, ip_udp, sizeof(ip_udp),
						  sizeof(ip_udp), &note, err, sizeof(err)),
			 0);
	assert_non_null(note);
	assert_non_null(strstr(note, "does not apply to link type 101"));
	/* Said once per link type. */
	assert_int_equal(ctrcap_read_filter_match(f, 101, 0, ip_udp, sizeof(ip_udp),
						  sizeof(ip_udp), &note, err, sizeof(err)),
			 0);
	assert_null(note);
	assert_int_equal(ctrcap_read_filter_match(f, 1, 0, eth, sizeof(eth), sizeof(eth), &note,
						  err, sizeof(err)),
			 1);
	ctrcap_read_filter_free(f);
}

/* Engine paths: absolute, once, and refused for any invoker but root. */
static void test_opts_engine_paths(void **state)
{
	const char *ok[] = { "ctrcap", "--docker-sock", "/d.sock", "--docker-root", "/d",
			     "--containerd-state", "/c", "--crio-state", "/r:/g",
			     "--podman-state", "/p" };
	const char *rel[] = { "ctrcap", "--podman-state", "p" };
	const char *twice[] = { "ctrcap", "--docker-root", "/a", "--docker-root", "/b" };
	const char *none[] = { "ctrcap", "-i", "lo" };
	struct ctrcap_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, 11, ok), 0);
	assert_string_equal(o.docker_sock, "/d.sock");
	assert_string_equal(o.docker_root, "/d");
	assert_string_equal(o.containerd_state, "/c");
	assert_string_equal(o.crio_state, "/r:/g");
	assert_string_equal(o.podman_state, "/p");
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 0, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--docker-sock is for root only"));
	assert_non_null(strstr(err, "uid 1000"));
	o.docker_sock = o.docker_root = o.containerd_state = o.crio_state = NULL;
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--podman-state is for root only"));
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, none), 0);
	assert_int_equal(ctrcap_opts_check_engine_paths(&o, 1000, err, sizeof(err)), 0);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, rel), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, twice), -1);
	ctrcap_opts_free(&o);
}

/*
 * The kernel's path of the file run wins over the name exec was given, for a
 * process already gone too (runc's and busybox's /proc/self/exe re-execs).
 */
static void test_proc_table_exec_path(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = 0x7fffffe0, .ppid = 1,
				       .args_len = 4 };
	const struct ctrcap_proc *p;
	size_t i;

	(void)state;
	assert_non_null(t);
	strcpy(e.exe, "/proc/self/exe");
	memcpy(e.args, "wget", 4);
	memcpy(e.path, "busybox\0bin\0", 12);
	e.path_len = 12;
	ctrcap_proc_on_exec(t, &e, 1000);
	p = ctrcap_proc_get(t, e.tgid);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/busybox");
	assert_string_equal(p->args, "wget");
	/* A file of no directory (runc's memfd copy of itself) is its name. */
	e.path_len = sizeof("memfd:runc_cloned");
	memcpy(e.path, "memfd:runc_cloned", e.path_len);
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/memfd:runc_cloned");
	/* No path (the walk gave up), a malformed one or one too long: exec's name. */
	strcpy(e.exe, "/usr/bin/wget");
	e.path_len = 0;
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/usr/bin/wget");
	memcpy(e.path, "bin\0\0", 5);
	e.path_len = 5;
	strcpy(e.exe, "/bin/a");
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/bin/a");
	memcpy(e.path, "busybox", 7);
	e.path_len = 7;
	strcpy(e.exe, "/bin/b");
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/bin/b");
	/* 25 components of 10 bytes: 275 characters do not fit in 255. */
	for (i = 0; i < 25; i++)
		memcpy(e.path + i * 11, "123456789a", 11);
	e.path_len = 25 * 11;
	strcpy(e.exe, "/bin/c");
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/bin/c");
	/* 23 of them, 253 characters, do; a path_len past the buffer is cut to it. */
	e.path_len = 23 * 11;
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_int_equal(strlen(p->exe), 23 * 11);
	assert_memory_equal(p->exe, "/123456789a/", 12);
	e.path_len = 0xffffffff;
	memset(e.path, 'x', sizeof(e.path));
	strcpy(e.exe, "/bin/d");
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, "/bin/d");
	ctrcap_proc_table_free(t);
}

/* busybox applets exec /proc/self/exe: the table keeps the real executable. */
static void test_proc_table_self_exe(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event e = { .type = CTRCAP_EV_EXEC, .tgid = (uint32_t)getpid(),
				       .ppid = 1, .args_len = 3 };
	const struct ctrcap_proc *p;
	char real[CTRCAP_EXE_LEN] = "";
	uint32_t gen;

	(void)state;
	assert_non_null(t);
	assert_true(readlink("/proc/self/exe", real, sizeof(real) - 1) > 0);
	strcpy(e.comm, "wget");
	strcpy(e.exe, "/proc/self/exe");
	memcpy(e.args, "wget", 3);
	ctrcap_proc_on_exec(t, &e, 1000);
	p = ctrcap_proc_get(t, e.tgid);
	assert_non_null(p);
	assert_string_equal(p->exe, real);
	/* Relative names too. */
	gen = p->gen;
	strcpy(e.exe, "./wget");
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(p->exe, real);
	assert_int_not_equal(p->gen, gen);
	/* A process already gone keeps what exec was given. */
	e.tgid = 0x7ffffff0;
	ctrcap_proc_on_exec(t, &e, 1000);
	assert_string_equal(ctrcap_proc_get(t, e.tgid)->exe, "./wget");
	ctrcap_proc_table_free(t);
}

/* Build e's identity and return its (cached) record, checking it against a fresh encoding. */
static uint32_t record_of(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
			  struct ctrcap_ident_buf *b, uint8_t *out)
{
	static uint8_t fresh[CTRCAP_RECORD_MAX];
	const uint8_t *rec;
	uint32_t len;
	int n;

	ctrcap_ident_build(x, e, b);
	assert_int_equal(ctrcap_ident_record(x, b, &rec, &len), 0);
	n = ctrcap_record_encode(&b->id, fresh, sizeof(fresh));
	assert_int_equal(n, len);
	assert_memory_equal(rec, fresh, len);
	memcpy(out, rec, len);
	return len;
}

/* The encoded record is reused while the identity is unchanged, and only then. */
static void test_record_cache(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event ex = { .type = CTRCAP_EV_EXEC, .tgid = 3000101, .ppid = 3000100,
					.uid = 7, .args_len = 9 };
	struct ctrcap_pkt_event e = { .type = CTRCAP_EV_PACKET, .netns = 4026531840u,
				      .attribution = CTRCAP_ATTR_SOCKET,
				      .owner = { .tgid = 3000101, .tid = 3000101, .uid = 7,
						 .cgroup_id = 1234 } };
	static struct ctrcap_ident_buf b;
	static uint8_t r1[CTRCAP_RECORD_MAX], r2[CTRCAP_RECORD_MAX];
	struct ctrcap_identity d;
	struct ctrcap_ident *x;
	uint64_t hits, misses;
	uint32_t l1, l2;
	char err[128];

	(void)state;
	assert_non_null(t);
	x = ctrcap_ident_new(t, NULL, "", NULL);
	assert_non_null(x);
	strcpy(ex.comm, "wget");
	strcpy(ex.exe, "/usr/bin/wget");
	memcpy(ex.args, "wget\0-q\0\0", 9);
	ctrcap_proc_on_exec(t, &ex, 1000);
	strcpy(e.owner.comm, "wget");

	l1 = record_of(x, &e, &b, r1);
	l2 = record_of(x, &e, &b, r2);
	assert_int_equal(l1, l2);
	assert_memory_equal(r1, r2, l1);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);

	/* Each change is a new record: exec, thread, attribution, netns. */
	strcpy(ex.exe, "/usr/bin/curl");
	ctrcap_proc_on_exec(t, &ex, 1000);
	l2 = record_of(x, &e, &b, r2);
	assert_int_equal(ctrcap_record_decode(r2, l2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.exe.len, strlen("/usr/bin/curl"));
	assert_memory_equal(d.exe.ptr, "/usr/bin/curl", d.exe.len);
	e.owner.tid = 3000102;
	record_of(x, &e, &b, r2);
	e.attribution = CTRCAP_ATTR_FLOW;
	record_of(x, &e, &b, r2);
	e.netns = 4026531841u;
	record_of(x, &e, &b, r2);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 5);
	/* And unchanged again: reused. */
	record_of(x, &e, &b, r2);
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 2);
	ctrcap_ident_free(x);
	ctrcap_proc_table_free(t);
}

/*
 * Recent identities: two interleaved senders each keep their buffer, and a
 * change to one (exec, a thread) shows in the next packet, never the old.
 */
static void test_ident_recent(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_exec_event ex = { .type = CTRCAP_EV_EXEC, .tgid = 3000201, .ppid = 1,
					.uid = 7, .args_len = 5 };
	struct ctrcap_pkt_event a = { .type = CTRCAP_EV_PACKET, .netns = 4026531840u,
				      .attribution = CTRCAP_ATTR_SOCKET,
				      .owner = { .tgid = 3000201, .tid = 3000201, .uid = 7 } };
	struct ctrcap_pkt_event b = a;
	static struct ctrcap_ident_recent r;
	struct ctrcap_ident_buf *ba, *bb, *p;
	struct ctrcap_ident *x;

	(void)state;
	assert_non_null(t);
	x = ctrcap_ident_new(t, NULL, "", NULL);
	assert_non_null(x);
	strcpy(ex.comm, "web");
	strcpy(ex.exe, "/usr/bin/web");
	memcpy(ex.args, "web\0\0", 5);
	ctrcap_proc_on_exec(t, &ex, 1000);
	strcpy(a.owner.comm, "web");
	b.owner.tgid = b.owner.tid = 3000202;
	b.attribution = CTRCAP_ATTR_FLOW;
	strcpy(b.owner.comm, "db");

	ba = ctrcap_ident_get(x, &a, &r);
	assert_int_equal(ba->id.pid, 3000201);
	assert_int_equal(ba->id.exe.len, strlen("/usr/bin/web"));
	bb = ctrcap_ident_get(x, &b, &r);
	assert_int_equal(bb->id.pid, 3000202);
	assert_memory_equal(bb->id.comm.ptr, "db", 2);
	assert_null(bb->id.exe.ptr);
	/* Interleaved, each is the same buffer with the same identity. */
	for (int i = 0; i < 3; i++) {
		p = ctrcap_ident_get(x, &a, &r);
		assert_int_equal(p->id.pid, 3000201);
		assert_int_equal(p->id.attribution, CTRCAP_ATTR_SOCKET);
		p = ctrcap_ident_get(x, &b, &r);
		assert_int_equal(p->id.pid, 3000202);
		assert_int_equal(p->id.attribution, CTRCAP_ATTR_FLOW);
	}
	/* An exec changes the process's generation: the next packet has the new exe. */
	strcpy(ex.exe, "/usr/sbin/web2");
	ctrcap_proc_on_exec(t, &ex, 1001);
	p = ctrcap_ident_get(x, &a, &r);
	assert_int_equal(p->id.exe.len, strlen("/usr/sbin/web2"));
	assert_memory_equal(p->id.exe.ptr, "/usr/sbin/web2", p->id.exe.len);
	/* Another thread of it is another identity. */
	a.owner.tid = 3000203;
	p = ctrcap_ident_get(x, &a, &r);
	assert_int_equal(p->id.tid, 3000203);
	ctrcap_ident_free(x);
	ctrcap_proc_table_free(t);
}

/*
 * Every record names the node, the cached ones too; a context without a
 * node writes no node TLV.
 */
static void test_identity_node(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_pkt_event e = { .type = CTRCAP_EV_PACKET, .netns = 4026531840u,
				      .attribution = CTRCAP_ATTR_IFACE_NETNS };
	static struct ctrcap_ident_buf b;
	static uint8_t rec[CTRCAP_RECORD_MAX];
	struct ctrcap_identity d;
	struct ctrcap_ident *x;
	uint64_t hits, misses;
	char err[128], name[] = "worker-1";
	uint32_t len;

	(void)state;
	assert_non_null(t);
	x = ctrcap_ident_new(t, NULL, "", name);
	assert_non_null(x);
	/* A copy: the caller's buffer may change. */
	name[0] = 'X';
	for (int i = 0; i < 2; i++) {
		len = record_of(x, &e, &b, rec);
		memset(&d, 0, sizeof(d));
		assert_int_equal(ctrcap_record_decode(rec, len, &d, err, sizeof(err)), 0);
		assert_int_equal(d.node_name.len, 8);
		assert_memory_equal(d.node_name.ptr, "worker-1", 8);
	}
	ctrcap_ident_record_stats(x, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	ctrcap_ident_free(x);

	x = ctrcap_ident_new(t, NULL, "", NULL);
	assert_non_null(x);
	len = record_of(x, &e, &b, rec);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctrcap_record_decode(rec, len, &d, err, sizeof(err)), 0);
	assert_null(d.node_name.ptr);
	ctrcap_ident_free(x);
	ctrcap_proc_table_free(t);
}

/* --node-name, else $CTRCAP_NODE_NAME (when not empty), else the host name; bad ones named. */
static void test_node_name_precedence(void **state)
{
	const char *given[] = { "ctrcap", "--node-name", "node-a" };
	const char *twice[] = { "ctrcap", "--node-name", "a", "--node-name", "b" };
	const char *slash[] = { "ctrcap", "--node-name", "a/b" };
	char out[CTRCAP_NODE_NAME_BUF], err[256], big[CTRCAP_NODE_NAME_MAX + 2];
	struct ctrcap_opts o;
	struct utsname u;

	(void)state;
	assert_int_equal(uname(&u), 0);
	assert_int_equal(parse(&o, 3, given), 0);
	assert_string_equal(o.node_name, "node-a");
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 5, twice), -1);
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, 3, slash), -1);
	ctrcap_opts_free(&o);

	assert_int_equal(setenv(CTRCAP_NODE_NAME_ENV, "node-env", 1), 0);
	assert_int_equal(ctrcap_node_name_resolve("node-a", out, err, sizeof(err)), 0);
	assert_string_equal(out, "node-a");
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), 0);
	assert_string_equal(out, "node-env");
	/* The Downward API leaves it empty when the field is missing: the host name then. */
	assert_int_equal(setenv(CTRCAP_NODE_NAME_ENV, "", 1), 0);
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), 0);
	assert_string_equal(out, u.nodename);
	assert_int_equal(unsetenv(CTRCAP_NODE_NAME_ENV), 0);
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), 0);
	assert_string_equal(out, u.nodename);

	/* A bad value in the environment: named, with what to do, no control byte echoed. */
	assert_int_equal(setenv(CTRCAP_NODE_NAME_ENV, "a\tb", 1), 0);
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), -1);
	assert_string_equal(err, "$CTRCAP_NODE_NAME 'a?b': control byte 0x09 at byte 1 of the "
				 "node name; give --node-name");
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(setenv(CTRCAP_NODE_NAME_ENV, big, 1), 0);
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "node name of 254 bytes, at most 253; give --node-name"));
	big[CTRCAP_NODE_NAME_MAX] = '\0';
	assert_int_equal(setenv(CTRCAP_NODE_NAME_ENV, big, 1), 0);
	assert_int_equal(ctrcap_node_name_resolve(NULL, out, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), CTRCAP_NODE_NAME_MAX);
	assert_int_equal(unsetenv(CTRCAP_NODE_NAME_ENV), 0);
	assert_int_equal(ctrcap_node_name_check("", err, sizeof(err)), -1);
	assert_string_equal(err, "empty node name");
}

/* --node refuses what only a local capture can do, naming it; alone it parses. */
static void test_node_refuses_local_only(void **state)
{
	static const char *const refused[] = { "--comments", "--process-blocks", "--journey",
					       "--print" };
	struct ctrcap_opts o;

	(void)state;
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *argv[] = { "ctrcap", "--node", "a=ssh://h", "-w", "f.pcapng",
				       refused[i] };

		assert_int_equal(parse(&o, 6, argv), -1);
	}
	{
		const char *argv[] = { "ctrcap", "--node", "a=ssh://h", "-w", "f.pcapng" };

		assert_int_equal(parse(&o, 5, argv), 0);
	}
}

/* --node NAME=URI: what is taken apart, and the clear refusals. */
static void test_node_spec_parse(void **state)
{
	static const struct {
		const char *arg, *err; /* err NULL: parses */
	} bad[] = {
		{ "a=rpcaps://h", "rpcaps:// (TLS) nodes are not supported yet (ssh://, k8s://, rpcap://)" },
		{ "a=rpcap://", "the URI names no host" },
		{ "a=rpcap://h:99999", "'99999' is not a port (1 to 65535)" },
		{ "a=rpcap://h/x y", "'x y' is not an rpcap source name" },
		{ "a=rpcap://h/-x", "'-x' is not an rpcap source name" },
		{ "a=rpcap://h?x", "an rpcap:// node URI has no query" },
		{ "a=rpcap://-u@h", "'-u' is not a user name" },
		{ "a=k8s://", "the URI names no Kubernetes node (k8s://NODE)" },
		{ "a=k8s://-n", "'-n' is not a Kubernetes node name" },
		{ "a=k8s://w1,status.phase=x", "'w1,status.phase=x' is not a Kubernetes node name" },
		{ "a=k8s://w 1", "'w 1' is not a Kubernetes node name" },
		{ "a=http://h",
		  "'http://h' is no ssh://[USER@]HOST[:PORT], k8s://NODE or rpcap://[USER@]HOST[:PORT] URI" },
		{ "ssh://h", "give NAME=URI, e.g. web1=ssh://root@host" },
		{ "a=ssh://", "the URI names no host" },
		{ "a=ssh://-oProxyCommand=x", "'-oProxyCommand=x' is not a host name or address" },
		{ "a=ssh://h;reboot", "'h;reboot' is not a host name or address" },
		{ "a=ssh://-l@h", "'-l' is not a user name" },
		{ "a=ssh://h:0", "'0' is not a port (1 to 65535)" },
		{ "a=ssh://h:22x", "'22x' is not a port (1 to 65535)" },
		{ "a=ssh://h/x", "an ssh:// node URI has no path or query" },
		{ "a=ssh://[fd00::1", "an IPv6 address needs its closing ']'" },
		{ "a/b=ssh://h", "bad node name: '/' at byte 1 of the node name" },
		{ "=ssh://h", "bad node name: empty node name" },
	};
	struct ctrcap_node_spec sp;
	char err[256];

	(void)state;
	assert_int_equal(ctrcap_node_spec_parse("w1=ssh://root@10.99.21.2:2222", &sp, err,
						sizeof(err)), 0);
	assert_string_equal(sp.name, "w1");
	assert_string_equal(sp.user, "root");
	assert_string_equal(sp.host, "10.99.21.2");
	assert_int_equal(sp.port, 2222);
	assert_string_equal(sp.uri, "ssh://root@10.99.21.2:2222");
	assert_int_equal(ctrcap_node_spec_parse("v6=ssh://[fd99:21::2]:22", &sp, err, sizeof(err)),
			 0);
	assert_string_equal(sp.host, "fd99:21::2");
	assert_int_equal(sp.port, 22);
	assert_int_equal(ctrcap_node_spec_parse("h=ssh://web1", &sp, err, sizeof(err)), 0);
	assert_string_equal(sp.user, "");
	assert_int_equal(sp.port, 0);
	assert_int_equal(sp.kind, CTRCAP_NODE_SSH);
	assert_int_equal(ctrcap_node_spec_parse("w2=k8s://ip-10-0-1-7.ec2.internal", &sp, err,
						sizeof(err)), 0);
	assert_int_equal(sp.kind, CTRCAP_NODE_K8S);
	assert_string_equal(sp.name, "w2");
	assert_string_equal(sp.host, "ip-10-0-1-7.ec2.internal");
	assert_int_equal(ctrcap_node_spec_parse("r1=rpcap://cap@10.99.21.2:2003/container-web",
						&sp, err, sizeof(err)), 0);
	assert_int_equal(sp.kind, CTRCAP_NODE_RPCAP);
	assert_string_equal(sp.user, "cap");
	assert_string_equal(sp.host, "10.99.21.2");
	assert_int_equal(sp.port, 2003);
	assert_string_equal(sp.source, "container-web");
	assert_int_equal(ctrcap_node_spec_parse("r2=rpcap://[fd99::2]", &sp, err, sizeof(err)), 0);
	assert_string_equal(sp.host, "fd99::2");
	assert_string_equal(sp.user, "");
	assert_string_equal(sp.source, "");
	assert_int_equal(sp.port, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ctrcap_node_spec_parse(bad[i].arg, &sp, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
	}
}

/*
 * The command a node runs, run here by a real sh as sshd's would (stdin
 * open, as ssh's is until ctrcap stops the node): with
 * /bin/echo as the "remote ctrcap", every word arrives as given (quotes,
 * spaces, $ and ; included), the selection pushed down, output options not.
 */
static void test_node_cmd(void **state)
{
	const char *argv[] = { "ctrcap", "--node", "n1=ssh://root@h:2200", "--remote-ctrcap",
			       "/bin/echo", "--ssh-option", "IdentityFile=/k", "-w", "out.pcapng",
			       "-U", "--container-name", "it's $web", "-c", "3", "-i", "eth0",
			       "udp", "and", "port", "53;", "reboot" };
	/* ssh's stdin stays open while it runs: its end stops the remote ctrcap. */
	const char *sh[] = { "/bin/sh", "-c", "sleep 1 | /bin/sh -c \"$1\"", "sh", NULL, NULL };
	static struct ctrcap_node_cmd c;
	struct ctrcap_node_spec sp;
	struct ctrcap_opts o;
	char err[512], *out = NULL;
	size_t len, n;

	(void)state;
	assert_int_equal(parse(&o, sizeof(argv) / sizeof(argv[0]), argv), 0);
	assert_int_equal(o.n_nodes, 1);
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[0], &sp, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_node_cmd_build(&c, &sp, &o, "/usr/bin/ssh", err, sizeof(err)), 0);
	for (n = 0; c.argv[n]; n++)
		;
	assert_string_equal(c.argv[0], "/usr/bin/ssh");
	assert_string_equal(c.argv[n - 5], "-l");
	assert_string_equal(c.argv[n - 4], "root");
	assert_string_equal(c.argv[n - 3], "--");
	assert_string_equal(c.argv[n - 2], "h");
	assert_ptr_equal(c.argv[n - 1], c.cmd);
	assert_string_equal(c.argv[n - 6], "2200");
	assert_string_equal(c.argv[n - 8], "IdentityFile=/k");
	assert_string_equal(c.argv[3], "BatchMode=yes");
	sh[4] = c.cmd;
	assert_int_equal(ctrcap_helper_run(sh, 10000, 4096, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "-w - -U --node-name n1 --container-name it's $web -c 3 -i eth0 "
				 "udp and port 53; reboot\n");
	free(out);
	ctrcap_opts_free(&o);
}

/* The words of argv joined by '|', for comparing a whole command at once. */
static const char *argv_join(const char *const *argv)
{
	static char buf[8192];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "", argv[i]);
	return buf;
}

/*
 * k8s://NODE: the exact kubectl get and kubectl exec commands, the pod
 * picked from get's output, and the whole path through a fake kubectl
 * (a script this test writes) that logs its argv and answers as kubectl
 * would. The exec's script run by a real sh gives the pushed-down words.
 */
/* --nodes-from k8s[:SELECTOR]: the kubectl list command and the nodes its answer adds. */
static void test_nodes_from_k8s(void **state)
{
	const char *argv[] = { "ctrcap", "--nodes-from", "k8s:pool=gpu,tier!=batch",
			       "--kube-context", "prod", "--kubeconfig", "/k/cfg",
			       "--node", "w2=k8s://worker-2", "--node", "s=ssh://root@h", "-w", "o" };
	const char *plain[] = { "ctrcap", "--nodes-from", "k8s", "-w", "o" };
	const char *bad[][3] = { { "ctrcap", "--nodes-from", "ssh" },
				 { "ctrcap", "--nodes-from", "k8s:" },
				 { "ctrcap", "--nodes-from", "k8s:-x" } };
	struct ctrcap_k8s_list g;
	struct ctrcap_opts o;
	char err[512];

	(void)state;
	assert_int_equal(parse(&o, sizeof(plain) / sizeof(plain[0]), plain), 0);
	assert_true(ctrcap_opts_nodes(&o));
	ctrcap_k8s_list_build(&g, NULL, &o, "/usr/bin/kubectl");
	assert_string_equal(argv_join(g.argv),
			    "/usr/bin/kubectl|get|pods|-n|ctrcap|-l|app.kubernetes.io/name=ctrcap|"
			    "--field-selector|status.phase=Running|-o|"
			    "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}");
	/* No pod: a clear error naming what was asked. */
	assert_int_equal(ctrcap_k8s_nodes_add(&o, "", err, sizeof(err)), -1);
	assert_string_equal(err, "no running ctrcap pod (namespace ctrcap, label "
				 "app.kubernetes.io/name=ctrcap): is deploy/kubernetes/ applied "
				 "and are its pods ready?");
	/* kubectl's answer is node names; anything else is refused. */
	assert_int_equal(ctrcap_k8s_nodes_add(&o, "error: x y\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kubectl named node 'error: x y': "));
	assert_int_equal(o.n_nodes, 0);
	ctrcap_opts_free(&o);

	assert_int_equal(parse(&o, sizeof(argv) / sizeof(argv[0]), argv), 0);
	ctrcap_k8s_list_build(&g, o.nodes_from + 4, &o, "/usr/bin/kubectl");
	assert_string_equal(argv_join(g.argv),
			    "/usr/bin/kubectl|--context|prod|--kubeconfig|/k/cfg|get|pods|-n|ctrcap|"
			    "-l|app.kubernetes.io/name=ctrcap,pool=gpu,tier!=batch|"
			    "--field-selector|status.phase=Running|-o|"
			    "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}");
	/* One node a pod, twice during a rollout; worker-2 is given already. */
	assert_int_equal(ctrcap_k8s_nodes_add(&o, "worker-1\nworker-2\nworker-1\nworker-3", err,
					      sizeof(err)),
			 0);
	assert_int_equal(o.n_nodes, 4);
	assert_string_equal(o.nodes[2], "worker-1=k8s://worker-1");
	assert_string_equal(o.nodes[3], "worker-3=k8s://worker-3");
	/* A found node named as another --node is refused, not renamed. */
	assert_int_equal(ctrcap_k8s_nodes_add(&o, "s\n", err, sizeof(err)), -1);
	assert_string_equal(err, "node s is also the name of --node s=ssh://root@h");
	ctrcap_opts_free(&o);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(&o, 3, bad[i]), -1);
	/* Not on its own with a local capture's options. */
	assert_int_equal(parse(&o, 4, (const char *[]){ "ctrcap", "--nodes-from", "k8s",
							"--node-name=x" }),
			 -1);
}

/* An rpcap:// node's command: this ctrcap in --rpcap-source mode; -c and the expression pass, --pid is refused. */
static void test_node_rpcap_cmd(void **state)
{
	const char *argv[] = { "ctrcap", "--node", "r=rpcap://cap@10.99.21.2:2003/container-web",
			       "--node", "n=rpcap://10.99.22.2", "--rpcap-password-file", "/p",
			       "-w", "o.pcapng", "-c", "5", "udp", "port", "53" };
	const char *pid[] = { "ctrcap", "--node", "r=rpcap://h", "-w", "o.pcapng", "--pid", "7" };
	static struct ctrcap_node_cmd c;
	struct ctrcap_node_spec sp;
	struct ctrcap_opts o;
	char err[512];

	(void)state;
	assert_int_equal(parse(&o, sizeof(argv) / sizeof(argv[0]), argv), 0);
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[0], &sp, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_node_rpcap_cmd_build(&c, &sp, &o, "/usr/sbin/ctrcap", err,
						     sizeof(err)), 0);
	assert_string_equal(argv_join(c.argv),
			    "/usr/sbin/ctrcap|--rpcap-source|rpcap://cap@10.99.21.2:2003/container-web|"
			    "--node-name|r|-w|-|-U|--rpcap-password-file|/p|-c|5|udp port 53");
	/* No user: null auth, the password file stays here. */
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[1], &sp, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_node_rpcap_cmd_build(&c, &sp, &o, "/usr/sbin/ctrcap", err,
						     sizeof(err)), 0);
	assert_string_equal(argv_join(c.argv),
			    "/usr/sbin/ctrcap|--rpcap-source|rpcap://10.99.22.2|--node-name|n|-w|-|"
			    "-U|-c|5|udp port 53");
	ctrcap_opts_free(&o);
	assert_int_equal(parse(&o, sizeof(pid) / sizeof(pid[0]), pid), 0);
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[0], &sp, err, sizeof(err)), 0);
	assert_int_equal(ctrcap_node_rpcap_cmd_build(&c, &sp, &o, "/usr/sbin/ctrcap", err,
						     sizeof(err)), -1);
	assert_string_equal(err, "an rpcap:// node takes no --pid (ctrcap-rpcapd selects by its "
				 "source, rpcap://HOST/SOURCE, and the expression)");
	ctrcap_opts_free(&o);
}

static void test_node_k8s(void **state)
{
	const char *argv[] = { "ctrcap", "--node", "w=k8s://worker-1", "--kube-context", "prod",
			       "--kubeconfig", "/k/cfg", "--remote-ctrcap", "/bin/echo", "-w",
			       "o.pcapng", "--pod-name", "web-0", "--pod-namespace", "shop", "tcp",
			       "port", "80" };
	const char *plain[] = { "ctrcap", "--node", "w=k8s://worker-1", "-w", "o.pcapng" };
	const char *sh[] = { "/bin/sh", "-c", "sleep 1 | /bin/sh -c \"$1\"", "sh", NULL, NULL };
	static struct ctrcap_node_cmd c;
	struct ctrcap_k8s_get g;
	struct ctrcap_node_spec sp;
	struct ctrcap_opts o;
	char err[512], dir[] = "/tmp/ctrcap-k8s-XXXXXX", kubectl[128], log[128], *out = NULL;
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(parse(&o, sizeof(plain) / sizeof(plain[0]), plain), 0);
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[0], &sp, err, sizeof(err)), 0);
	ctrcap_node_k8s_get_build(&g, &sp, &o, "/usr/bin/kubectl");
	assert_string_equal(argv_join(g.argv),
			    "/usr/bin/kubectl|get|pods|-n|ctrcap|-l|app.kubernetes.io/name=ctrcap|"
			    "--field-selector|spec.nodeName=worker-1,status.phase=Running|-o|"
			    "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}");
	ctrcap_opts_free(&o);

	assert_int_equal(parse(&o, sizeof(argv) / sizeof(argv[0]), argv), 0);
	assert_int_equal(ctrcap_node_spec_parse(o.nodes[0], &sp, err, sizeof(err)), 0);
	ctrcap_node_k8s_get_build(&g, &sp, &o, "/usr/bin/kubectl");
	assert_string_equal(argv_join(g.argv),
			    "/usr/bin/kubectl|--context|prod|--kubeconfig|/k/cfg|get|pods|-n|ctrcap|"
			    "-l|app.kubernetes.io/name=ctrcap|--field-selector|"
			    "spec.nodeName=worker-1,status.phase=Running|-o|"
			    "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}");

	/* get's answer: the first pod; none, or no pod name, is a clear error. */
	assert_int_equal(ctrcap_node_k8s_pick(&c, &sp, "", err, sizeof(err)), -1);
	assert_string_equal(err, "no running ctrcap pod on Kubernetes node worker-1 (namespace "
				 "ctrcap, label app.kubernetes.io/name=ctrcap): is "
				 "deploy/kubernetes/ applied and the node's pod ready?");
	assert_int_equal(ctrcap_node_k8s_pick(&c, &sp, "error: You must be logged in\n", err,
					      sizeof(err)),
			 -1);
	assert_string_equal(err, "kubectl named no pod on node worker-1: 'error: You must be "
				 "logged in'");
	assert_int_equal(ctrcap_node_k8s_pick(&c, &sp, "ctrcap-x7k2p\nctrcap-old\n", err,
					      sizeof(err)),
			 0);
	assert_string_equal(c.pod, "ctrcap-x7k2p");
	assert_int_equal(ctrcap_node_k8s_cmd_build(&c, &sp, &o, "/usr/bin/kubectl", err,
						   sizeof(err)),
			 0);
	assert_ptr_equal(c.argv[13], c.cmd);
	c.argv[13] = "SCRIPT";
	assert_string_equal(argv_join(c.argv),
			    "/usr/bin/kubectl|--context|prod|--kubeconfig|/k/cfg|exec|-i|-n|ctrcap|"
			    "ctrcap-x7k2p|--|sh|-c|SCRIPT");
	c.argv[13] = c.cmd;
	sh[4] = c.cmd;
	assert_int_equal(ctrcap_helper_run(sh, 10000, 4096, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "-w - -U --node-name w --pod-name web-0 --pod-namespace shop "
				 "tcp port 80\n");
	free(out);

	/* Through a fake kubectl: get answers a pod, and the command names it. */
	assert_non_null(mkdtemp(dir));
	snprintf(kubectl, sizeof(kubectl), "%s/kubectl", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	f = fopen(kubectl, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nfor a; do printf '%%s|' \"$a\"; done >>%s\necho >>%s\n"
		   "echo ctrcap-abcde\n",
		log, log);
	fclose(f);
	assert_int_equal(chmod(kubectl, 0700), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctrcap_node_k8s_prepare(&c, &sp, &o, kubectl, err, sizeof(err)), 0);
	assert_string_equal(c.pod, "ctrcap-abcde");
	assert_string_equal(c.argv[9], "ctrcap-abcde");
	assert_int_equal(ctrcap_helper_run((const char *const[]){ "/bin/cat", log, NULL }, 10000,
					   4096, &out, &len, err, sizeof(err)),
			 0);
	assert_non_null(strstr(out, "|get|pods|-n|ctrcap|-l|app.kubernetes.io/name=ctrcap|"
				    "--field-selector|spec.nodeName=worker-1,status.phase=Running|"));
	free(out);
	/* kubectl failing (no cluster, no rights): its message is the reason. */
	f = fopen(kubectl, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho 'error: pods is forbidden' >&2\nexit 1\n");
	fclose(f);
	assert_int_equal(ctrcap_node_k8s_prepare(&c, &sp, &o, kubectl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "error: pods is forbidden"));
	unlink(kubectl);
	unlink(log);
	rmdir(dir);
	ctrcap_opts_free(&o);
}

/* An exec event of pid started at start_ns after boot, running exe with no args. */
static void exec_at(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns, const char *exe,
		    uint64_t now_ms)
{
	static struct ctrcap_exec_event e;

	memset(&e, 0, sizeof(e));
	e.type = CTRCAP_EV_EXEC;
	e.tgid = pid;
	e.ppid = 1;
	e.start_ns = start_ns;
	snprintf(e.comm, sizeof(e.comm), "%s", strrchr(exe, '/') + 1);
	snprintf(e.exe, sizeof(e.exe), "%s", exe);
	ctrcap_proc_on_exec(t, &e, now_ms);
}

/*
 * Processes are keyed by (pid, start time): a pid taken by a new process
 * keeps the old one for late packets, and a start time nobody holds any
 * more is a reused pid, not the new process.
 */
static void test_proc_table_pid_reuse(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	const uint64_t s = 1000000000ull;
	const struct ctrcap_proc *p;
	bool reused;
	uint64_t own;

	(void)state;
	assert_non_null(t);
	exec_at(t, 6000001, 5 * s, "/bin/p", 1000);
	/* P's exit event was lost: Q's fork under the same pid says P is gone. */
	ctrcap_proc_on_fork(t, 6000001, 1, 9 * s, 2000);
	exec_at(t, 6000001, 9 * s, "/bin/q", 2000);
	p = ctrcap_proc_find(t, 6000001, 5 * s, &reused);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/p");
	assert_int_equal(p->exited_ms, 2000);
	assert_false(reused);
	p = ctrcap_proc_find(t, 6000001, 9 * s, &reused);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/q");
	/* Start unknown (kernels without it): the pid's current process, as before. */
	assert_string_equal(ctrcap_proc_find(t, 6000001, 0, &reused)->exe, "/bin/q");
	assert_string_equal(ctrcap_proc_get(t, 6000001)->exe, "/bin/q");
	/* A process of the pid the table never saw: not Q. */
	assert_null(ctrcap_proc_find(t, 6000001, 7 * s, &reused));
	assert_true(reused);
	/* Start times from events are exact: a pid reused within one clock tick is told apart. */
	assert_null(ctrcap_proc_find(t, 6000001, 5 * s + 1000, &reused));
	assert_true(reused);
	/* P's late exit leaves Q alive. */
	ctrcap_proc_on_exit(t, 6000001, 5 * s, 2500);
	assert_int_equal(ctrcap_proc_get(t, 6000001)->exited_ms, 0);
	/* P lingers, then is forgotten: its packets get the named gap. */
	ctrcap_proc_table_gc(t, 2000 + CTRCAP_PROC_LINGER_MS / 2);
	assert_non_null(ctrcap_proc_find(t, 6000001, 5 * s, &reused));
	ctrcap_proc_table_gc(t, 2000 + CTRCAP_PROC_LINGER_MS + 1);
	assert_null(ctrcap_proc_find(t, 6000001, 5 * s, &reused));
	assert_true(reused);
	assert_non_null(ctrcap_proc_find(t, 6000001, 9 * s, &reused));
	/* Q's successor R starts in Q's clock tick: still another process. */
	ctrcap_proc_on_fork(t, 6000001, 1, 9 * s + 1000, 3000);
	exec_at(t, 6000001, 9 * s + 1000, "/bin/r", 3000);
	assert_string_equal(ctrcap_proc_get(t, 6000001)->exe, "/bin/r");
	assert_string_equal(ctrcap_proc_find(t, 6000001, 9 * s + 1000, &reused)->exe, "/bin/r");
	assert_string_equal(ctrcap_proc_find(t, 6000001, 9 * s, &reused)->exe, "/bin/q");
	/* A pid read from /proc: its start time is the process's (field 22 of stat), to the tick. */
	p = ctrcap_proc_find(t, getpid(), 0, &reused);
	assert_non_null(p);
	own = p->start_ns;
	assert_true(own > 0);
	assert_ptr_equal(ctrcap_proc_find(t, getpid(), own + 1, &reused), p);
	assert_null(ctrcap_proc_find(t, getpid(), own + 3600 * s, &reused));
	assert_true(reused);
	ctrcap_proc_table_free(t);

	/* Not in the table yet, and /proc holds another process under the pid. */
	t = ctrcap_proc_table_new();
	assert_non_null(t);
	assert_null(ctrcap_proc_find(t, getpid(), own + 3600 * s, &reused));
	assert_true(reused);
	ctrcap_proc_table_free(t);
}

/*
 * A packet of a process that is gone, whose pid another process holds now,
 * names the pid and comm it was sent with and says the process is gone; it
 * never shows the new process's command, arguments or parent.
 */
static void test_identity_pid_reused(void **state)
{
	struct ctrcap_proc_table *t = ctrcap_proc_table_new();
	struct ctrcap_pkt_event e = { .type = CTRCAP_EV_PACKET, .netns = 4026531840u,
				      .attribution = CTRCAP_ATTR_SOCKET,
				      .owner = { .tgid = 6000002, .tid = 6000002, .uid = 7,
						 .start_ns = 5000000000ull } };
	static struct ctrcap_ident_buf b;
	static uint8_t rec[CTRCAP_RECORD_MAX];
	struct ctrcap_identity d;
	struct ctrcap_ident *x;
	char text[512], err[128];
	uint32_t len;

	(void)state;
	assert_non_null(t);
	x = ctrcap_ident_new(t, NULL, "", NULL);
	assert_non_null(x);
	exec_at(t, 6000002, 9000000000ull, "/bin/q", 1000);
	strcpy(e.owner.comm, "pee");
	len = record_of(x, &e, &b, rec);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctrcap_record_decode(rec, len, &d, err, sizeof(err)), 0);
	ctrcap_identity_format(&d, NULL, text, sizeof(text));
	assert_string_equal(text, "Process (pid 6000002, cmd pee, state gone (exited; its pid "
				  "names another process now))\n"
				  "User (uid 7, gid 0)\n");
	assert_true(d.present & CTRCAP_HAS_START_TIME);

	/* The process that holds the pid now, by its start time or none known. */
	e.owner.start_ns = 9000000000ull;
	len = record_of(x, &e, &b, rec);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctrcap_record_decode(rec, len, &d, err, sizeof(err)), 0);
	assert_false(d.present & CTRCAP_HAS_PROC_STATE);
	assert_int_equal(d.exe.len, strlen("/bin/q"));
	e.owner.start_ns = 0;
	ctrcap_ident_build(x, &e, &b);
	assert_false(b.id.present & CTRCAP_HAS_PROC_STATE);
	assert_int_equal(b.id.exe.len, strlen("/bin/q"));
	ctrcap_ident_free(x);
	ctrcap_proc_table_free(t);
}

/*
 * A namespace path that opens another namespace than the one listed (a
 * /proc/PID path whose pid was reused) is refused before setns.
 */
static void test_netns_enter_checks_inode(void **state)
{
	struct ctrcap_netns ns = { .path = "/proc/self/ns/net" };

	(void)state;
	assert_int_equal(ctrcap_netns_init(), 0);
	ns.ino = ctrcap_netns_ino(ns.path) + 1;
	errno = 0;
	assert_int_equal(ctrcap_netns_enter(&ns), -1);
	assert_int_equal(errno, ESTALE);
	/* The namespace it names is entered (setns needs root). */
	if (geteuid() == 0) {
		ns.ino = ctrcap_netns_ino(ns.path);
		assert_int_equal(ctrcap_netns_enter(&ns), 0);
		assert_int_equal(ctrcap_netns_leave(), 0);
	}
}

/*
 * --hops table: first keeps one copy per id; container prefers a container
 * hop, skips host veths/bridges, keeps a host-only packet at its first hop;
 * an id is new again after the hop window; a full table shows a packet
 * twice rather than hiding one.
 */
static void test_hops_keep(void **state)
{
	struct ctrcap_hops *f = ctrcap_hops_new(CTRCAP_HOPS_FIRST);
	struct ctrcap_hops *c = ctrcap_hops_new(CTRCAP_HOPS_CONTAINER);
	const uint64_t win = 1000000000ull;

	(void)state;
	assert_int_equal(ctrcap_hops_parse("container"), CTRCAP_HOPS_CONTAINER);
	assert_int_equal(ctrcap_hops_parse("every"), -1);
	/* Each mode's name parses back to it. */
	for (int m = CTRCAP_HOPS_ALL; m <= CTRCAP_HOPS_FOLD; m++)
		assert_int_equal(ctrcap_hops_parse(ctrcap_hops_name(m)), m);
	assert_true(ctrcap_hops_keep(f, 7, 100, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(f, 7, 200, CTRCAP_HOP_CONTAINER));
	assert_true(ctrcap_hops_keep(f, 7, 100 + win, CTRCAP_HOP_CONTAINER));
	/* host to container: bridge and veth left out, the receiver's eth0 kept */
	assert_false(ctrcap_hops_keep(c, 9, 100, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(c, 9, 110, CTRCAP_HOP_PLUMBING));
	assert_true(ctrcap_hops_keep(c, 9, 120, CTRCAP_HOP_CONTAINER));
	/* container to container: the sender's eth0, then nothing */
	assert_true(ctrcap_hops_keep(c, 10, 100, CTRCAP_HOP_CONTAINER));
	assert_false(ctrcap_hops_keep(c, 10, 110, CTRCAP_HOP_PLUMBING));
	assert_false(ctrcap_hops_keep(c, 10, 120, CTRCAP_HOP_CONTAINER));
	/* lo: out kept, in left out */
	assert_true(ctrcap_hops_keep(c, 11, 100, CTRCAP_HOP_HOST));
	assert_false(ctrcap_hops_keep(c, 11, 110, CTRCAP_HOP_HOST));
	assert_int_equal(ctrcap_hops_skipped(c), 5);
	/* more live ids than slots: old ones are forgotten, so shown again */
	for (uint64_t id = 100; id < 100 + 2 * CTRCAP_HOPS_SLOTS; id++)
		assert_true(ctrcap_hops_keep(f, id, 500, CTRCAP_HOP_HOST));
	assert_true(ctrcap_hops_keep(f, 100, 600, CTRCAP_HOP_HOST));
	ctrcap_hops_free(f);
	ctrcap_hops_free(c);
}

/* Drop locations: the code symbol at or below an address, hex otherwise. */
static void test_ksyms_format(void **state)
{
	char path[] = "/tmp/ccap-ksyms.XXXXXX", buf[128];
	struct ctrcap_ksyms *k;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	/* Unsorted, with a data symbol and a module's symbol. */
	fputs("ffffffff81200000 T nf_hook_slow\n"
	      "ffffffff81100000 t ip_rcv_core\n"
	      "ffffffff81150000 D some_data\n"
	      "ffffffffc0001000 t nft_do_chain\t[nf_tables]\n", f);
	fclose(f);
	k = ctrcap_ksyms_new(path);
	unlink(path);	/* opened at creation: read later all the same */
	assert_non_null(k);
	ctrcap_ksyms_format(k, 0xffffffff8120009cull, buf, sizeof(buf));
	assert_string_equal(buf, "nf_hook_slow+0x9c");
	ctrcap_ksyms_format(k, 0xffffffff81160000ull, buf, sizeof(buf));
	assert_string_equal(buf, "ip_rcv_core+0x60000");
	ctrcap_ksyms_format(k, 0xffffffffc0001010ull, buf, sizeof(buf));
	assert_string_equal(buf, "nft_do_chain+0x10");
	ctrcap_ksyms_format(k, 0xffffffff81000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff81000000");
	ctrcap_ksyms_free(k);

	/* kptr_restrict: every address reads 0, every location is hex. */
	strcpy(path, "/tmp/ccap-ksyms.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("0000000000000000 T nf_hook_slow\n0000000000000000 t ip_rcv_core\n", f);
	fclose(f);
	k = ctrcap_ksyms_new(path);
	unlink(path);
	ctrcap_ksyms_format(k, 0xffffffff8120009cull, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff8120009c");
	ctrcap_ksyms_free(k);
	/* No file at all: hex. */
	k = ctrcap_ksyms_new("/nonexistent/kallsyms");
	ctrcap_ksyms_format(k, 0x10, buf, sizeof(buf));
	assert_string_equal(buf, "0x10");
	ctrcap_ksyms_free(k);
}

/* The running kernel's drop reasons, by name, prefix stripped (skipped without them). */
static void test_drop_names(void **state)
{
	struct ctrcap_drop_names *n;
	struct btf *btf;
	char err[256];
	bool seen = false;

	(void)state;
	/* No BTF: no names, and a reason why. */
	assert_null(ctrcap_drop_names_load(NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "BTF"));
	btf = ctrcap_vmlinux_btf();
	n = ctrcap_drop_names_load(btf, err, sizeof(err));
	/* The names are copies: they outlive the BTF. */
	btf__free(btf);
	if (!n) {
		printf("skipped: %s\n", err);
		return;
	}
	for (uint32_t v = 0; v < 4096; v++) {
		const char *name = ctrcap_drop_reason_name(n, v);

		if (name) {
			assert_null(strstr(name, "SKB_DROP_REASON_"));
			seen |= !strcmp(name, "NETFILTER_DROP");
		}
	}
	assert_true(seen);
	assert_null(ctrcap_drop_reason_name(n, UINT32_MAX));
	ctrcap_drop_names_free(n);
}

/* A namespace's local addresses from /proc/net/fib_trie and if_inet6 text; loopback left out. */
static void test_netns_addrs_parse(void **state)
{
	static const char fib[] =
	    "Main:\n"
	    "  +-- 0.0.0.0/0 3 0 5\n"
	    "     +-- 10.99.19.0/25 2 0 2\n"
	    "        |-- 10.99.19.0\n"
	    "           /25 link UNICAST\n"
	    "        |-- 10.99.19.2\n"
	    "           /32 host LOCAL\n"
	    "        |-- 10.99.19.127\n"
	    "           /32 link BROADCAST\n"
	    "     +-- 127.0.0.0/8 2 0 2\n"
	    "           |-- 127.0.0.1\n"
	    "              /32 host LOCAL\n"
	    "Local:\n"
	    "        |-- 10.99.19.2\n"
	    "           /32 host LOCAL\n"
	    "        |-- 172.17.0.3\n"
	    "           /32 host LOCAL";
	static const char in6[] =
	    "fd990019000000000000000000000002 02 40 00 80     eth0\n"
	    "00000000000000000000000000000001 01 80 10 80       lo\n"
	    "fe80000000000000e8b184fffe9475d5 02 40 20 80     eth0\n"
	    "garbage\n";
	struct ctrcap_ns_addr v[8];
	char ip[64];
	size_t n;
	(void)state;

	n = ctrcap_addrs_parse_fib_trie(fib, 7, v, 0, 8);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].netns, 7);
	assert_int_equal(v[0].family, AF_INET);
	assert_string_equal(inet_ntop(AF_INET, v[0].addr, ip, sizeof(ip)), "10.99.19.2");
	assert_string_equal(inet_ntop(AF_INET, v[1].addr, ip, sizeof(ip)), "172.17.0.3");
	n = ctrcap_addrs_parse_if_inet6(in6, 7, v, n, 8);
	assert_int_equal(n, 4);
	assert_int_equal(v[2].family, AF_INET6);
	assert_string_equal(inet_ntop(AF_INET6, v[2].addr, ip, sizeof(ip)), "fd99:19::2");
	assert_string_equal(inet_ntop(AF_INET6, v[3].addr, ip, sizeof(ip)),
			    "fe80::e8b1:84ff:fe94:75d5");
	/* Full: nothing more is added. */
	assert_int_equal(ctrcap_addrs_parse_fib_trie(fib, 8, v, 4, 4), 4);
}

/* The name an address gets: <pod>.<namespace>.pod for a pod's container, else the container's. */
static void test_container_host_name(void **state)
{
	static struct ctr_info c;
	char buf[64];
	(void)state;

	snprintf(c.name, sizeof(c.name), "web");
	assert_string_equal(ctrcap_container_host_name(&c, buf, sizeof(buf)), "web");
	snprintf(c.name, sizeof(c.name), "/web");
	assert_string_equal(ctrcap_container_host_name(&c, buf, sizeof(buf)), "web");
	snprintf(c.pod_name, sizeof(c.pod_name), "db-0");
	snprintf(c.pod_namespace, sizeof(c.pod_namespace), "shop");
	assert_string_equal(ctrcap_container_host_name(&c, buf, sizeof(buf)), "db-0.shop.pod");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netns_addrs_parse),
		cmocka_unit_test(test_container_host_name),
		cmocka_unit_test(test_opts_ifaces_filter_cmd),
		cmocka_unit_test(test_opts_defaults_and_errors),
		cmocka_unit_test(test_summary_tcp_syn),
		cmocka_unit_test(test_summary_arp_and_raw_udp6),
		cmocka_unit_test(test_dump_hex_layout),
		cmocka_unit_test(test_dump_ascii),
		cmocka_unit_test(test_tcp_seq_relative),
		cmocka_unit_test(test_summary_fmt),
		cmocka_unit_test(test_opts_text_flags),
		cmocka_unit_test(test_dns_text),
		cmocka_unit_test(test_args_join),
		cmocka_unit_test(test_proc_table_exec_fork_exit),
		cmocka_unit_test(test_proc_table_full_counted),
		cmocka_unit_test(test_proc_table_gc_keeps_others),
		cmocka_unit_test(test_proc_table_gc_steps),
		cmocka_unit_test(test_container_pick),
		cmocka_unit_test(test_link_parse),
		cmocka_unit_test(test_link_peer),
		cmocka_unit_test(test_identity_match),
		cmocka_unit_test(test_opts_long_names_and_read),
		cmocka_unit_test(test_read_filter),
		cmocka_unit_test(test_opts_engine_paths),
		cmocka_unit_test(test_proc_table_exec_path),
		cmocka_unit_test(test_proc_table_self_exe),
		cmocka_unit_test(test_record_cache),
		cmocka_unit_test(test_ident_recent),
		cmocka_unit_test(test_identity_node),
		cmocka_unit_test(test_node_name_precedence),
		cmocka_unit_test(test_node_refuses_local_only),
		cmocka_unit_test(test_node_spec_parse),
		cmocka_unit_test(test_node_cmd),
		cmocka_unit_test(test_node_rpcap_cmd),
		cmocka_unit_test(test_node_k8s),
		cmocka_unit_test(test_nodes_from_k8s),
		cmocka_unit_test(test_proc_table_pid_reuse),
		cmocka_unit_test(test_identity_pid_reused),
		cmocka_unit_test(test_netns_enter_checks_inode),
		cmocka_unit_test(test_hops_keep),
		cmocka_unit_test(test_ksyms_format),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_tcp_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
