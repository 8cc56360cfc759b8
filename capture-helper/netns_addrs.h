/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local addresses of a network namespace, read from a process inside
 * it (/proc/PID/net): no setns, so capture on fixed interfaces, which gave
 * up the right to enter namespaces, still learns its containers' addresses.
 */
#ifndef CTRCAP_NETNS_ADDRS_H
#define CTRCAP_NETNS_ADDRS_H

#include <stddef.h>
#include <stdint.h>

/* One address of one namespace. */
struct ctrcap_ns_addr {
	uint32_t netns;		/* namespace inode */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; 4 bytes used for AF_INET */
};

/*
 * Parse /proc/net/fib_trie text: every "/32 host LOCAL" entry is a local
 * IPv4 address. Appends to v (netns set to netns), at most cap in all.
 * Returns the new count.
 */
size_t ctrcap_addrs_parse_fib_trie(const char *text, uint32_t netns, struct ctrcap_ns_addr *v,
				   size_t n, size_t cap);

/*
 * Parse /proc/net/if_inet6 text: one address per line, loopback (scope
 * host) left out. Appends like ctrcap_addrs_parse_fib_trie().
 */
size_t ctrcap_addrs_parse_if_inet6(const char *text, uint32_t netns, struct ctrcap_ns_addr *v,
				   size_t n, size_t cap);

/*
 * The addresses of the namespace of process pid (inode netns), IPv4 and
 * IPv6, appended to *v (grown as needed; *n entries). Loopback addresses are
 * left out: every namespace has them. Returns 0, or -1 when the process
 * is gone or its files unreadable.
 */
int ctrcap_netns_addrs(uint32_t pid, uint32_t netns, struct ctrcap_ns_addr **v, size_t *n,
		       size_t *cap);

#endif /* CTRCAP_NETNS_ADDRS_H */
