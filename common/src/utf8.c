// SPDX-License-Identifier: GPL-2.0-or-later
/* UTF-8 validation and boundary-safe truncation. */
#include "utf8.h"

size_t ctrcap_utf8_seq_len(const uint8_t *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

size_t ctrcap_utf8_cut(const char *s, size_t len, size_t max)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t cut, back;

	if (len <= max)
		return len;
	cut = max;
	/* Step back over at most 3 continuation bytes to the lead byte at the cut. */
	for (back = 0; back < 4 && cut > 0 && (u[cut] & 0xc0) == 0x80; back++)
		cut--;
	if (back == 4)
		return max; /* not UTF-8 here; a plain byte cut loses nothing more */
	return cut;
}
