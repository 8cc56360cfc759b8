// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the identity record decoder and the text formatter on its result. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/identity_text.h"
#include "ctrcap/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctrcap_identity id;
	static uint8_t re[CTRCAP_RECORD_MAX];
	static char text[1 << 16];
	/* An exact-size heap copy lets ASan see any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	char err[256];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(&id, 0, sizeof(id));
	if (ctrcap_record_decode(copy, size, &id, err, sizeof(err)) == 0) {
		/* A second pass merges into the same identity, as repeated options do. */
		ctrcap_record_decode(copy, size, &id, err, sizeof(err));
		ctrcap_identity_format(&id, "  ", text, sizeof(text));
		ctrcap_identity_format(&id, NULL, text, 17);
		if (ctrcap_record_encode(&id, re, sizeof(re)) < 1)
			abort();
	} else if (!err[0]) {
		abort(); /* every failure explains itself */
	}
	free(copy);
	return 0;
}
