// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The journey table (ctrcap/journey.h). Frames come in file order; a
 * journey stays open while frames with its packet id may still come (the
 * id's validity window after its first hop), then is folded into its
 * flow's counts and freed, so memory follows the packets of one window
 * plus, per flow and hop, one latency sample per packet (for the median).
 *
 * A flow's hops are put in order by their mean position in its journeys
 * (a partly captured journey does not reorder them), then by first sight.
 * A journey that ends at a hop before the flow's last one, with no drop,
 * vanished between that hop and the next.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/journey.h"
#include "ctrcap/pcapng.h"

#define FLOW_TEXT_MAX 160
#define BUCKETS 4096 /* open journeys' hash (chained) */

/* One frame of an open journey. */
struct jhop {
	uint64_t ts_ns;
	char *ifname, *place;
	uint32_t direction;
};

/* An open journey: the frames with one packet id so far. */
struct journey {
	uint64_t id;
	struct journey *next_id;  /* the hash chain */
	struct journey *next_age; /* the open list, oldest first */
	struct jhop *hop;
	size_t n_hop, cap_hop;
	char *flow;		  /* the first hop's flow text */
	char *drop_reason, *drop_location;
	struct jhop drop;	  /* where the drop was (its ifname, place) */
	bool dropped;
};

/* A hop of a flow: an interface in a netns, one direction. */
struct fhop {
	char *ifname, *place;
	uint32_t direction;
	uint64_t packets;
	uint64_t pos_sum;	  /* 1-based positions in its journeys, summed */
	uint64_t ended;		  /* journeys whose last hop (no drop) it is */
	uint64_t *delta;	  /* ns since the previous hop, one per journey */
	size_t n_delta, cap_delta;
	size_t seen;		  /* order of first sight */
};

/* Drops of a flow with one reason, location and interface. */
struct fdrop {
	char *reason, *location, *ifname, *place;
	uint64_t count;
};

struct flow {
	char *text, *place;	  /* the key: 5-tuple and the first hop's netns */
	uint64_t journeys;
	struct fhop *hop;
	size_t n_hop, cap_hop;
	struct fdrop *drop;
	size_t n_drop, cap_drop;
};

struct ctrcap_journeys {
	struct journey *bucket[BUCKETS];
	struct journey *oldest, *newest;
	struct flow *flow;
	size_t n_flow, cap_flow;
	uint64_t frames, n_journeys;
	bool oom;
};

/* Grow *v (of *cap elements of size sz) to hold n + 1. 0, or -1. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4;
	p = realloc(*v, c * sz);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

struct ctrcap_journeys *ctrcap_journeys_new(void)
{
	return calloc(1, sizeof(struct ctrcap_journeys));
}

static struct journey **chain(struct ctrcap_journeys *t, uint64_t id)
{
	return &t->bucket[(id * 0x9e3779b97f4a7c15ull) >> 52 & (BUCKETS - 1)];
}

static void free_jhop(struct jhop *h)
{
	free(h->ifname);
	free(h->place);
}

static void journey_free(struct journey *j)
{
	for (size_t i = 0; i < j->n_hop; i++)
		free_jhop(&j->hop[i]);
	free(j->hop);
	free(j->flow);
	free(j->drop_reason);
	free(j->drop_location);
	free_jhop(&j->drop);
	free(j);
}

/* The flow of text (first seen at place), made on first use; NULL when out of memory. */
static struct flow *flow_get(struct ctrcap_journeys *t, const char *text, const char *place)
{
	struct flow *f;

	for (size_t i = 0; i < t->n_flow; i++)
		if (!strcmp(t->flow[i].text, text) && !strcmp(t->flow[i].place, place))
			return &t->flow[i];
	if (grow((void **)&t->flow, &t->cap_flow, t->n_flow, sizeof(*t->flow)))
		return NULL;
	f = &t->flow[t->n_flow];
	*f = (struct flow){ .text = strdup(text), .place = strdup(place) };
	if (!f->text || !f->place) {
		free(f->text);
		free(f->place);
		return NULL;
	}
	t->n_flow++;
	return f;
}

static struct fhop *fhop_get(struct flow *f, const struct jhop *h)
{
	struct fhop *x;

	for (size_t i = 0; i < f->n_hop; i++) {
		x = &f->hop[i];
		if (x->direction == h->direction && !strcmp(x->ifname, h->ifname) &&
		    !strcmp(x->place, h->place))
			return x;
	}
	if (grow((void **)&f->hop, &f->cap_hop, f->n_hop, sizeof(*f->hop)))
		return NULL;
	x = &f->hop[f->n_hop];
	*x = (struct fhop){ .direction = h->direction, .seen = f->n_hop,
			    .ifname = strdup(h->ifname), .place = strdup(h->place) };
	if (!x->ifname || !x->place) {
		free(x->ifname);
		free(x->place);
		return NULL;
	}
	f->n_hop++;
	return x;
}

static int fdrop_add(struct flow *f, const struct journey *j)
{
	struct fdrop *d;

	for (size_t i = 0; i < f->n_drop; i++) {
		d = &f->drop[i];
		if (same(d->reason, j->drop_reason) && !strcmp(d->location, j->drop_location) &&
		    !strcmp(d->ifname, j->drop.ifname) && !strcmp(d->place, j->drop.place)) {
			d->count++;
			return 0;
		}
	}
	if (grow((void **)&f->drop, &f->cap_drop, f->n_drop, sizeof(*f->drop)))
		return -1;
	d = &f->drop[f->n_drop];
	*d = (struct fdrop){ .count = 1, .location = strdup(j->drop_location),
			     .ifname = strdup(j->drop.ifname), .place = strdup(j->drop.place),
			     .reason = j->drop_reason ? strdup(j->drop_reason) : NULL };
	if (!d->location || !d->ifname || !d->place || (j->drop_reason && !d->reason)) {
		free(d->location);
		free(d->ifname);
		free(d->place);
		free(d->reason);
		return -1;
	}
	f->n_drop++;
	return 0;
}

/* Fold journey j into its flow's counts. 0, or -1 when out of memory. */
static int journey_fold(struct ctrcap_journeys *t, struct journey *j)
{
	const char *place = j->n_hop ? j->hop[0].place : j->drop.place;
	struct flow *f = flow_get(t, j->flow, place);
	struct fhop *x = NULL;

	if (!f)
		return -1;
	f->journeys++;
	for (size_t i = 0; i < j->n_hop; i++) {
		x = fhop_get(f, &j->hop[i]);
		if (!x)
			return -1;
		x->packets++;
		x->pos_sum += i + 1;
		if (!i)
			continue;
		if (grow((void **)&x->delta, &x->cap_delta, x->n_delta, sizeof(*x->delta)))
			return -1;
		/* Frames out of time order: a negative delay counts as none. */
		x->delta[x->n_delta++] = j->hop[i].ts_ns > j->hop[i - 1].ts_ns ?
						 j->hop[i].ts_ns - j->hop[i - 1].ts_ns : 0;
	}
	if (j->dropped)
		return fdrop_add(f, j);
	if (x)
		x->ended++;
	return 0;
}

/* Fold and free the oldest open journey. */
static void close_oldest(struct ctrcap_journeys *t)
{
	struct journey *j = t->oldest, **pp = chain(t, j->id);

	while (*pp != j)
		pp = &(*pp)->next_id;
	*pp = j->next_id;
	t->oldest = j->next_age;
	if (!t->oldest)
		t->newest = NULL;
	if (journey_fold(t, j))
		t->oom = true;
	journey_free(j);
}

/* The open journey of id still in its window at ts, else NULL. */
static struct journey *journey_find(struct ctrcap_journeys *t, uint64_t id, uint64_t ts)
{
	for (struct journey *j = *chain(t, id); j; j = j->next_id) {
		uint64_t first = j->n_hop ? j->hop[0].ts_ns : j->drop.ts_ns;

		if (j->id == id && ts >= first && ts - first < CTRCAP_PACKET_ID_WINDOW_NS)
			return j;
	}
	return NULL;
}

static struct journey *journey_new(struct ctrcap_journeys *t, const struct ctrcap_jrec *r)
{
	struct journey *j = calloc(1, sizeof(*j));
	char flow[FLOW_TEXT_MAX];
	struct journey **c;

	if (!j)
		return NULL;
	ctrcap_flow_text(r->linktype, r->data, r->caplen, flow, sizeof(flow));
	j->flow = strdup(flow);
	if (!j->flow) {
		free(j);
		return NULL;
	}
	j->id = r->packet_id;
	c = chain(t, j->id);
	j->next_id = *c;
	*c = j;
	if (t->newest)
		t->newest->next_age = j;
	else
		t->oldest = j;
	t->newest = j;
	t->n_journeys++;
	return j;
}

int ctrcap_journeys_add(struct ctrcap_journeys *t, const struct ctrcap_jrec *r)
{
	struct jhop h = { .ts_ns = r->ts_ns, .direction = r->direction };
	struct journey *j;

	/* Journeys whose window closed before this frame are complete. */
	while (t->oldest && r->ts_ns >= (t->oldest->n_hop ? t->oldest->hop[0].ts_ns :
							     t->oldest->drop.ts_ns) +
						    CTRCAP_PACKET_ID_WINDOW_NS)
		close_oldest(t);
	if (t->oom)
		return -1;
	t->frames++;
	j = r->packet_id ? journey_find(t, r->packet_id, r->ts_ns) : NULL;
	/* After its drop a packet goes nowhere: a later frame is another journey. */
	if (!j || j->dropped)
		j = journey_new(t, r);
	if (!j)
		return -1;
	h.ifname = dup_or_empty(r->ifname);
	h.place = dup_or_empty(r->place);
	if (!h.ifname || !h.place)
		goto oom;
	if (r->drop_location) {
		j->drop = h;
		j->dropped = true;
		j->drop_location = strdup(r->drop_location);
		j->drop_reason = r->drop_reason ? strdup(r->drop_reason) : NULL;
		if (!j->drop_location || (r->drop_reason && !j->drop_reason))
			return -1;
		return 0;
	}
	if (grow((void **)&j->hop, &j->cap_hop, j->n_hop, sizeof(*j->hop)))
		goto oom;
	j->hop[j->n_hop++] = h;
	return 0;
oom:
	free_jhop(&h);
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Hops by mean position (pos_sum / packets, compared without division), then first sight. */
static int cmp_fhop(const void *a, const void *b)
{
	const struct fhop *x = a, *y = b;
	unsigned __int128 l = (unsigned __int128)x->pos_sum * y->packets;
	unsigned __int128 r = (unsigned __int128)y->pos_sum * x->packets;

	if (l != r)
		return l < r ? -1 : 1;
	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

static const char *dir_name(uint32_t d)
{
	return d == CTRCAP_DIR_IN ? "In" : d == CTRCAP_DIR_OUT ? "Out" : "-";
}

/* A latency in microseconds, 3 decimals, or "-" for a hop with none. */
static void usec(char *buf, size_t cap, const struct fhop *x, bool max)
{
	uint64_t v;

	if (!x->n_delta) {
		snprintf(buf, cap, "-");
		return;
	}
	/* The median of an even count is the lower middle: a sample, never an average. */
	v = max ? x->delta[x->n_delta - 1] : x->delta[(x->n_delta - 1) / 2];
	snprintf(buf, cap, "%" PRIu64 ".%03" PRIu64, v / 1000, v % 1000);
}

static void flow_print(FILE *f, size_t n, struct flow *fl)
{
	const char *last;

	if (fl->n_hop)
		qsort(fl->hop, fl->n_hop, sizeof(*fl->hop), cmp_fhop);
	last = fl->n_hop ? fl->hop[fl->n_hop - 1].place : fl->place;
	fprintf(f, "\nFlow %zu: %s\n", n, fl->text);
	fprintf(f, "  from %s to %s, %" PRIu64 " packet%s\n", *fl->place ? fl->place : "?",
		*last ? last : "?", fl->journeys, fl->journeys == 1 ? "" : "s");
	if (fl->n_hop)
		fprintf(f, "  %-4s %-16s %-4s %8s %12s %12s  %s\n", "Hop", "Interface", "Dir",
			"Packets", "Median us", "Max us", "Netns/container");
	for (size_t i = 0; i < fl->n_hop; i++) {
		struct fhop *x = &fl->hop[i];
		char med[32], max[32];

		if (x->n_delta)
			qsort(x->delta, x->n_delta, sizeof(*x->delta), cmp_u64);
		usec(med, sizeof(med), x, false);
		usec(max, sizeof(max), x, true);
		fprintf(f, "  %-4zu %-16s %-4s %8" PRIu64 " %12s %12s  %s\n", i + 1,
			*x->ifname ? x->ifname : "?", dir_name(x->direction), x->packets, med, max,
			*x->place ? x->place : "?");
	}
	for (size_t i = 0; i + 1 < fl->n_hop; i++)
		if (fl->hop[i].ended)
			fprintf(f, "  vanished between hop %zu and hop %zu: %" PRIu64
				   " packet%s, no drop seen\n",
				i + 1, i + 2, fl->hop[i].ended, fl->hop[i].ended == 1 ? "" : "s");
	for (size_t i = 0; i < fl->n_drop; i++) {
		struct fdrop *d = &fl->drop[i];

		fprintf(f, "  dropped: %" PRIu64 " packet%s, %s at %s, on %s in %s\n", d->count,
			d->count == 1 ? "" : "s", d->reason ? d->reason : "(no reason)", d->location,
			*d->ifname ? d->ifname : "?", *d->place ? d->place : "?");
	}
}

int ctrcap_journeys_print(struct ctrcap_journeys *t, FILE *f)
{
	while (t->oldest)
		close_oldest(t);
	if (t->oom)
		return -1;
	fprintf(f, "Journeys: %" PRIu64 " frame%s, %" PRIu64 " packet%s, %zu flow%s\n", t->frames,
		t->frames == 1 ? "" : "s", t->n_journeys, t->n_journeys == 1 ? "" : "s", t->n_flow,
		t->n_flow == 1 ? "" : "s");
	for (size_t i = 0; i < t->n_flow; i++)
		flow_print(f, i + 1, &t->flow[i]);
	return 0;
}

void ctrcap_journeys_free(struct ctrcap_journeys *t)
{
	if (!t)
		return;
	while (t->oldest) {
		struct journey *j = t->oldest;

		t->oldest = j->next_age;
		journey_free(j);
	}
	for (size_t i = 0; i < t->n_flow; i++) {
		struct flow *fl = &t->flow[i];

		for (size_t k = 0; k < fl->n_hop; k++) {
			free(fl->hop[k].ifname);
			free(fl->hop[k].place);
			free(fl->hop[k].delta);
		}
		for (size_t k = 0; k < fl->n_drop; k++) {
			free(fl->drop[k].reason);
			free(fl->drop[k].location);
			free(fl->drop[k].ifname);
			free(fl->drop[k].place);
		}
		free(fl->hop);
		free(fl->drop);
		free(fl->text);
		free(fl->place);
	}
	free(t->flow);
	free(t);
}
