/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Relative TCP sequence and acknowledgement numbers per connection, as tcpdump prints them. */
#ifndef CTRCAP_TCP_SEQ_H
#define CTRCAP_TCP_SEQ_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_tcp_seq;

/* A table of connections of fixed size; NULL when out of memory. */
struct ctrcap_tcp_seq *ctrcap_tcp_seq_new(void);

/* Free the table (NULL is fine). */
void ctrcap_tcp_seq_free(struct ctrcap_tcp_seq *t);

/*
 * Turn *seq and *ack of a segment from src:sport to dst:dport (addresses of
 * alen bytes, 4 or 16) into numbers relative to the connection's first
 * ones; flags is the TCP flags byte (a SYN without ACK starts over).
 */
void ctrcap_tcp_seq_relative(struct ctrcap_tcp_seq *t, const uint8_t *src, const uint8_t *dst,
			     size_t alen, uint16_t sport, uint16_t dport, uint8_t flags,
			     uint32_t *seq, uint32_t *ack);

#endif /* CTRCAP_TCP_SEQ_H */
