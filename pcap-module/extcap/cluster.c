// SPDX-License-Identifier: GPL-2.0-or-later
/* The cluster interface's settings (see cluster.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "ctrcap/errbuf.h"
#include "node_uri.h"

static bool is_set(const char *s)
{
	return s && *s;
}

/*
 * Copy the entries of s (separated by any byte of seps, blanks around an
 * entry dropped) into c->buf at *used, pointing words[] at them. Returns
 * how many, or -1 when more than max or when buf is full (err says which).
 */
static int split(struct cluster_opts *c, size_t *used, const char *s, const char *seps,
		 const char **words, unsigned max, const char *what, char *err, size_t errlen)
{
	unsigned n = 0;

	while (*s) {
		size_t len = strcspn(s, seps);
		const char *e = s + len;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			if (n == max) {
				ctrcap_errf(err, errlen, "more than %u %s", max, what);
				return -1;
			}
			if (*used + (size_t)(e - s) + 1 > sizeof(c->buf)) {
				ctrcap_errf(err, errlen, "the %s are longer than %zu bytes", what,
					    sizeof(c->buf) - 1);
				return -1;
			}
			memcpy(c->buf + *used, s, (size_t)(e - s));
			c->buf[*used + (size_t)(e - s)] = '\0';
			words[n++] = c->buf + *used;
			*used += (size_t)(e - s) + 1;
		}
		s += len;
		if (*s)
			s++;
	}
	return (int)n;
}

/* A value passed as one argv word: refuse what the helper would read as an option. */
static int check_word(const char *what, const char *v, char *err, size_t errlen)
{
	if (v[0] == '-') {
		ctrcap_errf(err, errlen, "%s '%s' must not start with '-'", what, v);
		return -1;
	}
	for (const char *p = v; *p; p++) {
		if (iscntrl((unsigned char)*p)) {
			ctrcap_errf(err, errlen, "%s contains a control character", what);
			return -1;
		}
	}
	return 0;
}

int cluster_opts_parse(struct cluster_opts *c, const char *nodes, const char *ssh_opts,
		       const char *remote_ctrcap, const char *kube_context, const char *kubeconfig,
		       char *err, size_t errlen)
{
	static struct ctrcap_node_spec specs[CLUSTER_MAX_NODES];
	char why[512];
	size_t used = 0;
	int n;

	memset(c, 0, sizeof(*c));
	if (!is_set(nodes) || !nodes[strspn(nodes, " \t\r\n,")]) {
		ctrcap_errf(
		    err, errlen,
		    "cluster: no nodes given: set Nodes (--nodes) to NAME=URI entries, e.g. "
		    "'a=ssh://root@web1 b=k8s://node-2'");
		return -1;
	}
	n = split(c, &used, nodes, " \t\r\n,", c->nodes, CLUSTER_MAX_NODES, "nodes", why,
		  sizeof(why));
	if (n < 0) {
		ctrcap_errf(err, errlen, "cluster: %s", why);
		return -1;
	}
	c->n_nodes = (unsigned)n;
	for (unsigned i = 0; i < c->n_nodes; i++) {
		if (ctrcap_node_spec_parse(c->nodes[i], &specs[i], why, sizeof(why))) {
			ctrcap_errf(err, errlen, "cluster: node '%s': %s", c->nodes[i], why);
			return -1;
		}
		for (unsigned k = 0; k < i; k++) {
			if (!strcmp(specs[k].name, specs[i].name)) {
				ctrcap_errf(err, errlen, "cluster: node name '%s' given twice",
					    specs[i].name);
				return -1;
			}
		}
	}
	if (is_set(ssh_opts)) {
		n = split(c, &used, ssh_opts, ";\r\n", c->ssh_opts, CLUSTER_MAX_SSH_OPTS,
			  "ssh options", why, sizeof(why));
		if (n < 0) {
			ctrcap_errf(err, errlen, "cluster: %s", why);
			return -1;
		}
		c->n_ssh_opts = (unsigned)n;
		for (unsigned i = 0; i < c->n_ssh_opts; i++) {
			if (check_word("ssh option", c->ssh_opts[i], err, errlen))
				return -1;
		}
	}
	c->remote_ctrcap = is_set(remote_ctrcap) ? remote_ctrcap : NULL;
	c->kube_context = is_set(kube_context) ? kube_context : NULL;
	c->kubeconfig = is_set(kubeconfig) ? kubeconfig : NULL;
	if ((c->remote_ctrcap && check_word("remote ctrcap", c->remote_ctrcap, err, errlen)) ||
	    (c->kube_context && check_word("Kubernetes context", c->kube_context, err, errlen)) ||
	    (c->kubeconfig && check_word("kubeconfig", c->kubeconfig, err, errlen)))
		return -1;
	return 0;
}
