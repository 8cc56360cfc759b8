/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --drops selects its drops in the kernel: the BPF map drop_where holds
 * the interfaces the tc programs are attached to, {netns, ifindex}, and
 * their namespaces, {netns, 0} (a packet dropped before it has a device is
 * kept when its socket's namespace is captured). This keeps that map equal
 * to the attachment table, one map update per change.
 */
#ifndef CTRCAP_DROP_SELECT_H
#define CTRCAP_DROP_SELECT_H

#include <stddef.h>

struct ctrcap_iface;
struct ctrcap_drop_select;

/* A selection kept in the (empty) drop_where map @map_fd; NULL when out of memory. */
struct ctrcap_drop_select *ctrcap_drop_select_new(int map_fd);

/*
 * Make the map hold the interfaces of v[0..n) (the attachment table) and
 * their namespaces, and nothing else. Returns 0, or -1 with err naming the
 * interface or namespace the kernel refused (it is tried again next time).
 */
int ctrcap_drop_select_sync(struct ctrcap_drop_select *s, const struct ctrcap_iface *v, size_t n,
			    char *err, size_t errlen);

/* Entries in the map now (interfaces plus namespaces). */
size_t ctrcap_drop_select_count(const struct ctrcap_drop_select *s);

/* Free (NULL is fine); the map is left as it is. */
void ctrcap_drop_select_free(struct ctrcap_drop_select *s);

#endif /* CTRCAP_DROP_SELECT_H */
