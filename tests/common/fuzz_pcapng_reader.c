// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the pcapng reader over a memory stream (fmemopen), and PKTAP frames in it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/identity_text.h"
#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touching every byte the reader hands out makes ASan check its bounds. */
static volatile uint8_t sink;

/* Any packet read as a PKTAP frame: the parse stays inside the packet. */
static void pktap_frame(const struct ctrcap_pcapng_rec *rec, char *text, size_t cap)
{
	struct ctrcap_pktap_view v;
	struct ctrcap_identity id;
	uint8_t sum = 0;
	char err[256];

	if (ctrcap_pktap_parse(rec->data, rec->caplen, rec->origlen, &v, err, sizeof(err)))
		return;
	if (v.inner + v.inner_caplen != rec->data + rec->caplen || v.inner_len < v.inner_caplen)
		abort();
	for (uint32_t k = 0; k < v.inner_caplen; k++)
		sum ^= v.inner[k];
	sink = sum;
	if (ctrcap_pktap_identity(&v, &id, err, sizeof(err)) == 1)
		ctrcap_identity_format(&id, "  ", text, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctrcap_pcapng_rec rec;
	static char text[4096];
	struct ctrcap_pcapng_reader *r;
	char err[256];
	unsigned i;
	FILE *f;
	int rc = 1;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
	if (!r) {
		fclose(f);
		return 0;
	}
	/* A block is at least 12 bytes: the input bounds the loop. */
	for (i = 0; i <= size / 12 && (rc = ctrcap_pcapng_reader_next(r, &rec)) == 1; i++) {
		if (rec.kind == CTRCAP_REC_PACKET) {
			uint8_t sum = 0;
			uint32_t k;

			for (k = 0; k < rec.caplen; k++)
				sum ^= rec.data[k];
			for (k = 0; k < rec.identity_raw_len; k++)
				sum ^= rec.identity_raw[k];
			sink = sum;
			if (rec.has_identity)
				ctrcap_identity_format(&rec.identity, "  ", text, sizeof(text));
			pktap_frame(&rec, text, sizeof(text));
		}
	}
	if (rc == 1 && i > size / 12)
		abort(); /* more blocks than the input can hold */
	if (rc < 0 && !ctrcap_pcapng_reader_error(r)[0])
		abort();
	ctrcap_pcapng_reader_close(r);
	fclose(f);
	return 0;
}
