/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng Name Resolution Blocks for container addresses: each address of
 * a container's (or pod's) network namespace named after the container,
 * so that stock Wireshark and `tshark -N n` show the name for the IP.
 */
#ifndef CTRCAP_ADDR_NAMES_H
#define CTRCAP_ADDR_NAMES_H

#include <stddef.h>

#include "ctrcap/pcapng.h"
#include "identity.h"
#include "netns_addrs.h"

struct ctr_info;
struct ctrcap_addr_names;

/*
 * The host name a container's addresses get: "<pod>.<namespace>.pod" for a
 * Kubernetes pod's container, else the container's name ("" when it has
 * none). Returns buf.
 */
const char *ctrcap_container_host_name(const struct ctr_info *c, char *buf, size_t cap);

/* An empty record of the names given so far; NULL when out of memory. */
struct ctrcap_addr_names *ctrcap_addr_names_new(void);

/*
 * Give w the names of the addresses v[0..n) (sorted by family, address,
 * netns, as ctrcap_rescan_addrs() keeps them) whose namespace holds a
 * container; an address in several such namespaces goes to the first.
 * Addresses named before and absent now are forgotten by w. Returns 0, or
 * -1 with the writer's error.
 */
int ctrcap_addr_names_update(struct ctrcap_addr_names *an, struct ctrcap_pcapng_writer *w,
			     struct ctrcap_ident *ident, const struct ctrcap_ns_addr *v, size_t n);

/* Free the record. */
void ctrcap_addr_names_free(struct ctrcap_addr_names *an);

#endif /* CTRCAP_ADDR_NAMES_H */
