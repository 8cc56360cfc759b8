/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptcpdump's per-packet comments (read by ptcpdump_text.h, the one parser
 * of that text) as a ctrcap identity, so that `ctrcap -r` prints and
 * filters a ptcpdump file as it does its own.
 */
#ifndef CTRCAP_PTCPDUMP_IDENTITY_H
#define CTRCAP_PTCPDUMP_IDENTITY_H

#include <stddef.h>

#include "ctrcap/record.h"

/* Memory for what the comment text does not hold as is (labels unescaped, comm). */
struct ctrcap_ptcpdump_store {
	char *buf;
	size_t cap;
};

/*
 * Fill id (cleared first) from ptcpdump comment text s of len bytes.
 * Strings point into s and into st, valid until the next call with st.
 * 1 when the text holds ptcpdump's identity, 0 when not, -1 out of memory.
 */
int ctrcap_ptcpdump_identity(const char *s, size_t len, struct ctrcap_identity *id,
			     struct ctrcap_ptcpdump_store *st);

/* Free the store's memory. */
void ctrcap_ptcpdump_store_free(struct ctrcap_ptcpdump_store *st);

#endif /* CTRCAP_PTCPDUMP_IDENTITY_H */
