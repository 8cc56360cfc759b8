/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kubectl commands of a k8s://NODE node: find the ctrcap DaemonSet's
 * pod on NODE (kubectl get pods by the DaemonSet's label and a field
 * selector), then run the node script (node_ssh.h's, the one definition
 * of the pushed-down command) in it with kubectl exec -i. kubectl runs as
 * the invoking user with the user's kubeconfig; its RBAC needs only get
 * and list pods and create pods/exec in the namespace
 * (deploy/kubernetes/rbac.yaml).
 */
#ifndef CTRCAP_NODE_K8S_H
#define CTRCAP_NODE_K8S_H

#include <stddef.h>

#include "node_ssh.h"
#include "node_uri.h"
#include "options.h"

/* Where deploy/kubernetes/ puts the DaemonSet; the manifest test checks both. */
#define CTRCAP_K8S_NAMESPACE "ctrcap"
#define CTRCAP_K8S_LABEL     "app.kubernetes.io/name=ctrcap"

/* The kubectl get pods command that lists the DaemonSet's pod on a node. */
struct ctrcap_k8s_get {
	const char *argv[20];
	char field[320]; /* spec.nodeName=NODE,status.phase=Running */
};

/* Fill g with the command (kubectl a path) finding node's pod. */
void ctrcap_node_k8s_get_build(struct ctrcap_k8s_get *g, const struct ctrcap_node_spec *node,
			       const struct ctrcap_opts *o, const char *kubectl);

/*
 * The pod of kubectl get's output out (one name a line) into c->pod: the
 * first one. 0, or -1 with the reason (none, a bad name) in err.
 */
int ctrcap_node_k8s_pick(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			 const char *out, char *err, size_t errlen);

/*
 * Build the kubectl exec command of node into c (c->pod found already):
 * kubectl [--context C] [--kubeconfig F] exec -i -n ctrcap POD -- sh -c
 * SCRIPT. 0, or -1 with the reason in err.
 */
int ctrcap_node_k8s_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			      const struct ctrcap_opts *o, const char *kubectl, char *err,
			      size_t errlen);

/* The longest SELECTOR of --nodes-from k8s:SELECTOR. */
#define CTRCAP_K8S_SELECTOR_MAX 1024

/* The kubectl get pods command listing the nodes the DaemonSet's Running pods are on. */
struct ctrcap_k8s_list {
	const char *argv[20];
	char label[CTRCAP_K8S_SELECTOR_MAX + sizeof(CTRCAP_K8S_LABEL) + 1];
};

/*
 * Fill g with that command (kubectl a path): the DaemonSet's label, and
 * selector (NULL = none) as more labels its pods must carry.
 */
void ctrcap_k8s_list_build(struct ctrcap_k8s_list *g, const char *selector,
			   const struct ctrcap_opts *o, const char *kubectl);

/*
 * Add one NODE=k8s://NODE to o's nodes for each node name in out (kubectl
 * list's answer, one a line): duplicates and nodes a k8s:// --node gives
 * already are skipped. 0, or -1 with the reason (no node, a bad name, a
 * name given to another --node, too many) in err.
 */
int ctrcap_k8s_nodes_add(struct ctrcap_opts *o, const char *out, char *err, size_t errlen);

/*
 * --nodes-from k8s[:SELECTOR]: find kubectl in PATH, run the list command
 * and add its nodes to o. 0, or -1 with the reason in err.
 */
int ctrcap_nodes_from_k8s(struct ctrcap_opts *o, char *err, size_t errlen);

/* Run kubectl get for node and build its exec command into c. 0, or -1 with err. */
int ctrcap_node_k8s_prepare(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			    const struct ctrcap_opts *o, const char *kubectl, char *err,
			    size_t errlen);

#endif /* CTRCAP_NODE_K8S_H */
