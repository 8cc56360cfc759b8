/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctrcap's command line: tcpdump/ptcpdump conventions plus identity filters. */
#ifndef CTRCAP_OPTIONS_H
#define CTRCAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/types.h>

#include "containers/resolver.h"
#include "hops.h"
#include "packet_text.h"

#define CTRCAP_MAX_IFACES 64
/* Most ring buffers --rings makes (one per CPU of a large host). */
#define CTRCAP_MAX_RINGS 1024
#define CTRCAP_MAX_MATCH 32
#define CTRCAP_MAX_NODES 32

/* -i NAME[@NETNS]; netns "" = the host (ctrcap's own) namespace. */
struct ctrcap_iface_spec {
	char name[IF_NAMESIZE];
	char netns[256];
};

/* A repeatable string option (--comm, --container-name, ...). */
struct ctrcap_strlist {
	const char *v[CTRCAP_MAX_MATCH];
	unsigned n;
};

/* --write-thread: who write()s the -w output. */
enum ctrcap_write_thread {
	CTRCAP_WRITE_THREAD_AUTO, /* a thread of its own with 4+ online CPUs, to a file, no -U */
	CTRCAP_WRITE_THREAD_ON,
	CTRCAP_WRITE_THREAD_OFF,
};

/* Where and how pcapng is written: one set for live capture and for -r. */
struct ctrcap_writer_opts {
	const char *path;	 /* -w FILE, "-" = stdout; NULL = print text */
	uint64_t rotate_bytes;	 /* -C (millions of bytes, as tcpdump) */
	unsigned rotate_seconds; /* -G */
	unsigned max_files;	 /* -W */
	bool flush_each;	 /* -U: flush after every packet (text too) */
	const char *post_rotate; /* -z CMD, resolved to a path before capture starts */
	bool comments;		 /* --comments: the identity also as ptcpdump's comments */
	bool process_blocks;	 /* --process-blocks: Wireshark's process information blocks */
	bool compact_identity;	 /* --compact-identity: identities by reference (pcapng-format.md 2.1) */
	enum ctrcap_write_thread write_thread; /* --write-thread */
};

struct ctrcap_opts {
	struct ctrcap_iface_spec ifaces[CTRCAP_MAX_IFACES];
	unsigned n_ifaces;
	bool any;		/* -i any (also the default) */
	const char *any_netns;	/* --netns NETNS without -i: any only in NETNS */
	struct ctrcap_writer_opts out; /* -w, -C, -G, -W, -U */
	const char *read_path;	/* -r */
	uint64_t count;		/* -c, 0 = unlimited */
	uint32_t snaplen;	/* -s */
	unsigned buffer_kib;	/* -B: each ring's size */
	unsigned rings;		/* --rings: ring buffers, CPU i writes to i % rings (0 = 1) */
	bool count_only;	/* --count: print only the number of packets */
	bool print;		/* --print: print packets also while writing -w */
	bool number;		/* -#: number the printed packets */
	const char *live_only;	/* the first option given that only a live capture takes */
	const char *run_as;	/* -Z USER */
	const char *filter_file; /* -F FILE: the expression is read from FILE */
	bool oneline;		/* --oneline: the identity on the packet line, also with -v */
	bool follow_forks;	/* -f: --pid selects the process's descendants too */
	unsigned dir_mask;	/* -Q: bit 1 in, bit 2 out */
	enum ctrcap_hops_mode hops;	/* --hops */
	bool drops;		/* --drops: packets the kernel drops, too */
	bool journey;		/* --journey: -r prints the journey table, no packets */
	/*
	 * --drops: the kernel's symbols (drop locations), opened by main()
	 * before capabilities are reduced: the kernel shows the addresses by
	 * the opener's (CAP_SYSLOG). Not options: freed by main().
	 */
	struct ctrcap_ksyms *ksyms;
	bool numeric;		/* -n (names are never resolved; accepted for habit) */
	int verbose;		/* -v */
	bool quiet;		/* -q: no identity at the end of packet lines */
	unsigned context;	/* --context: ctrcap_context bits; 0 = not given */
	const char *node_name;	/* --node-name; NULL = $CTRCAP_NODE_NAME or the host name */
	bool list_ifaces;	/* -D */
	bool list_containers;	/* --list-containers */
	bool cleanup;		/* --cleanup */
	bool help, version;
	uint32_t pids[CTRCAP_MAX_MATCH];
	unsigned n_pids;
	uint32_t uids[CTRCAP_MAX_MATCH]; /* --uid */
	unsigned n_uids;
	struct ctrcap_strlist comms, ctr_ids, ctr_names, pod_names, pod_namespaces;
	/* Container engine state (--docker-sock, ...); NULL = environment or default. */
	const char *docker_sock, *docker_root, *containerd_state, *crio_state, *podman_state;
	struct ctrcap_text_opts text; /* -A -x -X -e -t -S -l --micro --nano */
	const char *text_flag;	/* the first of those given that shapes printed packets */
	char *filter;		/* trailing expression joined, or -F's file; NULL = none */
	char **cmd;		/* -- CMD ARGS */
	/* --node NAME=URI, checked by ctrcap_node_spec_parse() */
	const char *nodes[CTRCAP_MAX_NODES];
	unsigned n_nodes;
	const char *remote_ctrcap;	/* --remote-ctrcap; NULL = "ctrcap" */
	const char *rpcap_source;	/* --rpcap-source URI: capture from a ctrcap-rpcapd */
	const char *rpcap_password_file; /* --rpcap-password-file: rpcap://USER@'s password */
	struct ctrcap_strlist ssh_opts;	/* --ssh-option, each passed as ssh -o */
	const char *kube_context;	/* --kube-context, kubectl's --context for k8s:// */
	const char *kubeconfig;		/* --kubeconfig, kubectl's --kubeconfig for k8s:// */
	/* --nodes-from k8s[:SELECTOR]; main() adds the nodes it finds to nodes. */
	const char *nodes_from;
	char *found_nodes[CTRCAP_MAX_NODES]; /* their NAME=URI, malloc'ed */
	unsigned n_found_nodes;
	/* The selection options as the nodes get them (flag, value, ...), malloc'ed. */
	const char **remote_args;
	unsigned n_remote_args;
};

/* Parse argv into o (zeroed first). Returns 0, or -1 after printing one error line. */
int ctrcap_opts_parse(int argc, char **argv, struct ctrcap_opts *o);

/* Whether o captures on nodes (--node or --nodes-from) rather than here. */
static inline bool ctrcap_opts_nodes(const struct ctrcap_opts *o)
{
	return o->n_nodes || o->nodes_from;
}

/* Free what parsing allocated. */
void ctrcap_opts_free(struct ctrcap_opts *o);

/* Print the --help text to f. */
void ctrcap_usage(FILE *f);

/*
 * Refuse engine path options (--docker-sock, ...) unless the invoking user
 * is root: with file capabilities a group member must not point the
 * privileged helper at files of their choosing. Returns 0, or -1 with the
 * option named in err.
 */
int ctrcap_opts_check_engine_paths(const struct ctrcap_opts *o, uid_t invoker, char *err,
				   size_t errlen);

/* Copy the container-engine paths (--docker-sock ...) into ro. */
void ctrcap_opts_engine_paths(const struct ctrcap_opts *o, struct ctr_resolver_opts *ro);

/* True when any process/container filter option was given. */
bool ctrcap_opts_has_identity_filter(const struct ctrcap_opts *o);

#endif /* CTRCAP_OPTIONS_H */
