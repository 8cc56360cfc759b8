// SPDX-License-Identifier: GPL-2.0-or-later
/* Helper process + pump thread of a capture session (see rpcap_capture.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrcap/helper_spawn.h"
#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "pktap_frame.h"
#include "rpcap_capture.h"
#include "rpcap_conn.h"
#include "self_traffic.h"

#define SEND_TIMEOUT_S 30
#define STOP_GRACE_MS 5000u
/* Send queued messages once this much is waiting (or the helper paused). */
#define OUT_FLUSH_AT (64u * 1024u)
#define OUT_EXTRA (256u * 1024u)

struct rpcap_capture {
	struct ctrcap_helper helper;
	FILE *stream;
	char ctr_id[128];
	uint32_t snaplen;
	uint16_t flags;
	struct rpcap_conn data;	/* the client's data connection, clear or TLS */
	struct self_conn self;	/* the data connection, never captured back */
	struct self_conn ctrl;	/* the control connection, likewise */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;	/* guards filter */
	struct rpcap_bpf filter;
	atomic_uint_fast64_t received, sent, dropped;
	/* Packet messages queued for one send: fewer syscalls under load. */
	uint8_t *out;
	size_t out_len, out_cap;
	size_t frame_cap;	/* largest frame a packet can make */
};

static void log_msg(const struct rpcap_capture *c, const char *what, const char *detail)
{
	fprintf(stderr, "ctrcap-rpcapd[%d]: capture of %s: %s%s%s\n", (int)getpid(),
		c->ctr_id[0] ? c->ctr_id : "container-any", what, detail && *detail ? ": " : "",
		detail ? detail : "");
}

/* The helper's kept stderr as one line: newlines become "; ", control characters blanks. */
static void stderr_line(struct ctrcap_helper *h, char *buf, size_t len)
{
	size_t n;

	ctrcap_helper_stderr(h, buf, len);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			buf[i] = ';';
		else if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	}
}

struct rpcap_capture *rpcap_capture_start(const struct rpcap_capture_opts *o, char *err,
					  size_t errlen)
{
	char snap[16], msg[512];
	const char *argv[14];
	struct rpcap_capture *c;
	struct pollfd p;
	int n = 0, r, st;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "no memory for a capture session");
		return NULL;
	}
	c->data.fd = -1;
	c->helper.pid = -1;
	c->helper.out_fd = c->helper.err_fd = -1;
	c->snaplen = o->snaplen;
	c->flags = o->flags;
	pthread_mutex_init(&c->lock, NULL);
	if (o->ctrl_fd >= 0 && self_conn_from_fd(&c->ctrl, o->ctrl_fd) < 0) {
		snprintf(err, errlen, "cannot read the control connection's addresses: %s",
			 strerror(errno));
		goto fail;
	}
	if (o->ctr_id)
		snprintf(c->ctr_id, sizeof(c->ctr_id), "%s", o->ctr_id);
	c->frame_cap = CTRCAP_PKTAP_RECORD_OFF + CTRCAP_RECORD_MAX + (size_t)o->snaplen;
	c->out_cap = RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN + c->frame_cap + OUT_EXTRA;
	c->out = malloc(c->out_cap);
	if (!c->out) {
		snprintf(err, errlen, "no memory for a %zu-byte send buffer", c->out_cap);
		goto fail;
	}

	/*
	 * Never --compact-identity: a client may join at any time and every
	 * PKTAP frame carries its whole identity (re-encoded from the reader's,
	 * which resolves references anyway; docs/pcapng-format.md 2.1).
	 * The helper's own snap length is for the inner packet; ours bounds the frame.
	 */
	snprintf(snap, sizeof(snap), "%u", o->snaplen);
	argv[n++] = o->helper;
	argv[n++] = "-i";
	argv[n++] = "any";
	argv[n++] = "-w";
	argv[n++] = "-";
	argv[n++] = "-U";
	argv[n++] = "-s";
	argv[n++] = snap;
	if (o->ctr_id) {
		argv[n++] = "--container-id";
		argv[n++] = o->ctr_id;
	}
	if (o->drops)
		argv[n++] = "--drops";
	argv[n] = NULL;
	/* A thread keeps the last of its stderr: bounded, and it never blocks on a full pipe. */
	if (ctrcap_helper_spawn(&c->helper, argv,
				CTRCAP_SPAWN_DIE_WITH_PARENT | CTRCAP_SPAWN_STDERR_THREAD, err,
				errlen) < 0)
		goto fail;

	/* Wait for the stream to begin so a failing helper is this request's error. */
	p = (struct pollfd){ .fd = c->helper.out_fd, .events = POLLIN };
	do
		r = poll(&p, 1, (int)RPCAP_CAPTURE_START_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		snprintf(err, errlen, "%s produced no output in %u ms", o->helper,
			 RPCAP_CAPTURE_START_MS);
		goto fail;
	}
	if (!(p.revents & POLLIN)) {
		st = ctrcap_helper_wait(&c->helper, 2000);

		ctrcap_helper_stop(&c->helper, 0); /* its stderr, read to the end */
		stderr_line(&c->helper, msg, sizeof(msg));
		snprintf(err, errlen, "%s exited before capturing (status %d)%s%s", o->helper,
			 st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, msg[0] ? ": " : "", msg);
		goto fail;
	}
	/*
	 * Its stream begins before it has attached everywhere: the capture has
	 * started, for the client, once the helper says it is capturing. The
	 * pcapng header waits in the pipe meanwhile (no packet is written before).
	 */
	r = ctrcap_helper_wait_stderr(&c->helper, "capturing on ", RPCAP_CAPTURE_START_MS, &st);
	if (r <= 0) {
		if (r == 0)
			ctrcap_helper_stop(&c->helper, STOP_GRACE_MS);
		else
			ctrcap_helper_stop(&c->helper, 0); /* its stderr, read to the end */
		stderr_line(&c->helper, msg, sizeof(msg));
		if (r == 0)
			snprintf(err, errlen, "%s did not report capturing within %u ms%s%s",
				 o->helper, RPCAP_CAPTURE_START_MS, msg[0] ? ": " : "", msg);
		else
			snprintf(err, errlen, "%s exited before capturing (status %d)%s%s",
				 o->helper, st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
				 msg[0] ? ": " : "", msg);
		goto fail;
	}
	c->stream = fdopen(c->helper.out_fd, "r");
	if (!c->stream) {
		snprintf(err, errlen, "fdopen of %s's output: %s", o->helper, strerror(errno));
		goto fail;
	}
	c->helper.out_fd = -1; /* owned by the stream now */
	return c;
fail:
	rpcap_capture_stop(c);
	return NULL;
}

/* Send what is queued, SEND_TIMEOUT_S at most without progress. 0, or -1 (errno). */
static int flush_out(struct rpcap_capture *c)
{
	if (rpcap_conn_send(&c->data, c->out, c->out_len, SEND_TIMEOUT_S * 1000) < 0)
		return -1;
	c->out_len = 0;
	return 0;
}

static bool direction_wanted(const struct rpcap_capture *c, uint32_t dir)
{
	if ((c->flags & RPCAP_STARTCAP_FLAG_INBOUND) && !(c->flags & RPCAP_STARTCAP_FLAG_OUTBOUND))
		return dir == CTRCAP_DIR_IN;
	if ((c->flags & RPCAP_STARTCAP_FLAG_OUTBOUND) && !(c->flags & RPCAP_STARTCAP_FLAG_INBOUND))
		return dir == CTRCAP_DIR_OUT;
	return true;
}

/* One packet from the helper: frame it, filter it, queue it. 0, or -1 on a send error. */
static int pump_packet(struct rpcap_capture *c, const struct ctrcap_pcapng_rec *rec)
{
	struct pktap_frame_in in = {
		.linktype = rec->iface ? rec->iface->linktype : 1,
		.ifname = rec->iface ? rec->iface->name : NULL,
		.direction = rec->has_flags ? (rec->flags & 3u) : CTRCAP_DIR_UNKNOWN,
		.id = rec->has_identity ? &rec->identity : NULL,
		.data = rec->data,
		.caplen = rec->caplen,
		.origlen = rec->origlen,
	};
	const size_t mhdr = RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN;
	struct pktap_frame_out out;
	struct rpcap_pkt_meta meta;
	uint8_t *msg, *frame;
	uint32_t keep;

	/* Our own packet messages, seen again on their way out: not the client's business. */
	if (self_conn_match(&c->self, in.linktype, rec->data, rec->caplen) ||
	    self_conn_match(&c->ctrl, in.linktype, rec->data, rec->caplen))
		return 0;
	atomic_fetch_add(&c->received, 1);
	if (!direction_wanted(c, in.direction))
		return 0;
	if (c->out_cap - c->out_len < mhdr + c->frame_cap && flush_out(c) < 0)
		return -1;
	msg = c->out + c->out_len;
	frame = msg + mhdr;
	if (pktap_frame_build(&in, c->snaplen, frame, c->frame_cap, &out) < 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	keep = rpcap_bpf_run(&c->filter, frame, out.caplen, out.wirelen, out.hdrlen, in.linktype);
	pthread_mutex_unlock(&c->lock);
	if (keep == 0)
		return 0;
	meta = (struct rpcap_pkt_meta){
		.ts_sec = (uint32_t)(rec->ts_ns / 1000000000u),
		.ts_usec = (uint32_t)(rec->ts_ns % 1000000000u / 1000u),
		.caplen = keep,
		.len = out.wirelen,
		.npkt = (uint32_t)atomic_load(&c->sent) + 1,
	};
	rpcap_packet_hdr_build(msg, &meta);
	c->out_len += mhdr + keep;
	atomic_fetch_add(&c->sent, 1);
	return 0;
}

/* Nothing more waiting from the helper right now: time to send what is queued. */
static bool helper_idle(struct rpcap_capture *c)
{
	struct pollfd p = { .fd = fileno(c->stream), .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static void *pump(void *arg)
{
	struct rpcap_capture *c = arg;
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec *rec;
	bool client_gone = false;
	char err[512];
	int n;

	rec = calloc(1, sizeof(*rec));
	r = rec ? ctrcap_pcapng_reader_fdopen(c->stream, err, sizeof(err)) : NULL;
	if (!r) {
		log_msg(c, "cannot read the helper's stream", rec ? err : "no memory");
		goto out;
	}
	while ((n = ctrcap_pcapng_reader_next(r, rec)) > 0) {
		if (rec->kind == CTRCAP_REC_STATS && rec->has_dropped)
			atomic_fetch_add(&c->dropped, rec->isb_dropped);
		if (rec->kind != CTRCAP_REC_PACKET || client_gone)
			continue;
		if (pump_packet(c, rec) < 0 ||
		    (c->out_len && (c->out_len >= OUT_FLUSH_AT || helper_idle(c)) &&
		     flush_out(c) < 0)) {
			/*
			 * Keep draining the helper's stream until the session stops
			 * it: a helper blocked on a full pipe could not act on SIGTERM.
			 */
			log_msg(c, "client data connection closed", strerror(errno));
			client_gone = true;
			shutdown(c->data.fd, SHUT_RDWR);
		}
	}
	if (n < 0)
		log_msg(c, "malformed stream from the helper", ctrcap_pcapng_reader_error(r));
	if (!client_gone && c->out_len && flush_out(c) < 0)
		log_msg(c, "client data connection closed", strerror(errno));
	ctrcap_pcapng_reader_close(r);
out:
	free(rec);
	/* Tell the client the capture is over; the session stops the helper. */
	shutdown(c->data.fd, SHUT_RDWR);
	return NULL;
}

int rpcap_capture_run(struct rpcap_capture *c, struct rpcap_conn *data, struct rpcap_bpf *filter,
		      char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	int e;

	if (self_conn_from_fd(&c->self, data->fd) < 0) {
		snprintf(err, errlen, "cannot read the data connection's addresses: %s",
			 strerror(errno));
		return -1;
	}
	c->data = *data;
	*data = (struct rpcap_conn){ .fd = -1 };
	/* TLS writes block on the socket: this bounds them. */
	setsockopt(c->data.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rpcap_capture_set_filter(c, filter);
	e = pthread_create(&c->thread, NULL, pump, c);
	if (e) {
		snprintf(err, errlen, "cannot start the capture thread: %s", strerror(e));
		return -1;
	}
	c->thread_started = true;
	return 0;
}

void rpcap_capture_set_filter(struct rpcap_capture *c, struct rpcap_bpf *filter)
{
	struct rpcap_bpf old;

	pthread_mutex_lock(&c->lock);
	old = c->filter;
	c->filter = *filter;
	pthread_mutex_unlock(&c->lock);
	*filter = (struct rpcap_bpf){ 0 };
	rpcap_bpf_free(&old);
}

void rpcap_capture_stats(struct rpcap_capture *c, struct rpcap_stats_msg *s)
{
	s->ifrecv = (uint32_t)atomic_load(&c->received);
	s->ifdrop = 0;
	s->krnldrop = (uint32_t)atomic_load(&c->dropped);
	s->svrcapt = (uint32_t)atomic_load(&c->sent);
}

void rpcap_capture_stop(struct rpcap_capture *c)
{
	char msg[512];
	int st = -1;

	if (!c)
		return;
	/* SIGTERM lets the helper remove its hooks; its stream then ends. */
	if (c->helper.pid > 0)
		kill(c->helper.pid, SIGTERM);
	if (c->data.fd >= 0)
		shutdown(c->data.fd, SHUT_RDWR);
	if (c->helper.pid > 0) {
		st = ctrcap_helper_wait(&c->helper, STOP_GRACE_MS);
		if (c->helper.pid > 0) {
			log_msg(c, "helper ignored SIGTERM, killing it", NULL);
			kill(c->helper.pid, SIGKILL);
			st = ctrcap_helper_wait(&c->helper, STOP_GRACE_MS);
		}
	}
	if (c->thread_started)
		pthread_join(c->thread, NULL);
	if (c->stream)
		fclose(c->stream);
	ctrcap_helper_stop(&c->helper, 0);
	if (st != -1 && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) &&
	    !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		stderr_line(&c->helper, msg, sizeof(msg));
		log_msg(c, "helper ended abnormally", msg);
	}
	rpcap_conn_close(&c->data);
	rpcap_bpf_free(&c->filter);
	pthread_mutex_destroy(&c->lock);
	free(c->out);
	free(c);
}
