/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node a capture names on every packet (the node-name TLV, the IDB
 * description): --node-name, else $CTRCAP_NODE_NAME (what a Kubernetes
 * DaemonSet sets from the Downward API's spec.nodeName), else the host name.
 */
#ifndef CTRCAP_NODE_NAME_H
#define CTRCAP_NODE_NAME_H

#include <stddef.h>

#include "ctrcap/record.h"

/* The environment variable read when --node-name is not given. */
#define CTRCAP_NODE_NAME_ENV "CTRCAP_NODE_NAME"

/* Room for a node name and its NUL. */
#define CTRCAP_NODE_NAME_BUF (CTRCAP_NODE_NAME_MAX + 1)

/*
 * Whether name can name a node: 1 to CTRCAP_NODE_NAME_MAX bytes, no
 * control byte and no '/' (a merged capture's interfaces are "node/ifname").
 * Returns 0, or -1 with the reason in err.
 */
int ctrcap_node_name_check(const char *name, char *err, size_t errlen);

/*
 * Resolve the node name into out (CTRCAP_NODE_NAME_BUF bytes): given (the
 * --node-name value, NULL = none), else $CTRCAP_NODE_NAME when set and not
 * empty, else uname's nodename. Returns 0, or -1 with the source and the
 * reason in err.
 */
int ctrcap_node_name_resolve(const char *given, char *out, char *err, size_t errlen);

#endif /* CTRCAP_NODE_NAME_H */
