/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the dissector made of a ctrcap record, kept per file and keyed by
 * the record's bytes: the packets of one identity carry the same record,
 * so it is parsed and its texts formatted once (docs/dissector.md,
 * Performance). A hit compares every byte, never just a hash or a length.
 */
#ifndef CTRCAP_RECCACHE_H
#define CTRCAP_RECCACHE_H

#include <epan/packet.h>

/* Records kept per file at most; beyond, a new record is parsed per packet. */
#ifndef CTRCAP_RECCACHE_MAX
#define CTRCAP_RECCACHE_MAX 8192u
#endif

/* Set up the per-file map (emptied with each file). */
void ctrcap_reccache_register(void);

/* The value kept for exactly these len bytes in the current file, or NULL. */
void *ctrcap_reccache_get(const guint8 *bytes, guint len);

/* Whether one more record may be kept in the current file. */
gboolean ctrcap_reccache_has_room(void);

/*
 * Keep value (file scope) for a file-scope copy of the len bytes, which it
 * returns; the caller checked ctrcap_reccache_has_room() first.
 */
const guint8 *ctrcap_reccache_put(const guint8 *bytes, guint len, void *value);

#endif /* CTRCAP_RECCACHE_H */
