// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Classic pcap reader: both byte orders, microsecond and nanosecond
 * timestamps, Alexey Kuznetzov's patched format, any link type. Every
 * length is checked; a torn file gives an error naming the offset.
 */
#include <stdlib.h>
#include <string.h>

#include "ctrcap/errbuf.h"
#include "pcap_classic.h"
#include "pcapng_int.h"

#define MAGIC_US  0xa1b2c3d4u
#define MAGIC_NS  0xa1b23c4du
#define MAGIC_KUZ 0xa1b2cd34u /* microseconds, 8 more bytes per record header */
#define FILE_HDR  24
#define REC_HDR	  16
#define KUZ_EXTRA 8

struct ctrcap_pcap_classic {
	FILE *f;
	char *name;
	bool swap, nsec;
	unsigned rec_hdr; /* record header size */
	uint64_t off;	  /* file offset of the next record */
	int state;	  /* 0 section next, 1 interface next, 2 packets */
	struct ctrcap_pcapng_iface iface;
	uint8_t *buf;
	size_t cap;
};

static uint32_t magic_of(const uint8_t p[4])
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The magic in host order, or 0 when p is no classic magic; *swap set. */
static uint32_t known_magic(const uint8_t p[4], bool *swap)
{
	static const uint32_t m[] = {MAGIC_US, MAGIC_NS, MAGIC_KUZ};
	uint32_t v = magic_of(p);

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (v == m[i] || v == __builtin_bswap32(m[i])) {
			*swap = v != m[i];
			return m[i];
		}
	}
	return 0;
}

bool ctrcap_pcap_classic_magic(const uint8_t p[4])
{
	bool swap;

	return known_magic(p, &swap) != 0;
}

static uint32_t g32(const struct ctrcap_pcap_classic *c, const uint8_t *p)
{
	return pcap_get32(p, c->swap);
}

static uint16_t g16(const struct ctrcap_pcap_classic *c, const uint8_t *p)
{
	return pcap_get16(p, c->swap);
}

struct ctrcap_pcap_classic *ctrcap_pcap_classic_new(FILE *f, const char *name, const uint8_t *head,
						    size_t head_len, char *err, size_t errlen)
{
	struct ctrcap_pcap_classic *c;
	uint8_t h[FILE_HDR];
	uint32_t magic;
	size_t got;
	bool swap;

	if (head_len < 4 || head_len > FILE_HDR || !(magic = known_magic(head, &swap))) {
		ctrcap_errf(err, errlen, "%s: offset 0: not a classic pcap file", name);
		return NULL;
	}
	memcpy(h, head, head_len);
	got = fread(h + head_len, 1, FILE_HDR - head_len, f);
	if (got != FILE_HDR - head_len) {
		ctrcap_errf(err, errlen,
			    "%s: offset 0: file ends inside the pcap file header "
			    "(%zu of %d bytes)",
			    name, head_len + got, FILE_HDR);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(name))) {
		free(c);
		ctrcap_errf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	c->f = f;
	c->swap = swap;
	c->nsec = magic == MAGIC_NS;
	c->rec_hdr = REC_HDR + (magic == MAGIC_KUZ ? KUZ_EXTRA : 0);
	c->off = FILE_HDR;
	if (g16(c, h + 4) != 2) {
		ctrcap_errf(err, errlen, "%s: offset 4: pcap version %u.%u, only 2.x is known",
			    name, g16(c, h + 4), g16(c, h + 6));
		ctrcap_pcap_classic_free(c);
		return NULL;
	}
	c->iface.snaplen = g32(c, h + 16);
	/* The upper bits carry FCS length and flags; the link type is the low 16. */
	c->iface.linktype = (uint16_t)g32(c, h + 20);
	c->iface.tsresol = c->nsec ? 9 : 6;
	return c;
}

int ctrcap_pcap_classic_next(struct ctrcap_pcap_classic *c, struct ctrcap_pcapng_rec *rec,
			     char *err, size_t errlen)
{
	uint8_t h[REC_HDR + KUZ_EXTRA];
	uint32_t caplen, frac;
	size_t got;

	memset(rec, 0, sizeof(*rec));
	if (c->state == 0) {
		c->state = 1;
		rec->kind = CTRCAP_REC_SECTION;
		rec->big_endian = (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) != c->swap;
		return 1;
	}
	if (c->state == 1) {
		c->state = 2;
		rec->kind = CTRCAP_REC_INTERFACE;
		rec->iface = &c->iface;
		return 1;
	}
	got = fread(h, 1, c->rec_hdr, c->f);
	if (got == 0 && !ferror(c->f))
		return 0;
	if (got != c->rec_hdr) {
		ctrcap_errf(err, errlen,
			    "%s: offset %llu: file ends inside a packet header "
			    "(%zu of %u bytes)",
			    c->name, (unsigned long long)c->off, got, c->rec_hdr);
		return -1;
	}
	caplen = g32(c, h + 8);
	/* libpcap's own bound is per link type; a block's bound serves every one. */
	if (caplen > PCAPNG_BLOCK_MAX) {
		ctrcap_errf(err, errlen, "%s: offset %llu: captured length %u is impossible",
			    c->name, (unsigned long long)c->off, caplen);
		return -1;
	}
	if (caplen > c->cap) {
		uint8_t *p = realloc(c->buf, caplen);

		if (!p) {
			ctrcap_errf(err, errlen, "%s: offset %llu: out of memory for %u bytes",
				    c->name, (unsigned long long)c->off, caplen);
			return -1;
		}
		c->buf = p;
		c->cap = caplen;
	}
	got = fread(c->buf, 1, caplen, c->f);
	if (got != caplen) {
		ctrcap_errf(err, errlen,
			    "%s: offset %llu: file ends inside a packet "
			    "(%zu of %u captured bytes)",
			    c->name, (unsigned long long)c->off, got, caplen);
		return -1;
	}
	frac = g32(c, h + 4);
	rec->kind = CTRCAP_REC_PACKET;
	rec->iface = &c->iface;
	rec->ts_ns = (uint64_t)g32(c, h) * 1000000000u + (uint64_t)frac * (c->nsec ? 1 : 1000);
	rec->caplen = caplen;
	rec->origlen = g32(c, h + 12);
	rec->data = c->buf;
	c->off += c->rec_hdr + caplen;
	return 1;
}

void ctrcap_pcap_classic_free(struct ctrcap_pcap_classic *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c->name);
	free(c);
}
