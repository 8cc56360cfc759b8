// SPDX-License-Identifier: GPL-2.0-or-later
/* Starting the privileged helper `ctrcap` from the unprivileged extcap. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
#include "ctrcap/errbuf.h"

#ifndef CTRCAP_HELPER_DEFAULT
#define CTRCAP_HELPER_DEFAULT "/usr/local/sbin/ctrcap"
#endif

#define LIST_MAX (4u << 20)

const char *helper_path(void)
{
	const char *p = getenv(HELPER_ENV);

	return p && *p ? p : CTRCAP_HELPER_DEFAULT;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/* Values go to the helper as separate argv entries, so only reject what
 * could be read as an option or cannot be a name at all. */
static int check_value(const char *what, const char *v, char *err, size_t errlen)
{
	if (v[0] == '-') {
		ctrcap_errf(err, errlen, "%s '%s' must not start with '-'", what, v);
		return -1;
	}
	for (const char *p = v; *p; p++) {
		if (iscntrl((unsigned char)*p) || *p == ' ') {
			ctrcap_errf(err, errlen, "%s '%s' contains a space or control character", what,
				v);
			return -1;
		}
	}
	return 0;
}

/*
 * The words of a cluster capture after the helper's path (at argv[argc]):
 * its nodes and their ssh/kubectl settings. The new argc, or -1.
 */
static int cluster_argv(const struct capture_opts *o, const char **argv, int argc, char *err,
			size_t errlen)
{
	const struct cluster_opts *c = o->cluster;

	if (!c || !c->n_nodes) {
		ctrcap_errf(err, errlen, "interface %s needs its nodes (--nodes NAME=URI ...)",
			EXTCAP_IF_CLUSTER);
		return -1;
	}
	/* ctrcap --node refuses it: say so here, in the dialog's words. */
	if (o->comments) {
		ctrcap_errf(err, errlen, "interface %s cannot add identity comments (--comments)",
			EXTCAP_IF_CLUSTER);
		return -1;
	}
	for (unsigned i = 0; i < c->n_nodes; i++) {
		argv[argc++] = "--node";
		argv[argc++] = c->nodes[i];
	}
	for (unsigned i = 0; i < c->n_ssh_opts; i++) {
		argv[argc++] = "--ssh-option";
		argv[argc++] = c->ssh_opts[i];
	}
	if (c->remote_ctrcap) {
		argv[argc++] = "--remote-ctrcap";
		argv[argc++] = c->remote_ctrcap;
	}
	if (c->kube_context) {
		argv[argc++] = "--kube-context";
		argv[argc++] = c->kube_context;
	}
	if (c->kubeconfig) {
		argv[argc++] = "--kubeconfig";
		argv[argc++] = c->kubeconfig;
	}
	return argc;
}

int helper_capture_argv(const char *helper, const struct capture_opts *o, const char **argv,
			char *numbuf, char *err, size_t errlen)
{
	const char *name = o->container_name, *id = o->container_id;
	int argc = 0;

	if (o->target.kind == EXTCAP_TARGET_NAME) {
		if (is_set(name) && strcmp(name, o->target.value)) {
			ctrcap_errf(err, errlen, "interface %s%s conflicts with --container-name %s",
				EXTCAP_IF_PREFIX, o->target.value, name);
			return -1;
		}
		name = o->target.value;
	} else if (o->target.kind == EXTCAP_TARGET_ID) {
		if (is_set(id) && strcmp(id, o->target.value)) {
			ctrcap_errf(err, errlen, "interface %s%s conflicts with --container-id %s",
				EXTCAP_IF_ID_PREFIX, o->target.value, id);
			return -1;
		}
		id = o->target.value;
	}

	argv[argc++] = helper;
	if (o->target.kind == EXTCAP_TARGET_CLUSTER) {
		argc = cluster_argv(o, argv, argc, err, errlen);
		if (argc < 0)
			return -1;
	}
	argv[argc++] = "-i";
	argv[argc++] = is_set(o->interfaces) ? o->interfaces : "any";
	if (check_value("interface", argv[argc - 1], err, errlen))
		return -1;
	argv[argc++] = "-w";
	argv[argc++] = "-";
	argv[argc++] = "-U";
	/*
	 * One row per packet unless asked: Wireshark's TCP analysis takes the
	 * hop copies of a packet for retransmissions and duplicate ACKs.
	 */
	argv[argc++] = "--hops";
	argv[argc++] = o->all_hops ? "all" : "container";
	if (o->drops)
		argv[argc++] = "--drops";
	if (o->comments)
		argv[argc++] = "--comments";
	if (o->compact_identity)
		argv[argc++] = "--compact-identity";
	if (is_set(id)) {
		if (check_value("container id", id, err, errlen))
			return -1;
		argv[argc++] = "--container-id";
		argv[argc++] = id;
	}
	if (is_set(name)) {
		if (check_value("container name", name, err, errlen))
			return -1;
		argv[argc++] = "--container-name";
		argv[argc++] = name;
	}
	if (is_set(o->pod_name)) {
		if (check_value("pod name", o->pod_name, err, errlen))
			return -1;
		argv[argc++] = "--pod-name";
		argv[argc++] = o->pod_name;
	}
	if (is_set(o->pod_namespace)) {
		if (check_value("pod namespace", o->pod_namespace, err, errlen))
			return -1;
		argv[argc++] = "--pod-namespace";
		argv[argc++] = o->pod_namespace;
	}
	if (is_set(o->pid)) {
		char *end;
		unsigned long pid;

		errno = 0;
		pid = strtoul(o->pid, &end, 10);
		if (!isdigit((unsigned char)o->pid[0]) || *end || errno || pid == 0 ||
		    pid > 4194304) {
			ctrcap_errf(err, errlen, "--pid '%s' is not a process id (1 to 4194304)",
				o->pid);
			return -1;
		}
		argv[argc++] = "--pid";
		argv[argc++] = o->pid;
	}
	if (o->snaplen) {
		if (o->snaplen > HELPER_SNAPLEN_MAX) {
			ctrcap_errf(err, errlen, "--snaplen %u is larger than %u", o->snaplen,
				HELPER_SNAPLEN_MAX);
			return -1;
		}
		snprintf(numbuf, 32, "%u", o->snaplen);
		argv[argc++] = "-s";
		argv[argc++] = numbuf;
	}
	if (is_set(o->filter) && o->filter[strspn(o->filter, " \t\r\n")])
		argv[argc++] = o->filter;
	argv[argc] = NULL;
	return argc;
}

/* Why the helper could not be executed, as one actionable line. */
static void explain_exec_error(const char *helper, int e, char *err, size_t errlen)
{
	struct stat st;
	struct group *gr;
	const char *grname;

	if (e == ENOENT) {
		ctrcap_errf(err, errlen,
			"capture helper %s not found: install ctrcap, or point %s at it", helper,
			HELPER_ENV);
		return;
	}
	if (e != EACCES && e != EPERM)
		return; /* the launcher's message says it, with the path */
	if (stat(helper, &st)) {
		ctrcap_errf(err, errlen, "cannot run capture helper %s: %s", helper, strerror(e));
		return;
	}
	gr = getgrgid(st.st_gid);
	grname = gr ? gr->gr_name : "its group";
	ctrcap_errf(err, errlen,
		"permission denied running capture helper %s (mode %04o, group %s): only root "
		"and members of group %s may capture; ask an administrator to add you "
		"(usermod -aG %s USER) and log in again",
		helper, (unsigned)(st.st_mode & 07777), grname, grname, grname);
}

int helper_spawn(struct ctrcap_helper *h, const char *const *argv, char *err, size_t errlen)
{
	if (ctrcap_helper_spawn(h, argv, CTRCAP_SPAWN_NONBLOCK, err, errlen) == 0)
		return 0;
	explain_exec_error(argv[0], errno, err, errlen);
	return -1;
}

/* The short reason the helper could not run, for the interface list. */
static void exec_error_why(const char *helper, int e, char *why, size_t whylen)
{
	struct stat st;
	struct group *gr;

	if (e == ENOENT) {
		snprintf(why, whylen, "the capture helper is not installed");
		return;
	}
	if ((e == EACCES || e == EPERM) && !stat(helper, &st) && (gr = getgrgid(st.st_gid))) {
		/* A group added today counts only after a new login. */
		snprintf(why, whylen,
			 "you are not in group %s, whose members may capture (usermod -aG %s "
			 "USER, then log in again)",
			 gr->gr_name, gr->gr_name);
		return;
	}
	snprintf(why, whylen, "the capture helper cannot run (%s)", strerror(e));
}

char *helper_list_containers(const char *helper, unsigned timeout_ms, char *err, size_t errlen,
			     char *why, size_t whylen)
{
	const char *argv[] = { helper, "--list-containers", NULL };
	size_t len;
	char *out;
	int r, e;

	r = ctrcap_helper_run(argv, timeout_ms, LIST_MAX, &out, &len, err, errlen);
	if (!r)
		return out;
	if (r == -2) {
		e = errno;
		explain_exec_error(helper, e, err, errlen);
		exec_error_why(helper, e, why, whylen);
	} else {
		snprintf(why, whylen, "the capture helper could not list them");
	}
	return NULL;
}

/* True when the n bytes at s hold something other than blanks. */
static bool has_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isspace((unsigned char)s[i]))
			return true;
	}
	return false;
}

/*
 * ctrcap --node ends with "ctrcap: N of M nodes lost" when nodes failed;
 * the reason is in the first "ctrcap: node NAME (URI) lost..." line
 * before it: point *line at that one instead.
 */
static void nodes_lost_reason(const char *text, const char **line, size_t *n)
{
	unsigned lost, all;
	char tail[32];
	const char *p;

	if (sscanf(*line, "ctrcap: %u of %u nodes los%1[t]", &lost, &all, tail) != 3)
		return;
	for (p = text; p < *line; p = strchr(p, '\n') + 1) {
		size_t k = strcspn(p, "\n");
		const char *l = memmem(p, k, ") lost", 6);

		if (!strncmp(p, "ctrcap: node ", 13) && l) {
			*line = p;
			*n = k;
			return;
		}
		if (!p[k])
			return;
	}
}

void helper_error_line(const char *text, char *buf, size_t len)
{
	const char *s = NULL, *last = NULL, *last_own = NULL;
	size_t n = 0, last_n = 0, own_n = 0;
	char line[1024];

	/*
	 * ctrcap prefixes its messages with "ctrcap: "; the packet counts it
	 * prints when a capture ends ("N packets captured") are not. So the
	 * last prefixed line is the reason, else the last line with text.
	 */
	for (const char *p = text; *p; p = s + n + (s[n] == '\n')) {
		s = p;
		n = strcspn(s, "\n");
		if (!has_text(s, n))
			continue;
		last = s;
		last_n = n;
		if (!strncmp(s, "ctrcap: ", 8)) {
			last_own = s;
			own_n = n;
		}
	}
	if (last_own) {
		last = last_own;
		last_n = own_n;
		nodes_lost_reason(text, &last, &last_n);
	}
	if (!last) {
		snprintf(buf, len, "ctrcap: failed without a message");
		return;
	}
	while (last_n && isspace((unsigned char)last[last_n - 1]))
		last_n--;
	if (last_n >= sizeof(line))
		last_n = sizeof(line) - 1;
	memcpy(line, last, last_n);
	line[last_n] = '\0';
	for (char *p = line; *p; p++) {
		if (iscntrl((unsigned char)*p))
			*p = ' ';
	}
	if (!strncmp(line, "ctrcap", 6))
		snprintf(buf, len, "%s", line);
	else
		snprintf(buf, len, "ctrcap: %s", line);
}
