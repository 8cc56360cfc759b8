// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --node: one capture across hosts. A thread per node runs its ssh
 * command and reads the remote ctrcap's pcapng stream into a queue; the
 * merging thread writes the queued packets in timestamp order into one
 * pcapng (-w, or a pipe that -r's printer reads). A packet waits until
 * every live node has shown a later timestamp, or for MERGE_LAG_MS at
 * most, so a silent node delays the output by that much and no more.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctrcap/helper_spawn.h"
#include "ctrcap/pcapng.h"
#include "capture.h"
#include "node_k8s.h"
#include "node_rpcap.h"
#include "node_ssh.h"
#include "node_uri.h"
#include "post_rotate.h"

/* The longest a packet waits for the other nodes' later timestamps. */
#define MERGE_LAG_MS 1000
/* How long the nodes get to stop and send their statistics after ours. */
#define STOP_GRACE_MS 5000
/*
 * The most bytes of packets a node's queue holds: its reader waits above
 * it until the merge has written half of them (its stream then backs up
 * to its ctrcap, which counts what its ring cannot keep as drops). Without
 * a bound a slow output grew the queues without end. While another node
 * is silent every packet waits MERGE_LAG_MS, so the queue must hold a
 * second of the node's traffic: 64 MiB is a second at about 130k packets
 * of 500 bytes.
 */
#define NODE_QUEUE_MAX (64u << 20)
/* Free heap glibc keeps per arena instead of giving it back (see ctrcap_run_nodes). */
#define MERGE_TRIM_BYTES (8u << 20)

/* A node's interface as the merged file names it ("NODE/ifname"). */
struct node_iface {
	struct ctrcap_pcapng_iface ifc;
	uint32_t key;	/* unique across nodes, for the writer */
	int out_id;	/* the merged file's interface id, -1 until written */
	uint64_t received, dropped;
	bool has_stats;
};

/* One packet waiting in its node's queue; the pointers of p point into buf. */
struct node_pkt {
	struct node_pkt *next;
	size_t size;		/* bytes allocated, counted in the node's queued */
	uint32_t iface;		/* index into the node's ifaces */
	long long arrived_ms;
	struct ctrcap_pcapng_packet p;
	uint8_t buf[];
};

struct merge;

struct node {
	struct ctrcap_node_spec spec;
	struct ctrcap_node_cmd *cmd;
	const char *tool;	/* ssh's or kubectl's path */
	struct ctrcap_helper h;
	struct merge *m;
	pthread_t thread;
	bool thread_started;
	uint32_t sect_base;	/* the ifaces of the sections before the current one */
	unsigned long long relayed; /* bytes of its stderr shown (merging thread) */
	/* Under m->lock from here on. */
	struct node_iface *ifaces;
	uint32_t n_ifaces;
	struct node_pkt *head, *tail;
	uint64_t last_ts;	/* the newest timestamp the node sent */
	size_t queued;		/* bytes in its queue */
	bool full;		/* its reader waits for room (m->room) */
	uint64_t merged;	/* packets written */
	bool eof;		/* its stream ended */
	bool done;		/* and its ssh was reaped */
	bool lost;
};

struct merge {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_cond_t room;	/* a full node's queue has room again */
	struct node *nodes;
	unsigned n_nodes;
	uint32_t next_key;
	struct ctrcap_pcapng_writer *w;
	int wfd;		/* the pipe to the printer (the writer does not own it), or -1 */
	bool stopping;		/* the nodes were told to stop */
	int code;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * Show the complete lines node n's side wrote on stderr since the last
 * call ("capturing on ...", warnings, its summary), each after the node's
 * name. Lines that scrolled out of the kept tail are skipped.
 */
static void relay_stderr(struct node *n)
{
	char buf[CTRCAP_STDERR_TAIL_MAX + 1], *p, *nl;
	unsigned long long fresh;
	size_t k;

	pthread_mutex_lock(&n->h.lock);
	fresh = n->h.tail.total - n->relayed;
	k = fresh < n->h.tail.len ? (size_t)fresh : n->h.tail.len;
	memcpy(buf, n->h.tail.buf + n->h.tail.len - k, k);
	pthread_mutex_unlock(&n->h.lock);
	buf[k] = '\0';
	nl = strrchr(buf, '\n');
	if (!nl)
		return;
	n->relayed += fresh - k + (size_t)(nl + 1 - buf);
	*nl = '\0';
	for (p = buf; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		fprintf(stderr, "ctrcap: node %s: %s\n", n->spec.name, p);
	}
}

/*
 * The record the merged packet carries: the node's own bytes, with the
 * node-name TLV added when it lacks one (a ctrcap older than the TLV, or
 * a packet without identity). Written into out (CTRCAP_RECORD_MAX bytes).
 * Returns its length, 0 for none.
 */
static uint32_t node_record(const struct node *n, const struct ctrcap_pcapng_rec *rec,
			    const struct ctrcap_pcapng_packet *p, uint8_t *out)
{
	size_t name_len = strlen(n->spec.name), len = 0;
	int enc;

	if (p->record_len) {
		memcpy(out, p->record, p->record_len);
		len = p->record_len;
	} else if (p->id) {
		enc = ctrcap_record_encode(p->id, out, CTRCAP_RECORD_MAX);
		len = enc > 0 ? (size_t)enc : 0;
	}
	if (rec->has_identity && rec->identity.node_name.ptr)
		return (uint32_t)len;
	if (!len)
		out[len++] = CTRCAP_RECORD_VERSION;
	if (len + CTRCAP_TLV_HDR + name_len > CTRCAP_RECORD_MAX)
		return (uint32_t)len;
	out[len++] = CTRCAP_T_NODE_NAME >> 8;
	out[len++] = CTRCAP_T_NODE_NAME & 0xff;
	out[len++] = (uint8_t)(name_len >> 8);
	out[len++] = (uint8_t)name_len;
	memcpy(out + len, n->spec.name, name_len);
	return (uint32_t)(len + name_len);
}

/* Queue one packet of node n. 0, or -1 out of memory. */
static int node_queue(struct node *n, const struct ctrcap_pcapng_rec *rec, uint8_t *scratch)
{
	struct ctrcap_pcapng_packet p;
	struct node_pkt *q;
	uint32_t idx = n->sect_base + rec->iface_id, rlen;

	ctrcap_rec_packet(rec, NULL, &p);
	rlen = node_record(n, rec, &p, scratch);
	q = malloc(sizeof(*q) + p.caplen + p.pname_len + rlen);
	if (!q)
		return -1;
	q->size = sizeof(*q) + p.caplen + p.pname_len + rlen;
	q->next = NULL;
	q->iface = idx;
	q->arrived_ms = ctrcap_helper_now_ms();
	q->p = p;
	q->p.id = NULL;
	memcpy(q->buf, p.data, p.caplen);
	q->p.data = q->buf;
	if (p.pname_len)
		memcpy(q->buf + p.caplen, p.pname, p.pname_len);
	q->p.pname = p.pname_len ? (const char *)q->buf + p.caplen : NULL;
	memcpy(q->buf + p.caplen + p.pname_len, scratch, rlen);
	q->p.record = rlen ? q->buf + p.caplen + p.pname_len : NULL;
	q->p.record_len = rlen;
	pthread_mutex_lock(&n->m->lock);
	/* The merge always takes packets (it drops them once the output failed). */
	while (n->queued >= NODE_QUEUE_MAX) {
		n->full = true;
		pthread_cond_wait(&n->m->room, &n->m->lock);
	}
	n->queued += q->size;
	if (n->tail)
		n->tail->next = q;
	else
		n->head = q;
	n->tail = q;
	if (rec->ts_ns > n->last_ts)
		n->last_ts = rec->ts_ns;
	pthread_cond_signal(&n->m->cond);
	pthread_mutex_unlock(&n->m->lock);
	return 0;
}

/* A new interface of node n, named "NODE/ifname". 0, or -1 out of memory. */
static int node_iface_add(struct node *n, const struct ctrcap_pcapng_rec *rec)
{
	struct node_iface *v, *f;
	int r = 0;

	pthread_mutex_lock(&n->m->lock);
	v = realloc(n->ifaces, (n->n_ifaces + 1) * sizeof(*v));
	if (!v) {
		r = -1;
		goto out;
	}
	n->ifaces = v;
	f = &v[n->n_ifaces++];
	memset(f, 0, sizeof(*f));
	f->ifc = *rec->iface;
	snprintf(f->ifc.name, sizeof(f->ifc.name), "%s/%.*s", n->spec.name,
		 (int)(sizeof(f->ifc.name) - strlen(n->spec.name) - 2), rec->iface->name);
	f->key = n->m->next_key++;
	f->out_id = -1;
out:
	pthread_mutex_unlock(&n->m->lock);
	return r;
}

/* An ISB of node n: the counts its interface ends with. */
static void node_stats(struct node *n, const struct ctrcap_pcapng_rec *rec)
{
	uint32_t idx = n->sect_base + rec->iface_id;

	pthread_mutex_lock(&n->m->lock);
	if (idx < n->n_ifaces) {
		struct node_iface *f = &n->ifaces[idx];

		f->received = rec->has_received ? rec->isb_received : f->received;
		f->dropped = rec->has_dropped ? rec->isb_dropped : f->dropped;
		f->has_stats = true;
	}
	pthread_mutex_unlock(&n->m->lock);
}

/*
 * Read node n's stream to its end: why it ended early into why ("" at a
 * clean end); *got says whether any block came.
 */
static void node_read(struct node *n, char *why, size_t len, bool *got)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	uint8_t *scratch = malloc(CTRCAP_RECORD_MAX);
	char err[512];
	FILE *f;
	int ret;

	why[0] = '\0';
	f = scratch ? fdopen(n->h.out_fd, "rb") : NULL;
	if (!f) {
		snprintf(why, len, "cannot read its stream: %s", strerror(errno));
		free(scratch);
		return;
	}
	n->h.out_fd = -1; /* the FILE owns it now */
	r = ctrcap_pcapng_reader_fdopen(f, err, sizeof(err));
	if (!r) {
		snprintf(why, len, "%s", err);
		goto out;
	}
	while ((ret = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		int e = 0;


		/* The remote ctrcap writes its header once attached: the node captures. */
		if (rec.kind == CTRCAP_REC_SECTION && !*got)
			fprintf(stderr, "ctrcap: node %s (%s): capturing\n", n->spec.name,
				n->spec.uri);
		*got = true;
		if (rec.kind == CTRCAP_REC_SECTION)
			n->sect_base = n->n_ifaces;
		else if (rec.kind == CTRCAP_REC_INTERFACE && rec.iface)
			e = node_iface_add(n, &rec);
		else if (rec.kind == CTRCAP_REC_STATS)
			node_stats(n, &rec);
		else if (rec.kind == CTRCAP_REC_PACKET && n->sect_base + rec.iface_id < n->n_ifaces)
			e = node_queue(n, &rec, scratch);
		if (e) {
			snprintf(why, len, "out of memory");
			break;
		}
	}
	if (ret < 0)
		snprintf(why, len, "its stream broke off: %s", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
out:
	fclose(f);
	free(scratch);
}

/*
 * Why ssh's (kubectl's) exit status st says the node failed, into why;
 * false when it did not. kubectl exec exits with the remote status or 1
 * for its own failures, so its status names neither side.
 */
static bool node_failed(struct node *n, int st, char *why, size_t len)
{
	const char *tool = n->spec.kind == CTRCAP_NODE_K8S   ? "kubectl exec" :
			   n->spec.kind == CTRCAP_NODE_RPCAP ? "the rpcap client" :
							       "ssh";
	char line[512];

	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return false;
	ctrcap_helper_last_line(&n->h, line, sizeof(line));
	if (st < 0)
		snprintf(why, len, "%s did not end", tool);
	else if (WIFSIGNALED(st))
		snprintf(why, len, "%s killed by signal %d", tool, WTERMSIG(st));
	else if (n->spec.kind != CTRCAP_NODE_SSH)
		snprintf(why, len, "%s exited with status %d", tool, WEXITSTATUS(st));
	else if (WEXITSTATUS(st) == 255)
		snprintf(why, len, "ssh failed");
	else
		snprintf(why, len, "the remote ctrcap exited with status %d", WEXITSTATUS(st));
	if (line[0])
		snprintf(why + strlen(why), len - strlen(why), ": %s", line);
	return true;
}

static void *node_main(void *arg)
{
	struct node *n = arg;
	char why[1024], status[1024];
	bool stopping, failed, got = false;
	int st;

	node_read(n, why, sizeof(why), &got);
	pthread_mutex_lock(&n->m->lock);
	n->eof = true;
	stopping = n->m->stopping;
	pthread_mutex_unlock(&n->m->lock);
	/* At a clean end ssh exits at once; after a break it may linger, and is stopped. */
	st = ctrcap_helper_wait(&n->h, why[0] ? 1000 : STOP_GRACE_MS);
	if (st < 0)
		st = ctrcap_helper_stop(&n->h, 1000);
	/* ssh's last words may still be in the pipe when it is reaped. */
	ctrcap_helper_stderr_finish(&n->h);
	failed = node_failed(n, st, status, sizeof(status));
	/* Before its first block a failure is ssh's or the remote ctrcap's, not the stream's. */
	if (failed && (!why[0] || !got))
		snprintf(why, sizeof(why), "%s", status);
	else if (failed)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), " (%s)", status);
	else if (!got && !why[0])
		snprintf(why, sizeof(why), "the remote ctrcap sent no capture stream");
	if (why[0])
		fprintf(stderr, "ctrcap: node %s (%s) lost%s: %s; the other nodes go on\n",
			n->spec.name, n->spec.uri, stopping ? " while stopping" : "", why);
	pthread_mutex_lock(&n->m->lock);
	if (n->h.in_fd >= 0)
		close(n->h.in_fd);
	n->h.in_fd = -1;
	n->lost = why[0] != '\0';
	n->done = true;
	pthread_cond_signal(&n->m->cond);
	pthread_mutex_unlock(&n->m->lock);
	ctrcap_helper_stop(&n->h, 0);
	return NULL;
}

/*
 * Start node n's ssh (or kubectl exec, its pod looked up first) and its
 * reading thread. 0, or -1 after a warning naming it. The child leads its
 * own process group: a Ctrl-C on the terminal stops us, and we stop the
 * nodes so that they send their statistics.
 */
static int node_start(struct node *n, const struct ctrcap_opts *o)
{
	char err[512];
	int e;

	if (n->spec.kind == CTRCAP_NODE_K8S &&
	    ctrcap_node_k8s_prepare(n->cmd, &n->spec, o, n->tool, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: node %s (%s) lost: %s; the other nodes go on\n",
			n->spec.name, n->spec.uri, err);
		return -1;
	}
	if (ctrcap_helper_spawn(&n->h, n->cmd->argv,
				CTRCAP_SPAWN_STDIN_PIPE | CTRCAP_SPAWN_STDERR_THREAD |
					CTRCAP_SPAWN_DIE_WITH_PARENT | CTRCAP_SPAWN_OWN_PGRP,
				err, sizeof(err))) {
		fprintf(stderr, "ctrcap: node %s (%s) lost: %s; the other nodes go on\n",
			n->spec.name, n->spec.uri, err);
		return -1;
	}
	e = pthread_create(&n->thread, NULL, node_main, n);
	if (e) {
		fprintf(stderr, "ctrcap: node %s (%s): no thread: %s\n", n->spec.name, n->spec.uri,
			strerror(e));
		ctrcap_helper_stop(&n->h, 0);
		return -1;
	}
	n->thread_started = true;
	return 0;
}

/*
 * The node whose queued head is oldest, when it may be written now: every
 * other live node sent a timestamp as late, or the head waited
 * MERGE_LAG_MS. NULL otherwise; *wait_ms says how long to wait for it.
 */
static struct node *merge_pick(struct merge *m, long long *wait_ms)
{
	struct node *best = NULL;
	long long age;

	*wait_ms = 100;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		if (n->head && (!best || n->head->p.ts_ns < best->head->p.ts_ns))
			best = n;
	}
	if (!best)
		return NULL;
	age = ctrcap_helper_now_ms() - best->head->arrived_ms;
	if (age >= MERGE_LAG_MS)
		return best;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		if (n != best && !n->eof && n->last_ts < best->head->p.ts_ns) {
			*wait_ms = MERGE_LAG_MS - age;
			return NULL;
		}
	}
	return best;
}

/* Write q (of node n) into the merged file, its interface first. 0, or -1. Under m->lock. */
static int merge_write(struct merge *m, struct node *n, struct node_pkt *q)
{
	struct node_iface *f = &n->ifaces[q->iface];

	if (f->out_id < 0) {
		f->out_id = ctrcap_pcapng_writer_interface_copy(m->w, f->key, &f->ifc);
		if (f->out_id < 0)
			return -1;
	}
	q->p.if_id = (uint32_t)f->out_id;
	n->merged++;
	return ctrcap_pcapng_writer_packet(m->w, &q->p);
}

/* Tell every node to stop: our end of its ssh's stdin closes. Under m->lock. */
static void merge_stop_nodes(struct merge *m)
{
	m->stopping = true;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		if (n->h.in_fd >= 0)
			close(n->h.in_fd);
		n->h.in_fd = -1;
	}
}

/* Nodes still running after the grace time: their ssh gets SIGTERM. Under m->lock. */
static void merge_kill_nodes(struct merge *m)
{
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		if (!n->eof && n->h.pid > 0)
			kill(n->h.pid, SIGTERM);
	}
}

/* Wait on m->cond for up to ms. Under m->lock. */
static void merge_wait(struct merge *m, long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&m->cond, &m->lock, &ts);
}

/* True when every node's stream ended and its queue is written. Under m->lock. */
static bool merge_finished(const struct merge *m)
{
	for (unsigned i = 0; i < m->n_nodes; i++) {
		if (!m->nodes[i].done || m->nodes[i].head)
			return false;
	}
	return true;
}

/* The merging loop: until every node ended (or the output failed). */
static void merge_run(struct merge *m)
{
	long long stop_at = 0;
	bool out_failed = false;

	pthread_mutex_lock(&m->lock);
	while (!merge_finished(m)) {
		struct node_pkt *q;
		long long wait_ms;
		struct node *n;

		if ((stop_requested || out_failed) && !m->stopping) {
			merge_stop_nodes(m);
			stop_at = ctrcap_helper_now_ms() + STOP_GRACE_MS;
		}
		if (stop_at && ctrcap_helper_now_ms() > stop_at) {
			merge_kill_nodes(m);
			stop_at = ctrcap_helper_now_ms() + STOP_GRACE_MS;
		}
		for (unsigned i = 0; i < m->n_nodes; i++)
			relay_stderr(&m->nodes[i]);
		n = merge_pick(m, &wait_ms);
		if (!n) {
			merge_wait(m, wait_ms < 100 ? wait_ms : 100);
			continue;
		}
		q = n->head;
		n->head = q->next;
		if (!n->head)
			n->tail = NULL;
		n->queued -= q->size;
		if (n->full && n->queued <= NODE_QUEUE_MAX / 2) {
			n->full = false;
			pthread_cond_broadcast(&m->room);
		}
		if (!out_failed && merge_write(m, n, q)) {
			const char *e = ctrcap_pcapng_writer_error(m->w);

			/* A reader of -w - that went away ends the capture quietly. */
			if (!strstr(e, strerror(EPIPE))) {
				fprintf(stderr, "ctrcap: %s\n", e);
				m->code = 1;
			}
			out_failed = true;
		}
		free(q);
	}
	pthread_mutex_unlock(&m->lock);
}

/* The ISBs of every node's interfaces, then the exit summary on stderr. */
static void merge_summary(struct merge *m)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];
		uint64_t recv = 0, drop = 0;
		bool stats = false;

		for (uint32_t k = 0; k < n->n_ifaces; k++) {
			struct node_iface *f = &n->ifaces[k];

			if (!f->has_stats)
				continue;
			stats = true;
			recv += f->received;
			drop += f->dropped;
			if (f->out_id < 0)
				f->out_id = ctrcap_pcapng_writer_interface_copy(m->w, f->key,
										 &f->ifc);
			if (f->out_id >= 0)
				ctrcap_pcapng_writer_set_stats(m->w, (uint32_t)f->out_id,
							       f->received, f->dropped, 0);
		}
		total += n->merged;
		if (stats)
			fprintf(stderr, "node %s: %llu packets merged, %llu received by filter, "
					"%llu dropped by kernel%s\n",
				n->spec.name, (unsigned long long)n->merged,
				(unsigned long long)recv, (unsigned long long)drop,
				n->lost ? " (lost)" : "");
		else
			fprintf(stderr, "node %s: %llu packets merged, no statistics%s\n",
				n->spec.name, (unsigned long long)n->merged,
				n->lost ? " (lost)" : "");
	}
	fprintf(stderr, "%llu packets captured\n", (unsigned long long)total);
}

/*
 * The merging thread: merge, then ISBs, the summary and the end of the
 * output (a pipe's end is the printer's end of input).
 */
static void *merge_thread(void *arg)
{
	struct merge *m = arg;
	char err[512];

	merge_run(m);
	for (unsigned i = 0; i < m->n_nodes; i++) {
		if (m->nodes[i].thread_started)
			pthread_join(m->nodes[i].thread, NULL);
		m->nodes[i].thread_started = false;
		relay_stderr(&m->nodes[i]);
	}
	merge_summary(m);
	if (ctrcap_pcapng_writer_close(m->w, err, sizeof(err)) && !strstr(err, strerror(EPIPE))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		m->code = 1;
	}
	m->w = NULL;
	if (m->wfd >= 0)
		close(m->wfd);
	m->wfd = -1;
	return NULL;
}

/* The path of tool (ssh, kubectl) into buf once a node needs it. 0, or -1 after the error. */
static int need_tool(const char *tool, const char *why, char *buf, size_t cap)
{
	char err[512];

	if (buf[0])
		return 0;
	if (ctrcap_post_rotate_resolve(tool, buf, cap, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: --node %s needs %s: %s\n", why, tool, err);
		return -1;
	}
	return 0;
}

/* This ctrcap's own path into buf (rpcap:// nodes run it). 0, or -1 after the error. */
static int self_path(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);

	if (n < 0) {
		fprintf(stderr, "ctrcap: --node rpcap://: /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * Parse every node and build the ssh nodes' commands before any starts
 * (a k8s:// node's pod is looked up when it starts, see node_start()).
 * tools[0] gets ssh's path, tools[1] kubectl's, tools[2] this ctrcap's
 * (rpcap:// nodes run it). 0, or -1 after the error.
 */
static int nodes_prepare(struct merge *m, const struct ctrcap_opts *o, char tools[3][4096])
{
	char err[512];

	m->nodes = calloc(o->n_nodes, sizeof(*m->nodes));
	if (!m->nodes) {
		fprintf(stderr, "ctrcap: out of memory\n");
		return -1;
	}
	m->n_nodes = o->n_nodes;
	for (unsigned i = 0; i < o->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		n->m = m;
		n->h.pid = -1;
		n->h.in_fd = n->h.out_fd = n->h.err_fd = -1;
		n->cmd = malloc(sizeof(*n->cmd));
		if (!n->cmd || ctrcap_node_spec_parse(o->nodes[i], &n->spec, err, sizeof(err))) {
			fprintf(stderr, "ctrcap: --node %s: %s\n", o->nodes[i],
				n->cmd ? err : "out of memory");
			return -1;
		}
		if (n->spec.kind == CTRCAP_NODE_K8S) {
			if (need_tool("kubectl", "k8s://", tools[1], sizeof(tools[1])))
				return -1;
			n->tool = tools[1];
			continue;
		}
		if (n->spec.kind == CTRCAP_NODE_RPCAP) {
			if (!tools[2][0] && self_path(tools[2], sizeof(tools[2])))
				return -1;
			n->tool = tools[2];
			if (ctrcap_node_rpcap_cmd_build(n->cmd, &n->spec, o, n->tool, err,
							sizeof(err))) {
				fprintf(stderr, "ctrcap: --node %s: %s\n", o->nodes[i], err);
				return -1;
			}
			continue;
		}
		if (need_tool("ssh", "ssh://", tools[0], sizeof(tools[0])))
			return -1;
		n->tool = tools[0];
		if (ctrcap_node_cmd_build(n->cmd, &n->spec, o, n->tool, err, sizeof(err))) {
			fprintf(stderr, "ctrcap: --node %s: %s\n", o->nodes[i], err);
			return -1;
		}
	}
	return 0;
}

/* Free the nodes (their threads joined). */
static void nodes_free(struct merge *m)
{
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct node *n = &m->nodes[i];

		while (n->head) {
			struct node_pkt *q = n->head;

			n->head = q->next;
			free(q);
		}
		free(n->ifaces);
		free(n->cmd);
	}
	free(m->nodes);
}

/*
 * Without -w the merged stream goes through a pipe to -r's printer on
 * this thread, so the text is exactly what `ctrcap -r` prints. The
 * selection already ran on the nodes; here it is not applied again.
 */
static int print_merged(const struct ctrcap_opts *o, int rfd)
{
	struct ctrcap_opts r = *o;

	if (dup2(rfd, STDIN_FILENO) < 0) {
		fprintf(stderr, "ctrcap: cannot read the merged stream: %s\n", strerror(errno));
		return 1;
	}
	close(rfd);
	r.read_path = "-";
	r.filter = NULL;
	r.count = 0;
	r.n_pids = r.n_uids = 0;
	r.comms.n = r.ctr_ids.n = r.ctr_names.n = r.pod_names.n = r.pod_namespaces.n = 0;
	return ctrcap_run_read(&r);
}

/* Open the merged output: -w as given, else the pipe's write end. NULL after the error. */
static struct ctrcap_pcapng_writer *merge_open(const struct ctrcap_opts *o, int wfd)
{
	struct ctrcap_pcapng_writer_opts wo = {
		.fd = wfd,
		.flush_each = true,
		.userappl = "ctrcap " CTRCAP_VERSION " (merged nodes)",
	};
	struct ctrcap_pcapng_writer *w;
	char err[512];

	w = wfd >= 0 ? ctrcap_pcapng_writer_open(&wo, err, sizeof(err))
		     : ctrcap_writer_open(&o->out, NULL, err, sizeof(err));
	if (!w)
		fprintf(stderr, "ctrcap: %s\n", err);
	return w;
}

int ctrcap_run_nodes(const struct ctrcap_opts *o)
{
	struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };
	struct merge m = { .wfd = -1 };
	int pfd[2] = { -1, -1 }, code = 1;
	unsigned started = 0, lost = 0;
	pthread_t mt;
	static char tools[3][4096];
	bool mt_started = false;

	/*
	 * Each node's reader allocates its packets in its own malloc arena and
	 * the merge frees them: with glibc's default trim threshold every
	 * queue that drains gave its arena's memory back and faulted it in
	 * again (6x the page faults of one node in bench/nodes, 1.7x after).
	 */
	mallopt(M_TRIM_THRESHOLD, MERGE_TRIM_BYTES);
	pthread_mutex_init(&m.lock, NULL);
	pthread_cond_init(&m.cond, NULL);
	pthread_cond_init(&m.room, NULL);
	if (nodes_prepare(&m, o, tools))
		goto out;
	if (!o->out.path && pipe(pfd)) {
		fprintf(stderr, "ctrcap: pipe for the merged stream: %s\n", strerror(errno));
		goto out;
	}
	m.w = merge_open(o, pfd[1]);
	if (!m.w)
		goto out;
	m.wfd = pfd[1];
	pfd[1] = -1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < m.n_nodes; i++) {
		if (node_start(&m.nodes[i], o)) {
			m.nodes[i].lost = m.nodes[i].eof = m.nodes[i].done = true;
			continue;
		}
		started++;
	}
	code = 0;
	if (started) {
		int e = pthread_create(&mt, NULL, merge_thread, &m);

		mt_started = e == 0;
		/* Text: nothing would read the pipe the merge writes to. Stop at once. */
		if (e && pfd[0] >= 0) {
			fprintf(stderr, "ctrcap: cannot start the merge thread: %s\n", strerror(e));
			close(pfd[0]);
			pfd[0] = -1;
			stop_requested = 1;
			code = 1;
		}
	}
	if (mt_started && pfd[0] >= 0) {
		code = print_merged(o, pfd[0]);
		pfd[0] = -1;
		/* The printer ended (its output failed?): the nodes stop. */
		stop_requested = 1;
	}
	if (mt_started) {
		pthread_join(mt, NULL);
	} else {
		merge_thread(&m);
	}
	for (unsigned i = 0; i < m.n_nodes; i++)
		lost += m.nodes[i].lost;
	if (lost) {
		fprintf(stderr, "ctrcap: %u of %u nodes lost\n", lost, m.n_nodes);
		code = code ? code : 2;
	}
	code = code ? code : m.code;
out:
	for (int i = 0; i < 2; i++) {
		if (pfd[i] >= 0)
			close(pfd[i]);
	}
	nodes_free(&m);
	return code;
}
