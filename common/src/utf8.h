/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 helpers shared by the record encoder and the text formatter. */
#ifndef CTRCAP_UTF8_H
#define CTRCAP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s[0..n) does not start one. */
size_t ctrcap_utf8_seq_len(const uint8_t *s, size_t n);

/* Largest length <= max that does not end inside a UTF-8 sequence of s[0..len). */
size_t ctrcap_utf8_cut(const char *s, size_t len, size_t max);

#endif /* CTRCAP_UTF8_H */
