/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Classic pcap (tcpdump's -w format) read through the pcapng reader's
 * interface: one section, one interface, then the packets. The pcapng
 * reader hands over when a file starts with a classic magic.
 */
#ifndef CTRCAP_PCAP_CLASSIC_H
#define CTRCAP_PCAP_CLASSIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctrcap/pcapng.h"

struct ctrcap_pcap_classic;

/* True when the first four bytes of a file are a classic pcap magic number. */
bool ctrcap_pcap_classic_magic(const uint8_t p[4]);

/*
 * Start reading f as classic pcap; head holds the head_len (<= 24) bytes
 * already read. name is what messages call the input. NULL with
 * "NAME: offset N: ..." in err when the file header is bad.
 */
struct ctrcap_pcap_classic *ctrcap_pcap_classic_new(FILE *f, const char *name, const uint8_t *head,
						    size_t head_len, char *err, size_t errlen);

/*
 * Next record into rec (section, interface, then packets), as
 * ctrcap_pcapng_reader_next returns them: 1, 0 at the end, -1 with
 * "NAME: offset N: ..." in err.
 */
int ctrcap_pcap_classic_next(struct ctrcap_pcap_classic *c, struct ctrcap_pcapng_rec *rec,
			     char *err, size_t errlen);

/* Free the state (not the stream). */
void ctrcap_pcap_classic_free(struct ctrcap_pcap_classic *c);

#endif /* CTRCAP_PCAP_CLASSIC_H */
