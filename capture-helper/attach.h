/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tc attachments: which interfaces of which namespaces ctrcap captures
 * on. tcx links (they go away with the process, even after SIGKILL), or
 * classic tc filters with ctrcap's own handle and priority where the kernel
 * has no tcx; only those filters are ever removed.
 */
#ifndef CTRCAP_ATTACH_H
#define CTRCAP_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter_setup.h"
#include "options.h"

/* Classic tc handle and priority that mark ctrcap's filters. */
#define CTRCAP_TC_HANDLE 0xc7ca
#define CTRCAP_TC_PRIO 0xc7ca

struct ctrcap_iface {
	uint32_t netns;
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	char netns_name[64];
	uint16_t dev_type;	/* ARPHRD_* */
	uint16_t linktype;	/* pcapng link type: 1 Ethernet, 101 raw IP */
	uint32_t slot;		/* entry in the if_counters map */
	int prog_in, prog_out;	/* its filter programs, -1 when none */
	int link_in, link_out;	/* tcx link fds, -1 when none */
	uint32_t prog_id;	/* kernel id of its first program: finds it on a moved device */
	bool classic;		/* attached with classic tc filters */
	bool seen;		/* present in the latest scan */
	bool explicit_spec;	/* named by -i */
};

struct ctrcap_attach;
struct ctrcap_drop_select;

struct ctrcap_attach_cfg {
	const struct ctrcap_filters *filters;	/* loaded per interface in front of ... */
	struct ctrcap_filter_target target;	/* ... the capture programs */
	unsigned dir_mask;	/* bit 1 ingress, bit 2 egress */
	bool any;
	const char *any_netns;	/* --netns: "any" only in this namespace; NULL = every one */
	bool no_tcx;		/* the kernel has no tcx (probed): classic tc at once */
	bool where_in_cb;	/* the filter programs carry the netns (no kern_ctx) */
	const struct ctrcap_iface_spec *specs;
	unsigned n_specs;
	bool verbose;
	struct ctrcap_drop_select *drops;	/* --drops: kept equal to the table; NULL = none */
};

/*
 * Resolve the -i specs (each NETNS must exist) and prepare. NULL with a
 * message naming the namespace in err on failure.
 */
struct ctrcap_attach *ctrcap_attach_new(const struct ctrcap_attach_cfg *cfg, char *err,
					size_t errlen);

/*
 * Attach to every selected interface not attached yet, in every namespace;
 * forget interfaces and namespaces that went away, and bring the drop
 * selection (cfg.drops) up to date. With strict, an -i interface that is
 * missing or cannot be attached is an error (message in err naming it).
 * Returns the number of new attachments, or -1.
 */
int ctrcap_attach_scan(struct ctrcap_attach *a, bool strict, char *err, size_t errlen);

/* Number of counter slots handed out so far (slots 0 .. n-1 hold counts). */
uint32_t ctrcap_attach_slots_used(const struct ctrcap_attach *a);

/* The interface present now that counts into @slot, or NULL. */
const struct ctrcap_iface *ctrcap_attach_find_slot(const struct ctrcap_attach *a, uint32_t slot);

/* The interfaces attached now, *n of them (for a copy; changed by the next scan). */
const struct ctrcap_iface *ctrcap_attach_table(const struct ctrcap_attach *a, size_t *n);

/* Number of interfaces attached now. */
size_t ctrcap_attach_count(const struct ctrcap_attach *a);

/* Detach from every interface, keeping the table for names and counts. */
void ctrcap_attach_detach_all(struct ctrcap_attach *a);

/* Detach everything and free. */
void ctrcap_attach_free(struct ctrcap_attach *a);

/*
 * Interfaces of one namespace (the caller entered it already): name,
 * ifindex, device type. Returns the count or -1; *out is malloc'ed.
 */
int ctrcap_iface_list_here(struct ctrcap_iface **out);

/* Remove classic tc filters with ctrcap's handle/priority in every namespace. */
int ctrcap_tc_cleanup(unsigned *removed);

/* pcapng link type for an ARPHRD_* device type. */
uint16_t ctrcap_linktype_for(uint16_t dev_type);

#endif /* CTRCAP_ATTACH_H */
