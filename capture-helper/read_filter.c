// SPDX-License-Identifier: GPL-2.0-or-later
/* The pcap filter of `ctrcap -r`, run in user space (see read_filter.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "ctrcap/errbuf.h"
#include "ctrcap/pcapng.h"
#include "read_filter.h"

#define DEFAULT_SNAPLEN 262144u
/* The expression as quoted in messages: the start of a very long one. */
#define EXPR_QUOTE_MAX 200

struct prog {
	uint16_t linktype;
	uint32_t snaplen;
	bool ok; /* compiled; else this link type selects nothing */
	struct bpf_program bp;
};

struct ctrcap_read_filter {
	char *expr;
	struct prog *progs;
	size_t n, cap;
	char note[1024]; /* quoted expression + libpcap message */
};

/*
 * A file's LINKTYPE_ value as the DLT_ value pcap_open_dead takes. They
 * differ only where BSDs disagreed; libpcap's own map is not exported.
 */
static int linktype_to_dlt(uint16_t linktype)
{
	switch (linktype) {
	case 100:
		return DLT_ATM_RFC1483;
	case 101:
		return DLT_RAW;
	case 102:
		return DLT_SLIP_BSDOS;
	case 103:
		return DLT_PPP_BSDOS;
	case 106:
		return DLT_ATM_CLIP;
#ifdef DLT_PFSYNC
	case 246:
		return DLT_PFSYNC;
#endif
	}
	return linktype;
}

/* Compile expr for linktype into bp: 0, or -1 with libpcap's message in msg. */
static int compile(const char *expr, uint16_t linktype, uint32_t snaplen, struct bpf_program *bp,
		   char *msg, size_t msglen)
{
	pcap_t *p = pcap_open_dead(linktype_to_dlt(linktype), (int)snaplen);
	int ret = -1;

	if (!p) {
		ctrcap_errf(msg, msglen, "libpcap cannot open link type %u", linktype);
		return -1;
	}
	if (pcap_compile(p, bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		ctrcap_errf(msg, msglen, "%s", pcap_geterr(p));
	else
		ret = 0;
	pcap_close(p);
	return ret;
}

struct ctrcap_read_filter *ctrcap_read_filter_new(const char *expr, char *err, size_t errlen)
{
	/* Ethernet, Linux cooked v1/v2, raw IP, 802.11 radiotap: what files mostly hold. */
	static const uint16_t usual[] = {1, 113, 276, 101, 127};
	struct ctrcap_read_filter *f;
	struct bpf_program bp;
	char msg[400], first[400] = "";

	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++) {
		if (!compile(expr, usual[i], DEFAULT_SNAPLEN, &bp, msg, sizeof(msg))) {
			pcap_freecode(&bp);
			goto ok;
		}
		if (!first[0])
			snprintf(first, sizeof(first), "%s", msg);
	}
	ctrcap_errf(err, errlen, "invalid filter expression '%.*s%s': %s", EXPR_QUOTE_MAX, expr,
		    strlen(expr) > EXPR_QUOTE_MAX ? "..." : "", first);
	return NULL;
ok:
	f = calloc(1, sizeof(*f));
	if (!f || !(f->expr = strdup(expr))) {
		free(f);
		ctrcap_errf(err, errlen, "out of memory");
		return NULL;
	}
	return f;
}

/* The program for (linktype, snaplen), compiled on first use; NULL when out of memory. */
static struct prog *prog_for(struct ctrcap_read_filter *f, uint16_t linktype, uint32_t snaplen,
			     const char **note)
{
	struct prog *p;
	char msg[400];

	for (size_t i = 0; i < f->n; i++) {
		if (f->progs[i].linktype == linktype && f->progs[i].snaplen == snaplen)
			return &f->progs[i];
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;

		p = realloc(f->progs, cap * sizeof(*p));
		if (!p)
			return NULL;
		f->progs = p;
		f->cap = cap;
	}
	p = &f->progs[f->n++];
	memset(p, 0, sizeof(*p));
	p->linktype = linktype;
	p->snaplen = snaplen;
	p->ok = !compile(f->expr, linktype, snaplen, &p->bp, msg, sizeof(msg));
	if (!p->ok) {
		/* As a live capture treats raw-IP interfaces for an Ethernet-only filter. */
		snprintf(f->note, sizeof(f->note),
			 "filter '%.*s%s' does not apply to link type %u (%s): its packets are "
			 "left out",
			 EXPR_QUOTE_MAX, f->expr, strlen(f->expr) > EXPR_QUOTE_MAX ? "..." : "",
			 linktype, msg);
		*note = f->note;
	}
	return p;
}

int ctrcap_read_filter_match(struct ctrcap_read_filter *f, uint16_t linktype, uint32_t snaplen,
			     const uint8_t *data, uint32_t caplen, uint32_t len, const char **note,
			     char *err, size_t errlen)
{
	struct pcap_pkthdr h = {.caplen = caplen, .len = len};
	struct prog *p;

	*note = NULL;
	/* 0 is "no limit"; larger values only change the accept length, never the verdict. */
	if (!snaplen || snaplen > DEFAULT_SNAPLEN)
		snaplen = DEFAULT_SNAPLEN;
	p = prog_for(f, linktype, snaplen, note);
	if (!p) {
		ctrcap_errf(err, errlen, "out of memory compiling the filter");
		return -1;
	}
	if (!p->ok)
		return 0;
	return pcap_offline_filter(&p->bp, &h, data) != 0;
}

int ctrcap_read_filter_pkt(struct ctrcap_read_filter *f, const struct ctrcap_read_pkt *p)
{
	const char *note;
	char err[256];
	int sel;

	if (!f)
		return 1;
	sel = ctrcap_read_filter_match(f, p->linktype, p->snaplen, p->data, p->caplen, p->len, &note,
				       err, sizeof(err));
	if (note)
		fprintf(stderr, "ctrcap: %s\n", note);
	if (sel < 0)
		fprintf(stderr, "ctrcap: %s\n", err);
	return sel;
}

void ctrcap_read_filter_free(struct ctrcap_read_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		if (f->progs[i].ok)
			pcap_freecode(&f->progs[i].bp);
	}
	free(f->progs);
	free(f->expr);
	free(f);
}
