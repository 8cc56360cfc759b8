/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --node NAME=URI: which host a merged capture reaches and how. Only
 * ssh://[USER@]HOST[:PORT] is implemented; rpcap:// and k8s:// are named
 * as not supported yet, so a user knows they are planned, not mistyped.
 */
#ifndef CTRCAP_NODE_URI_H
#define CTRCAP_NODE_URI_H

#include <stddef.h>

#include "node_name.h"

/* One parsed --node value. */
struct ctrcap_node_spec {
	char name[CTRCAP_NODE_NAME_BUF]; /* NAME, the node.name of its packets */
	char user[64];			 /* "" = ssh's default */
	char host[256];			 /* a host name, IPv4 or [IPv6] without brackets */
	unsigned port;			 /* 0 = ssh's default */
	const char *uri;		 /* the URI as given, for messages */
};

/* Parse "NAME=ssh://[USER@]HOST[:PORT]" into spec. 0, or -1 with the reason in err. */
int ctrcap_node_spec_parse(const char *arg, struct ctrcap_node_spec *spec, char *err,
			   size_t errlen);

#endif /* CTRCAP_NODE_URI_H */
