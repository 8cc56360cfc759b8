/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctrcap's modes: live capture, reading a file, listing interfaces/containers. */
#ifndef CTRCAP_CAPTURE_H
#define CTRCAP_CAPTURE_H

#include "ctrcap/record.h"
#include "options.h"
#include "packet_text.h"

struct ctrcap_pcapng_writer;
struct ctr_resolver;

/*
 * Open the -w output as the invoking user (-w, -C, -G, -W, -U as given),
 * for live capture and -r alike; node (NULL = none, as for -r, whose IDBs
 * are copied) starts every IDB description. NULL with the reason in err.
 */
struct ctrcap_pcapng_writer *ctrcap_writer_open(const struct ctrcap_writer_opts *wo,
						const char *node, char *err, size_t errlen);

struct ctrcap_pcapng_packet;

/*
 * With --comments in wo, id (NULL = none) as ptcpdump's comments into p's
 * comments; the text stays valid until the next call (one writer thread
 * per process). 0, or -1 out of memory.
 */
int ctrcap_packet_comments(const struct ctrcap_writer_opts *wo, const struct ctrcap_identity *id,
			   struct ctrcap_pcapng_packet *p);

/*
 * Print one packet on stdout as the options ask (-#, -v, -U; nothing with
 * --count); number counts from 1.
 */
void ctrcap_print_packet(const struct ctrcap_opts *o, uint64_t number,
			 const struct ctrcap_text_pkt *t, const struct ctrcap_identity *id,
			 uint64_t packet_id);

/* --hops fold: print the held packets whose packet id window ended before now_ns. */
void ctrcap_print_idle(uint64_t now_ns);

/* Print what --hops fold still holds (the end of the packets). */
void ctrcap_print_end(void);

/* Live capture until a signal, -c, EPIPE or the `--` command ends. Exit code. */
int ctrcap_run_capture(const struct ctrcap_opts *o);

struct ctrcap_pcapng_rec;

/*
 * A packet read from a file as the writer takes it again: its flags,
 * packet id, pid/tid, process name and identity option as read (the raw
 * record, byte for byte), else id (NULL = none). Pointers into rec.
 */
void ctrcap_rec_packet(const struct ctrcap_pcapng_rec *rec, const struct ctrcap_identity *id,
		       struct ctrcap_pcapng_packet *p);

/*
 * --node: capture on every node over ssh and merge their packets by time
 * into -w or the printed text. Exit code (nonzero when a node was lost).
 */
int ctrcap_run_nodes(const struct ctrcap_opts *o);

/*
 * -r: print a saved pcapng with identities, or with -w write the packets
 * the identity options select, identities kept. Exit code.
 */
int ctrcap_run_read(const struct ctrcap_opts *o);

/*
 * A container resolver for a one-off listing (no event thread), its cgroup
 * root in root; NULL after saying why on stderr.
 */
struct ctr_resolver *ctrcap_resolver_for_listing(const struct ctrcap_opts *o, char *root,
						 size_t cap);

/* How long the listing modes wait for a container runtime to answer. */
#define CTRCAP_LIST_TIMEOUT_MS 3000

/* -D: interfaces of every namespace with netns and container. Exit code. */
int ctrcap_run_list_ifaces(const struct ctrcap_opts *o);

/* --list-containers: one tab-separated line per running container. Exit code. */
int ctrcap_run_list_containers(const struct ctrcap_opts *o);

/* --cleanup: remove classic tc filters a killed ctrcap left. Exit code. */
int ctrcap_run_cleanup(void);

#endif /* CTRCAP_CAPTURE_H */
