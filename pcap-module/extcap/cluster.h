/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `cluster` interface: one Wireshark capture across hosts through
 * `ctrcap --node`. Its capture dialog gives the node list and the ssh and
 * kubectl settings as single-line strings; this splits and checks them
 * (with ctrcap's own --node rules, capture-helper/node_uri.c) into the
 * words the helper's command line takes.
 */
#ifndef CTRCAP_EXTCAP_CLUSTER_H
#define CTRCAP_EXTCAP_CLUSTER_H

#include <stddef.h>

/* As ctrcap's CTRCAP_MAX_NODES: the most --node options it takes. */
#define CLUSTER_MAX_NODES 32
/* The most ssh -o options one cluster capture passes on. */
#define CLUSTER_MAX_SSH_OPTS 16

/* The cluster settings, split into words that point into buf. */
struct cluster_opts {
	const char *nodes[CLUSTER_MAX_NODES]; /* NAME=URI, checked */
	unsigned n_nodes;
	const char *ssh_opts[CLUSTER_MAX_SSH_OPTS];
	unsigned n_ssh_opts;
	const char *remote_ctrcap; /* NULL = the remote user's ctrcap */
	const char *kube_context;  /* NULL = kubectl's current context */
	const char *kubeconfig;	   /* NULL = kubectl's default */
	char buf[16384];
};

/*
 * Fill c from the dialog's strings: nodes ("NAME=URI" entries separated
 * by spaces, commas or new lines; required), ssh_opts (ssh -o options
 * separated by ';'), remote_ctrcap, kube_context, kubeconfig (NULL or ""
 * = not set). Every node is checked as `ctrcap --node` checks it, and
 * names must differ. Returns 0, or -1 with the entry and the reason in err.
 */
int cluster_opts_parse(struct cluster_opts *c, const char *nodes, const char *ssh_opts,
		       const char *remote_ctrcap, const char *kube_context, const char *kubeconfig,
		       char *err, size_t errlen);

#endif /* CTRCAP_EXTCAP_CLUSTER_H */
