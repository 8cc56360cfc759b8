/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recognising the server's own data connection in what it captures. The
 * helper captures every interface, loopback included: without this, each
 * packet message sent to a client would be captured again (and its ACKs),
 * a feedback loop that never dies down.
 */
#ifndef CTRCAP_SELF_TRAFFIC_H
#define CTRCAP_SELF_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

/* Both ends of one TCP connection. */
struct self_conn {
	bool set;
	uint8_t version;	/* 4 or 6 */
	uint8_t local[16], peer[16];
	uint16_t local_port, peer_port;	/* host order */
};

/* Record the two ends of connected socket fd. 0, or -1 (s left unset). */
int self_conn_from_fd(struct self_conn *s, int fd);

/*
 * Whether the packet (inner frame of link type linktype: Ethernet, Linux
 * cooked v1/v2, raw IP) is a TCP segment of s, in either direction.
 * Never reads beyond caplen.
 */
bool self_conn_match(const struct self_conn *s, uint32_t linktype, const uint8_t *pkt,
		     uint32_t caplen);

#endif /* CTRCAP_SELF_TRAFFIC_H */
