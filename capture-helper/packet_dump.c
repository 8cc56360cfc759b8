// SPDX-License-Identifier: GPL-2.0-or-later
/* Hex and ASCII dumps of packet bytes (see packet_dump.h). */
#include "packet_dump.h"

#define PER_LINE 16
/* " abcd" per 2-byte group: the width the ASCII column of -X lines up after. */
#define HEX_COLS (PER_LINE / 2 * 5)

static char printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '.';
}

void ctrcap_dump_hex(FILE *f, const uint8_t *d, uint32_t n, bool with_ascii)
{
	for (uint32_t off = 0; off < n; off += PER_LINE) {
		uint32_t len = n - off < PER_LINE ? n - off : PER_LINE;
		char hex[HEX_COLS + 1], text[PER_LINE + 1];
		int w = 0;

		for (uint32_t i = 0; i < len; i += 2) {
			if (i + 1 < len)
				w += snprintf(hex + w, sizeof(hex) - w, " %02x%02x", d[off + i],
					      d[off + i + 1]);
			else
				w += snprintf(hex + w, sizeof(hex) - w, " %02x", d[off + i]);
		}
		for (uint32_t i = 0; i < len; i++)
			text[i] = printable(d[off + i]);
		text[len] = '\0';
		if (with_ascii)
			fprintf(f, "\t0x%04x: %-*s  %s\n", off, HEX_COLS, hex, text);
		else
			fprintf(f, "\t0x%04x: %s\n", off, hex);
	}
}

void ctrcap_dump_ascii(FILE *f, const uint8_t *d, uint32_t n)
{
	bool at_line_start = true;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = d[i];

		/* CR LF reads as one line end on a terminal: keep only the LF. */
		if (c == '\r' && i + 1 < n && d[i + 1] == '\n')
			continue;
		if (c == '\n' || c == '\t')
			fputc(c, f);
		else
			fputc(printable(c), f);
		at_line_start = c == '\n';
	}
	/* The next packet line starts on a line of its own. */
	if (!at_line_start)
		fputc('\n', f);
}
