// SPDX-License-Identifier: GPL-2.0-or-later
/* The command of an rpcap:// --node (see node_rpcap.h). */
#include <stdio.h>
#include <string.h>

#include "node_rpcap.h"

int ctrcap_node_rpcap_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
				const struct ctrcap_opts *o, const char *self, char *err,
				size_t errlen)
{
	size_t n = 0;

	for (unsigned i = 0; i < o->n_remote_args; i++) {
		const char *flag = o->remote_args[i];

		/* Only -c has a meaning for a ctrcap-rpcapd stream; it takes a value. */
		if (!strcmp(flag, "-c") && i + 1 < o->n_remote_args) {
			i++;
			continue;
		}
		snprintf(err, errlen,
			 "an rpcap:// node takes no %s (ctrcap-rpcapd selects by its source, "
			 "rpcap://HOST/SOURCE, and the expression)",
			 flag);
		return -1;
	}
	c->argv[n++] = self;
	c->argv[n++] = "--rpcap-source";
	c->argv[n++] = node->uri;
	c->argv[n++] = "--node-name";
	c->argv[n++] = node->name;
	c->argv[n++] = "-w";
	c->argv[n++] = "-";
	c->argv[n++] = "-U";
	/* The password goes to the nodes that name a user; the others use null auth. */
	if (o->rpcap_password_file && node->user[0]) {
		c->argv[n++] = "--rpcap-password-file";
		c->argv[n++] = o->rpcap_password_file;
	}
	for (unsigned i = 0; i + 1 < o->n_remote_args; i += 2) {
		c->argv[n++] = o->remote_args[i];
		c->argv[n++] = o->remote_args[i + 1];
	}
	if (o->filter)
		c->argv[n++] = o->filter;
	c->argv[n] = NULL;
	return 0;
}
