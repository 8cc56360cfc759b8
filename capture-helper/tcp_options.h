/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP options as tcpdump prints them: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
#ifndef CTRCAP_TCP_OPTIONS_H
#define CTRCAP_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "text_buf.h"

/*
 * Append the options of a TCP header to b: opt is what follows the fixed
 * 20 bytes, len the option bytes the header's data offset announces and
 * avail those captured (the rest is shown as tcpdump's "|tcp" cut). An
 * option whose length runs past the header ends the list with "bad opt".
 * SACK edges are peer sequence numbers: minus sack_base when rel (the
 * base of the relative ack), else as sent.
 */
void ctrcap_tcp_options_text(struct text_buf *b, const uint8_t *opt, uint32_t len,
			     uint32_t avail, bool rel, uint32_t sack_base);

#endif /* CTRCAP_TCP_OPTIONS_H */
