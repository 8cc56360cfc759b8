/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's view of the links of one network namespace (rtnetlink), and
 * the veth peer of a link among the links of every namespace: what people
 * hunt for with /sys/class/net/eth0/iflink and `ip link`.
 */
#ifndef CTRCAP_LINK_INFO_H
#define CTRCAP_LINK_INFO_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct ctrcap_link {
	uint32_t netns; /* inode of its namespace (set by the caller) */
	uint32_t ifindex;
	uint32_t iflink;      /* IFLA_LINK: the peer's ifindex for a veth, else 0 */
	uint32_t master;      /* IFLA_MASTER: the bridge it is enslaved to, else 0 */
	int32_t link_netnsid; /* IFLA_LINK_NETNSID, -1 when the peer is in the same netns */
	char name[IF_NAMESIZE];
	char kind[16]; /* IFLA_INFO_KIND: "veth", "bridge", ... or "" */
};

/* Dump the links of the current network namespace. *out is malloc'ed; returns the count or -1
 * (errno). */
int ctrcap_link_dump_here(struct ctrcap_link **out);

/*
 * Parse one RTM_NEWLINK message of len bytes into l. Returns 0, or -1 when
 * the message is not a well-formed link message (lengths are checked).
 */
int ctrcap_link_parse(const void *msg, size_t len, struct ctrcap_link *l);

/* The nsid the current namespace gives the namespace open at ns_fd, or -1 (errno). */
int ctrcap_nsid_of(int ns_fd);

/* Whether cand's namespace is the one l's IFLA_LINK_NETNSID names. */
typedef int (*ctrcap_peer_ns_check)(void *ctx, const struct ctrcap_link *l,
				    const struct ctrcap_link *cand);

/*
 * The veth peer of links[i] among n links of all namespaces: the veth whose
 * ifindex is links[i]'s iflink and whose iflink is links[i]'s ifindex, in
 * another namespace when link_netnsid says so. Namespaces made empty number
 * their links alike (2 after lo), so when several match, check (if not
 * NULL) keeps those in the namespace the nsid names. Returns its index, -1
 * when there is none, -2 when several remain.
 */
int ctrcap_link_peer(const struct ctrcap_link *links, size_t n, size_t i,
		     ctrcap_peer_ns_check check, void *ctx);

#endif /* CTRCAP_LINK_INFO_H */
