// SPDX-License-Identifier: GPL-2.0-or-later
/* Compiling the pcap filter once and loading it per interface (see filter_setup.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>
#include <bpf/bpf.h>

#include "../bpf/ctrcap.h"

#include "filter_setup.h"
#include "pkt_filter.h"

struct ctrcap_filters {
	struct pkt_filter_prog eth;
	struct pkt_filter_prog raw;
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
	if (pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, snaplen, &f->eth, err,
			       errlen)) {
		free(f);
		return NULL;
	}
	if (pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_RAW, snaplen, &f->raw, raw_err,
			       sizeof(raw_err))) {
		/* Valid for Ethernet only: no raw-IP packet can match it. */
		f->raw.len = 1;
		f->raw.insns[0] = (struct pkt_filter_cbpf_insn){ .code = BPF_RET | BPF_K, .k = 0 };
	}
	return f;
}

int ctrcap_filters_load(const struct ctrcap_filters *f, const struct ctrcap_filter_target *t,
			uint16_t linktype, int dir, const struct ctrcap_filter_iface *fi,
			const char *what, char *err, size_t errlen)
{
	struct pkt_filter_gen_cfg cfg = {
		.counters_fd = t->counters_fd,
		.slot = fi->slot,
		.netns = fi->netns,
		.dev_type = fi->dev_type,
		.netns_cookie = fi->netns_cookie,
		.tail_fd = t->tail_fd,
		.tail_index = dir == 1 ? 0 : 1,
	};

	return pkt_filter_load(linktype == PKT_FILTER_LINKTYPE_ETHERNET ? &f->eth : &f->raw, &cfg,
			       what, err, errlen);
}

int ctrcap_filters_check(const struct ctrcap_filters *f, const struct ctrcap_filter_target *t,
			 char *err, size_t errlen)
{
	static const struct ctrcap_filter_iface probe = { .slot = 0 };
	static const struct {
		uint16_t linktype;
		const char *what;
	} kinds[] = {
		{ PKT_FILTER_LINKTYPE_ETHERNET, "filter for Ethernet interfaces" },
		{ PKT_FILTER_LINKTYPE_RAW, "filter for raw-IP interfaces" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int fd = ctrcap_filters_load(f, t, kinds[i].linktype, 1, &probe, kinds[i].what,
					     err, errlen);

		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

int ctrcap_filters_load_drops(const struct ctrcap_filters *f,
			      const struct ctrcap_drop_filter_target *t, char *err, size_t errlen)
{
	const struct {
		const struct pkt_filter_prog *p;
		uint32_t index;
		const char *what;
	} kinds[] = {
		{ &f->eth, CTRCAP_DROP_TAIL_ETH, "drop filter for Ethernet framing" },
		{ &f->raw, CTRCAP_DROP_TAIL_RAW, "drop filter for raw IP" },
	};
	struct pkt_filter_gen_cfg cfg = {
		.counters_fd = t->counters_fd,
		.tail_fd = t->tail_fd,
		.tail_index = CTRCAP_DROP_TAIL_EMIT,
		.drop = true,
		.scratch_fd = t->scratch_fd,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int fd = pkt_filter_load(kinds[i].p, &cfg, kinds[i].what, err, errlen);

		if (fd < 0)
			return -1;
		/* The prog array holds the program from here on. */
		if (bpf_map_update_elem(t->tail_fd, &kinds[i].index, &fd, BPF_ANY)) {
			snprintf(err, errlen, "%s: cannot install it in drop_tail: %s", kinds[i].what,
				 strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

void ctrcap_filters_free(struct ctrcap_filters *f)
{
	free(f);
}
