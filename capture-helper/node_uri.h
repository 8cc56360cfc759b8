/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --node NAME=URI: which host a merged capture reaches and how:
 * ssh://[USER@]HOST[:PORT], k8s://NODE (the ctrcap DaemonSet's pod on
 * that Kubernetes node) or rpcap://[USER@]HOST[:PORT][/SOURCE] (a
 * ctrcap-rpcapd; SOURCE defaults to container-any). rpcaps:// is named as
 * not supported yet, so a user knows it is planned, not mistyped.
 */
#ifndef CTRCAP_NODE_URI_H
#define CTRCAP_NODE_URI_H

#include <stddef.h>

#include "node_name.h"

/* How a node is reached. */
enum ctrcap_node_kind {
	CTRCAP_NODE_SSH,
	CTRCAP_NODE_K8S,
	CTRCAP_NODE_RPCAP,
};

/* One parsed --node value. */
struct ctrcap_node_spec {
	enum ctrcap_node_kind kind;
	char name[CTRCAP_NODE_NAME_BUF]; /* NAME, the node.name of its packets */
	char user[64];			 /* "" = ssh's default */
	char host[256];			 /* ssh: a host name, IPv4 or [IPv6] without brackets;
					    k8s: the Kubernetes node name */
	unsigned port;			 /* 0 = ssh's (rpcap's 2002) default */
	char source[128];		 /* rpcap://: the server's source, "" = container-any */
	const char *uri;		 /* the URI as given, for messages */
};

/* Parse "NAME=ssh://[USER@]HOST[:PORT]", "NAME=k8s://NODE" or "NAME=rpcap://[USER@]HOST[:PORT][/SOURCE]" into spec. 0, or -1 with the reason in err. */
int ctrcap_node_spec_parse(const char *arg, struct ctrcap_node_spec *spec, char *err,
			   size_t errlen);

/*
 * Parse the URI part alone into spec (zeroed by the caller, its name kept): what
 * ctrcap_node_spec_parse() does after NAME=. 0, or -1 with the reason in err.
 */
int ctrcap_node_uri_parse(const char *uri, struct ctrcap_node_spec *spec, char *err,
			  size_t errlen);

#endif /* CTRCAP_NODE_URI_H */
