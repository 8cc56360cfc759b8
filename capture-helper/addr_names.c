// SPDX-License-Identifier: GPL-2.0-or-later
/* Names of container addresses for the pcapng writer (see addr_names.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr_names.h"
#include "containers/resolver.h"

/* An address named in the last update. */
struct named {
	uint8_t family;
	uint8_t addr[16];
};

struct ctrcap_addr_names {
	struct named *v;	/* named in the last update */
	size_t n;
};

const char *ctrcap_container_host_name(const struct ctr_info *c, char *buf, size_t cap)
{
	/* A pod's containers share its namespace: the pod is what the address names. */
	if (c->pod_name[0] && c->pod_namespace[0])
		snprintf(buf, cap, "%s.%s.pod", c->pod_name, c->pod_namespace);
	else
		snprintf(buf, cap, "%s", c->name[0] == '/' ? c->name + 1 : c->name);
	return buf;
}

struct ctrcap_addr_names *ctrcap_addr_names_new(void)
{
	return calloc(1, sizeof(struct ctrcap_addr_names));
}

static bool same_addr(const struct ctrcap_ns_addr *a, const struct ctrcap_ns_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Whether (family, addr) is among v[0..n). */
static bool named_in(const struct named *v, size_t n, const struct named *k)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].family == k->family && !memcmp(v[i].addr, k->addr, sizeof(k->addr)))
			return true;
	}
	return false;
}

int ctrcap_addr_names_update(struct ctrcap_addr_names *an, struct ctrcap_pcapng_writer *w,
			     struct ctrcap_ident *ident, const struct ctrcap_ns_addr *v, size_t n)
{
	struct named *now = calloc(n ? n : 1, sizeof(*now));
	size_t k = 0;
	int ret = 0;

	if (!now)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct ctr_info *c;
		char name[600];

		c = ctrcap_ident_netns_container(ident, v[i].netns);
		if (!c || !ctrcap_container_host_name(c, name, sizeof(name))[0])
			continue;
		if (ctrcap_pcapng_writer_name(w, v[i].family, v[i].addr, name) < 0) {
			ret = -1;
			break;
		}
		now[k].family = v[i].family;
		memcpy(now[k].addr, v[i].addr, sizeof(now[k].addr));
		k++;
		/* Later entries of this address are other namespaces': skipped above. */
		while (i + 1 < n && same_addr(&v[i], &v[i + 1]))
			i++;
	}
	for (size_t i = 0; ret == 0 && i < an->n; i++) {
		if (!named_in(now, k, &an->v[i]))
			ctrcap_pcapng_writer_unname(w, an->v[i].family, an->v[i].addr);
	}
	if (ret == 0) {
		free(an->v);
		an->v = now;
		an->n = k;
	} else {
		free(now);
	}
	return ret;
}

void ctrcap_addr_names_free(struct ctrcap_addr_names *an)
{
	if (!an)
		return;
	free(an->v);
	free(an);
}
