// SPDX-License-Identifier: GPL-2.0-or-later
/* Compiling and installing the in-kernel pcap filter (see filter_setup.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_setup.h"
#include "pkt_filter.h"

struct ctrcap_filters {
	struct pkt_filter_prog slot[PKT_FILTER_NR_SLOTS];
};

struct ctrcap_filters *ctrcap_filters_compile(const char *expr, uint32_t snaplen, char *err,
					      size_t errlen)
{
	struct ctrcap_filters *f = calloc(1, sizeof(*f));
	char raw_err[512];

	if (!f) {
		snprintf(err, errlen, "out of memory compiling filter");
		return NULL;
	}
	if (pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, snaplen,
			       &f->slot[PKT_FILTER_SLOT_ETH], err, errlen)) {
		free(f);
		return NULL;
	}
	if (pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_RAW, snaplen,
			       &f->slot[PKT_FILTER_SLOT_RAW], raw_err, sizeof(raw_err))) {
		/* Valid for Ethernet only: no raw-IP packet can match it. */
		struct pkt_filter_prog *p = &f->slot[PKT_FILTER_SLOT_RAW];

		memset(p, 0, sizeof(*p));
		p->len = 1;
		p->max_steps = 1;
		p->insns[0].op = PKT_FILTER_OP_RET_K;
		p->insns[0].k = 0;
		if (pkt_filter_validate(p, err, errlen)) {
			free(f);
			return NULL;
		}
	}
	return f;
}

int ctrcap_filters_install(const struct ctrcap_filters *f, int map_fd, char *err, size_t errlen)
{
	for (uint32_t s = 0; s < PKT_FILTER_NR_SLOTS; s++) {
		if (pkt_filter_install(map_fd, s, &f->slot[s], err, errlen))
			return -1;
	}
	return 0;
}

void ctrcap_filters_free(struct ctrcap_filters *f)
{
	free(f);
}
