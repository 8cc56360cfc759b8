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

/*
 * Room enough for ctrcap_ptcpdump_comments() of any identity: six comments
 * of at most 65535 bytes (an opt_comment's largest) and their NULs.
 */
#define CTRCAP_PTCPDUMP_COMMENTS_MAX (6u * 65536u)

/*
 * id as ptcpdump's writer writes a packet's comments (ctrcap --comments):
 * one text per part it knows (process, thread, user, parent, container,
 * pod), "Key: value" lines in ptcpdump's order, each text ended by a NUL,
 * one after another in buf. Labels that would make a comment longer than
 * an opt_comment holds are left out. Returns the bytes written (0: id has
 * nothing ptcpdump writes), or -1 when cap is too small.
 */
int ctrcap_ptcpdump_comments(const struct ctrcap_identity *id, char *buf, size_t cap);

/* Free the store's memory. */
void ctrcap_ptcpdump_store_free(struct ctrcap_ptcpdump_store *st);

#endif /* CTRCAP_PTCPDUMP_IDENTITY_H */
