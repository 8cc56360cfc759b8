/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the privileged capture helper `ctrcap`: where it is, the command
 * lines ctrcapdump gives it, and starting it with its stdout and stderr on
 * pipes. ctrcapdump itself never holds privileges.
 */
#ifndef CTRCAP_EXTCAP_HELPER_H
#define CTRCAP_EXTCAP_HELPER_H

#include <stddef.h>
#include <sys/types.h>

#include "cluster.h"
#include "ctrcap/helper_spawn.h"
#include "extcap_iface.h"

/* Environment variable naming another helper (tests run the build tree's). */
#define HELPER_ENV "CTRCAP_HELPER"
/* The fixed words, the selection, and a cluster's --node/--ssh-option pairs. */
#define HELPER_ARGV_MAX (40 + 2 * (CLUSTER_MAX_NODES + CLUSTER_MAX_SSH_OPTS))
#define HELPER_SNAPLEN_MAX 262144u

/* What the capture dialog (or the command line) asked for. */
struct capture_opts {
	struct extcap_target target;	/* from --extcap-interface */
	const char *container_name;	/* NULL or "" = not set */
	const char *container_id;
	const char *pod_name;
	const char *pod_namespace;
	const char *pid;		/* decimal, checked by helper_capture_argv() */
	const char *interfaces;		/* NULL = "any" */
	const char *filter;		/* capture filter, NULL = none */
	unsigned snaplen;		/* 0 = the helper's default */
	bool all_hops;			/* every hop of a packet, not one row per packet */
	bool drops;			/* also the packets the kernel drops (ctrcap --drops) */
	bool comments;			/* the identity also as ptcpdump's comments (--comments) */
	const struct cluster_opts *cluster; /* the nodes of the cluster interface, else NULL */
	bool compact_identity;		/* identities by reference (--compact-identity) */
};

/* The helper to run: $CTRCAP_HELPER when set, else the installed sbin path. */
const char *helper_path(void);

/*
 * Fill argv (room for HELPER_ARGV_MAX pointers, NULL-terminated) with the
 * helper's capture command line: helper [--node NAME=URI ... [--ssh-option O]...
 * [--remote-ctrcap P] [--kube-context C] [--kubeconfig F]] -i IFS -w - -U [--container-id ID]
 * [--container-name N] [--pod-name P]
 * [--pod-namespace NS] [--pid PID] [-s SNAPLEN] --hops all|container [--drops]
 * [--comments] [--compact-identity] [filter].
 * Pointers refer to o's strings and to numbuf (at least 32 bytes).
 * Returns argc, or -1 with the bad option named in err.
 */
int helper_capture_argv(const char *helper, const struct capture_opts *o, const char **argv,
			char *numbuf, char *err, size_t errlen);

/*
 * Start argv[0] with the common launcher, its stdout and stderr on
 * non-blocking pipes in h. Returns 0, or -1 with one line in err saying
 * why the helper could not run; a permission refusal names the file's
 * group and how to join it.
 */
int helper_spawn(struct ctrcap_helper *h, const char *const *argv, char *err, size_t errlen);

/*
 * Run `helper --list-containers`, waiting at most timeout_ms, and return
 * its stdout (malloc'ed, NUL-terminated, at most 4 MiB). NULL with err set
 * when it cannot run, fails or times out (it is killed then), and why set
 * to a short reason fit for Wireshark's interface list ("you are not in
 * group ctrcap, ...").
 */
char *helper_list_containers(const char *helper, unsigned timeout_ms, char *err, size_t errlen,
			     char *why, size_t whylen);

/*
 * The reason a helper failed, from its stderr text, as one line for the
 * user into buf: the last "ctrcap: " line (not the packet counts printed
 * after it), else the last non-empty line with "ctrcap: " prefixed.
 */
void helper_error_line(const char *stderr_text, char *buf, size_t len);

#endif /* CTRCAP_EXTCAP_HELPER_H */
