// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --hops fold (hop_fold.h). The held packets form a ring in first-hop
 * order; a later hop is looked up from the newest back, as the hops of
 * one packet come within a millisecond of each other in the usual case.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "hop_fold.h"

struct held {
	uint64_t id, ts_ns, last_ns;
	char *text;	/* the first hop's lines */
	size_t len;
	char *hops;	/* ", a0 In +12.345us, ..." */
	size_t hops_len;
};

struct ctrcap_hop_fold {
	FILE *out;
	size_t head, n;
	struct held h[CTRCAP_FOLD_HELD];
};

struct ctrcap_hop_fold *ctrcap_hop_fold_new(FILE *out)
{
	struct ctrcap_hop_fold *f = calloc(1, sizeof(*f));

	if (f)
		f->out = out;
	return f;
}

static const char *dir_name(uint32_t d)
{
	return d == CTRCAP_DIR_IN ? "In" : d == CTRCAP_DIR_OUT ? "Out" : "?";
}

/* Print and forget the oldest held packet: its packet line, its hops, the rest. */
static void pop(struct ctrcap_hop_fold *f)
{
	struct held *h = &f->h[f->head];
	const char *nl = memchr(h->text, '\n', h->len);
	size_t first = nl ? (size_t)(nl - h->text) : h->len;

	fwrite(h->text, 1, first, f->out);
	if (h->hops)
		fprintf(f->out, ", hops [%s]", h->hops);
	fputc('\n', f->out);
	if (nl)
		fwrite(nl + 1, 1, h->len - first - 1, f->out);
	free(h->text);
	free(h->hops);
	*h = (struct held){ 0 };
	f->head = (f->head + 1) % CTRCAP_FOLD_HELD;
	f->n--;
}

void ctrcap_hop_fold_flush(struct ctrcap_hop_fold *f, uint64_t now_ns)
{
	size_t n = 0;

	while (f->n) {
		struct held *h = &f->h[f->head];

		if (now_ns != UINT64_MAX && h->id && h->ts_ns + CTRCAP_PACKET_ID_WINDOW_NS > now_ns)
			break;
		pop(f);
		n++;
	}
	if (n)
		fflush(f->out);
}

void ctrcap_hop_fold_free(struct ctrcap_hop_fold *f)
{
	if (!f)
		return;
	ctrcap_hop_fold_flush(f, UINT64_MAX);
	free(f);
}

/* Add ", " (unless first) and the text s to h's hop list. 0, or -1. */
static int hops_add(struct held *h, const char *s)
{
	size_t l = strlen(s), sep = h->hops ? 2 : 0;
	char *p = realloc(h->hops, h->hops_len + sep + l + 1);

	if (!p)
		return -1;
	memcpy(p + h->hops_len, ", ", sep);
	memcpy(p + h->hops_len + sep, s, l + 1);
	h->hops = p;
	h->hops_len += sep + l;
	return 0;
}

/* "+12.345us": the time from the hop before (frames out of order: +0). */
static void delta_text(char *buf, size_t cap, uint64_t from, uint64_t to)
{
	uint64_t d = to > from ? to - from : 0;

	snprintf(buf, cap, "+%" PRIu64 ".%03" PRIu64 "us", d / 1000, d % 1000);
}

bool ctrcap_hop_fold_later(struct ctrcap_hop_fold *f, uint64_t id, uint64_t ts_ns,
			   const char *ifname, uint32_t direction, const char *drop)
{
	char d[40], s[1024];

	if (!id)
		return false;
	for (size_t k = f->n; k-- > 0;) {
		struct held *h = &f->h[(f->head + k) % CTRCAP_FOLD_HELD];

		if (h->id != id || ts_ns < h->ts_ns || ts_ns - h->ts_ns >= CTRCAP_PACKET_ID_WINDOW_NS)
			continue;
		delta_text(d, sizeof(d), h->last_ns, ts_ns);
		if (drop)
			snprintf(s, sizeof(s), "%s on %s %s", drop, *ifname ? ifname : "?", d);
		else
			snprintf(s, sizeof(s), "%s %s %s", *ifname ? ifname : "?", dir_name(direction), d);
		/* Out of memory: the hop is left out of the list, the packet line stays. */
		hops_add(h, s);
		h->last_ns = ts_ns;
		return true;
	}
	return false;
}

int ctrcap_hop_fold_hold(struct ctrcap_hop_fold *f, uint64_t id, uint64_t ts_ns, const char *text,
			 size_t len)
{
	struct held *h;
	char *t;

	if (f->n == CTRCAP_FOLD_HELD)
		pop(f);
	t = malloc(len + 1);
	if (!t) {
		fwrite(text, 1, len, f->out);
		return -1;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	h = &f->h[(f->head + f->n) % CTRCAP_FOLD_HELD];
	*h = (struct held){ .id = id, .ts_ns = ts_ns, .last_ns = ts_ns, .text = t, .len = len };
	f->n++;
	return 0;
}
