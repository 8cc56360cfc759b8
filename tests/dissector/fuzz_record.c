// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the dissector's record walk on arbitrary bytes. Every
 * TLV it yields must lie inside the input; reading the value bytes lets
 * ASan catch any walk that strays.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ctrcap_tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrcap_tlv_iter it;
	struct ctrcap_tlv t;
	volatile uint64_t sink = 0;
	size_t n = 0;
	int r;

	ctrcap_tlv_iter_init(&it, data, size);
	while ((r = ctrcap_tlv_next(&it, &t)) == 1) {
		if ((size_t)t.value_offset + t.len > size || t.hdr_offset + 4u != t.value_offset)
			abort();
		if (++n > size / 4)
			abort(); /* each TLV must consume at least its header */
		if (ctrcap_tlv_size_ok(&t) && t.len == 4)
			sink += ctrcap_be32(data + t.value_offset);
		else if (ctrcap_tlv_size_ok(&t) && t.len == 8)
			sink += ctrcap_be64(data + t.value_offset);
		for (size_t i = 0; i < t.len; i++)
			sink += data[t.value_offset + i];
		(void)ctrcap_tlv_type_name(t.type);
	}
	if (r < 0 && it.status == CTRCAP_WALK_OK)
		abort();
	(void)ctrcap_walk_status_str(it.status);
	(void)sink;
	return 0;
}
