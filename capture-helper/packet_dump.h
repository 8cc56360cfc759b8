/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bytes of a packet under its text line: hex (-x), hex and ASCII (-X), ASCII (-A). */
#ifndef CTRCAP_PACKET_DUMP_H
#define CTRCAP_PACKET_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Print n bytes as tcpdump's -x does (with_ascii false) or -X (true): lines
 * "\t0x0010:  4500 0020 ..." of 16 bytes in groups of two, offsets from d.
 */
void ctrcap_dump_hex(FILE *f, const uint8_t *d, uint32_t n, bool with_ascii);

/* Print n bytes as text (-A): printable bytes, tabs and newlines as they are, others '.'. */
void ctrcap_dump_ascii(FILE *f, const uint8_t *d, uint32_t n);

#endif /* CTRCAP_PACKET_DUMP_H */
