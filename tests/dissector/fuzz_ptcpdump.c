// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the ptcpdump comment reader and its JSON label walk on
 * arbitrary text, as the dissector runs them on every opt_comment, and
 * the identity `ctrcap -r` makes of it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/ptcpdump_identity.h"
#include "ctrcap/ptcpdump_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when v is absent or lies inside the text s or the store st. */
static bool inside(const struct ctrcap_str *v, const char *s, size_t size,
		   const struct ctrcap_ptcpdump_store *st)
{
	if (!v->ptr)
		return true;
	if (v->ptr >= s && v->ptr + v->len <= s + size)
		return true;
	return v->ptr >= st->buf && v->ptr + v->len <= st->buf + st->cap;
}

/* Every string of the identity made of s lies inside s or the store. */
static void check_identity(const char *s, size_t size)
{
	struct ctrcap_ptcpdump_store st = {0};
	struct ctrcap_identity id;
	const struct ctrcap_str *one[] = {
	    &id.comm,	     &id.exe,		&id.args,    &id.parent_exe,
	    &id.parent_args, &id.ctr_name,	&id.ctr_id,  &id.ctr_image,
	    &id.pod_name,    &id.pod_namespace, &id.pod_uid,
	};

	if (ctrcap_ptcpdump_identity(s, size, &id, &st) < 0)
		return;
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		if (!inside(one[i], s, size, &st))
			abort();
	}
	if (id.n_ctr_labels > CTRCAP_MAX_LABELS || id.n_pod_labels > CTRCAP_MAX_LABELS)
		abort();
	for (unsigned i = 0; i < id.n_ctr_labels; i++) {
		if (!inside(&id.ctr_labels[i], s, size, &st))
			abort();
	}
	for (unsigned i = 0; i < id.n_pod_labels; i++) {
		if (!inside(&id.pod_labels[i], s, size, &st))
			abort();
	}
	ctrcap_ptcpdump_store_free(&st);
}

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
	check_identity(s, size);
	return 0;
}
