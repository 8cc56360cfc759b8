/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A packet's identity record from what the kernel reported (owner, netns,
 * attribution), the process table and the container resolver; and the
 * --pid, --comm, --container-... and --pod-... filters applied to it.
 */
#ifndef CTRCAP_IDENTITY_H
#define CTRCAP_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "ctrcap/record.h"
#include "../bpf/ctrcap.h"
#include "options.h"
#include "proc_table.h"

struct ctr_resolver;
struct ctr_info;
struct ctrcap_ident;

/*
 * Everything an identity record is made of, by value or by generation: two
 * packets with equal keys have byte-equal records. Compared with memcmp.
 */
struct ctrcap_ident_key {
	uint64_t cgroup_id, start_time_ns;
	uint32_t present, pid, tid, uid, gid, netns, parent_pid;
	uint32_t proc_gen, parent_gen, ctr_gen;	/* 0 = none */
	uint32_t attribution;
	uint32_t context;	/* the ctrcap_ident's serial: it adds the node name */
	char comm[CTRCAP_COMM_LEN];
};

/*
 * One packet's identity; its strings point into this buffer, the process
 * table and the container cache, valid until the next build or event.
 */
struct ctrcap_ident_buf {
	struct ctrcap_identity id;
	char comm[CTRCAP_COMM_LEN];
	const struct ctr_info *ctr;	/* NULL when not a container (yet) */
	bool is_container;
	struct ctrcap_ident_key key;
};

/*
 * Identity context: process table + resolver (may be NULL) + netns map, and
 * the node every identity names (NULL or "" = none; copied).
 */
struct ctrcap_ident *ctrcap_ident_new(struct ctrcap_proc_table *procs, struct ctr_resolver *res,
				      const char *cgroup_root, const char *node_name);

/* Free the context (not the table or resolver). */
void ctrcap_ident_free(struct ctrcap_ident *x);

/*
 * Note that network namespace netns holds pid (its cgroup names the
 * container). Safe from another thread than the one building identities.
 */
void ctrcap_ident_note_netns(struct ctrcap_ident *x, uint32_t netns, uint32_t pid);

/* The cgroup whose container names packet e (its sender's, else its netns's); 0 if none. */
uint64_t ctrcap_ident_packet_cgroup(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e);

/* The cgroup of a process of network namespace netns (names its interfaces); 0 if unknown. */
uint64_t ctrcap_ident_netns_cgroup(struct ctrcap_ident *x, uint32_t netns);

/*
 * Whether a packet of cgroup_id should wait for its container's metadata:
 * true while the resolver has not settled a cgroup this context has not
 * named yet. Each cgroup waits once (its first packets, its DNS lookups,
 * then carry its name and pass --container-name like the rest). Never blocks.
 */
bool ctrcap_ident_pending(struct ctrcap_ident *x, uint64_t cgroup_id);

/*
 * Build the identity of the packet e into b; when b already holds it (same
 * key) it is left as it is, so callers restore any field they change.
 */
void ctrcap_ident_build(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
			struct ctrcap_ident_buf *b);

/*
 * Identities built lately, by their key's slot: the two hops of one
 * packet, or a few flows interleaved, each build once per change.
 */
#define CTRCAP_IDENT_RECENT 8
struct ctrcap_ident_recent {
	struct ctrcap_ident_buf buf[CTRCAP_IDENT_RECENT];
};

/*
 * The identity of the packet e: r's buffer of its key, built now unless it
 * holds it already (as ctrcap_ident_build). Valid until the next call.
 */
struct ctrcap_ident_buf *ctrcap_ident_get(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
					  struct ctrcap_ident_recent *r);

/*
 * The identity record of the packet last built into b, encoded once per
 * distinct identity and reused while its key is unchanged. *rec stays valid
 * until the next call. Returns 0, or -1 when the record cannot be encoded.
 */
int ctrcap_ident_record(struct ctrcap_ident *x, const struct ctrcap_ident_buf *b,
			const uint8_t **rec, uint32_t *len);

/* Records reused and records encoded so far (for -vv statistics and tests). */
void ctrcap_ident_record_stats(const struct ctrcap_ident *x, uint64_t *hits, uint64_t *misses);

/* Container known for a netns (for -D), or NULL. */
const struct ctr_info *ctrcap_ident_netns_container(struct ctrcap_ident *x, uint32_t netns);

/*
 * True when the packet passes the identity filters of o; cmd_pid (0 = none)
 * is the command run with `--`, whose descendants match too.
 */
bool ctrcap_ident_match(struct ctrcap_ident *x, const struct ctrcap_opts *o,
			const struct ctrcap_ident_buf *b, uint32_t cmd_pid);

#endif /* CTRCAP_IDENTITY_H */
