// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line parsing for ctrcap. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/identity_text.h"
#include "node_k8s.h"
#include "node_name.h"
#include "node_uri.h"
#include "options.h"

enum {
	OPT_PID = 0x100,
	OPT_COMM,
	OPT_CTR_ID,
	OPT_CTR_NAME,
	OPT_POD_NAME,
	OPT_POD_NS,
	OPT_LIST_CTR,
	OPT_CLEANUP,
	OPT_VERSION,
	OPT_DOCKER_SOCK,
	OPT_DOCKER_ROOT,
	OPT_CONTAINERD_STATE,
	OPT_CRIO_STATE,
	OPT_PODMAN_STATE,
	OPT_COUNT,
	OPT_PRINT,
	OPT_IMMEDIATE,
	OPT_CONTEXT,
	OPT_HOPS,
	OPT_DROPS,
	OPT_JOURNEY,
	OPT_MICRO,
	OPT_NANO,
	OPT_TS_PRECISION,
	OPT_ONELINE,
	OPT_UID,
	OPT_NETNS,
	OPT_NODE_NAME,
	OPT_COMMENTS,
	OPT_PROCESS_BLOCKS,
	OPT_COMPACT_IDENTITY,
	OPT_WRITE_THREAD,
	OPT_NODE,
	OPT_REMOTE_CTRCAP,
	OPT_RPCAP_SOURCE,
	OPT_RPCAP_PASSWORD_FILE,
	OPT_KUBE_CONTEXT,
	OPT_KUBECONFIG,
	OPT_NODES_FROM,
	OPT_SSH_OPTION,
	OPT_RINGS,
};

/* tcpdump's and ptcpdump's long names; --help and ctrcap.8 list every one. */
static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "write", required_argument, NULL, 'w' },
	{ "write-file", required_argument, NULL, 'w' },
	{ "read", required_argument, NULL, 'r' },
	{ "read-file", required_argument, NULL, 'r' },
	{ "receive-count", required_argument, NULL, 'c' },
	{ "count", no_argument, NULL, OPT_COUNT },
	{ "snapshot-length", required_argument, NULL, 's' },
	{ "file-size", required_argument, NULL, 'C' },
	{ "rotate-seconds", required_argument, NULL, 'G' },
	{ "file-count", required_argument, NULL, 'W' },
	{ "packet-buffered", no_argument, NULL, 'U' },
	{ "immediate-mode", no_argument, NULL, OPT_IMMEDIATE },
	{ "relinquish-privileges", required_argument, NULL, 'Z' },
	{ "buffer-size", required_argument, NULL, 'B' },
	{ "direction", required_argument, NULL, 'Q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ "number", no_argument, NULL, '#' },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "hops", required_argument, NULL, OPT_HOPS },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "journey", no_argument, NULL, OPT_JOURNEY },
	{ "list-interfaces", no_argument, NULL, 'D' },
	{ "absolute-tcp-sequence-numbers", no_argument, NULL, 'S' },
	{ "micro", no_argument, NULL, OPT_MICRO },
	{ "nano", no_argument, NULL, OPT_NANO },
	{ "time-stamp-precision", required_argument, NULL, OPT_TS_PRECISION },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "follow-forks", no_argument, NULL, 'f' },
	{ "expression-file", required_argument, NULL, 'F' },
	{ "oneline", no_argument, NULL, OPT_ONELINE },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "pname", required_argument, NULL, OPT_COMM },
	{ "container-id", required_argument, NULL, OPT_CTR_ID },
	{ "container-name", required_argument, NULL, OPT_CTR_NAME },
	{ "pod-name", required_argument, NULL, OPT_POD_NAME },
	{ "pod-namespace", required_argument, NULL, OPT_POD_NS },
	{ "list-containers", no_argument, NULL, OPT_LIST_CTR },
	{ "cleanup", no_argument, NULL, OPT_CLEANUP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "docker-sock", required_argument, NULL, OPT_DOCKER_SOCK },
	{ "docker-root", required_argument, NULL, OPT_DOCKER_ROOT },
	{ "containerd-state", required_argument, NULL, OPT_CONTAINERD_STATE },
	{ "crio-state", required_argument, NULL, OPT_CRIO_STATE },
	{ "podman-state", required_argument, NULL, OPT_PODMAN_STATE },
	{ "node-name", required_argument, NULL, OPT_NODE_NAME },
	{ "comments", no_argument, NULL, OPT_COMMENTS },
	{ "process-blocks", no_argument, NULL, OPT_PROCESS_BLOCKS },
	{ "compact-identity", no_argument, NULL, OPT_COMPACT_IDENTITY },
	{ "write-thread", required_argument, NULL, OPT_WRITE_THREAD },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "remote-ctrcap", required_argument, NULL, OPT_REMOTE_CTRCAP },
	{ "rpcap-source", required_argument, NULL, OPT_RPCAP_SOURCE },
	{ "rpcap-password-file", required_argument, NULL, OPT_RPCAP_PASSWORD_FILE },
	{ "kube-context", required_argument, NULL, OPT_KUBE_CONTEXT },
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "nodes-from", required_argument, NULL, OPT_NODES_FROM },
	{ "ssh-option", required_argument, NULL, OPT_SSH_OPTION },
	{ "rings", required_argument, NULL, OPT_RINGS },
	{ 0 },
};

void ctrcap_usage(FILE *f)
{
	fputs("Usage: ctrcap [options] [filter expression] [-- COMMAND [ARGS...]]\n"
	      "       ctrcap -r FILE [-w FILE] [-c N] [--count] [identity filters] [expression]\n"
	      "       ctrcap -r FILE --journey [identity filters] [expression]\n"
	      "       ctrcap --node NAME=ssh://[USER@]HOST[:PORT]... [-w FILE] [selection] [expression]\n"
	      "       ctrcap --nodes-from k8s[:SELECTOR] [--node ...] [-w FILE] [selection] [expression]\n"
	      "Container-aware packet capture: every packet carries its process and container.\n"
	      "\n"
	      "  -i, --interface IFACE[@NETNS]\n"
	      "                     capture on IFACE (repeatable); 'any' (default) = every\n"
	      "                     interface of every network namespace, also later ones;\n"
	      "                     NETNS is a name in /run/netns, a path, or a netns inode\n"
	      "  --netns NETNS|all  only the interfaces of NETNS (a /run/netns name, a path\n"
	      "                     such as /proc/PID/ns/net, or an inode): -i IFACE means\n"
	      "                     IFACE@NETNS, without -i every interface of NETNS, also\n"
	      "                     later ones; all (the default) = every namespace\n"
	      "  -D, --list-interfaces\n"
	      "                     list interfaces with their netns and container\n"
	      "  -w, --write-file, --write FILE|-\n"
	      "                     write pcapng to FILE or stdout\n"
	      "  -r, --read-file, --read FILE|-\n"
	      "                     read a saved pcapng or pcap file: print it with its\n"
	      "                     identities (ptcpdump's too), or with -w write the\n"
	      "                     packets selected (expression, identity filters) as pcapng\n"
	      "  -c, --receive-count N\n"
	      "                     stop after N packets\n"
	      "  --count            print only the number of packets (with -r: \"N packets\")\n"
	      "  --print            print packets also while writing them with -w FILE\n"
	      "  --journey          with -r: instead of the packets, a table per flow of where\n"
	      "                     its packets went: the hops in order, packets seen at each,\n"
	      "                     packets that vanished between two hops, kernel drops by\n"
	      "                     reason and location, median and max latency per hop\n"
	      "  -#, --number       print a packet number at the start of each line\n"
	      "  -s, --snapshot-length SNAPLEN\n"
	      "                     bytes kept per packet (default 262144, at most 65535 copied)\n"
	      "  -C, --file-size MB rotate the -w file after MB million bytes\n"
	      "  -G, --rotate-seconds SECONDS\n"
	      "                     rotate the -w file every SECONDS\n"
	      "  -W, --file-count N keep at most N rotated files\n"
	      "  --comments         with -w: also write each packet's identity as ptcpdump\n"
	      "                     does, as comment text (for tools that read ptcpdump\n"
	      "                     files; a few hundred bytes more per packet)\n"
	      "  --process-blocks   with -w: also write Wireshark's Process Information\n"
	      "                     Block (custom block, PEN 32622) once per process, for\n"
	      "                     Wireshark's development tree (docs/pcapng-format.md)\n"
	      "  --compact-identity with -w: write each identity once per interface and\n"
	      "                     file, later packets refer to it (~30 bytes instead of\n"
	      "                     ~400); packets cut out of such a file lose it\n"
	      "  --write-thread auto|on|off\n"
	      "                     with -w: write() the file in a thread of its own while\n"
	      "                     packets are read (auto: with 4 or more CPUs, to a file\n"
	      "                     (not -w -), no -U; up to 2 MiB not yet on disk)\n"
	      "  -z CMD             run CMD FILE on each file -C or -G rotation finishes\n"
	      "                     (CMD found in $PATH, run without a shell, at the lowest\n"
	      "                     priority, as the -Z user or the invoking user)\n"
	      "  -U, --packet-buffered, --immediate-mode\n"
	      "                     write every packet out at once (for pipes)\n"
	      "  -Z, --relinquish-privileges USER\n"
	      "                     act as USER once started: its uid and groups, files\n"
	      "                     created and -- COMMAND run as USER (another user:\n"
	      "                     root only)\n"
	      "  -B, --buffer-size KIB\n"
	      "                     kernel ring buffer size in KiB (default 4096), per ring\n"
	      "  --rings N          N ring buffers (default 1; at most one per CPU): CPU i\n"
	      "                     writes to ring i % N, so that CPUs flooding at once\n"
	      "                     do not wait on one ring's lock; read back in time order\n"
	      "  -Q, --direction in|out|inout\n"
	      "                     direction to capture\n"
	      "  --hops all|first|container|fold\n"
	      "                     which copies of a packet seen on several hops to keep:\n"
	      "                     all (default), the first hop, or the hop in the sending\n"
	      "                     (else receiving) container's namespace; fold (printing,\n"
	      "                     also with -r): one line per packet, its later hops and\n"
	      "                     their deltas listed at its end (printed once the packet\n"
	      "                     id's 1 s window has passed)\n"
	      "  --drops            also capture the packets the kernel drops in the captured\n"
	      "                     namespaces, with the kernel's drop reason and location\n"
	      "  -n                 don't resolve names (ctrcap never does)\n"
	      "  -v, --verbose      print process, user, parent, container and pod lines\n"
	      "                     under each packet (-vv: also how it was attributed);\n"
	      "                     without -v each line ends with its process, container\n"
	      "                     and pod: \", Process [wget.4242], Container [web]\";\n"
	      "                     -v also shows the IP header: tos, ttl, id, flags, ...\n"
	      "  -q, --quiet        no identity at the end of packet lines\n"
	      "  --oneline          the identity at the end of the packet line (the default;\n"
	      "                     with -v too, instead of the lines under it)\n"
	      "  -e                 print the link header: MAC addresses, ethertype, length\n"
	      "  -t                 no time stamp; -tt seconds since 1970; -ttt time since the\n"
	      "                     previous packet; -tttt date and time; -ttttt time since\n"
	      "                     the first packet\n"
	      "  --micro, --nano, --time-stamp-precision micro|nano\n"
	      "                     print time stamps to the microsecond (default) or the\n"
	      "                     nanosecond\n"
	      "  -S, --absolute-tcp-sequence-numbers\n"
	      "                     TCP seq/ack as sent, not counted from 0 per connection\n"
	      "  -x, -xx            print each packet's bytes in hex, without/with the link\n"
	      "                     header\n"
	      "  -X, -XX            the same in hex and ASCII\n"
	      "  -A                 print each packet's bytes (without link header) as text\n"
	      "  -l                 line-buffer standard output (to watch a pipe: | grep ...)\n"
	      "  --context LIST     the identity parts shown (with and without -v), from\n"
	      "                     process,thread,parentproc,user,container,pod,node\n"
	      "  -F, --expression-file FILE\n"
	      "                     read the filter expression from FILE ('#' starts a\n"
	      "                     comment); no expression may follow on the command line\n"
	      "  --pid PID          only packets of process PID (repeatable)\n"
	      "  -f, --follow-forks with --pid: also the packets of its children, also\n"
	      "                     those forked later (-- COMMAND always follows them)\n"
	      "  --uid UID          only packets of processes of user id UID (repeatable)\n"
	      "  --comm, --pname NAME\n"
	      "                     only packets of processes named NAME\n"
	      "  --container-id ID  only packets of containers whose id starts with ID\n"
	      "  --container-name N only packets of container N\n"
	      "  --pod-name N       only packets of Kubernetes pod N\n"
	      "  --pod-namespace N  only packets of pods in namespace N\n"
	      "  --node-name NAME   the node every packet names (default $CTRCAP_NODE_NAME,\n"
	      "                     else the host name)\n"
	      "  --node NAME=ssh://[USER@]HOST[:PORT] | NAME=k8s://NODE\n"
	      "       | NAME=rpcap://[USER@]HOST[:PORT][/SOURCE]\n"
	      "                     capture on that host (repeatable): runs its ctrcap\n"
	      "                     over OpenSSH, or in the ctrcap DaemonSet's pod on that\n"
	      "                     Kubernetes node through kubectl exec, with the selection\n"
	      "                     options and expression, or reads its ctrcap-rpcapd;\n"
	      "                     merges every node's packets by time (docs/cluster.md)\n"
	      "  --rpcap-password-file FILE  the password of rpcap://USER@ nodes (first line)\n"
	      "  --rpcap-source rpcap://[USER@]HOST[:PORT][/SOURCE]\n"
	      "                     write a ctrcap-rpcapd's packets with -w (what an\n"
	      "                     rpcap:// node runs)\n"
	      "  --remote-ctrcap PATH  the ctrcap the nodes run (default ctrcap)\n"
	      "  --ssh-option OPT   passed to ssh as -o OPT for every node (repeatable)\n"
	      "  --kube-context CTX, --kubeconfig FILE  passed to kubectl for k8s:// nodes\n"
	      "  --nodes-from k8s[:SELECTOR]  a k8s://NODE node for every node running a\n"
	      "                     ctrcap DaemonSet pod (SELECTOR: more pod labels)\n"
	      "  --list-containers  list running containers (tab-separated) and exit\n"
	      "  --cleanup          remove tc filters a killed ctrcap left behind, and exit\n"
	      "  --docker-sock PATH Docker Engine API socket (default $DOCKER_HOST or\n"
	      "                     /run/docker.sock); root only, as the four below\n"
	      "  --docker-root DIR  Docker data root (default /var/lib/docker)\n"
	      "  --containerd-state DIR  containerd state dir (default /run/containerd)\n"
	      "  --crio-state DIR[:DIR]  CRI-O run and graph roots\n"
	      "  --podman-state DIR podman storage root (default /var/lib/containers/storage)\n"
	      "  -- COMMAND ARGS    run COMMAND and capture only its (and its children's) packets\n"
	      "  -h, --help         this text\n"
	      "  --version          print the version\n"
	      "With -r, the options that only a live capture takes (-i, --netns, -s, -B, -Q,\n"
	      "-D, -f, --node-name, --list-containers, --cleanup, the engine paths,\n"
	      "-- COMMAND) are refused.\n",
	      f);
}

/*
 * Parse a decimal number from min to max into *out; on error one line
 * naming the option, the value and the range.
 */
static int parse_num(const char *s, const char *opt, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || !isdigit((unsigned char)s[0]) || v < min || v > max) {
		fprintf(stderr, "ctrcap: invalid value '%s' for %s (a whole number from %llu to %llu)\n",
			s, opt, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Remember the first option given that only a live capture takes (refused with -r). */
static void live_only(struct ctrcap_opts *o, const char *opt)
{
	if (!o->live_only)
		o->live_only = opt;
}

/*
 * The option getopt stopped at, as the user typed it: the long name when
 * argv[optind - 1] is one that maps to optopt, else -optopt.
 */
static void opt_name(char **argv, int ind, int opt, char *buf, size_t cap)
{
	const char *a = ind > 0 ? argv[ind - 1] : "";
	size_t n;

	if (!strncmp(a, "--", 2) && a[2]) {
		n = strcspn(a + 2, "=");
		for (const struct option *l = long_opts; l->name; l++) {
			if (!strncmp(l->name, a + 2, n) && (opt == 0 || l->val == opt)) {
				snprintf(buf, cap, "%.*s", (int)(n + 2), a);
				return;
			}
		}
		if (opt == 0 || opt > 0xff) {
			snprintf(buf, cap, "%.*s", (int)(n + 2), a);
			return;
		}
	}
	snprintf(buf, cap, "-%c", opt);
}

static int add_str(struct ctrcap_strlist *l, const char *v, const char *opt)
{
	if (l->n >= CTRCAP_MAX_MATCH) {
		fprintf(stderr, "ctrcap: too many %s options (at most %d)\n", opt,
			CTRCAP_MAX_MATCH);
		return -1;
	}
	if (!*v) {
		fprintf(stderr, "ctrcap: empty value for %s\n", opt);
		return -1;
	}
	l->v[l->n++] = v;
	return 0;
}

/* An engine path option: absolute, given once. */
static int set_path(const char **dst, const char *v, const char *opt)
{
	if (*dst) {
		fprintf(stderr, "ctrcap: %s given twice\n", opt);
		return -1;
	}
	if (v[0] != '/') {
		fprintf(stderr, "ctrcap: %s needs an absolute path, not '%s'\n", opt, v);
		return -1;
	}
	*dst = v;
	return 0;
}

static int add_iface(struct ctrcap_opts *o, const char *arg)
{
	struct ctrcap_iface_spec *s;
	const char *at = strchr(arg, '@');
	size_t nl = at ? (size_t)(at - arg) : strlen(arg);

	if (!strcmp(arg, "any")) {
		o->any = true;
		return 0;
	}
	if (o->n_ifaces >= CTRCAP_MAX_IFACES) {
		fprintf(stderr, "ctrcap: too many -i options (at most %d)\n", CTRCAP_MAX_IFACES);
		return -1;
	}
	if (nl == 0 || nl >= IF_NAMESIZE) {
		fprintf(stderr, "ctrcap: invalid interface name '%s'\n", arg);
		return -1;
	}
	if (at && (!at[1] || strlen(at + 1) >= sizeof(s->netns))) {
		fprintf(stderr, "ctrcap: invalid network namespace in '%s'\n", arg);
		return -1;
	}
	s = &o->ifaces[o->n_ifaces++];
	memcpy(s->name, arg, nl);
	s->name[nl] = '\0';
	snprintf(s->netns, sizeof(s->netns), "%s", at ? at + 1 : "");
	return 0;
}

/* Join the trailing arguments into one filter expression. */
static int join_filter(struct ctrcap_opts *o, char **args, int n)
{
	size_t len = 1;
	int i;

	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++)
		len += strlen(args[i]) + 1;
	o->filter = calloc(1, len);
	if (!o->filter) {
		fprintf(stderr, "ctrcap: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i)
			strcat(o->filter, " ");
		strcat(o->filter, args[i]);
	}
	return 0;
}

/*
 * A flag that shapes printed packets (-A, -e, -t, ...): counted where it
 * repeats, remembered for the combinations that print none.
 */
static int text_flag(struct ctrcap_opts *o, int c)
{
	static const char *const names[] = { "-A", "-x", "-X", "-e", "-t", "-S" };
	struct ctrcap_text_opts *t = &o->text;

	switch (c) {
	case 'A':
		t->ascii = true;
		break;
	case 'x':
	case 'X':
		if ((c == 'x' ? t->hex : t->hex_ascii) >= 2) {
			fprintf(stderr, "ctrcap: -%c at most twice (-%c%c: with the link header)\n",
				c, c, c);
			return -1;
		}
		if (c == 'x')
			t->hex++;
		else
			t->hex_ascii++;
		break;
	case 'e':
		t->link_header = true;
		break;
	case 't':
		if (t->ts == CTRCAP_TS_SINCE_1ST) {
			fprintf(stderr,
				"ctrcap: -t at most five times (-t, -tt, -ttt, -tttt, -ttttt)\n");
			return -1;
		}
		t->ts++;
		break;
	case 'S':
		t->abs_seq = true;
		break;
	}
	if (!o->text_flag)
		o->text_flag = names[strchr("AxXetS", c) - "AxXetS"];
	return 0;
}

/* The index of s in words (NULL-ended), or -1: an option value that names one of them. */
static int word_index(const char *s, const char *const words[])
{
	for (int i = 0; words[i]; i++) {
		if (!strcmp(s, words[i]))
			return i;
	}
	return -1;
}

/* --micro, --nano, --time-stamp-precision=micro|nano. */
static int ts_precision(struct ctrcap_opts *o, int c, const char *arg)
{
	if (c == OPT_TS_PRECISION) {
		if (strcmp(arg, "micro") && strcmp(arg, "nano")) {
			fprintf(stderr, "ctrcap: invalid value '%s' for --time-stamp-precision "
					"(micro or nano)\n", arg);
			return -1;
		}
		o->text.nano = !strcmp(arg, "nano");
	} else {
		o->text.nano = c == OPT_NANO;
	}
	if (!o->text_flag)
		o->text_flag = c == OPT_TS_PRECISION ? "--time-stamp-precision"
			       : c == OPT_NANO	      ? "--nano"
						      : "--micro";
	return 0;
}

/* What a combination of options cannot mean: one line and -1, else 0. */
/* What --node cannot be combined with, or NULL. */
static const char *node_conflict(const struct ctrcap_opts *o)
{
	if (o->read_path)
		return "-r";
	if (o->list_ifaces)
		return "-D";
	if (o->list_containers)
		return "--list-containers";
	if (o->cleanup)
		return "--cleanup";
	if (o->node_name)
		return "--node-name (each node is named by its --node NAME)";
	if (o->cmd)
		return "-- COMMAND";
	if (o->journey)
		return "--journey";
	if (o->print)
		return "--print";
	if (o->run_as)
		return "-Z";
	/* The merge copies each node's records; these carriers are not made from them yet. */
	if (o->out.comments)
		return "--comments";
	if (o->out.process_blocks)
		return "--process-blocks";
	if (o->out.compact_identity)
		return "--compact-identity";
	return NULL;
}

/* What --rpcap-source cannot be combined with, or NULL. */
static const char *rpcap_source_conflict(const struct ctrcap_opts *o)
{
	if (ctrcap_opts_nodes(o))
		return "--node";
	if (o->read_path)
		return "-r";
	if (!o->out.path)
		return "printing (give -w FILE or -w -)";
	/* The server selects by its source name and the expression only. */
	if (ctrcap_opts_has_identity_filter(o))
		return "process or container selection (name a source: rpcap://HOST/SOURCE)";
	if (o->live_only && strcmp(o->live_only, "--node-name"))
		return o->live_only;
	if (o->cmd)
		return "-- COMMAND";
	return NULL;
}

static int check_combinations(const struct ctrcap_opts *o)
{
	const char *clash = ctrcap_opts_nodes(o) ? node_conflict(o) : NULL;

	if (o->rpcap_source && (clash = rpcap_source_conflict(o))) {
		fprintf(stderr, "ctrcap: --rpcap-source reads a ctrcap-rpcapd; it takes no %s\n", clash);
		return -1;
	}
	if (o->rpcap_password_file && !o->rpcap_source && !ctrcap_opts_nodes(o)) {
		fprintf(stderr, "ctrcap: --rpcap-password-file is for rpcap:// nodes: give --node\n");
		return -1;
	}

	if (clash) {
		fprintf(stderr, "ctrcap: --node captures on remote nodes; it takes no %s\n", clash);
		return -1;
	}
	if (!ctrcap_opts_nodes(o) &&
	    (o->remote_ctrcap || o->ssh_opts.n || o->kube_context || o->kubeconfig)) {
		fprintf(stderr, "ctrcap: %s is for the nodes of --node: give --node\n",
			o->remote_ctrcap ? "--remote-ctrcap"
			: o->ssh_opts.n	 ? "--ssh-option"
			: o->kube_context ? "--kube-context"
					  : "--kubeconfig");
		return -1;
	}
	const struct ctrcap_writer_opts *w = &o->out;
	bool to_stdout = w->path && !strcmp(w->path, "-");

	if (o->read_path && (o->cmd || o->live_only)) {
		fprintf(stderr, "ctrcap: %s does not apply to -r (reading a file)\n",
			o->cmd ? "-- COMMAND" : o->live_only);
		return -1;
	}
	if (o->journey && (!o->read_path || w->path || o->count_only || o->print ||
			   o->hops == CTRCAP_HOPS_FOLD)) {
		fprintf(stderr, "ctrcap: --journey prints a table of a file read with -r; %s\n",
			!o->read_path ? "give -r FILE" : "it takes no -w, --count, --print or --hops fold");
		return -1;
	}
	if (o->hops == CTRCAP_HOPS_FOLD && ((w->path && !o->print) || o->count_only)) {
		fprintf(stderr, "ctrcap: --hops fold shapes printed packets; %s\n",
			o->count_only ? "--count prints none" : "with -w add --print to print them");
		return -1;
	}
	if (o->filter_file && o->filter) {
		fprintf(stderr, "ctrcap: -F %s gives the expression; remove the one on the command "
				"line ('%s')\n", o->filter_file, o->filter);
		return -1;
	}
	if (w->comments && !w->path) {
		fprintf(stderr, "ctrcap: --comments writes comments into the -w file: it needs -w\n");
		return -1;
	}
	if (w->process_blocks && !w->path) {
		fprintf(stderr, "ctrcap: --process-blocks writes blocks into the -w file: it needs -w\n");
		return -1;
	}
	if (w->compact_identity && !w->path) {
		fprintf(stderr, "ctrcap: --compact-identity shapes the -w file: it needs -w\n");
		return -1;
	}
	if (w->write_thread == CTRCAP_WRITE_THREAD_ON && (!w->path || w->flush_each)) {
		fprintf(stderr, "ctrcap: --write-thread on writes the -w file in a thread; %s\n",
			!w->path ? "it needs -w"
				 : "-U writes each packet at once, which the thread would only delay");
		return -1;
	}
	if (w->post_rotate && !w->rotate_bytes && !w->rotate_seconds) {
		fprintf(stderr, "ctrcap: -z runs a command on each rotated file: it needs -C or -G\n");
		return -1;
	}
	if (o->follow_forks && !o->n_pids && !o->cmd) {
		fprintf(stderr, "ctrcap: -f follows the children of --pid PID: give --pid\n");
		return -1;
	}
	if ((w->rotate_bytes || w->rotate_seconds || w->max_files) && (!w->path || to_stdout)) {
		fprintf(stderr, "ctrcap: -C, -G and -W need -w FILE\n");
		return -1;
	}
	if (o->count_only && w->path) {
		fprintf(stderr, "ctrcap: --count prints only the number of packets; it takes no -w\n");
		return -1;
	}
	if (o->text_flag && (o->count_only || (w->path && !o->print))) {
		fprintf(stderr, "ctrcap: %s shapes printed packets; %s\n", o->text_flag,
			o->count_only ? "--count prints none" : "with -w add --print to print them");
		return -1;
	}
	if (o->print && to_stdout) {
		fprintf(stderr, "ctrcap: --print and -w - would both write to standard output\n");
		return -1;
	}
	return 0;
}

/*
 * --netns: "all" is the default; with -i it is the namespace of every
 * IFACE given without @NETNS, without -i the one namespace any covers.
 */
static int apply_netns(struct ctrcap_opts *o)
{
	if (o->any_netns && !strcmp(o->any_netns, "all")) {
		o->any_netns = NULL;
		return 0;
	}
	if (!o->any_netns || (!o->n_ifaces && !o->any))
		return 0;
	if (o->any && o->n_ifaces) {
		fprintf(stderr, "ctrcap: --netns with -i any and -i IFACE: give one of them\n");
		return -1;
	}
	for (unsigned i = 0; i < o->n_ifaces; i++) {
		if (!o->ifaces[i].netns[0])
			snprintf(o->ifaces[i].netns, sizeof(o->ifaces[i].netns), "%s",
				 o->any_netns);
	}
	if (o->n_ifaces)
		o->any_netns = NULL;
	return 0;
}

/*
 * The options a --node capture passes on to every node: how each is
 * spelt there and whether it takes a value. The rest shape the output,
 * which the merging client makes.
 */
static const struct {
	int c;
	const char *flag;
	bool arg;
} push_down_opts[] = {
	{ 'i', "-i", true },		{ 's', "-s", true },
	{ 'c', "-c", true },		{ 'B', "-B", true },
	{ 'Q', "-Q", true },		{ 'f', "-f", false },
	{ OPT_NETNS, "--netns", true }, { OPT_PID, "--pid", true },
	{ OPT_UID, "--uid", true },	{ OPT_COMM, "--comm", true },
	{ OPT_CTR_ID, "--container-id", true },
	{ OPT_CTR_NAME, "--container-name", true },
	{ OPT_POD_NAME, "--pod-name", true },
	{ OPT_POD_NS, "--pod-namespace", true },
	{ OPT_HOPS, "--hops", true },	{ OPT_DROPS, "--drops", false },
	{ OPT_DOCKER_SOCK, "--docker-sock", true },
	{ OPT_DOCKER_ROOT, "--docker-root", true },
	{ OPT_CONTAINERD_STATE, "--containerd-state", true },
	{ OPT_CRIO_STATE, "--crio-state", true },
	{ OPT_PODMAN_STATE, "--podman-state", true },
};

/* Note option c (value arg) in o->remote_args when nodes take it. 0, or -1 out of memory. */
static int push_down(struct ctrcap_opts *o, int c, const char *arg)
{
	for (size_t i = 0; i < sizeof(push_down_opts) / sizeof(push_down_opts[0]); i++) {
		const char **v;

		if (push_down_opts[i].c != c)
			continue;
		v = realloc(o->remote_args, (o->n_remote_args + 2) * sizeof(*v));
		if (!v) {
			fprintf(stderr, "ctrcap: out of memory\n");
			return -1;
		}
		o->remote_args = v;
		v[o->n_remote_args++] = push_down_opts[i].flag;
		if (push_down_opts[i].arg)
			v[o->n_remote_args++] = arg;
		return 0;
	}
	return 0;
}

/*
 * --nodes-from k8s[:SELECTOR]: the only source so far is Kubernetes;
 * SELECTOR is a label selector, one kubectl argv word. 0, or -1 after
 * the error.
 */
static int nodes_from_check(const char *arg)
{
	const char *sel = arg + 4;

	if (strcmp(arg, "k8s") && strncmp(arg, "k8s:", 4)) {
		fprintf(stderr, "ctrcap: --nodes-from %s: give k8s or k8s:SELECTOR (the nodes of "
				"the ctrcap DaemonSet)\n", arg);
		return -1;
	}
	if (arg[3] && (!*sel || *sel == '-' || strlen(sel) > CTRCAP_K8S_SELECTOR_MAX)) {
		fprintf(stderr, "ctrcap: --nodes-from %s: bad label selector\n", arg);
		return -1;
	}
	for (const char *p = sel; arg[3] && *p; p++) {
		if (iscntrl((unsigned char)*p)) {
			fprintf(stderr, "ctrcap: --nodes-from: control byte in the label selector\n");
			return -1;
		}
	}
	return 0;
}

/* --node NAME=URI: refused here with the reason when the URI is bad. */
static int add_node(struct ctrcap_opts *o, const char *arg)
{
	struct ctrcap_node_spec spec;
	char err[512];

	if (o->n_nodes >= CTRCAP_MAX_NODES) {
		fprintf(stderr, "ctrcap: too many --node options (at most %d)\n", CTRCAP_MAX_NODES);
		return -1;
	}
	if (ctrcap_node_spec_parse(arg, &spec, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: --node %s: %s\n", arg, err);
		return -1;
	}
	for (unsigned i = 0; i < o->n_nodes; i++) {
		struct ctrcap_node_spec other;

		if (!ctrcap_node_spec_parse(o->nodes[i], &other, err, sizeof(err)) &&
		    !strcmp(other.name, spec.name)) {
			fprintf(stderr, "ctrcap: --node %s: node name %s given twice\n", arg,
				spec.name);
			return -1;
		}
	}
	o->nodes[o->n_nodes++] = arg;
	return 0;
}

int ctrcap_opts_parse(int argc, char **argv, struct ctrcap_opts *o)
{
	uint64_t v;
	int c, first_cmd = -1, n_args, i;
	char name[64];

	memset(o, 0, sizeof(*o));
	o->snaplen = 262144;
	o->buffer_kib = 4096;
	o->dir_mask = 3;

	/* "--" separates the command to run; getopt must not see it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			first_cmd = i;
			break;
		}
	}
	n_args = first_cmd >= 0 ? first_cmd : argc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(n_args, argv, "+:i:w:r:c:s:C:G:W:B:Q:Z:F:z:UnvqDh#AxXetSlf", long_opts,
				NULL)) != -1) {
		if (push_down(o, c, optarg))
			return -1;
		switch (c) {
		case 'i':
			live_only(o, "-i");
			if (add_iface(o, optarg))
				return -1;
			break;
		case 'w':
			o->out.path = optarg;
			break;
		case 'r':
			o->read_path = optarg;
			break;
		case 'c':
			if (parse_num(optarg, "-c", 1, UINT64_MAX, &o->count))
				return -1;
			break;
		case OPT_COUNT:
			o->count_only = true;
			break;
		case OPT_PRINT:
			o->print = true;
			break;
		case OPT_HOPS: {
			int m = ctrcap_hops_parse(optarg);

			/* fold only shapes printed lines: -r too. */
			if (m != CTRCAP_HOPS_FOLD)
				live_only(o, "--hops");
			if (m < 0) {
				fprintf(stderr, "ctrcap: invalid value '%s' for --hops (all, first, container or fold)\n",
					optarg);
				return -1;
			}
			o->hops = m;
			break;
		}
		case OPT_COMMENTS:
			o->out.comments = true;
			break;
		case OPT_COMPACT_IDENTITY:
			o->out.compact_identity = true;
			break;
		case OPT_WRITE_THREAD: {
			/* In enum ctrcap_write_thread's order. */
			static const char *const modes[] = { "auto", "on", "off", NULL };
			int m = word_index(optarg, modes);

			if (m < 0) {
				fprintf(stderr, "ctrcap: --write-thread takes auto, on or off, not '%s'\n",
					optarg);
				return -1;
			}
			o->out.write_thread = (enum ctrcap_write_thread)m;
			break;
		}
		case OPT_PROCESS_BLOCKS:
			o->out.process_blocks = true;
			break;
		case OPT_JOURNEY:
			o->journey = true;
			break;
		case OPT_DROPS:
			live_only(o, "--drops");
			o->drops = true;
			break;
		case '#':
			o->number = true;
			break;
		case 's':
			live_only(o, "-s");
			if (parse_num(optarg, "-s", 0, 262144, &v))
				return -1;
			o->snaplen = v ? v : 262144;
			break;
		case 'C':
			if (parse_num(optarg, "-C", 1, 1000000, &v))
				return -1;
			o->out.rotate_bytes = v * 1000000;
			break;
		case 'G':
			if (parse_num(optarg, "-G", 1, 86400 * 365, &v))
				return -1;
			o->out.rotate_seconds = v;
			break;
		case 'W':
			if (parse_num(optarg, "-W", 1, 100000, &v))
				return -1;
			o->out.max_files = v;
			break;
		case 'B':
			live_only(o, "-B");
			if (parse_num(optarg, "-B", 1024, 2u << 20, &v))
				return -1;
			o->buffer_kib = v;
			break;
		case OPT_RINGS:
			live_only(o, "--rings");
			if (parse_num(optarg, "--rings", 1, CTRCAP_MAX_RINGS, &v))
				return -1;
			o->rings = v;
			break;
		case 'Q': {
			/* dir_mask 1 in, 2 out, 3 both: the index plus one. */
			static const char *const dirs[] = { "in", "out", "inout", NULL };
			int d = word_index(optarg, dirs);

			live_only(o, "-Q");
			if (d < 0) {
				fprintf(stderr, "ctrcap: -Q takes in, out or inout, not '%s'\n",
					optarg);
				return -1;
			}
			o->dir_mask = (unsigned)d + 1;
			break;
		}
		case 'U':
		case OPT_IMMEDIATE:
			o->out.flush_each = true;
			break;
		case 'Z':
			o->run_as = optarg;
			break;
		case 'z':
			o->out.post_rotate = optarg;
			break;
		case 'F':
			o->filter_file = optarg;
			break;
		case 'f':
			live_only(o, "-f");
			o->follow_forks = true;
			break;
		case OPT_NETNS:
			live_only(o, "--netns");
			if (o->any_netns) {
				fprintf(stderr, "ctrcap: --netns given twice (one namespace, or all)\n");
				return -1;
			}
			if (!*optarg || strlen(optarg) >= sizeof(o->ifaces[0].netns)) {
				fprintf(stderr, "ctrcap: invalid network namespace '%s' for --netns\n",
					optarg);
				return -1;
			}
			o->any_netns = optarg;
			break;
		case OPT_ONELINE:
			o->oneline = true;
			break;
		case OPT_UID:
			if (o->n_uids >= CTRCAP_MAX_MATCH) {
				fprintf(stderr, "ctrcap: too many --uid options (at most %d)\n",
					CTRCAP_MAX_MATCH);
				return -1;
			}
			if (parse_num(optarg, "--uid", 0, UINT32_MAX - 1, &v))
				return -1;
			o->uids[o->n_uids++] = v;
			break;
		case 'n':
			o->numeric = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_CONTEXT: {
			char err[160];

			if (ctrcap_context_parse(optarg, &o->context, err, sizeof(err))) {
				fprintf(stderr, "ctrcap: --context: %s\n", err);
				return -1;
			}
			break;
		}
		case 'A':
		case 'x':
		case 'X':
		case 'e':
		case 't':
		case 'S':
			if (text_flag(o, c))
				return -1;
			break;
		case OPT_MICRO:
		case OPT_NANO:
		case OPT_TS_PRECISION:
			if (ts_precision(o, c, optarg))
				return -1;
			break;
		case 'l':
			o->text.line_buffered = true;
			break;
		case OPT_NODE:
			if (add_node(o, optarg))
				return -1;
			break;
		case OPT_NODES_FROM:
			if (nodes_from_check(optarg))
				return -1;
			o->nodes_from = optarg;
			break;
		case OPT_RPCAP_SOURCE:
		case OPT_RPCAP_PASSWORD_FILE:
			if (!*optarg) {
				fprintf(stderr, "ctrcap: %s needs a value\n",
					c == OPT_RPCAP_SOURCE ? "--rpcap-source" : "--rpcap-password-file");
				return -1;
			}
			*(c == OPT_RPCAP_SOURCE ? &o->rpcap_source : &o->rpcap_password_file) = optarg;
			break;
		case OPT_REMOTE_CTRCAP:
			if (!*optarg) {
				fprintf(stderr, "ctrcap: --remote-ctrcap needs a path\n");
				return -1;
			}
			o->remote_ctrcap = optarg;
			break;
		case OPT_KUBE_CONTEXT:
		case OPT_KUBECONFIG:
			if (!*optarg) {
				fprintf(stderr, "ctrcap: %s needs a value\n",
					c == OPT_KUBE_CONTEXT ? "--kube-context" : "--kubeconfig");
				return -1;
			}
			*(c == OPT_KUBE_CONTEXT ? &o->kube_context : &o->kubeconfig) = optarg;
			break;
		case OPT_SSH_OPTION:
			if (add_str(&o->ssh_opts, optarg, "--ssh-option"))
				return -1;
			break;
		case 'D':
			live_only(o, "-D");
			o->list_ifaces = true;
			break;
		case 'h':
			o->help = true;
			break;
		case OPT_PID:
			if (o->n_pids >= CTRCAP_MAX_MATCH) {
				fprintf(stderr, "ctrcap: too many --pid options\n");
				return -1;
			}
			if (parse_num(optarg, "--pid", 1, INT32_MAX, &v))
				return -1;
			o->pids[o->n_pids++] = v;
			break;
		case OPT_COMM:
			if (add_str(&o->comms, optarg, "--comm"))
				return -1;
			break;
		case OPT_CTR_ID:
			if (add_str(&o->ctr_ids, optarg, "--container-id"))
				return -1;
			break;
		case OPT_CTR_NAME:
			if (add_str(&o->ctr_names, optarg, "--container-name"))
				return -1;
			break;
		case OPT_POD_NAME:
			if (add_str(&o->pod_names, optarg, "--pod-name"))
				return -1;
			break;
		case OPT_POD_NS:
			if (add_str(&o->pod_namespaces, optarg, "--pod-namespace"))
				return -1;
			break;
		case OPT_NODE_NAME: {
			char why[128];

			live_only(o, "--node-name");
			if (o->node_name) {
				fprintf(stderr, "ctrcap: --node-name given twice\n");
				return -1;
			}
			if (ctrcap_node_name_check(optarg, why, sizeof(why))) {
				fprintf(stderr, "ctrcap: invalid value for --node-name: %s\n", why);
				return -1;
			}
			o->node_name = optarg;
			break;
		}
		case OPT_LIST_CTR:
			live_only(o, "--list-containers");
			o->list_containers = true;
			break;
		case OPT_CLEANUP:
			live_only(o, "--cleanup");
			o->cleanup = true;
			break;
		case OPT_VERSION:
			o->version = true;
			break;
		case OPT_DOCKER_SOCK:
			live_only(o, "--docker-sock");
			if (set_path(&o->docker_sock, optarg, "--docker-sock"))
				return -1;
			break;
		case OPT_DOCKER_ROOT:
			live_only(o, "--docker-root");
			if (set_path(&o->docker_root, optarg, "--docker-root"))
				return -1;
			break;
		case OPT_CONTAINERD_STATE:
			live_only(o, "--containerd-state");
			if (set_path(&o->containerd_state, optarg, "--containerd-state"))
				return -1;
			break;
		case OPT_CRIO_STATE:
			live_only(o, "--crio-state");
			if (set_path(&o->crio_state, optarg, "--crio-state"))
				return -1;
			break;
		case OPT_PODMAN_STATE:
			live_only(o, "--podman-state");
			if (set_path(&o->podman_state, optarg, "--podman-state"))
				return -1;
			break;
		case ':':
			opt_name(argv, optind, optopt, name, sizeof(name));
			fprintf(stderr, "ctrcap: option %s needs a value\n", name);
			return -1;
		default:
			opt_name(argv, optind, optopt, name, sizeof(name));
			if (optopt && name[1] == '-' && strchr(argv[optind - 1], '='))
				fprintf(stderr, "ctrcap: option %s takes no value\n", name);
			else
				fprintf(stderr, "ctrcap: unknown option %s (see --help)\n", name);
			return -1;
		}
	}
	if (join_filter(o, argv + optind, n_args - optind))
		return -1;
	if (first_cmd >= 0) {
		if (first_cmd + 1 >= argc) {
			fprintf(stderr, "ctrcap: '--' must be followed by a command\n");
			return -1;
		}
		o->cmd = argv + first_cmd + 1;
	}
	if (check_combinations(o) || apply_netns(o))
		return -1;
	if (!o->n_ifaces)
		o->any = true;
	return 0;
}

void ctrcap_opts_free(struct ctrcap_opts *o)
{
	free(o->filter);
	o->filter = NULL;
	free(o->remote_args);
	o->remote_args = NULL;
	for (unsigned i = 0; i < o->n_found_nodes; i++)
		free(o->found_nodes[i]);
	o->n_found_nodes = 0;
}

int ctrcap_opts_check_engine_paths(const struct ctrcap_opts *o, uid_t invoker, char *err,
				   size_t errlen)
{
	const char *opt = NULL;

	if (o->docker_sock)
		opt = "--docker-sock";
	else if (o->docker_root)
		opt = "--docker-root";
	else if (o->containerd_state)
		opt = "--containerd-state";
	else if (o->crio_state)
		opt = "--crio-state";
	else if (o->podman_state)
		opt = "--podman-state";
	if (!opt || invoker == 0)
		return 0;
	snprintf(err, errlen,
		 "%s is for root only: ctrcap runs with capabilities for uid %u and must not "
		 "read engine state from a path the caller chooses (ask root to run it, or to "
		 "configure the standard paths)",
		 opt, (unsigned)invoker);
	return -1;
}

bool ctrcap_opts_has_identity_filter(const struct ctrcap_opts *o)
{
	return o->n_pids || o->n_uids || o->comms.n || o->ctr_ids.n || o->ctr_names.n || o->pod_names.n ||
	       o->pod_namespaces.n || o->cmd;
}

void ctrcap_opts_engine_paths(const struct ctrcap_opts *o, struct ctr_resolver_opts *ro)
{
	ro->docker_sock = o->docker_sock;
	ro->docker_root = o->docker_root;
	ro->containerd_state = o->containerd_state;
	ro->crio_state = o->crio_state;
	ro->podman_state = o->podman_state;
}
