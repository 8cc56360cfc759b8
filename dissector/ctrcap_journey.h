/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A packet's journey: the frames of a capture that carry its packet id
 * (epb_packetid), one per hop it crossed, within CTRCAP_PACKET_ID_WINDOW_NS
 * of the first. Noted on the first pass over a file, shown as ctrcap.hop.*
 * fields and a Journey subtree.
 */
#ifndef CTRCAP_JOURNEY_H
#define CTRCAP_JOURNEY_H

#include <epan/packet.h>
#include <wiretap/wtap.h>

struct ctrcap_journey;

/* Register the journey's fields and subtrees under proto (the ctrcap protocol). */
void ctrcap_journey_register(int proto);

/*
 * The journey of the frame's packet: the frame noted in it on the first pass
 * (from block's epb_packetid), looked up afterwards. NULL without a packet id.
 */
const struct ctrcap_journey *ctrcap_journey_note(packet_info *pinfo, wtap_block_t block);

/*
 * Add ctrcap.hop, .hop.count, .hop.prev, .hop.next, .hop.delta and the
 * Journey subtree of this frame (pinfo) in journey j to tree. In a single
 * pass (tshark without -2) the later hops are not known yet: count and next
 * say what was seen so far.
 */
void ctrcap_journey_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
			 const struct ctrcap_journey *j);

#endif /* CTRCAP_JOURNEY_H */
