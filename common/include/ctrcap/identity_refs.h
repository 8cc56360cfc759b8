/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The identity table of --compact-identity files (docs/pcapng-format.md,
 * section 2.1): per section, (interface id, key) -> the identity part of a
 * record (version byte + TLVs, see ctrcap_record_split()). The writer
 * interns identities into it to choose between a definition and a
 * reference; the reader (ctrcap -r, the node merge, the rpcap server and
 * extcap through it) resolves references with it.
 */
#ifndef CTRCAP_IDENTITY_REFS_H
#define CTRCAP_IDENTITY_REFS_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_idrefs;

/* An empty table, or NULL when out of memory. */
struct ctrcap_idrefs *ctrcap_idrefs_new(void);

/* Free the table and every definition it holds (NULL is fine). */
void ctrcap_idrefs_free(struct ctrcap_idrefs *t);

/* Forget every definition: a new section (SHB, rotated file) starts. */
void ctrcap_idrefs_reset(struct ctrcap_idrefs *t);

/*
 * Remember def (len bytes, copied) as the identity of key on interface
 * iface, replacing an earlier definition of the same pair. Returns 0 or -1
 * when out of memory.
 */
int ctrcap_idrefs_define(struct ctrcap_idrefs *t, uint32_t iface, uint32_t key,
			 const uint8_t *def, size_t len);

/* The definition of (iface, key) and its length in *len, or NULL when none. */
const uint8_t *ctrcap_idrefs_lookup(const struct ctrcap_idrefs *t, uint32_t iface, uint32_t key,
				    size_t *len);

/*
 * The writer's side: the key of identity def on iface in *key. Returns 0
 * when the section already defines it there, 1 when it was new (now
 * defined: the caller writes the definition), -1 when out of memory. Keys
 * come from the identity's bytes (a hash, then the next free value), so
 * two writers give one identity the same key and a merged file that shares
 * interfaces between them rarely sees a key defined twice differently.
 */
int ctrcap_idrefs_intern(struct ctrcap_idrefs *t, uint32_t iface, const uint8_t *def, size_t len,
			 uint32_t *key);

/* Bytes of definitions held, so a writer can bound its memory. */
size_t ctrcap_idrefs_bytes(const struct ctrcap_idrefs *t);

#endif /* CTRCAP_IDENTITY_REFS_H */
