/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pcap filter expression, compiled for both tc slots and installed. */
#ifndef CTRCAP_FILTER_SETUP_H
#define CTRCAP_FILTER_SETUP_H

#include <stddef.h>
#include <stdint.h>

struct ctrcap_filters;

/*
 * Compile expr (NULL = none) for Ethernet-framed and raw-IP interfaces.
 * An expression only Ethernet can satisfy (e.g. "ether host ...") rejects
 * everything on raw-IP interfaces. NULL with libpcap's message in err.
 */
struct ctrcap_filters *ctrcap_filters_compile(const char *expr, uint32_t snaplen, char *err,
					      size_t errlen);

/* Install both programs into the pkt_filter_progs map. Returns 0 or -1 (err). */
int ctrcap_filters_install(const struct ctrcap_filters *f, int map_fd, char *err, size_t errlen);

/* Free compiled filters. */
void ctrcap_filters_free(struct ctrcap_filters *f);

#endif /* CTRCAP_FILTER_SETUP_H */
