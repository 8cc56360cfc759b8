// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP options in tcpdump's words (see tcp_options.h). */
#include "tcp_options.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACKOK = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
	OPT_MD5 = 19,
	OPT_UTO = 28,
	OPT_MPTCP = 30,
	OPT_TFO = 34,
};

/* The data bytes each fixed-size option has (-1: variable or unknown). */
static int fixed_len(uint8_t kind)
{
	switch (kind) {
	case OPT_MSS:
	case OPT_UTO:
		return 2;
	case OPT_WSCALE:
		return 1;
	case OPT_SACKOK:
		return 0;
	case OPT_TS:
		return 8;
	case OPT_MD5:
		return 16;
	default:
		return -1;
	}
}

/* Option data as hex, tcpdump's form for what it does not decode. */
static void hex(struct text_buf *b, const uint8_t *d, uint32_t n)
{
	if (!n)
		return;
	text_buf_add(b, " 0x");
	for (uint32_t i = 0; i < n; i++)
		text_buf_add(b, "%02x", d[i]);
}

/* One option with n data bytes at d (all captured, within the header). */
static void one(struct text_buf *b, uint8_t kind, const uint8_t *d, uint32_t n, bool rel,
		uint32_t sack_base)
{
	int want = fixed_len(kind);

	switch (want >= 0 && (uint32_t)want != n ? 0xff : kind) {
	case OPT_MSS:
		text_buf_add(b, "mss %u", rd16(d));
		return;
	case OPT_WSCALE:
		text_buf_add(b, "wscale %u", d[0]);
		return;
	case OPT_SACKOK:
		text_buf_add(b, "sackOK");
		return;
	case OPT_TS:
		text_buf_add(b, "TS val %u ecr %u", rd32(d), rd32(d + 4));
		return;
	case OPT_UTO:
		/* The top bit: minutes, else seconds. */
		text_buf_add(b, "uto %u%s", rd16(d) & 0x7fff, rd16(d) & 0x8000 ? "min" : "");
		return;
	case OPT_MD5:
		text_buf_add(b, "md5");
		hex(b, d, n);
		return;
	case OPT_SACK:
		if (n % 8) {
			text_buf_add(b, "sack [len %u]", n + 2);
			return;
		}
		text_buf_add(b, "sack %u ", n / 8);
		for (uint32_t i = 0; i + 8 <= n; i += 8) {
			uint32_t l = rd32(d + i), r = rd32(d + i + 4);

			if (rel) {
				l -= sack_base;
				r -= sack_base;
			}
			text_buf_add(b, "{%u:%u}", l, r);
		}
		return;
	case OPT_MPTCP:
		text_buf_add(b, "mptcp");
		hex(b, d, n);
		return;
	case OPT_TFO:
		text_buf_add(b, n ? "tfo cookie" : "tfo cookiereq");
		hex(b, d, n);
		return;
	case 0xff:
		/* A known option with the wrong length: named, its length told. */
		text_buf_add(b, "%s [len %u]", kind == OPT_MSS ? "mss" : kind == OPT_WSCALE ? "wscale"
				 : kind == OPT_SACKOK ? "sackOK" : kind == OPT_TS ? "TS"
				 : kind == OPT_UTO ? "uto" : "md5", n + 2);
		return;
	default:
		text_buf_add(b, "unknown-%u", kind);
		hex(b, d, n);
	}
}

void ctrcap_tcp_options_text(struct text_buf *b, const uint8_t *opt, uint32_t len,
			     uint32_t avail, bool rel, uint32_t sack_base)
{
	uint32_t i = 0;

	if (avail > len)
		avail = len;
	text_buf_add(b, "options [");
	while (i < len) {
		uint8_t kind, olen;

		if (i)
			text_buf_add(b, ",");
		if (i >= avail)
			goto cut;
		kind = opt[i];
		if (kind == OPT_EOL || kind == OPT_NOP) {
			text_buf_add(b, kind == OPT_EOL ? "eol" : "nop");
			i++;
			/* After the end of the list only padding follows. */
			if (kind == OPT_EOL)
				break;
			continue;
		}
		if (i + 1 >= avail)
			goto cut;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len) {
			text_buf_add(b, "bad opt");
			break;
		}
		if (i + olen > avail)
			goto cut;
		one(b, kind, opt + i + 2, olen - 2u, rel, sack_base);
		i += olen;
	}
	text_buf_add(b, "]");
	return;
cut:
	text_buf_add(b, "|tcp]");
}
