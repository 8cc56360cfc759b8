// SPDX-License-Identifier: GPL-2.0-or-later
/* The kubectl commands of a k8s:// node (see node_k8s.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/helper_spawn.h"
#include "node_k8s.h"
#include "post_rotate.h"

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

/*
 * kubectl [globals] get pods -n ctrcap -l LABEL --field-selector FIELD -o
 * jsonpath= one FIELD_PATH a line, into argv (room for 20).
 */
static void get_pods_argv(const char **argv, const struct ctrcap_opts *o, const char *kubectl,
			  const char *label, const char *field, const char *jsonpath)
{
	size_t n = 0;

	argv[n++] = kubectl;
	n = kube_globals(argv, n, o);
	argv[n++] = "get";
	argv[n++] = "pods";
	argv[n++] = "-n";
	argv[n++] = CTRCAP_K8S_NAMESPACE;
	argv[n++] = "-l";
	argv[n++] = label;
	argv[n++] = "--field-selector";
	argv[n++] = field;
	argv[n++] = "-o";
	argv[n++] = jsonpath;
	argv[n] = NULL;
}

void ctrcap_node_k8s_get_build(struct ctrcap_k8s_get *g, const struct ctrcap_node_spec *node,
			       const struct ctrcap_opts *o, const char *kubectl)
{
	/* A Pending pod cannot be exec'ed into: only a Running one is taken. */
	snprintf(g->field, sizeof(g->field), "spec.nodeName=%s,status.phase=Running", node->host);
	get_pods_argv(g->argv, o, kubectl, CTRCAP_K8S_LABEL, g->field,
		      "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}");
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

void ctrcap_k8s_list_build(struct ctrcap_k8s_list *g, const char *selector,
			   const struct ctrcap_opts *o, const char *kubectl)
{
	snprintf(g->label, sizeof(g->label), "%s%s%s", CTRCAP_K8S_LABEL, selector ? "," : "",
		 selector ? selector : "");
	/* The nodes whose pod can be exec'ed into now, as k8s://NODE needs. */
	get_pods_argv(g->argv, o, kubectl, g->label, "status.phase=Running",
		      "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}");
}

/* Whether a k8s:// node of o already captures Kubernetes node host. */
static bool k8s_node_given(const struct ctrcap_opts *o, const char *host)
{
	struct ctrcap_node_spec s;
	char err[256];

	for (unsigned i = 0; i < o->n_nodes; i++) {
		if (!ctrcap_node_spec_parse(o->nodes[i], &s, err, sizeof(err)) &&
		    s.kind == CTRCAP_NODE_K8S && !strcmp(s.host, host))
			return true;
	}
	return false;
}

/* Add NODE=k8s://NODE (malloc'ed, freed with o). 0, or -1 with err. */
static int k8s_node_add(struct ctrcap_opts *o, const char *node, size_t len, char *err,
			size_t errlen)
{
	struct ctrcap_node_spec spec, s;
	char *arg, why[256];

	if (o->n_nodes >= CTRCAP_MAX_NODES) {
		snprintf(err, errlen,
			 "more than %d nodes; narrow them down with k8s:SELECTOR or give --node",
			 CTRCAP_MAX_NODES);
		return -1;
	}
	if (asprintf(&arg, "%.*s=k8s://%.*s", (int)len, node, (int)len, node) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ctrcap_node_spec_parse(arg, &spec, why, sizeof(why))) {
		snprintf(err, errlen, "kubectl named node '%.*s': %s", (int)len, node, why);
		free(arg);
		return -1;
	}
	if (k8s_node_given(o, spec.host)) {
		free(arg);
		return 0;
	}
	for (unsigned i = 0; i < o->n_nodes; i++) {
		if (!ctrcap_node_spec_parse(o->nodes[i], &s, why, sizeof(why)) &&
		    !strcmp(s.name, spec.name)) {
			snprintf(err, errlen, "node %s is also the name of --node %s", spec.name,
				 o->nodes[i]);
			free(arg);
			return -1;
		}
	}
	o->found_nodes[o->n_found_nodes++] = arg;
	o->nodes[o->n_nodes++] = arg;
	return 0;
}

int ctrcap_k8s_nodes_add(struct ctrcap_opts *o, const char *out, char *err, size_t errlen)
{
	unsigned lines = 0;

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");

		if (n) {
			lines++;
			if (k8s_node_add(o, p, n, err, errlen))
				return -1;
		}
		p += n + (p[n] == '\n');
	}
	if (!lines) {
		snprintf(err, errlen,
			 "no running ctrcap pod (namespace %s, label %s%s%s): is "
			 "deploy/kubernetes/ applied and are its pods ready?",
			 CTRCAP_K8S_NAMESPACE, CTRCAP_K8S_LABEL, o->nodes_from[3] ? "," : "",
			 o->nodes_from[3] ? o->nodes_from + 4 : "");
		return -1;
	}
	return 0;
}

int ctrcap_nodes_from_k8s(struct ctrcap_opts *o, char *err, size_t errlen)
{
	static char kubectl[4096];
	struct ctrcap_k8s_list g;
	char why[512], *out = NULL;
	size_t len;
	int r;

	if (ctrcap_post_rotate_resolve("kubectl", kubectl, sizeof(kubectl), why, sizeof(why))) {
		snprintf(err, errlen, "--nodes-from k8s needs kubectl: %s", why);
		return -1;
	}
	ctrcap_k8s_list_build(&g, o->nodes_from[3] ? o->nodes_from + 4 : NULL, o, kubectl);
	r = ctrcap_helper_run(g.argv, K8S_GET_TIMEOUT_MS, 1u << 20, &out, &len, why, sizeof(why));
	if (r == 0)
		r = ctrcap_k8s_nodes_add(o, out, why, sizeof(why));
	free(out);
	if (r)
		snprintf(err, errlen, "--nodes-from %s: %s", o->nodes_from, why);
	return r ? -1 : 0;
}
