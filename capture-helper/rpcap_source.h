/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctrcap --rpcap-source URI: capture from a ctrcap-rpcapd and write its
 * packets as pcapng EPBs with the identity option (what an rpcap:// --node
 * runs, through the same launcher as ssh).
 */
#ifndef CTRCAP_RPCAP_SOURCE_H
#define CTRCAP_RPCAP_SOURCE_H

#include "options.h"

/* Run o->rpcap_source's capture into o->out until stopped, -c or an error. Exit code. */
int ctrcap_run_rpcap_source(const struct ctrcap_opts *o);

#endif /* CTRCAP_RPCAP_SOURCE_H */
