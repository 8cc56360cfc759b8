/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A packet's journey: the frames of a capture that carry its packet id
 * (epb_packetid), one per hop it crossed, within CTRCAP_PACKET_ID_WINDOW_NS
 * of the first. Noted on the first pass over a file, shown as ctrcap.hop.*
 * fields and a Journey subtree.
 */
#ifndef CTRCAP_JOURNEY_H
#define CTRCAP_JOURNEY_H

#include <epan/expert.h>
#include <epan/packet.h>
#include <wiretap/wtap.h>

struct ctrcap_journey;

/* A frame that is a kernel drop (ctrcap --drops): its reason (NULL if none) and location. */
struct ctrcap_journey_drop {
	const char *reason;
	const char *where;
};

/* Register the journey's fields, subtrees and expert info under proto (the ctrcap protocol). */
void ctrcap_journey_register(int proto, expert_module_t *expert);

/*
 * The journey of the frame's packet: the frame noted in it on the first pass
 * (from block's epb_packetid), looked up afterwards. NULL without a packet id.
 * drop: the frame is the packet's kernel drop (NULL if not); the journey
 * then ends in it.
 */
const struct ctrcap_journey *ctrcap_journey_note(packet_info *pinfo, wtap_block_t block,
						 const struct ctrcap_journey_drop *drop);

/* The if_name and if_description of the frame's interface (NULL when unknown). */
void ctrcap_journey_frame_iface(packet_info *pinfo, const char **name, const char **desc);

/* The kernel drop journey j ends in when frame is it (into out), else NULL. */
const struct ctrcap_journey_drop *ctrcap_journey_drop_at(const struct ctrcap_journey *j,
							 guint32 frame,
							 struct ctrcap_journey_drop *out);

/*
 * Add ctrcap.hop, .hop.count, .hop.prev, .hop.next, .hop.delta and the
 * Journey subtree of this frame (pinfo) in journey j to tree. In a single
 * pass (tshark without -2) the later hops are not known yet: count and next
 * say what was seen so far. A journey that ends in a kernel drop gets an
 * expert warning on its other frames, naming the reason and the hop.
 */
void ctrcap_journey_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
			 const struct ctrcap_journey *j);

#endif /* CTRCAP_JOURNEY_H */
