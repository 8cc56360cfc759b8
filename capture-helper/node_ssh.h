/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OpenSSH command line a --node capture runs for one node: the user's
 * own ssh (keys, known_hosts, config) in batch mode, the remote ctrcap
 * writing pcapng to stdout with the selection options and the expression,
 * every word shell-quoted. The remote side stops its ctrcap (SIGTERM, so
 * it writes its statistics) when our end of ssh's stdin closes: at our
 * stop, or when the connection is gone.
 */
#ifndef CTRCAP_NODE_SSH_H
#define CTRCAP_NODE_SSH_H

#include <stddef.h>

#include "node_uri.h"
#include "options.h"

/* Room for ssh's arguments: fixed ones, the --ssh-option pairs, the NULL. */
#define CTRCAP_NODE_SSH_ARGV (24 + 2 * CTRCAP_MAX_MATCH)
/* The longest remote command line built (the expression included). */
#define CTRCAP_NODE_CMD_MAX 65536u

/* One node's ssh (or kubectl exec) command: argv points into the struct and into ssh and o. */
struct ctrcap_node_cmd {
	const char *argv[CTRCAP_NODE_SSH_ARGV];
	char port[12];
	char pod[256];	/* k8s://: the DaemonSet's pod on the node */
	char cmd[CTRCAP_NODE_CMD_MAX];
};

/*
 * Append s to buf (its length in *len, capacity cap) as one POSIX shell
 * word in single quotes. 0, or -1 when it does not fit.
 */
int ctrcap_shell_quote(char *buf, size_t cap, size_t *len, const char *s);

/*
 * The script a node's sh runs (into buf, capacity cap): ctrcap
 * (o->remote_ctrcap or "ctrcap") -w - -U --node-name NAME with o's
 * pushed-down options and expression in the background, stopped with
 * SIGTERM when the script's stdin ends. 0, or -1 when it does not fit.
 */
int ctrcap_node_script(char *buf, size_t cap, const struct ctrcap_node_spec *node,
		       const struct ctrcap_opts *o);

/*
 * Build node's ssh command into c: ssh (a path) with o's --ssh-option,
 * the remote ctrcap (o->remote_ctrcap or "ctrcap") with -w - -U
 * --node-name NAME, o's pushed-down options and expression. 0, or -1 with
 * the reason in err.
 */
int ctrcap_node_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			  const struct ctrcap_opts *o, const char *ssh, char *err, size_t errlen);

#endif /* CTRCAP_NODE_SSH_H */
