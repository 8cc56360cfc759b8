// SPDX-License-Identifier: GPL-2.0-or-later
/* Local addresses of a namespace from /proc/PID/net (see netns_addrs.h). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns.h"
#include "netns_addrs.h"

/* fib_trie of a namespace with a few hundred routes stays well below this. */
#define PROC_TEXT_MAX (1u << 20)

static bool is_loopback(int family, const uint8_t *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	return family == AF_INET ? a[0] == 127 : !memcmp(a, lo6, 16);
}

/* Append unless it is loopback or already there. Returns the new count. */
static size_t add(struct ctrcap_ns_addr *v, size_t n, size_t cap, uint32_t netns, int family,
		  const uint8_t *a)
{
	size_t alen = family == AF_INET ? 4 : 16;

	if (n >= cap || is_loopback(family, a))
		return n;
	for (size_t i = 0; i < n; i++) {
		if (v[i].netns == netns && v[i].family == family && !memcmp(v[i].addr, a, alen))
			return n;
	}
	memset(&v[n], 0, sizeof(v[n]));
	v[n].netns = netns;
	v[n].family = (uint8_t)family;
	memcpy(v[n].addr, a, alen);
	return n + 1;
}

size_t ctrcap_addrs_parse_fib_trie(const char *text, uint32_t netns, struct ctrcap_ns_addr *v,
				   size_t n, size_t cap)
{
	uint8_t last[4];
	bool have = false;
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *p;
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[128];

		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		/* "|-- 10.99.0.2" names a leaf; its "/32 host LOCAL" line makes it ours. */
		p = strstr(buf, "|-- ");
		if (p)
			have = inet_pton(AF_INET, p + 4, last) == 1;
		else if (have && strstr(buf, "/32 host LOCAL"))
			n = add(v, n, cap, netns, AF_INET, last);
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t ctrcap_addrs_parse_if_inet6(const char *text, uint32_t netns, struct ctrcap_ns_addr *v,
				   size_t n, size_t cap)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		uint8_t a[16];
		int i;

		/* 32 hex digits, then ifindex, prefix length, scope, flags, name. */
		for (i = 0; i < 32; i++) {
			int hi = hexval(line[i]);

			if (hi < 0)
				break;
			if (i % 2)
				a[i / 2] = (uint8_t)(a[i / 2] | hi);
			else
				a[i / 2] = (uint8_t)(hi << 4);
		}
		if (i == 32 && line[32] == ' ')
			n = add(v, n, cap, netns, AF_INET6, a);
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

/* The whole of /proc/PID/net/NAME as a string (malloc'ed), or NULL. */
static char *read_text(uint32_t pid, const char *name)
{
	char path[64], *buf;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/net/%s", pid, name);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	buf = malloc(PROC_TEXT_MAX + 1);
	if (buf)
		len = fread(buf, 1, PROC_TEXT_MAX, f);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Lines of text: no parse finds more addresses than that. */
static size_t lines(const char *text)
{
	size_t k = 1;

	for (; text && *text; text++)
		k += *text == '\n';
	return k;
}

/* Make room for more entries after the first n. */
static int grow(struct ctrcap_ns_addr **v, size_t n, size_t *cap, size_t more)
{
	struct ctrcap_ns_addr *p;

	if (*cap - n >= more)
		return 0;
	p = realloc(*v, (n + more) * sizeof(*p));
	if (!p)
		return -1;
	*v = p;
	*cap = n + more;
	return 0;
}

int ctrcap_netns_addrs(uint32_t pid, uint32_t netns, struct ctrcap_ns_addr **v, size_t *n,
		       size_t *cap)
{
	char *fib = read_text(pid, "fib_trie"), *in6 = read_text(pid, "if_inet6"), ns[64];
	size_t n0 = *n;
	int ret = -1;

	/* A kernel without IPv6 has no if_inet6: IPv4 alone is an answer. */
	if (!fib || grow(v, *n, cap, lines(fib) + lines(in6)))
		goto out;
	*n = ctrcap_addrs_parse_fib_trie(fib, netns, *v, *n, *cap);
	if (in6)
		*n = ctrcap_addrs_parse_if_inet6(in6, netns, *v, *n, *cap);
	/* The pid was reused by a process of another namespace meanwhile: not netns's. */
	snprintf(ns, sizeof(ns), "/proc/%u/ns/net", pid);
	if (ctrcap_netns_ino(ns) != netns) {
		*n = n0;
		goto out;
	}
	ret = 0;
out:
	free(fib);
	free(in6);
	return ret;
}
