// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Relative TCP sequence numbers (see tcp_seq.h).
 *
 * Each connection remembers one base per direction: the first sequence
 * number that side sent, or, when the other side's acknowledgement of it
 * came first (a capture started mid-connection), that acknowledgement.
 * Either way a side's seq and the other side's ack count from the same 0.
 *
 * The table has a fixed size and evicts the least recently used
 * connection of a set: ctrcap may print for days on a host that opens
 * millions of connections (a scanner, a busy proxy), and a table that grew
 * with them would be a memory leak an attacker can drive. An evicted
 * connection seen again simply starts from 0 again.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_seq.h"

#define SETS 1024 /* power of two */
#define WAYS 4

struct conn {
	uint8_t addr[2][16]; /* [0] the lower address (then port) of the two ends */
	uint16_t port[2];
	uint8_t alen;	  /* 0: slot free */
	uint8_t known;	  /* bit i: base[i] is set */
	uint32_t base[2]; /* first seq sent by end i */
	uint64_t used;	  /* last use, for eviction */
};

struct ctrcap_tcp_seq {
	uint64_t clock;
	struct conn set[SETS][WAYS];
};

struct ctrcap_tcp_seq *ctrcap_tcp_seq_new(void)
{
	return calloc(1, sizeof(struct ctrcap_tcp_seq));
}

void ctrcap_tcp_seq_free(struct ctrcap_tcp_seq *t)
{
	free(t);
}

/* FNV-1a over both ends, in their canonical order. */
static uint32_t hash(const struct conn *k)
{
	uint32_t h = 2166136261u;
	const uint8_t *p[] = { k->addr[0], k->addr[1] };

	for (int e = 0; e < 2; e++) {
		for (int i = 0; i < k->alen; i++)
			h = (h ^ p[e][i]) * 16777619u;
		h = (h ^ (k->port[e] >> 8)) * 16777619u;
		h = (h ^ (k->port[e] & 0xff)) * 16777619u;
	}
	return h;
}

static bool same_ends(const struct conn *a, const struct conn *b)
{
	return a->alen == b->alen && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
	       !memcmp(a->addr[0], b->addr[0], a->alen) && !memcmp(a->addr[1], b->addr[1], a->alen);
}

/* The connection's slot: found, or a free or least recently used one, reset. */
static struct conn *lookup(struct ctrcap_tcp_seq *t, const struct conn *key)
{
	struct conn *ways = t->set[hash(key) & (SETS - 1)], *victim = &ways[0];

	for (int i = 0; i < WAYS; i++) {
		if (ways[i].alen && same_ends(&ways[i], key))
			return &ways[i];
		if (!ways[i].alen || (victim->alen && ways[i].used < victim->used))
			victim = &ways[i];
	}
	*victim = *key;
	return victim;
}

void ctrcap_tcp_seq_relative(struct ctrcap_tcp_seq *t, const uint8_t *src, const uint8_t *dst,
			     size_t alen, uint16_t sport, uint16_t dport, uint8_t flags,
			     uint32_t *seq, uint32_t *ack)
{
	struct conn key = { 0 }, *c;
	int cmp, me;

	if (!t || (alen != 4 && alen != 16))
		return;
	cmp = memcmp(src, dst, alen);
	me = cmp > 0 || (cmp == 0 && sport > dport);
	memcpy(key.addr[me], src, alen);
	memcpy(key.addr[!me], dst, alen);
	key.port[me] = sport;
	key.port[!me] = dport;
	key.alen = alen;
	c = lookup(t, &key);
	c->used = ++t->clock;
	/* SYN without ACK: a new connection on these ends (a port reused). */
	if ((flags & 0x12) == 0x02)
		c->known = 0;
	if (!(c->known & 1 << me)) {
		c->base[me] = *seq;
		c->known |= 1 << me;
	}
	/* An ACK before the other side was seen: its base is what it acked. */
	if ((flags & 0x10) && !(c->known & 1 << !me)) {
		c->base[!me] = *ack;
		c->known |= 1 << !me;
	}
	*seq -= c->base[me];
	if (flags & 0x10)
		*ack -= c->base[!me];
}
