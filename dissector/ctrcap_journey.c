// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Journeys: ctrcap gives every hop of one packet (a container's eth0, its
 * host veth, the bridge, the peer's eth0, the uplink after NAT) the same
 * epb_packetid. Here the frames sharing an id are tied together so a user
 * can walk from hop to hop (FT_FRAMENUM fields) and read each hop's delay.
 *
 * The first pass notes each frame in a file-scoped map keyed by packet id;
 * ids are unique within one capture run, and the window keeps two runs'
 * equal ids (files merged or rotated across a restart) apart.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <epan/epan.h>
#include <epan/packet.h>
#include <epan/wmem_scopes.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

#include "ctrcap/pcapng.h"
#include "ctrcap_journey.h"
#include "ws_at_least.h"

/* One hop: a frame that carries the packet id. */
struct hop {
	guint32 frame;
	nstime_t ts;
	guint32 if_id;
	guint32 section;
	guint32 direction; /* epb_flags & 3: 1 in, 2 out */
	bool has_if;
};

/*
 * The frames of one packet id. Most packets cross a single captured hop,
 * so the first hop is kept inline and one allocation holds a journey (its
 * map key too): the plugin notes every frame of a file, shown or not.
 */
struct ctrcap_journey {
	guint64 id;	    /* the map's key */
	struct hop first;
	wmem_array_t *rest; /* struct hop: hops 2.. in frame order, NULL until then */
	guint32 drop_frame; /* the kernel drop it ends in; 0 = none (yet) */
	guint drop_hop;	    /* its position, 0-based */
	const char *drop_reason, *drop_where; /* file scope */
};

static int proto = -1;
static int hf_hop = -1;
static int hf_hop_count = -1;
static int hf_hop_prev = -1;
static int hf_hop_next = -1;
static int hf_hop_delta = -1;
static int hf_hop_frame = -1;
static gint ett_journey = -1;
static expert_field ei_dropped = EI_INIT;

/*
 * packet id -> the latest journey with that id: open addressing with linear
 * probing over journey pointers (the key is the journey's id), so a note
 * costs no allocation besides the journey's. Emptied with each file.
 */
static struct ctrcap_journey **by_id;
static guint32 by_id_bits, by_id_count; /* 1 << by_id_bits slots */
/* frame number -> its journey (NULL: no packet id); emptied with each file. */
static const struct ctrcap_journey **by_frame;
static guint32 by_frame_len;
/* (section << 32 | interface id) -> hop_where()'s text; emptied with each file. */
static wmem_map_t *wheres;
/* hop_where()'s last answer: consecutive hops mostly share an interface. */
static guint64 where_last_key;
static const char *where_last;

/* Empty the tables of the file being closed (their journeys are file scoped). */
static void journey_cleanup(void)
{
	g_free(by_id);
	by_id = NULL;
	by_id_bits = by_id_count = 0;
	g_free(by_frame);
	by_frame = NULL;
	by_frame_len = 0;
	where_last = NULL;
}

static const value_string dir_vals[] = {
	{ CTRCAP_DIR_IN, "In" },
	{ CTRCAP_DIR_OUT, "Out" },
	{ 0, NULL },
};

void ctrcap_journey_register(int proto_ctrcap, expert_module_t *expert)
{
	static ei_register_info ei[] = {
		{ &ei_dropped,
		  { "ctrcap.hop.dropped", PI_SEQUENCE, PI_WARN,
		    "This packet's journey ends in a kernel drop", EXPFILL } },
	};
	static hf_register_info hf[] = {
		{ &hf_hop,
		  { "Hop", "ctrcap.hop", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Position of this frame in its packet's journey (1 = first seen)", HFILL } },
		{ &hf_hop_count,
		  { "Hops", "ctrcap.hop.count", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Frames that carry this packet's id", HFILL } },
		{ &hf_hop_prev,
		  { "Previous hop", "ctrcap.hop.prev", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
		    "The same packet on the hop before this one", HFILL } },
		{ &hf_hop_next,
		  { "Next hop", "ctrcap.hop.next", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
		    "The same packet on the hop after this one", HFILL } },
		{ &hf_hop_delta,
		  { "Time since previous hop", "ctrcap.hop.delta", FT_RELATIVE_TIME, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_hop_frame,
		  { "Hop frame", "ctrcap.hop.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
		    "A frame of this packet's journey", HFILL } },
	};
	static gint *ett[] = { &ett_journey };

	proto = proto_ctrcap;
	proto_register_field_array(proto, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
	expert_register_field_array(expert, ei, array_length(ei));
	wheres = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
					g_int64_equal);
	register_cleanup_routine(journey_cleanup);
}

/* The slot of id in by_id: the journey with that id or an empty slot. */
static struct ctrcap_journey **id_slot(guint64 id)
{
	guint32 mask = (1u << by_id_bits) - 1;
	/* Fibonacci hashing: increasing ids land far apart. */
	guint32 i = (guint32)((id * 0x9e3779b97f4a7c15ull) >> (64 - by_id_bits));

	while (by_id[i] && by_id[i]->id != id)
		i = (i + 1) & mask;
	return &by_id[i];
}

/* Make room for one more id in by_id (at most half full). */
static void id_reserve(void)
{
	struct ctrcap_journey **old = by_id;
	guint32 n = by_id_bits ? 1u << by_id_bits : 0, i;

	if (by_id && (by_id_count + 1) * 2 <= n)
		return;
	by_id_bits = by_id_bits ? by_id_bits + 1 : 10;
	by_id = g_new0(struct ctrcap_journey *, (gsize)1 << by_id_bits);
	for (i = 0; i < n; i++)
		if (old[i])
			*id_slot(old[i]->id) = old[i];
	g_free(old);
}

/* Tie frame num to journey j (by_frame grows to hold it). */
static void frame_set(guint32 num, const struct ctrcap_journey *j)
{
	if (num >= by_frame_len) {
		guint32 len = by_frame_len ? by_frame_len : 1024;

		while (len <= num)
			len *= 2;
		by_frame = g_renew(const struct ctrcap_journey *, by_frame, len);
		memset(by_frame + by_frame_len, 0, (len - by_frame_len) * sizeof(*by_frame));
		by_frame_len = len;
	}
	by_frame[num] = j;
}

static guint hop_count(const struct ctrcap_journey *j)
{
	return 1 + (j->rest ? wmem_array_get_count(j->rest) : 0);
}

static const struct hop *hop_at(const struct ctrcap_journey *j, guint i)
{
	return i == 0 ? &j->first : (const struct hop *)wmem_array_index(j->rest, i - 1);
}

/* True when t is CTRCAP_PACKET_ID_WINDOW_NS or more after the journey's first hop. */
static bool past_window(const struct ctrcap_journey *j, const nstime_t *t)
{
	nstime_t d;

	nstime_delta(&d, t, &j->first.ts);
	return d.secs < 0 ||
	       (guint64)d.secs * 1000000000u + (guint64)d.nsecs >= CTRCAP_PACKET_ID_WINDOW_NS;
}

/* The frame's interface as a hop: h->has_if, if_id and section. */
static void frame_iface(packet_info *pinfo, struct hop *h)
{
	h->has_if = pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID;
	h->if_id = pinfo->rec->rec_header.packet_header.interface_id;
#if WS_AT_LEAST(4, 3)
	h->section = pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER ?
			     pinfo->rec->section_number : 0;
#endif
}

const struct ctrcap_journey *ctrcap_journey_note(packet_info *pinfo, wtap_block_t block,
						 const struct ctrcap_journey_drop *drop)
{
	struct ctrcap_journey *j, **slot;
	struct hop h = { 0 };
	guint64 id = 0;
	guint32 flags = 0;

	if (pinfo->num < by_frame_len && by_frame[pinfo->num])
		return by_frame[pinfo->num];
	if (PINFO_FD_VISITED(pinfo) || !block)
		return NULL;
	if (wtap_block_get_uint64_option_value(block, OPT_PKT_PACKETID, &id) !=
		    WTAP_OPTTYPE_SUCCESS ||
	    id == 0)
		return NULL;
	h.frame = pinfo->num;
	h.ts = pinfo->abs_ts;
	if (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &flags) ==
	    WTAP_OPTTYPE_SUCCESS)
		h.direction = flags & 3;
	frame_iface(pinfo, &h);
	id_reserve();
	slot = id_slot(id);
	j = *slot;
	if (j && !past_window(j, &h.ts)) {
		if (!j->rest)
			j->rest = wmem_array_new(wmem_file_scope(), sizeof(struct hop));
		wmem_array_append_one(j->rest, h);
	} else {
		j = wmem_new0(wmem_file_scope(), struct ctrcap_journey);
		j->id = id;
		j->first = h;
		if (!*slot)
			by_id_count++;
		*slot = j;
	}
	if (drop && !j->drop_frame) {
		j->drop_frame = h.frame;
		j->drop_hop = hop_count(j) - 1;
		j->drop_reason = drop->reason ? wmem_strdup(wmem_file_scope(), drop->reason) : NULL;
		j->drop_where = wmem_strdup(wmem_file_scope(), drop->where);
	}
	frame_set(pinfo->num, j);
	return j;
}

/* The if_name and if_description of interface if_id in the file's section. */
static void iface_names(packet_info *pinfo, guint32 if_id, guint32 section, const char **name,
			const char **desc)
{
#if WS_AT_LEAST(4, 3)
	*name = epan_get_interface_name(pinfo->epan, if_id, section);
	*desc = epan_get_interface_description(pinfo->epan, if_id, section);
#else
	(void)section;
	*name = epan_get_interface_name(pinfo->epan, if_id);
	*desc = epan_get_interface_description(pinfo->epan, if_id);
#endif
}

void ctrcap_journey_frame_iface(packet_info *pinfo, const char **name, const char **desc)
{
	struct hop h = { 0 };

	*name = *desc = NULL;
	frame_iface(pinfo, &h);
	if (h.has_if)
		iface_names(pinfo, h.if_id, h.section, name, desc);
}

const struct ctrcap_journey_drop *ctrcap_journey_drop_at(const struct ctrcap_journey *j,
							 guint32 frame,
							 struct ctrcap_journey_drop *out)
{
	if (!j || j->drop_frame != frame)
		return NULL;
	out->reason = j->drop_reason;
	out->where = j->drop_where;
	return out;
}

/*
 * "eth0 (netns 4026532000 (web))": the hop's interface as its IDB names it.
 * Made once per interface and file: every shown frame lists each of its hops.
 */
static const char *hop_where(packet_info *pinfo, const struct hop *h)
{
	wmem_allocator_t *fs = wmem_file_scope();
	guint64 key = (guint64)h->section << 32 | h->if_id;
	const char *name, *desc, *where;
	guint64 *k;

	if (!h->has_if)
		return "?";
	if (where_last && where_last_key == key)
		return where_last;
	where = (const char *)wmem_map_lookup(wheres, &key);
	if (where)
		goto out;
	iface_names(pinfo, h->if_id, h->section, &name, &desc);
	if (!name)
		name = "?";
	if (!desc || !*desc)
		where = wmem_strdup(fs, name);
	else
		where = wmem_strdup_printf(fs, "%s (%s)", name, desc);
	k = wmem_new(fs, guint64);
	*k = key;
	wmem_map_insert(wheres, k, (void *)where);
out:
	where_last_key = key;
	where_last = where;
	return where;
}

/*
 * "+1.000015" into buf (at least 32 bytes): what "+%.6f" makes of
 * nstime_to_sec(d), written without printf's floating point for the
 * common case; ties (a 500 ns remainder, where the double's rounding
 * decides), negative and huge deltas still go through printf.
 */
static void delta_text(char *buf, size_t size, const nstime_t *d)
{
	char digits[24];
	guint64 us, secs;
	int n = 0;
	guint32 frac;

	if (d->secs < 0 || d->nsecs < 0 || d->secs >= (1 << 20) || d->nsecs % 1000 == 500) {
		snprintf(buf, size, "+%.6f", nstime_to_sec(d));
		return;
	}
	us = (guint64)d->secs * 1000000u + ((guint32)d->nsecs + 500) / 1000;
	secs = us / 1000000u;
	frac = (guint32)(us % 1000000u);
	do {
		digits[n++] = (char)('0' + secs % 10);
		secs /= 10;
	} while (secs);
	*buf++ = '+';
	while (n)
		*buf++ = digits[--n];
	*buf++ = '.';
	for (n = 5; n >= 0; n--) {
		buf[n] = (char)('0' + frac % 10);
		frac /= 10;
	}
	buf[6] = '\0';
}

/*
 * Text labels built by hand, given to Wireshark as one "%s": a label is
 * made for every frame shown, and printf spends most of its time on the
 * conversions. A label that does not fit is made by printf as before.
 */
struct label {
	char buf[320];
	size_t len;
	bool full; /* something did not fit: use printf */
};

/* Append s to l. */
static void label_str(struct label *l, const char *s)
{
	size_t n = strlen(s);

	if (l->full || n >= sizeof(l->buf) - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, s, n + 1);
	l->len += n;
}

/* Append v in decimal to l. */
static void label_u32(struct label *l, guint32 v)
{
	char digits[11], *p = digits + sizeof(digits);

	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	label_str(l, p);
}

/* A generated uint field, added only when the tree shows it or it is asked for. */
static void add_generated_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 v)
{
	if (proto_field_is_referenced(tree, hf))
		proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, v));
}

void ctrcap_journey_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
			 const struct ctrcap_journey *j)
{
	bool visible = tree && PTREE_DATA(tree)->visible;
	guint n = hop_count(j), at = 0, i;
	proto_item *ti = NULL;
	proto_tree *jt = tree;
	struct label l;
	char delta[32];
	nstime_t d;

	while (at + 1 < n && hop_at(j, at)->frame != pinfo->num)
		at++;
	/*
	 * Not shown: only the fields asked for (a filter, -e, a column), and no
	 * text item unless the drop's expert info needs one to be filterable.
	 */
	if (visible || (j->drop_frame && j->drop_frame != pinfo->num)) {
		l.len = 0;
		l.full = false;
		label_str(&l, "Journey: hop ");
		label_u32(&l, at + 1);
		label_str(&l, " of ");
		label_u32(&l, n);
		jt = proto_tree_add_subtree(tree, tvb, 0, 0, ett_journey, &ti, l.buf);
		proto_item_set_generated(ti);
	}
	add_generated_uint(jt, hf_hop, tvb, at + 1);
	add_generated_uint(jt, hf_hop_count, tvb, n);
	if (at > 0) {
		const struct hop *prev = hop_at(j, at - 1), *cur = hop_at(j, at);

		add_generated_uint(jt, hf_hop_prev, tvb, prev->frame);
		if (proto_field_is_referenced(jt, hf_hop_delta)) {
			nstime_delta(&d, &cur->ts, &prev->ts);
			proto_item_set_generated(proto_tree_add_time(jt, hf_hop_delta, tvb, 0, 0, &d));
		}
	}
	if (at + 1 < n)
		add_generated_uint(jt, hf_hop_next, tvb, hop_at(j, at + 1)->frame);
	/* The drop itself has its own warning (the identity's Kernel drop). */
	if (j->drop_frame && j->drop_frame != pinfo->num)
		expert_add_info_format(pinfo, ti, &ei_dropped,
				       "This packet is dropped by the kernel at hop %u (frame %u, %s): "
				       "%s at %s", j->drop_hop + 1, j->drop_frame,
				       hop_where(pinfo, hop_at(j, j->drop_hop)),
				       j->drop_reason ? j->drop_reason : "no reason given",
				       j->drop_where);
	if (!visible)
		return;
	for (i = 0; i < n; i++) {
		const struct hop *h = hop_at(j, i);

		const char *where = hop_where(pinfo, h);
		const char *dir = val_to_str_const(h->direction, dir_vals, "?");

		nstime_delta(&d, &h->ts, &hop_at(j, i > 0 ? i - 1 : 0)->ts);
		delta_text(delta, sizeof(delta), &d);
		l.len = 0;
		l.full = false;
		label_str(&l, "Hop ");
		label_u32(&l, i + 1);
		label_str(&l, ": frame ");
		label_u32(&l, h->frame);
		label_str(&l, ", ");
		label_str(&l, where);
		label_str(&l, ", ");
		label_str(&l, dir);
		label_str(&l, ", ");
		label_str(&l, delta);
		label_str(&l, i == at ? " s (this frame)" : " s");
		if (l.full)
			ti = proto_tree_add_uint_format(jt, hf_hop_frame, tvb, 0, 0, h->frame,
							"Hop %u: frame %u, %s, %s, %s s%s", i + 1,
							h->frame, where, dir, delta,
							i == at ? " (this frame)" : "");
		else
			ti = proto_tree_add_uint_format(jt, hf_hop_frame, tvb, 0, 0, h->frame,
							"%s", l.buf);
		proto_item_set_generated(ti);
	}
}
