// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the text printer on any packet bytes, with every text
 * flag (-e, -v, relative seq, -x/-X/-A, the time stamp formats) and the
 * DNS decoder, and the TCP options alone. Byte 0 picks the link type and flags; the rest is the packet.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_text.h"
#include "packet_text.h"
#include "tcp_options.h"
#include "tcp_seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t linktypes[] = { 1, 101, 113, 147 };
	static struct ctrcap_text_state st;
	static FILE *null;
	struct ctrcap_text_identity how = { 0 };
	struct ctrcap_text_opts fmt = { 0 };
	struct ctrcap_text_pkt p = { .ifname = "eth0" };
	char buf[2048];
	uint8_t *copy;

	if (!size)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	if (!st.seq)
		st.seq = ctrcap_tcp_seq_new();
	if (!null || !st.seq)
		abort();
	/* An exact-size heap copy lets ASan see any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	p.linktype = linktypes[data[0] & 3];
	p.data = copy;
	p.caplen = p.len = size - 1;
	p.ts_ns = (uint64_t)data[0] << 40;
	fmt.link_header = data[0] & 4;
	fmt.ip_detail = data[0] & 8;
	fmt.hex = data[0] >> 4 & 3;
	fmt.hex_ascii = data[0] >> 6;
	fmt.ascii = data[0] & 16;
	fmt.nano = data[0] & 32;
	fmt.ts = data[0] % 6;
	ctrcap_packet_summary_fmt(&p, &fmt, &st, buf, sizeof(buf));
	ctrcap_packet_summary_fmt(&p, &fmt, &st, buf, 7); /* a short buffer */
	ctrcap_packet_print(null, &p, NULL, 0, &how, &fmt, &st);
	/* TCP options alone: a header announcing more than was captured, short buffers. */
	for (size_t cap = 6; cap <= sizeof(buf); cap += sizeof(buf) - 6) {
		struct text_buf b = { buf, cap, 0 };

		ctrcap_tcp_options_text(&b, copy, (uint32_t)(size - 1) + (data[0] & 7) * 4,
					(uint32_t)(size - 1), data[0] & 8, data[0]);
	}
	ctrcap_dns_text(copy, size - 1, size - 1, buf, sizeof(buf));
	ctrcap_dns_text(copy, size - 1, size - 1, buf, 5);
	free(copy);
	return 0;
}
