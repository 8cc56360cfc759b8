// SPDX-License-Identifier: GPL-2.0-or-later
/* The kubectl commands of a k8s:// node (see node_k8s.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/helper_spawn.h"
#include "node_k8s.h"

/* How long kubectl get may take (an API server across a VPN can be slow). */
#define K8S_GET_TIMEOUT_MS 30000u

/* kubectl's global options from --kube-context and --kubeconfig; the next index. */
static size_t kube_globals(const char **argv, size_t n, const struct ctrcap_opts *o)
{
	if (o->kube_context) {
		argv[n++] = "--context";
		argv[n++] = o->kube_context;
	}
	if (o->kubeconfig) {
		argv[n++] = "--kubeconfig";
		argv[n++] = o->kubeconfig;
	}
	return n;
}

void ctrcap_node_k8s_get_build(struct ctrcap_k8s_get *g, const struct ctrcap_node_spec *node,
			       const struct ctrcap_opts *o, const char *kubectl)
{
	size_t n = 0;

	/* A Pending pod cannot be exec'ed into: only a Running one is taken. */
	snprintf(g->field, sizeof(g->field), "spec.nodeName=%s,status.phase=Running", node->host);
	g->argv[n++] = kubectl;
	n = kube_globals(g->argv, n, o);
	g->argv[n++] = "get";
	g->argv[n++] = "pods";
	g->argv[n++] = "-n";
	g->argv[n++] = CTRCAP_K8S_NAMESPACE;
	g->argv[n++] = "-l";
	g->argv[n++] = CTRCAP_K8S_LABEL;
	g->argv[n++] = "--field-selector";
	g->argv[n++] = g->field;
	g->argv[n++] = "-o";
	g->argv[n++] = "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}";
	g->argv[n] = NULL;
}

int ctrcap_node_k8s_pick(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			 const char *out, char *err, size_t errlen)
{
	size_t n = strcspn(out, "\n");

	if (!n) {
		snprintf(err, errlen,
			 "no running ctrcap pod on Kubernetes node %s (namespace %s, label %s): "
			 "is deploy/kubernetes/ applied and the node's pod ready?",
			 node->host, CTRCAP_K8S_NAMESPACE, CTRCAP_K8S_LABEL);
		return -1;
	}
	if (n >= sizeof(c->pod)) {
		snprintf(err, errlen, "kubectl named a pod longer than %zu bytes on node %s",
			 sizeof(c->pod) - 1, node->host);
		return -1;
	}
	memcpy(c->pod, out, n);
	c->pod[n] = '\0';
	/* A pod name is a DNS subdomain; anything else is not kubectl's answer. */
	for (size_t i = 0; i < n; i++) {
		if (!islower((unsigned char)c->pod[i]) && !isdigit((unsigned char)c->pod[i]) &&
		    !strchr("-.", c->pod[i])) {
			snprintf(err, errlen, "kubectl named no pod on node %s: '%s'", node->host,
				 c->pod);
			return -1;
		}
	}
	return 0;
}

int ctrcap_node_k8s_cmd_build(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			      const struct ctrcap_opts *o, const char *kubectl, char *err,
			      size_t errlen)
{
	size_t n = 0;

	/*
	 * Not ctrcap itself but the node script: kubectl exec passes our end
	 * of its stdin on as the script's, so our stop ends the pod's ctrcap
	 * with SIGTERM (and its statistics) as with ssh. kubectl exec gives
	 * argv words, so only the script is shell text.
	 */
	if (ctrcap_node_script(c->cmd, sizeof(c->cmd), node, o)) {
		snprintf(err, errlen, "the command for node %s is longer than %u bytes", node->name,
			 CTRCAP_NODE_CMD_MAX);
		return -1;
	}
	c->argv[n++] = kubectl;
	n = kube_globals(c->argv, n, o);
	c->argv[n++] = "exec";
	c->argv[n++] = "-i";
	c->argv[n++] = "-n";
	c->argv[n++] = CTRCAP_K8S_NAMESPACE;
	c->argv[n++] = c->pod;
	c->argv[n++] = "--";
	c->argv[n++] = "sh";
	c->argv[n++] = "-c";
	c->argv[n++] = c->cmd;
	c->argv[n] = NULL;
	return 0;
}

int ctrcap_node_k8s_prepare(struct ctrcap_node_cmd *c, const struct ctrcap_node_spec *node,
			    const struct ctrcap_opts *o, const char *kubectl, char *err,
			    size_t errlen)
{
	struct ctrcap_k8s_get g;
	char *out = NULL;
	size_t len;
	int r;

	ctrcap_node_k8s_get_build(&g, node, o, kubectl);
	r = ctrcap_helper_run(g.argv, K8S_GET_TIMEOUT_MS, 65536, &out, &len, err, errlen);
	if (r == 0)
		r = ctrcap_node_k8s_pick(c, node, out, err, errlen);
	free(out);
	if (r)
		return -1;
	return ctrcap_node_k8s_cmd_build(c, node, o, kubectl, err, errlen);
}
