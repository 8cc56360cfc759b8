// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the ptcpdump comment reader and its JSON label walk on
 * arbitrary text, as the dissector runs them on every opt_comment.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/ptcpdump_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ptcpdump_iter it;
	struct ptcpdump_line l;
	size_t lines = 0;
	char out[64];

	ptcpdump_iter_init(&it, s, size);
	while (ptcpdump_next(&it, &l) == 1) {
		struct ptcpdump_json_iter j;
		uint32_t v;
		size_t members = 0;
		int r;

		if (l.value_off + l.value_len > size || ++lines > size)
			abort();
		(void)ptcpdump_parse_u32(s + l.value_off, l.value_len, &v);
		ptcpdump_json_init(&j, s + l.value_off, l.value_len);
		while ((r = ptcpdump_json_next(&j, out, sizeof(out))) == 1) {
			if (strlen(out) >= sizeof(out) || ++members > l.value_len)
				abort();
		}
	}
	(void)ptcpdump_is_identity(s, size);
	return 0;
}
