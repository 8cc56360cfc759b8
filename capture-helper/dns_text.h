/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS messages in a packet line: the question asked, the answers given. */
#ifndef CTRCAP_DNS_TEXT_H
#define CTRCAP_DNS_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Describe the DNS message m (n bytes captured of a UDP payload of len
 * bytes) as tcpdump does, e.g. "4660+ A? example.com. (29)" or
 * "4660 1/0/0 A 10.99.0.1 (45)", into buf. Returns 0, or -1 (buf
 * unspecified) when the bytes are not a whole, well-formed message.
 */
int ctrcap_dns_text(const uint8_t *m, uint32_t n, uint32_t len, char *buf, size_t cap);

#endif /* CTRCAP_DNS_TEXT_H */
