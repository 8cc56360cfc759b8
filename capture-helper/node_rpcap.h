/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command an rpcap:// --node runs: this ctrcap again, in
 * --rpcap-source mode, writing the ctrcap-rpcapd's packets as pcapng to
 * its stdout, so the merge reads it as it reads an ssh node's stream.
 */
#ifndef CTRCAP_NODE_RPCAP_H
#define CTRCAP_NODE_RPCAP_H

#include <stddef.h>

#include "node_ssh.h"

/*
 * Build node's command into c: self --rpcap-source URI --node-name NAME
 * -w - -U, o's --rpcap-password-file (when the URI names a user) and -c, and the expression (pushed to
 * the server). Other selection options have no rpcap form and are refused.
 * 0, or -1 with the reason in err.
 */
int ctrcap_node_rpcap_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
				const struct ctrcap_opts *o, const char *self, char *err,
				size_t errlen);

#endif /* CTRCAP_NODE_RPCAP_H */
