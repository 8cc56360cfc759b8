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

#include <epan/epan.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
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

/* packet id -> the latest journey with that id; emptied with each file. */
static wmem_map_t *journeys;
/* (section << 32 | interface id) -> hop_where()'s text; emptied with each file. */
static wmem_map_t *wheres;

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
	journeys = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
					  g_int64_equal);
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
	struct ctrcap_journey *j = p_get_proto_data(wmem_file_scope(), pinfo, proto, 0);
	struct hop h = { 0 };
	guint64 id = 0;
	guint32 flags = 0;

	if (j || PINFO_FD_VISITED(pinfo) || !block)
		return j;
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
	j = wmem_map_lookup(journeys, &id);
	if (j && !past_window(j, &h.ts)) {
		if (!j->rest)
			j->rest = wmem_array_new(wmem_file_scope(), sizeof(struct hop));
		wmem_array_append_one(j->rest, h);
	} else {
		j = wmem_new0(wmem_file_scope(), struct ctrcap_journey);
		j->id = id;
		j->first = h;
		wmem_map_insert(journeys, &j->id, j);
	}
	if (drop && !j->drop_frame) {
		j->drop_frame = h.frame;
		j->drop_hop = hop_count(j) - 1;
		j->drop_reason = drop->reason ? wmem_strdup(wmem_file_scope(), drop->reason) : NULL;
		j->drop_where = wmem_strdup(wmem_file_scope(), drop->where);
	}
	p_add_proto_data(wmem_file_scope(), pinfo, proto, 0, j);
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
	where = (const char *)wmem_map_lookup(wheres, &key);
	if (where)
		return where;
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
	return where;
}

void ctrcap_journey_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
			 const struct ctrcap_journey *j)
{
	guint n = hop_count(j), at = 0, i;
	proto_tree *jt;
	proto_item *ti;
	nstime_t d;

	while (at + 1 < n && hop_at(j, at)->frame != pinfo->num)
		at++;
	jt = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_journey, &ti, "Journey: hop %u of %u",
					   at + 1, n);
	proto_item_set_generated(ti);
	proto_item_set_generated(proto_tree_add_uint(jt, hf_hop, tvb, 0, 0, at + 1));
	proto_item_set_generated(proto_tree_add_uint(jt, hf_hop_count, tvb, 0, 0, n));
	if (at > 0) {
		const struct hop *prev = hop_at(j, at - 1), *cur = hop_at(j, at);

		proto_item_set_generated(proto_tree_add_uint(jt, hf_hop_prev, tvb, 0, 0, prev->frame));
		nstime_delta(&d, &cur->ts, &prev->ts);
		proto_item_set_generated(proto_tree_add_time(jt, hf_hop_delta, tvb, 0, 0, &d));
	}
	if (at + 1 < n)
		proto_item_set_generated(
			proto_tree_add_uint(jt, hf_hop_next, tvb, 0, 0, hop_at(j, at + 1)->frame));
	/* The drop itself has its own warning (the identity's Kernel drop). */
	if (j->drop_frame && j->drop_frame != pinfo->num)
		expert_add_info_format(pinfo, ti, &ei_dropped,
				       "This packet is dropped by the kernel at hop %u (frame %u, %s): "
				       "%s at %s", j->drop_hop + 1, j->drop_frame,
				       hop_where(pinfo, hop_at(j, j->drop_hop)),
				       j->drop_reason ? j->drop_reason : "no reason given",
				       j->drop_where);
	if (!tree || !PTREE_DATA(tree)->visible)
		return;
	for (i = 0; i < n; i++) {
		const struct hop *h = hop_at(j, i);

		nstime_delta(&d, &h->ts, &hop_at(j, i > 0 ? i - 1 : 0)->ts);
		ti = proto_tree_add_uint_format(jt, hf_hop_frame, tvb, 0, 0, h->frame,
						"Hop %u: frame %u, %s, %s, +%.6f s%s", i + 1, h->frame,
						hop_where(pinfo, h),
						val_to_str_const(h->direction, dir_vals, "?"),
						nstime_to_sec(&d), i == at ? " (this frame)" : "");
		proto_item_set_generated(ti);
	}
}
