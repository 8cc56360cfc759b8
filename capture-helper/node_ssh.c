// SPDX-License-Identifier: GPL-2.0-or-later
/* The ssh command of one --node (see node_ssh.h). */
#include <stdio.h>
#include <string.h>

#include "node_ssh.h"

int ctrcap_shell_quote(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = *len;

	if (n + 3 > cap)
		return -1;
	buf[n++] = '\'';
	for (; *s; s++) {
		/* A quote ends the quoted part, is escaped, and a new one starts. */
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t k = piece ? 4 : 1;

		if (n + k + 2 > cap)
			return -1;
		if (piece)
			memcpy(buf + n, piece, k);
		else
			buf[n] = *s;
		n += k;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* Append the literal text t to buf. 0, or -1 when it does not fit. */
static int put(char *buf, size_t cap, size_t *len, const char *t)
{
	size_t k = strlen(t);

	if (*len + k + 1 > cap)
		return -1;
	memcpy(buf + *len, t, k + 1);
	*len += k;
	return 0;
}

/* Append each word quoted and followed by a space. 0 or -1. */
static int put_words(char *buf, size_t cap, size_t *len, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ctrcap_shell_quote(buf, cap, len, w[i]) || put(buf, cap, len, " "))
			return -1;
	}
	return 0;
}

/*
 * ctrcap in the background (stdin /dev/null), a watcher that sends it
 * SIGTERM once the script's stdin (ssh's or kubectl exec -i's, saved as
 * fd 3) ends, and the script's exit status is ctrcap's. An asynchronous
 * command of a non-interactive shell ignores SIGINT, hence SIGTERM.
 */
int ctrcap_node_script(char *buf, size_t cap, const struct ctrcap_node_spec *node,
		       const struct ctrcap_opts *o)
{
	const char *head[] = { o->remote_ctrcap ? o->remote_ctrcap : "ctrcap", "-w", "-", "-U",
			       "--node-name", node->name };
	size_t len = 0;

	if (put(buf, cap, &len, "exec 3<&0; ") ||
	    put_words(buf, cap, &len, head, sizeof(head) / sizeof(head[0])) ||
	    put_words(buf, cap, &len, o->remote_args, o->n_remote_args) ||
	    (o->filter && put_words(buf, cap, &len, (const char *const *)&o->filter, 1)) ||
	    put(buf, cap, &len,
		"</dev/null & p=$!; { read x <&3; kill -TERM $p; } >/dev/null 2>&1 & k=$!; "
		"exec 3<&-; wait $p; s=$?; kill $k 2>/dev/null; exit $s"))
		return -1;
	return 0;
}

int ctrcap_node_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			  const struct ctrcap_opts *o, const char *ssh, char *err, size_t errlen)
{
	static char script[CTRCAP_NODE_CMD_MAX];
	size_t len = 0, n = 0;

	/* One builder at a time (the client builds every command before it starts). */
	if (ctrcap_node_script(script, sizeof(script), node, o) ||
	    put(c->cmd, sizeof(c->cmd), &len, "exec sh -c ") ||
	    ctrcap_shell_quote(c->cmd, sizeof(c->cmd), &len, script)) {
		snprintf(err, errlen, "the command for node %s is longer than %u bytes", node->name,
			 CTRCAP_NODE_CMD_MAX);
		return -1;
	}
	c->argv[n++] = ssh;
	c->argv[n++] = "-T";
	/* Fail instead of asking for a password or a passphrase. */
	c->argv[n++] = "-o";
	c->argv[n++] = "BatchMode=yes";
	c->argv[n++] = "-o";
	c->argv[n++] = "ConnectTimeout=10";
	/* A node whose network goes away is found lost within 15 s. */
	c->argv[n++] = "-o";
	c->argv[n++] = "ServerAliveInterval=5";
	c->argv[n++] = "-o";
	c->argv[n++] = "ServerAliveCountMax=3";
	for (unsigned i = 0; i < o->ssh_opts.n; i++) {
		c->argv[n++] = "-o";
		c->argv[n++] = o->ssh_opts.v[i];
	}
	if (node->port) {
		snprintf(c->port, sizeof(c->port), "%u", node->port);
		c->argv[n++] = "-p";
		c->argv[n++] = c->port;
	}
	if (node->user[0]) {
		c->argv[n++] = "-l";
		c->argv[n++] = node->user;
	}
	c->argv[n++] = "--";
	c->argv[n++] = node->host;
	c->argv[n++] = c->cmd;
	c->argv[n] = NULL;
	return 0;
}
