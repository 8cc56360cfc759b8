/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pcap filter expression, compiled for both link framings and loaded per interface. */
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

/* Where a loaded filter program counts and what it tail-calls. */
struct ctrcap_filter_target {
	int counters_fd;	/* if_counters (per-CPU array) */
	int tail_fd;		/* tc_capture (prog array: 0 ingress, 1 egress) */
};

/* What an interface's filter program hands the capture program (skb->cb). */
struct ctrcap_filter_iface {
	uint32_t slot;		/* its entry in if_counters */
	uint32_t netns;		/* inode of its network namespace */
	uint16_t dev_type;	/* ARPHRD_* */
	uint64_t netns_cookie;	/* SO_NETNS_COOKIE of its namespace, 0 if unknown */
};

/*
 * Load the tc program for one interface @fi: the filter for its pcapng
 * @linktype (1 Ethernet, 101 raw IP), counting into its slot, tail-calling
 * the capture program for direction @dir (1 ingress, 2 egress). Returns the
 * program fd, or -1 with err naming @what.
 */
int ctrcap_filters_load(const struct ctrcap_filters *f, const struct ctrcap_filter_target *t,
			uint16_t linktype, int dir, const struct ctrcap_filter_iface *fi,
			const char *what, char *err, size_t errlen);

/*
 * Load (and close) the programs for both link types once, so that a filter
 * the verifier refuses is reported before anything is attached. 0 or -1.
 */
int ctrcap_filters_check(const struct ctrcap_filters *f, const struct ctrcap_filter_target *t,
			 char *err, size_t errlen);

/* The --drops program's maps the drop filter programs use. */
struct ctrcap_drop_filter_target {
	int counters_fd;	/* drop_counts (per-CPU array, key 0) */
	int scratch_fd;		/* drop_scratch (per-CPU array, key 0) */
	int tail_fd;		/* drop_tail (prog array): filters in, ctrcap_drop_emit called */
};

/*
 * Load the filter for drops (raw_tp programs over the drop scratch) for
 * both framings into drop_tail's CTRCAP_DROP_TAIL_ETH and _RAW entries.
 * 0, or -1 with err saying why (the kernel refused the program, say):
 * drops are then filtered in user space only.
 */
int ctrcap_filters_load_drops(const struct ctrcap_filters *f,
			      const struct ctrcap_drop_filter_target *t, char *err, size_t errlen);

/* Free compiled filters. */
void ctrcap_filters_free(struct ctrcap_filters *f);

#endif /* CTRCAP_FILTER_SETUP_H */
