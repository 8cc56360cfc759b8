// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcapdump: the Wireshark extcap for ctrcap. Lists "container-any" and one
 * interface per running container, describes the capture options, checks
 * capture filters, and for a capture runs the privileged helper `ctrcap`
 * and streams its pcapng into Wireshark's fifo. docs/extcap.md has the
 * protocol and the command lines; docs/security.md the privilege model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "extcap_iface.h"
#include "filter_check.h"
#include "helper.h"

#ifndef CTRCAP_VERSION
#define CTRCAP_VERSION "0.0.0"
#endif

/* How long --extcap-interfaces waits for the container list. */
#define LIST_TIMEOUT_MS 5000

enum {
	OPT_INTERFACES = 1000,
	OPT_VERSION_WS,
	OPT_DLTS,
	OPT_CONFIG,
	OPT_INTERFACE,
	OPT_CAPTURE_FILTER,
	OPT_CAPTURE,
	OPT_FIFO,
	OPT_RELOAD,
	OPT_DEBUG,
	OPT_DEBUG_FILE,
	OPT_CTR_NAME,
	OPT_CTR_ID,
	OPT_POD_NAME,
	OPT_POD_NS,
	OPT_PID,
	OPT_SNAPLEN,
	OPT_IFACES,
	OPT_ALL_HOPS,
	OPT_DROPS,
	OPT_COMMENTS,
	OPT_NODES,
	OPT_SSH_OPTIONS,
	OPT_REMOTE_CTRCAP,
	OPT_KUBE_CONTEXT,
	OPT_KUBECONFIG,
	OPT_COMPACT_IDENTITY,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "extcap-interfaces", no_argument, NULL, OPT_INTERFACES },
	{ "extcap-version", optional_argument, NULL, OPT_VERSION_WS },
	{ "extcap-dlts", no_argument, NULL, OPT_DLTS },
	{ "extcap-config", no_argument, NULL, OPT_CONFIG },
	{ "extcap-interface", required_argument, NULL, OPT_INTERFACE },
	{ "extcap-capture-filter", required_argument, NULL, OPT_CAPTURE_FILTER },
	{ "capture", no_argument, NULL, OPT_CAPTURE },
	{ "fifo", required_argument, NULL, OPT_FIFO },
	{ "extcap-reload-option", required_argument, NULL, OPT_RELOAD },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "debug-file", required_argument, NULL, OPT_DEBUG_FILE },
	{ "container-name", required_argument, NULL, OPT_CTR_NAME },
	{ "container-id", required_argument, NULL, OPT_CTR_ID },
	{ "pod-name", required_argument, NULL, OPT_POD_NAME },
	{ "pod-namespace", required_argument, NULL, OPT_POD_NS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "interfaces", required_argument, NULL, OPT_IFACES },
	{ "all-hops", no_argument, NULL, OPT_ALL_HOPS },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "comments", no_argument, NULL, OPT_COMMENTS },
	{ "nodes", required_argument, NULL, OPT_NODES },
	{ "ssh-options", required_argument, NULL, OPT_SSH_OPTIONS },
	{ "remote-ctrcap", required_argument, NULL, OPT_REMOTE_CTRCAP },
	{ "kube-context", required_argument, NULL, OPT_KUBE_CONTEXT },
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "compact-identity", no_argument, NULL, OPT_COMPACT_IDENTITY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	bool list, dlts, config, capture, help, version;
	const char *ifname, *filter, *fifo;
	/* The cluster interface's settings as given (cluster_opts_parse checks them). */
	const char *nodes, *ssh_options, *remote_ctrcap, *kube_context, *kubeconfig;
	struct capture_opts co;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ctrcapdump --extcap-interfaces [--extcap-version[=VER]]\n"
		"       ctrcapdump --extcap-interface IF --extcap-dlts | --extcap-config\n"
		"       ctrcapdump --extcap-interface IF --extcap-capture-filter FILTER\n"
		"       ctrcapdump --extcap-interface IF --capture --fifo PATH\n"
		"                  [--extcap-capture-filter FILTER] [--container-name N]\n"
		"                  [--container-id ID] [--pod-name P] [--pod-namespace NS]\n"
		"                  [--pid PID]\n"
		"                  [--snaplen N] [--interfaces IFS] [--all-hops] [--drops]\n"
		"                  [--comments] [--compact-identity]\n"
		"       ctrcapdump --extcap-interface cluster --capture --fifo PATH\n"
		"                  --nodes 'NAME=URI ...' [--ssh-options 'OPT;...']\n"
		"                  [--remote-ctrcap PATH] [--kube-context CTX] [--kubeconfig FILE]\n"
		"                  [the options above but --pid and --comments]\n"
		"       ctrcapdump --help | --version\n"
		"Accepted from Wireshark and ignored: --extcap-reload-option OPT, --debug,\n"
		"--debug-file FILE. See ctrcapdump(1).\n"
		"Wireshark runs this; it runs the capture helper %s\n"
		"(override with $" HELPER_ENV ").\n",
		helper_path());
}

/* One clear line on stderr: Wireshark shows it to the user as the error. */
static int fail(const char *msg)
{
	fprintf(stderr, "ctrcapdump: %s\n", msg);
	return 1;
}

static int parse_cli(int argc, char **argv, struct cli *c, char *err, size_t errlen)
{
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (opt) {
		case OPT_INTERFACES:
			c->list = true;
			break;
		case OPT_DLTS:
			c->dlts = true;
			break;
		case OPT_CONFIG:
			c->config = true;
			break;
		case OPT_INTERFACE:
			c->ifname = optarg;
			break;
		case OPT_CAPTURE_FILTER:
			c->filter = optarg;
			break;
		case OPT_CAPTURE:
			c->capture = true;
			break;
		case OPT_FIFO:
			c->fifo = optarg;
			break;
		case OPT_CTR_NAME:
			c->co.container_name = optarg;
			break;
		case OPT_CTR_ID:
			c->co.container_id = optarg;
			break;
		case OPT_POD_NAME:
			c->co.pod_name = optarg;
			break;
		case OPT_POD_NS:
			c->co.pod_namespace = optarg;
			break;
		case OPT_PID:
			c->co.pid = optarg;
			break;
		case OPT_SNAPLEN:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || v == 0 || v > HELPER_SNAPLEN_MAX) {
				snprintf(err, errlen, "--snaplen '%s' is not a number from 1 to %u",
					 optarg, HELPER_SNAPLEN_MAX);
				return -1;
			}
			c->co.snaplen = (unsigned)v;
			break;
		case OPT_IFACES:
			c->co.interfaces = optarg;
			break;
		case OPT_ALL_HOPS:
			c->co.all_hops = true;
			break;
		case OPT_DROPS:
			c->co.drops = true;
			break;
		case OPT_COMPACT_IDENTITY:
			c->co.compact_identity = true;
			break;
		case OPT_COMMENTS:
			c->co.comments = true;
			break;
		case OPT_NODES:
			c->nodes = optarg;
			break;
		case OPT_SSH_OPTIONS:
			c->ssh_options = optarg;
			break;
		case OPT_REMOTE_CTRCAP:
			c->remote_ctrcap = optarg;
			break;
		case OPT_KUBE_CONTEXT:
			c->kube_context = optarg;
			break;
		case OPT_KUBECONFIG:
			c->kubeconfig = optarg;
			break;
		case OPT_HELP:
			c->help = true;
			break;
		case OPT_VERSION:
			c->version = true;
			break;
		case OPT_VERSION_WS:
		case OPT_RELOAD:
		case OPT_DEBUG:
		case OPT_DEBUG_FILE:
			break; /* accepted from Wireshark, nothing to do */
		default:
			snprintf(err, errlen, "unknown or incomplete option '%s'",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static int list_interfaces(void)
{
	static struct extcap_container ctrs[EXTCAP_MAX_CONTAINERS];
	char err[1024], why[256] = "";
	size_t n = 0;
	char *text;

	/*
	 * Without the container list (helper missing, not permitted, no
	 * runtime) container-any is still offered, its description says why
	 * the containers are missing, and a capture's error says it in full.
	 */
	text = helper_list_containers(helper_path(), LIST_TIMEOUT_MS, err, sizeof(err), why,
				      sizeof(why));
	if (text && extcap_parse_containers(text, ctrs, EXTCAP_MAX_CONTAINERS, &n, err,
					    sizeof(err))) {
		snprintf(why, sizeof(why), "the capture helper's list is unreadable");
		n = 0;
	}
	free(text);
	extcap_print_interfaces(stdout, CTRCAP_VERSION, ctrs, n, why);
	return 0;
}

/* A capture that cannot start: say why, and let dumpcap's fifo open finish. */
static int fail_capture(const char *fifo, const char *msg)
{
	fail(msg);
	capture_release_fifo(fifo, 3000);
	return 1;
}

static int do_capture(struct cli *c)
{
	static struct cluster_opts cluster;
	const char *argv[HELPER_ARGV_MAX];
	char err[1024], numbuf[32];

	if (!c->fifo)
		return fail("--capture needs --fifo PATH");
	capture_signals_init();
	if (extcap_parse_target(c->ifname, &c->co.target, err, sizeof(err)))
		return fail_capture(c->fifo, err);
	if (extcap_filter_check(c->filter, c->co.snaplen, err, sizeof(err)))
		return fail_capture(c->fifo, err);
	if (c->co.target.kind == EXTCAP_TARGET_CLUSTER) {
		if (cluster_opts_parse(&cluster, c->nodes, c->ssh_options, c->remote_ctrcap,
				       c->kube_context, c->kubeconfig, err, sizeof(err)))
			return fail_capture(c->fifo, err);
		c->co.cluster = &cluster;
	}
	c->co.filter = c->filter;
	if (helper_capture_argv(helper_path(), &c->co, argv, numbuf, err, sizeof(err)) < 0)
		return fail_capture(c->fifo, err);
	/* capture_run() has already released the fifo when it fails. */
	if (capture_run(argv, c->fifo, CAPTURE_STOP_TIMEOUT_MS, err, sizeof(err)))
		return fail(err);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c;
	char err[1024];

	memset(&c, 0, sizeof(c));
	if (parse_cli(argc, argv, &c, err, sizeof(err))) {
		fail(err);
		usage(stderr);
		return 1;
	}
	if (c.help) {
		usage(stdout);
		return 0;
	}
	if (c.version) {
		printf("ctrcapdump %s\n", CTRCAP_VERSION);
		return 0;
	}
	if (c.list)
		return list_interfaces();
	if (c.dlts) {
		if (extcap_print_dlts(stdout, c.ifname, err, sizeof(err)))
			return fail(err);
		return 0;
	}
	if (c.config) {
		if (extcap_print_config(stdout, c.ifname, err, sizeof(err)))
			return fail(err);
		return 0;
	}
	if (c.capture)
		return do_capture(&c);
	if (c.filter) {
		/* Wireshark's filter check: an empty stdout means valid. */
		if (extcap_parse_target(c.ifname, &c.co.target, err, sizeof(err)) ||
		    extcap_filter_check(c.filter, c.co.snaplen, err, sizeof(err))) {
			printf("%s\n", err);
			return 1;
		}
		return 0;
	}
	usage(stderr);
	return 1;
}
