/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scanner thread: follows new namespaces and interfaces (-i any) and
 * notes which container each namespace belongs to, away from the ring
 * consumer. A scan walks /proc and enters every namespace; done by the
 * consumer, it left the ring unread meanwhile and bursts were dropped.
 *
 * The scanner owns the attachment table while it runs. After each scan it
 * publishes an immutable copy, sorted by (netns, ifindex); the consumer
 * adopts the newest copy between ring reads and looks packets up in it
 * without a lock.
 */
#ifndef CTRCAP_RESCAN_H
#define CTRCAP_RESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach.h"
#include "identity.h"
#include "netns_addrs.h"

struct ctrcap_rescan;

struct ctrcap_rescan_cfg {
	struct ctrcap_attach *att;	/* the scanner's alone until ctrcap_rescan_stop() */
	struct ctrcap_ident *ident;	/* gets the netns -> container notes */
	bool follow;			/* -i any: attach new interfaces, drop gone ones */
	unsigned period_ms;		/* time between scans when none is asked for */
	bool addresses;			/* read the namespaces' addresses (pcapng names) */
};

/*
 * Note the namespaces now, publish the first copy of the table and start
 * the thread (with the calling thread's capabilities and no signals). NULL
 * with the reason in err.
 */
struct ctrcap_rescan *ctrcap_rescan_start(const struct ctrcap_rescan_cfg *cfg, char *err,
					  size_t errlen);

/*
 * Ask for a scan now, without waiting for it. Returns the number of scans
 * that will have completed once one begun after this call is done (see
 * ctrcap_rescan_done()), or 0 when the scanner has stopped.
 */
uint64_t ctrcap_rescan_request(struct ctrcap_rescan *r);

/* Number of scans completed so far. */
uint64_t ctrcap_rescan_done(struct ctrcap_rescan *r);

/*
 * Consumer: take the newest published tables, if there are newer ones.
 * True when a new address table was taken.
 */
bool ctrcap_rescan_adopt(struct ctrcap_rescan *r);

/*
 * Consumer: the addresses of the namespaces other than the helper's, from
 * the adopted table (cfg.addresses), sorted by (family, address, netns);
 * addresses the helper's namespace holds too are left out. Valid until the
 * next ctrcap_rescan_adopt().
 */
const struct ctrcap_ns_addr *ctrcap_rescan_addrs(const struct ctrcap_rescan *r, size_t *n);

/*
 * Consumer: the interface of (netns, ifindex) in the adopted table, or NULL.
 * Valid until the next ctrcap_rescan_adopt().
 */
const struct ctrcap_iface *ctrcap_rescan_find(const struct ctrcap_rescan *r, uint32_t netns,
					      uint32_t ifindex);

/* Scans done and the longest one, in ms (for -v). */
void ctrcap_rescan_stats(struct ctrcap_rescan *r, uint64_t *scans, uint64_t *longest_ms);

/*
 * Stop the thread and wait for it; the table belongs to the caller again
 * and the adopted copy stays readable. Idempotent.
 */
void ctrcap_rescan_stop(struct ctrcap_rescan *r);

/* Stop (if running) and free. */
void ctrcap_rescan_free(struct ctrcap_rescan *r);

#endif /* CTRCAP_RESCAN_H */
