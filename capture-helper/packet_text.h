/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One tcpdump-like text line per packet: time, interface, direction, summary. */
#ifndef CTRCAP_PACKET_TEXT_H
#define CTRCAP_PACKET_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctrcap/record.h"

struct ctrcap_text_pkt {
	uint64_t ts_ns;		/* ns since the Unix epoch */
	const char *ifname;
	uint32_t direction;	/* CTRCAP_DIR_* */
	uint16_t linktype;	/* 1 Ethernet, 101 raw IP, 113 Linux cooked */
	const uint8_t *data;
	uint32_t caplen, len;
};

/* The summary after "IFACE In|Out ", e.g. "IP 10.0.0.1.80 > ...: Flags [S], ...". */
void ctrcap_packet_summary(const struct ctrcap_text_pkt *p, char *buf, size_t cap);

/* How a packet's identity is printed: the parts chosen, where. */
struct ctrcap_text_identity {
	unsigned line_ctx;	/* ctrcap_context bits ending the packet line, 0 none */
	unsigned lines_ctx;	/* bits shown as lines under it with verbose */
	int verbose;		/* -v: identity lines; -vv: also how it was attributed */
};

/*
 * Print the packet line, ended by the identity's short form, and with
 * verbose the identity lines under it (Process / User / ParentProc /
 * Container / Pod, plus how it was attributed).
 */
void ctrcap_packet_print(FILE *f, const struct ctrcap_text_pkt *p,
			 const struct ctrcap_identity *id, uint64_t packet_id,
			 const struct ctrcap_text_identity *how);

#endif /* CTRCAP_PACKET_TEXT_H */
