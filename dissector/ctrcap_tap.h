/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "ctrcap" tap and tshark -z ctrcap,journey[,FILTER]: the journey table
 * of common/ (ctrcap/journey.h), the one ctrcap -r FILE --journey prints.
 */
#ifndef CTRCAP_TAP_H
#define CTRCAP_TAP_H

#include <epan/packet.h>
#include <wiretap/wtap.h>

#include "ctrcap_journey.h"

/* Register the tap and the -z ctrcap,journey statistic (from proto_register). */
void ctrcap_tap_register(void);

/*
 * Queue the frame (tvb, its block) for the tap's listeners, if any: its
 * packet id, interface, direction, bytes, and its drop (drop, or from its
 * journey j on a later pass).
 */
void ctrcap_tap_frame(tvbuff_t *tvb, packet_info *pinfo, wtap_block_t block,
		      const struct ctrcap_journey *j, const struct ctrcap_journey_drop *drop);

#endif /* CTRCAP_TAP_H */
