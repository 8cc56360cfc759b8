/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One tcpdump-like text line per packet: time, interface, direction, summary. */
#ifndef CTRCAP_PACKET_TEXT_H
#define CTRCAP_PACKET_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctrcap/record.h"

struct ctrcap_text_pkt {
	uint64_t ts_ns;		/* ns since the Unix epoch */
	const char *ifname;	/* "" = unknown: not printed, as the direction */
	uint32_t direction;	/* CTRCAP_DIR_* */
	uint16_t linktype;	/* 1 Ethernet, 101 raw IP, 113 Linux cooked */
	const uint8_t *data;
	uint32_t caplen, len;
};

/* The summary after "IFACE In|Out ", e.g. "IP 10.0.0.1.80 > ...: Flags [S], ...". */
void ctrcap_packet_summary(const struct ctrcap_text_pkt *p, char *buf, size_t cap);

/* How the time stamp at the start of a line is printed (-t ... -ttttt). */
enum ctrcap_ts_format {
	CTRCAP_TS_TIME,	     /* default: 14:21:19.932603, local time */
	CTRCAP_TS_NONE,	     /* -t */
	CTRCAP_TS_EPOCH,     /* -tt: 1700000000.932603 */
	CTRCAP_TS_DELTA,     /* -ttt: since the previous printed packet */
	CTRCAP_TS_DATE,	     /* -tttt: 2026-12-06 14:21:19.932603 */
	CTRCAP_TS_SINCE_1ST, /* -ttttt: since the first printed packet */
};

/* tcpdump's text flags: what a packet line shows and what follows it. */
struct ctrcap_text_opts {
	enum ctrcap_ts_format ts; /* -t, counted */
	bool nano;		  /* --nano: 9 digits of fraction, not 6 */
	unsigned hex;		  /* -x 1, -xx 2 (with the link header) */
	unsigned hex_ascii;	  /* -X 1, -XX 2 */
	bool ascii;		  /* -A */
	bool link_header;	  /* -e */
	bool abs_seq;		  /* -S: absolute TCP sequence numbers */
	bool ip_detail;		  /* -v: tos, ttl, id, flags... of the IP header */
	bool line_buffered;	  /* -l */
};

struct ctrcap_tcp_seq;

/* What printing remembers from packet to packet (-ttt, -ttttt, relative seq). */
struct ctrcap_text_state {
	uint64_t first_ns, prev_ns;
	bool seen;
	struct ctrcap_tcp_seq *seq; /* NULL: absolute numbers */
};

/* The summary as fmt asks (-e, -v, relative seq with st->seq); st may be NULL. */
void ctrcap_packet_summary_fmt(const struct ctrcap_text_pkt *p,
			       const struct ctrcap_text_opts *fmt, struct ctrcap_text_state *st,
			       char *buf, size_t cap);

/* "DROP <reason> at <location>" of a kernel drop (id names one) into buf. */
void ctrcap_drop_text(const struct ctrcap_identity *id, char *buf, size_t cap);

/* How a packet's identity is printed: the parts chosen, where. */
struct ctrcap_text_identity {
	unsigned line_ctx;	/* ctrcap_context bits ending the packet line, 0 none */
	unsigned lines_ctx;	/* bits shown as lines under it with verbose */
	int verbose;		/* -v: identity lines; -vv: also how it was attributed */
};

/*
 * Print the packet line (time stamp and summary as fmt asks), ended by the
 * identity's short form; with verbose the identity lines under it (Process
 * / User / ParentProc / Container / Pod, plus how it was attributed); then
 * the bytes for -x, -X or -A. st carries what fmt needs from earlier packets.
 */
void ctrcap_packet_print(FILE *f, const struct ctrcap_text_pkt *p,
			 const struct ctrcap_identity *id, uint64_t packet_id,
			 const struct ctrcap_text_identity *how, const struct ctrcap_text_opts *fmt,
			 struct ctrcap_text_state *st);

#endif /* CTRCAP_PACKET_TEXT_H */
