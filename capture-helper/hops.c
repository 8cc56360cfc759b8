// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --hops: keep one copy of a packet per its epb_packetid. The BPF side gives
 * every hop of a packet the same id within CTRCAP_HOP_WINDOW_NS, so a table
 * entry older than that window is free again; a full probe sequence
 * reuses its oldest entry, which at worst shows a packet twice, never hides
 * one.
 */
#include <stdlib.h>
#include <string.h>

#include "../bpf/ctrcap.h"
#include "ctrcap/pcapng.h"
#include "hops.h"

_Static_assert(CTRCAP_HOP_WINDOW_NS == CTRCAP_PACKET_ID_WINDOW_NS,
	       "the BPF hop window is the file format's packet id window");

#define PROBES 8

struct hop_slot {
	uint64_t id;	/* packet id; 0 = empty (ids start at 1) */
	uint64_t ts_ns; /* when its first copy was seen */
	bool shown;	/* a copy of it was written */
};

struct ctrcap_hops {
	enum ctrcap_hops_mode mode;
	uint64_t skipped;
	struct hop_slot slot[CTRCAP_HOPS_SLOTS];
};

/* --hops words, by mode: the one list both the parse and the name read. */
static const char *const hops_words[] = {
	[CTRCAP_HOPS_ALL] = "all",
	[CTRCAP_HOPS_FIRST] = "first",
	[CTRCAP_HOPS_CONTAINER] = "container",
	[CTRCAP_HOPS_FOLD] = "fold",
};

int ctrcap_hops_parse(const char *s)
{
	for (size_t m = 0; m < sizeof(hops_words) / sizeof(hops_words[0]); m++)
		if (!strcmp(s, hops_words[m]))
			return (int)m;
	return -1;
}

const char *ctrcap_hops_name(enum ctrcap_hops_mode m)
{
	return (size_t)m < sizeof(hops_words) / sizeof(hops_words[0]) ? hops_words[m] : "all";
}

struct ctrcap_hops *ctrcap_hops_new(enum ctrcap_hops_mode m)
{
	struct ctrcap_hops *h = calloc(1, sizeof(*h));

	if (h)
		h->mode = m;
	return h;
}

void ctrcap_hops_free(struct ctrcap_hops *h)
{
	free(h);
}

/* The entry of id, or a free/oldest one reset for it (*fresh set). */
static struct hop_slot *lookup(struct ctrcap_hops *h, uint64_t id, uint64_t ts_ns, bool *fresh)
{
	uint64_t k = id * 0x9e3779b97f4a7c15ull;
	struct hop_slot *victim = NULL;
	bool victim_live = false;

	for (unsigned i = 0; i < PROBES; i++) {
		struct hop_slot *s = &h->slot[(k + i) & (CTRCAP_HOPS_SLOTS - 1)];
		bool stale = !s->id || ts_ns - s->ts_ns >= CTRCAP_HOP_WINDOW_NS;

		if (s->id == id && !stale) {
			*fresh = false;
			return s;
		}
		if (stale) {
			if (!victim || victim_live)
				victim = s, victim_live = false;
		} else if (!victim || (victim_live && s->ts_ns < victim->ts_ns)) {
			victim = s, victim_live = true;
		}
	}
	*victim = (struct hop_slot){.id = id, .ts_ns = ts_ns};
	*fresh = true;
	return victim;
}

bool ctrcap_hops_keep(struct ctrcap_hops *h, uint64_t id, uint64_t ts_ns,
		      enum ctrcap_hop_place place)
{
	struct hop_slot *s;
	bool fresh, keep;

	if (h->mode == CTRCAP_HOPS_ALL || h->mode == CTRCAP_HOPS_FOLD || !id)
		return true;
	s = lookup(h, id, ts_ns, &fresh);
	if (h->mode == CTRCAP_HOPS_FIRST)
		keep = fresh;
	else
		/*
		 * A container's own interface wins: the sender's comes first on
		 * its way out, else the receiver's. A host veth or bridge is only
		 * the way between; any other host interface (lo, the uplink) is
		 * the packet's end when it is where the packet was seen first.
		 */
		keep = !s->shown &&
		       (place == CTRCAP_HOP_CONTAINER || (place == CTRCAP_HOP_HOST && fresh));
	if (keep)
		s->shown = true;
	else
		h->skipped++;
	return keep;
}

uint64_t ctrcap_hops_skipped(const struct ctrcap_hops *h)
{
	return h ? h->skipped : 0;
}
