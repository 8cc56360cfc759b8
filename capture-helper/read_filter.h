/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pcap filter expression of `ctrcap -r`: compiled by libpcap once per
 * link type and snapshot length met in the file, run in user space on each
 * packet as tcpdump -r does.
 */
#ifndef CTRCAP_READ_FILTER_H
#define CTRCAP_READ_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_read_filter;

/*
 * Check that expr compiles for one of the usual link types and keep it.
 * NULL, with one line naming the expression in err, when it does not.
 */
struct ctrcap_read_filter *ctrcap_read_filter_new(const char *expr, char *err, size_t errlen);

/*
 * Run the filter on one packet of an interface of linktype and snaplen
 * (the pcapng/pcap LINKTYPE_ value). 1 selected, 0 not; -1 with a message
 * in err when out of memory. A link type the expression cannot be compiled
 * for selects nothing and is reported once through *note (else NULL).
 */
int ctrcap_read_filter_match(struct ctrcap_read_filter *f, uint16_t linktype, uint32_t snaplen,
			     const uint8_t *data, uint32_t caplen, uint32_t len, const char **note,
			     char *err, size_t errlen);

/* One packet as -r selects and prints it: as read, or a PKTAP frame's inner frame. */
struct ctrcap_read_pkt {
	uint16_t linktype;	/* LINKTYPE_ */
	uint32_t snaplen;	/* the interface's, 0 = unknown */
	const char *ifname;	/* "" when the file names none */
	uint32_t direction;	/* CTRCAP_DIR_* */
	const uint8_t *data;
	uint32_t caplen, len;
};

/*
 * The packet p through f, for `ctrcap -r`: 1 selected (always when f is
 * NULL), 0 not, -1 after an error line on stderr; a link type the filter
 * cannot apply to is noted on stderr, once.
 */
int ctrcap_read_filter_pkt(struct ctrcap_read_filter *f, const struct ctrcap_read_pkt *p);

/* Free the filter and its compiled programs (NULL is fine). */
void ctrcap_read_filter_free(struct ctrcap_read_filter *f);

#endif /* CTRCAP_READ_FILTER_H */
