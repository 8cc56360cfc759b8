/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What --drops says of a drop: its reason's name, from the running
 * kernel's enum skb_drop_reason (BTF; the values differ between kernels),
 * and where the kernel dropped it, as symbol+offset from /proc/kallsyms.
 */
#ifndef CTRCAP_DROP_REASON_H
#define CTRCAP_DROP_REASON_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_drop_names;

struct btf;

/*
 * The running kernel's drop reason names, from its BTF @btf (parsed by the
 * caller: the kernel probe parsed it already). NULL, with why in err, when
 * @btf is NULL or has no enum skb_drop_reason (before 5.17: no drop reasons).
 */
struct ctrcap_drop_names *ctrcap_drop_names_load(const struct btf *btf, char *err, size_t errlen);

/* The name of reason code v without its SKB_DROP_REASON_ prefix; NULL if unknown. */
const char *ctrcap_drop_reason_name(const struct ctrcap_drop_names *n, uint32_t v);

/* Free the names (NULL is fine). */
void ctrcap_drop_names_free(struct ctrcap_drop_names *n);

struct ctrcap_ksyms;

/*
 * A symbol table of path (/proc/kallsyms): opened now, while privileged
 * (the kernel shows the addresses by the opener's capabilities), read at
 * the first lookup. NULL when out of memory.
 */
struct ctrcap_ksyms *ctrcap_ksyms_new(const char *path);

/*
 * addr as "symbol+0xoff" into buf, or as "0x<addr>" when the table has no
 * symbol at or below it (kptr_restrict shows every address as 0).
 */
void ctrcap_ksyms_format(struct ctrcap_ksyms *k, uint64_t addr, char *buf, size_t cap);

/* Free the table (NULL is fine). */
void ctrcap_ksyms_free(struct ctrcap_ksyms *k);

#endif /* CTRCAP_DROP_REASON_H */
