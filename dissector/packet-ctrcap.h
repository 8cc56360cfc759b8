/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registration entry points of the ctrcap postdissector (called by plugin.c). */
#ifndef CTRCAP_PACKET_CTRCAP_H
#define CTRCAP_PACKET_CTRCAP_H

/* Register the protocol, its fields, expert infos and preferences. */
void proto_register_ctrcap(void);

/* Register the postdissector once all protocols exist. */
void proto_reg_handoff_ctrcap(void);

#endif /* CTRCAP_PACKET_CTRCAP_H */
