// SPDX-License-Identifier: GPL-2.0-or-later
/* ctrcapdump's interface list, link types and capture options. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "extcap_iface.h"
#include "ctrcap/errbuf.h"

#define LIST_FIELDS 6

/* Copy field [p, p + n) into dst (len bytes), refusing what does not fit. */
static int copy_field(char *dst, size_t len, const char *p, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

static int parse_row(const char *line, size_t linelen, struct extcap_container *c, unsigned lineno,
		     char *err, size_t errlen)
{
	static const char *const names[LIST_FIELDS] = {
		"id", "name", "image", "runtime", "pod_namespace", "pod_name",
	};
	char *dst[LIST_FIELDS] = {
		c->id, c->name, c->image, c->runtime, c->pod_namespace, c->pod_name,
	};
	size_t lens[LIST_FIELDS] = {
		sizeof(c->id), sizeof(c->name), sizeof(c->image), sizeof(c->runtime),
		sizeof(c->pod_namespace), sizeof(c->pod_name),
	};
	const char *p = line, *end = line + linelen;
	unsigned f = 0;

	memset(c, 0, sizeof(*c));
	while (f < LIST_FIELDS) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		size_t n = tab ? (size_t)(tab - p) : (size_t)(end - p);

		if (copy_field(dst[f], lens[f], p, n)) {
			ctrcap_errf(err, errlen,
				"container list line %u: %s field longer than %zu bytes", lineno,
				names[f], lens[f] - 1);
			return -1;
		}
		f++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (!c->id[0]) {
		ctrcap_errf(err, errlen, "container list line %u: empty container id", lineno);
		return -1;
	}
	return 0;
}

int extcap_parse_containers(const char *text, struct extcap_container *out, size_t max, size_t *n,
			    char *err, size_t errlen)
{
	const char *p = text;
	unsigned lineno = 0;

	*n = 0;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0 || p[0] == '#' ||
		    (len >= 2 && !strncasecmp(p, "id", 2) && (len == 2 || p[2] == '\t'))) {
			p = nl ? nl + 1 : NULL;
			continue;
		}
		if (*n >= max)
			break;
		if (parse_row(p, len, &out[*n], lineno, err, errlen))
			return -1;
		(*n)++;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static bool name_is_safe(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 200 || !strcmp(name, "any") || !strncmp(name, "id-", 3))
		return false;
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	}
	return true;
}

static bool id_is_safe(const char *id)
{
	if (!id[0])
		return false;
	for (const char *p = id; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	}
	return true;
}

bool extcap_iface_name(const struct extcap_container *containers, size_t n, size_t i, char *buf,
		       size_t len)
{
	const struct extcap_container *c = &containers[i];
	bool unique = true;

	if (name_is_safe(c->name)) {
		for (size_t j = 0; j < n; j++) {
			if (j != i && !strcmp(containers[j].name, c->name))
				unique = false;
		}
		if (unique) {
			snprintf(buf, len, EXTCAP_IF_PREFIX "%s", c->name);
			return true;
		}
	}
	if (!id_is_safe(c->id))
		return false;
	snprintf(buf, len, EXTCAP_IF_ID_PREFIX "%s", c->id);
	return true;
}

int extcap_parse_target(const char *ifname, struct extcap_target *t, char *err, size_t errlen)
{
	const char *v;

	memset(t, 0, sizeof(*t));
	if (!ifname || !*ifname) {
		ctrcap_errf(err, errlen, "no interface given (--extcap-interface)");
		return -1;
	}
	if (!strcmp(ifname, EXTCAP_IF_ANY)) {
		t->kind = EXTCAP_TARGET_ANY;
		return 0;
	}
	if (!strcmp(ifname, EXTCAP_IF_CLUSTER)) {
		t->kind = EXTCAP_TARGET_CLUSTER;
		return 0;
	}
	if (!strncmp(ifname, EXTCAP_IF_ID_PREFIX, strlen(EXTCAP_IF_ID_PREFIX))) {
		v = ifname + strlen(EXTCAP_IF_ID_PREFIX);
		t->kind = EXTCAP_TARGET_ID;
		if (!id_is_safe(v) || strlen(v) >= sizeof(t->value))
			goto bad;
	} else if (!strncmp(ifname, EXTCAP_IF_PREFIX, strlen(EXTCAP_IF_PREFIX))) {
		v = ifname + strlen(EXTCAP_IF_PREFIX);
		t->kind = EXTCAP_TARGET_NAME;
		if (!name_is_safe(v))
			goto bad;
	} else {
		goto bad;
	}
	snprintf(t->value, sizeof(t->value), "%s", v);
	return 0;
bad:
	ctrcap_errf(err, errlen,
		"unknown interface '%s': ctrcapdump serves " EXTCAP_IF_ANY ", " EXTCAP_IF_CLUSTER
		", " EXTCAP_IF_PREFIX "<name> and " EXTCAP_IF_ID_PREFIX "<id>",
		ifname);
	return -1;
}

void extcap_sanitize(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (; s && *s && o + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == 0x7f || strchr("/{}[]", ch))
			ch = '_';
		buf[o++] = (char)ch;
	}
	buf[o] = '\0';
}

void extcap_print_interfaces(FILE *out, const char *version, const struct extcap_container *c,
			     size_t n, const char *unlisted)
{
	char why[300];

	extcap_sanitize(unlisted, why, sizeof(why));
	fprintf(out, "extcap {version=%s}{display=ctrcap container-aware capture}\n", version);
	fprintf(out,
		"interface {value=" EXTCAP_IF_ANY "}{display=All containers and the host "
		"(ctrcap, every interface and netns%s%s)}\n",
		why[0] ? "; containers not listed: " : "", why);
	/* Offered even without the local list: the capture runs on other hosts. */
	fprintf(out, "interface {value=" EXTCAP_IF_CLUSTER "}{display=Containers on several hosts "
		     "(ctrcap --node)}\n");
	for (size_t i = 0; i < n; i++) {
		char ifname[300], name[256], rt[32], ns[256], pod[256];

		if (!extcap_iface_name(c, n, i, ifname, sizeof(ifname)))
			continue;
		extcap_sanitize(c[i].name[0] ? c[i].name : c[i].id, name, sizeof(name));
		extcap_sanitize(c[i].runtime[0] ? c[i].runtime : "container", rt, sizeof(rt));
		extcap_sanitize(c[i].pod_namespace, ns, sizeof(ns));
		extcap_sanitize(c[i].pod_name, pod, sizeof(pod));
		if (pod[0])
			fprintf(out,
				"interface {value=%s}{display=Container %s (%s, pod %s in %s)}\n",
				ifname, name, rt, pod, ns[0] ? ns : "default");
		else
			fprintf(out, "interface {value=%s}{display=Container %s (%s)}\n", ifname,
				name, rt);
	}
}

int extcap_print_dlts(FILE *out, const char *ifname, char *err, size_t errlen)
{
	struct extcap_target t;

	if (extcap_parse_target(ifname, &t, err, errlen))
		return -1;
	/* The helper writes one IDB per interface; Ethernet is what veths,
	 * bridges and lo carry, the IDBs say the rest. */
	fprintf(out, "dlt {number=1}{name=EN10MB}{display=Ethernet (per-interface link types "
		     "in the pcapng stream)}\n");
	return 0;
}

/*
 * The cluster interface's own arguments, first in its dialog (group
 * Nodes). Their tshark preference names are extcap.cluster.nodes,
 * .sshoptions, .remotectrcap, .kubecontext and .kubeconfig. Returns how
 * many it printed (the next argument's number).
 */
static unsigned print_cluster_config(FILE *out)
{
	unsigned n = 0;

	fprintf(out,
		"arg {number=%u}{call=--nodes}{display=Nodes}{type=string}{required=true}"
		"{tooltip=NAME=URI entries separated by spaces or commas: NAME=ssh://[USER@]HOST[:PORT] "
		"(ctrcap run there through your ssh) or NAME=k8s://NODE (the ctrcap DaemonSet's pod "
		"on that Kubernetes node through kubectl exec). NAME becomes node.name}"
		"{group=Nodes}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--ssh-options}{display=ssh options}{type=string}"
		"{tooltip=Options for every ssh:// node (ssh -o), separated by ';', e.g. "
		"IdentityFile=~/.ssh/capture_key;ProxyJump=bastion}{group=Nodes}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--remote-ctrcap}{display=Remote ctrcap}{type=string}"
		"{tooltip=The ctrcap the nodes run (empty: ctrcap in the remote PATH)}"
		"{group=Nodes}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--kube-context}{display=Kubernetes context}{type=string}"
		"{tooltip=kubectl --context for k8s:// nodes (empty: the current one)}"
		"{group=Nodes}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--kubeconfig}{display=kubeconfig}{type=fileselect}"
		"{mustexist=true}{tooltip=kubectl --kubeconfig for k8s:// nodes (empty: "
		"kubectl's default)}{group=Nodes}\n",
		n++);
	return n;
}

int extcap_print_config(FILE *out, const char *ifname, char *err, size_t errlen)
{
	struct extcap_target t;
	unsigned n = 0;

	if (extcap_parse_target(ifname, &t, err, errlen))
		return -1;
	if (t.kind == EXTCAP_TARGET_CLUSTER)
		n = print_cluster_config(out);
	if (t.kind == EXTCAP_TARGET_ANY || t.kind == EXTCAP_TARGET_CLUSTER) {
		fprintf(out,
			"arg {number=%u}{call=--container-name}{display=Container name}"
			"{type=string}{tooltip=Only packets of the container with this name "
			"(empty: all)}{validation=^[A-Za-z0-9_.-]*$}{group=Container}\n",
			n++);
		fprintf(out,
			"arg {number=%u}{call=--container-id}{display=Container ID}"
			"{type=string}{tooltip=Only packets of the container with this id "
			"(empty: all)}{validation=^[A-Za-z0-9_.-]*$}{group=Container}\n",
			n++);
	}
	fprintf(out,
		"arg {number=%u}{call=--pod-name}{display=Kubernetes pod name}{type=string}"
		"{tooltip=Only packets of containers in this pod (empty: all)}"
		"{validation=^[A-Za-z0-9_.-]*$}{group=Container}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--pod-namespace}{display=Kubernetes namespace}"
		"{type=string}{tooltip=Only packets of pods in this namespace (empty: all)}"
		"{validation=^[A-Za-z0-9_.-]*$}{group=Container}\n",
		n++);
	/* Host pids mean nothing across hosts. */
	if (t.kind != EXTCAP_TARGET_CLUSTER)
		fprintf(out,
			"arg {number=%u}{call=--pid}{display=Process ID}{type=string}"
			"{tooltip=Only packets of this process (host pid; empty: all)}"
			"{validation=^[0-9]*$}{group=Process}\n",
			n++);
	fprintf(out,
		"arg {number=%u}{call=--snaplen}{display=Snapshot length}{type=unsigned}"
		"{default=262144}{range=1,262144}{tooltip=Bytes kept of each packet}"
		"{group=Capture}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--interfaces}{display=Network interfaces}{type=string}"
		"{default=any}{tooltip=Interfaces the helper captures on: any (every "
		"interface in every network namespace) or an interface name}"
		"{validation=^[A-Za-z0-9_.:@-]+$}{group=Capture}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--all-hops}{display=Every hop of a packet}{type=boolflag}"
		"{default=false}{tooltip=A packet crossing a container's eth0, the host veth "
		"and the bridge is shown at each (one row per hop; TCP analysis then flags "
		"the copies as retransmissions). Off: once, in the sending or receiving "
		"container's namespace}{group=Capture}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--drops}{display=Kernel drops}{type=boolflag}"
		"{default=false}{tooltip=Also the packets the kernel drops in the captured "
		"namespaces (firewall, no socket, no route), each with the kernel's reason "
		"and where (ctrcap.drop.reason), after the hops it took}{group=Capture}\n",
		n++);
	/* ctrcap --node does not make comments from the nodes' records (yet). */
	if (t.kind == EXTCAP_TARGET_CLUSTER)
		return 0;
	fprintf(out,
		"arg {number=%u}{call=--comments}{display=Identity as packet comments}"
		"{type=boolflag}{default=false}{tooltip=Each packet's process, container and pod "
		"also as packet comments in ptcpdump's layout (PID:, Cmd:, ContainerName: ...), "
		"for tools without the ctrcap plugin; some hundred bytes more per packet}"
		"{group=Capture}\n",
		n++);
	fprintf(out,
		"arg {number=%u}{call=--compact-identity}{display=Compact identity}"
		"{type=boolflag}{default=false}{tooltip=Each process and container identity "
		"written once per interface, later packets refer to it (about 30 bytes instead of "
		"400 per packet). Packets exported or cut out of such a capture without the "
		"packets that define their identity show none}{group=Capture}\n",
		n++);
	return 0;
}
