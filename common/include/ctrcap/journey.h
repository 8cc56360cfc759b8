/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journey table: "where did it go". The frames of a capture that carry
 * one epb_packetid (within CTRCAP_PACKET_ID_WINDOW_NS of the first) are one
 * packet's journey; journeys are grouped by flow (the 5-tuple of the first
 * hop and that hop's netns/container), and per flow the table gives the hops
 * in order, the packets seen at each, the packets that vanished between two
 * hops with no drop event, the kernel drops by reason and location, and the
 * median and max latency per hop. One definition, fed by ctrcap -r --journey
 * and by the plugin's tap (tshark -z ctrcap,journey), so both print the same.
 */
#ifndef CTRCAP_JOURNEY_TABLE_H
#define CTRCAP_JOURNEY_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One frame as the table takes it; strings are copied. */
struct ctrcap_jrec {
	uint64_t packet_id;	   /* epb_packetid; 0 = none: a journey of its own */
	uint64_t ts_ns;		   /* ns since the Unix epoch */
	const char *ifname;	   /* the IDB's if_name; NULL or "" = unknown */
	const char *place;	   /* its if_description (netns/container); NULL = none */
	uint32_t direction;	   /* CTRCAP_DIR_*; a drop has none */
	uint16_t linktype;	   /* LINKTYPE_* of data */
	const uint8_t *data;	   /* the frame's bytes, for its 5-tuple */
	uint32_t caplen;
	const char *drop_reason;   /* a kernel drop's reason; NULL = none given */
	const char *drop_location; /* set on a kernel drop (it marks one) */
};

/*
 * The flow of a frame: "TCP 10.0.0.1:80 > 10.0.0.2:4242", "ICMP 10.0.0.1 >
 * 10.0.0.2", "IPv6 proto 89 fd00::1 > fd00::2", "ethertype 0x0806", or
 * "link-type N" for a link type it does not read, into buf.
 */
void ctrcap_flow_text(uint16_t linktype, const uint8_t *data, uint32_t caplen, char *buf,
		      size_t cap);

struct ctrcap_journeys;

/* An empty table; NULL when out of memory. */
struct ctrcap_journeys *ctrcap_journeys_new(void);

/* Add frame r (in file order). 0, or -1 when out of memory. */
int ctrcap_journeys_add(struct ctrcap_journeys *t, const struct ctrcap_jrec *r);

/* Close every journey and print the table to f. 0, or -1 when out of memory. */
int ctrcap_journeys_print(struct ctrcap_journeys *t, FILE *f);

/* Free t (NULL is fine). */
void ctrcap_journeys_free(struct ctrcap_journeys *t);

#endif /* CTRCAP_JOURNEY_TABLE_H */
