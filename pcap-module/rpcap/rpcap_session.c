// SPDX-License-Identifier: GPL-2.0-or-later
/* The per-client rpcap control loop (see rpcap_session.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctrcap/pktap.h"
#include "pktap_frame.h"
#include "rpcap_capture.h"
#include "rpcap_conn.h"
#include "rpcap_filter.h"
#include "rpcap_proto.h"
#include "rpcap_session.h"
#include "rpcap_sources.h"
#include "rpcap_tls.h"

#define MAX_AUTH_FAILURES 3
/* Messages of any kind a client may send before it has authenticated. */
#define MAX_PREAUTH_MESSAGES 6
#define AUTH_FAIL_DELAY_US 300000
#define DATA_ACCEPT_MS 5000
#define RECV_PAYLOAD_MS 10000
/* A client that does not read its replies for this long is dropped. */
#define CTRL_SEND_MS 30000
/* The longest a TLS handshake may take, within the authentication deadline. */
#define TLS_HANDSHAKE_MS 10000
/* How long a refused client's last bytes are read, so that it sees the error, not a reset. */
#define REFUSE_DRAIN_MS 1000
/* How long a capture waits for a --data-port that a capture just ending still holds. */
#define DATA_PORT_WAIT_MS 2000
#define DATA_PORT_POLL_MS 50
/* What the server tells the client to size its socket buffer with. */
#define DATA_BUFSIZE (1 << 20)

volatile sig_atomic_t rpcap_session_stop;

struct session {
	struct rpcap_conn ctrl;
	const struct rpcap_server_cfg *cfg;
	const char *peer;
	bool authed;
	int auth_failures;
	int preauth_messages;
	long long auth_deadline;	/* ms, monotonic: from the accept */
	bool opened;
	struct rpcap_source source;
	struct rpcap_capture *cap;
	int data_lfd;	/* a --data-port listener, held while its capture runs */
	struct rpcap_stats_msg last_stats;
	uint8_t *payload;
};

static void slog(const struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void slog(const struct session *s, const char *fmt, ...)
{
	char msg[768], safe[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Messages quote client bytes: escaped, no client can forge a log line. */
	rpcap_log_escape(msg, strnlen(msg, sizeof(msg)), safe, sizeof(safe));
	fprintf(stderr, "ctrcap-rpcapd[%d] %s: %s\n", (int)getpid(), s->peer, safe);
}

static int reply(struct session *s, uint8_t req, uint16_t value, const void *body, uint32_t len)
{
	uint8_t h[RPCAP_HDR_LEN];

	rpcap_hdr_build(h, RPCAP_VERSION, req | RPCAP_MSG_IS_REPLY, value, len);
	if (rpcap_conn_send(&s->ctrl, h, sizeof(h), CTRL_SEND_MS) < 0 ||
	    (len && rpcap_conn_send(&s->ctrl, body, len, CTRL_SEND_MS) < 0))
		return -1;
	return 0;
}

/* An ERROR message; logged too, so the operator sees what clients were told. */
static int reply_error(struct session *s, uint16_t code, const char *msg)
{
	uint8_t h[RPCAP_HDR_LEN];
	size_t len = strlen(msg);

	slog(s, "error %u sent: %s", code, msg);
	rpcap_hdr_build(h, RPCAP_VERSION, RPCAP_MSG_ERROR, code, (uint32_t)len);
	if (rpcap_conn_send(&s->ctrl, h, sizeof(h), CTRL_SEND_MS) < 0 ||
	    rpcap_conn_send(&s->ctrl, msg, len, CTRL_SEND_MS) < 0)
		return -1;
	return 0;
}

static int do_auth(struct session *s, uint32_t plen)
{
	struct rpcap_auth_msg m;
	uint8_t body[RPCAP_AUTHREPLY_LEN];
	char err[512];
	int code;

	if (rpcap_auth_parse(s->payload, plen, &m, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_AUTH, err);
	code = rpcap_auth_check(&s->cfg->auth, &m, err, sizeof(err));
	if (code) {
		s->auth_failures++;
		usleep(AUTH_FAIL_DELAY_US); /* slows password guessing */
		if (reply_error(s, (uint16_t)code, err) < 0)
			return -1;
		if (s->auth_failures >= MAX_AUTH_FAILURES) {
			slog(s, "%d failed authentications, disconnecting", s->auth_failures);
			return -1;
		}
		return 0;
	}
	s->authed = true;
	slog(s, "authenticated (%s)", m.type == RPCAP_AUTH_NULL ? "null" : "password");
	rpcap_authreply_build(body);
	return reply(s, RPCAP_MSG_AUTH_REQ, 0, body, sizeof(body));
}

static int do_findalldevs(struct session *s)
{
	struct rpcap_source *v = NULL;
	size_t n = 0, off = 0, cap, i;
	uint8_t *buf;
	char err[512];
	int r;

	if (rpcap_sources_list(s->cfg->helper, &v, &n, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_FINDALLIF, err);
	cap = n * (RPCAP_FINDALLDEVS_IF_LEN + sizeof(v->name) + sizeof(v->desc));
	buf = malloc(cap);
	if (!buf) {
		free(v);
		return reply_error(s, RPCAP_ERR_FINDALLIF, "out of memory listing sources");
	}
	for (i = 0; i < n && i < 0xffff; i++) {
		/* PCAP_IF_UP | PCAP_IF_RUNNING | connection status not applicable */
		if (rpcap_findalldevs_if_build(buf, cap, &off, v[i].name, v[i].desc,
					       0x2u | 0x4u | 0x30u) < 0)
			break;
	}
	/* The count in the header is what was written, so the client never misparses. */
	r = reply(s, RPCAP_MSG_FINDALLIF_REQ, (uint16_t)i, buf, (uint32_t)off);
	free(buf);
	free(v);
	return r;
}

static int do_open(struct session *s, uint32_t plen)
{
	struct rpcap_source *v = NULL;
	const struct rpcap_source *hit;
	uint8_t body[RPCAP_OPENREPLY_LEN];
	char name[RPCAP_MAX_DEVNAME + 1], err[512];
	size_t n = 0;
	bool drops;

	if (rpcap_open_parse(s->payload, plen, name, sizeof(name), err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_OPEN, err);
	if (s->cap)
		return reply_error(s, RPCAP_ERR_OPEN, "a capture is running on this connection; "
						      "end it before opening another source");
	memset(&s->source, 0, sizeof(s->source));
	drops = rpcap_source_strip_drops(name);
	if (strcmp(name, RPCAP_SOURCE_ANY) == 0) {
		snprintf(s->source.name, sizeof(s->source.name), "%s", RPCAP_SOURCE_ANY);
	} else {
		if (rpcap_sources_list(s->cfg->helper, &v, &n, err, sizeof(err)) < 0)
			return reply_error(s, RPCAP_ERR_OPEN, err);
		hit = rpcap_sources_find(v, n, name);
		if (!hit) {
			free(v);
			snprintf(err, sizeof(err),
				 "no source '%s': not %s, nor a running container's name or id "
				 "(12+ characters)", name, RPCAP_SOURCE_ANY);
			return reply_error(s, RPCAP_ERR_OPEN, err);
		}
		s->source = *hit;
		free(v);
	}
	s->source.drops = drops;
	s->opened = true;
	memset(&s->last_stats, 0, sizeof(s->last_stats));
	slog(s, "opened %s%s%s%s", s->source.name, s->source.ctr_id[0] ? " id " : "",
	     s->source.ctr_id, drops ? " with drops" : "");
	rpcap_openreply_build(body, CTRCAP_LINKTYPE_PKTAP);
	return reply(s, RPCAP_MSG_OPEN_REQ, 0, body, sizeof(body));
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * Bind and listen on the first free port of the --data-port range, SO_REUSEADDR
 * so that the TIME_WAIT of the previous capture does not block it; a port
 * another capture listens on (it holds its listener until it ends) is busy.
 * Returns the socket, -1 on an error (in err), -2 when every port is busy.
 */
static int bind_free_port(const struct rpcap_server_cfg *cfg, struct sockaddr_storage *ss,
			  socklen_t sl, uint16_t *port, char *err, size_t errlen)
{
	int one = 1;

	for (unsigned p = cfg->data_port_min; p <= cfg->data_port_max; p++) {
		int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			snprintf(err, errlen, "data socket: %s", strerror(errno));
			return -1;
		}
		set_port(ss, (uint16_t)p);
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		    bind(fd, (struct sockaddr *)ss, sl) == 0 && listen(fd, 1) == 0) {
			*port = (uint16_t)p;
			return fd;
		}
		close(fd);
		if (errno != EADDRINUSE) {
			snprintf(err, errlen, "data port %u: %s", p, strerror(errno));
			return -1;
		}
	}
	return -2;
}

/*
 * A --data-port listener. A capture whose client just left holds its port
 * until its session notices (a read of the closed connection, some ms): a
 * capture asked for then waits up to DATA_PORT_WAIT_MS for a port before
 * it is refused.
 */
static int data_listener_fixed(struct session *s, struct sockaddr_storage *ss, socklen_t sl,
			       uint16_t *port, char *err, size_t errlen)
{
	const struct rpcap_server_cfg *cfg = s->cfg;
	int fd;

	for (int waited = 0;; waited += DATA_PORT_POLL_MS) {
		fd = bind_free_port(cfg, ss, sl, port, err, errlen);
		if (fd != -2)
			return fd;
		if (waited >= DATA_PORT_WAIT_MS)
			break;
		usleep(DATA_PORT_POLL_MS * 1000);
	}
	if (cfg->data_port_min == cfg->data_port_max)
		snprintf(err, errlen, "data port %u is in use by another capture (--data-port "
				      "%u): end that capture first, or run the server with a "
				      "range of data ports", cfg->data_port_min, cfg->data_port_min);
	else
		snprintf(err, errlen, "all data ports %u-%u are in use by other captures "
				      "(--data-port): end one of them first",
			 cfg->data_port_min, cfg->data_port_max);
	return -1;
}

/* A listening socket on the control connection's local address: a --data-port or any port. */
static int data_listener(struct session *s, uint16_t *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	if (getsockname(s->ctrl.fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		return -1;
	}
	if (s->cfg->data_port_min)
		return data_listener_fixed(s, &ss, sl, port, err, errlen);
	set_port(&ss, 0);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "data socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* The numeric address of a socket address, for messages. */
static void addr_text(const struct sockaddr_storage *a, char *buf, size_t len)
{
	const void *in = a->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)a)->sin_addr
						: (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr;

	if (!inet_ntop(a->ss_family, in, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/*
 * Accept the client's data connection: only from the control connection's
 * host and within DATA_ACCEPT_MS. Another host connecting first aborts the
 * capture: nothing is ever streamed to it.
 */
static int data_accept(struct session *s, int lfd, char *err, size_t errlen)
{
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char from[INET6_ADDRSTRLEN], ctrl[INET6_ADDRSTRLEN];
	int fd;

	if (poll(&p, 1, DATA_ACCEPT_MS) <= 0) {
		snprintf(err, errlen, "the client did not open the data connection within %d ms; "
				      "capture aborted", DATA_ACCEPT_MS);
		return -1;
	}
	fd = accept4(lfd, (struct sockaddr *)&a, &al, SOCK_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "accepting the data connection: %s", strerror(errno));
		return -1;
	}
	if (getpeername(s->ctrl.fd, (struct sockaddr *)&b, &bl) == 0 && same_host(&a, &b))
		return fd;
	close(fd);
	addr_text(&a, from, sizeof(from));
	addr_text(&b, ctrl, sizeof(ctrl));
	snprintf(err, errlen, "data connection from %s refused: the control connection is from "
			      "%s; capture aborted", from, ctrl);
	return -1;
}

int rpcap_connect(const struct sockaddr *a, unsigned len, int timeout_ms)
{
	socklen_t el = sizeof(int);
	struct pollfd p;
	int fd, e = 0, r;

	fd = socket(a->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	r = connect(fd, a, (socklen_t)len);
	if (r < 0 && errno == EINPROGRESS) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		r = poll(&p, 1, timeout_ms);
		if (r == 0)
			e = ETIMEDOUT;
		else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = errno;
	} else if (r < 0) {
		e = errno;
	}
	/* Blocking again: the pump's sends rely on SO_SNDTIMEO. */
	if (!e && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		e = errno;
	if (e) {
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Active mode: connect to the client's data port on the control connection's peer. */
static int data_connect(struct session *s, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage a;
	socklen_t al = sizeof(a);
	char host[INET6_ADDRSTRLEN];
	int fd;

	if (getpeername(s->ctrl.fd, (struct sockaddr *)&a, &al) < 0) {
		snprintf(err, errlen, "getpeername: %s", strerror(errno));
		return -1;
	}
	addr_text(&a, host, sizeof(host));
	set_port(&a, port);
	fd = rpcap_connect((struct sockaddr *)&a, al, DATA_ACCEPT_MS);
	if (fd < 0)
		snprintf(err, errlen, "connecting the data connection to %s port %u: %s; capture "
				      "aborted", host, port, strerror(errno));
	return fd;
}

/* The TLS handshake on a new data connection, within DATA_ACCEPT_MS. 0, or -1 with err. */
static int data_tls(struct session *s, struct rpcap_conn *data, char *err, size_t errlen)
{
	char why[256];

	if (rpcap_tls_accept(s->cfg->tls, data, rpcap_now_ms() + DATA_ACCEPT_MS,
			     &rpcap_session_stop, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "data connection: %s; capture aborted", why);
	return -1;
}

static int do_startcap(struct session *s, uint32_t plen)
{
	struct rpcap_capture_opts o = { .helper = s->cfg->helper, .ctrl_fd = s->ctrl.fd };
	struct rpcap_startcap_msg m;
	struct rpcap_bpf filter = { 0 };
	struct rpcap_capture *cap;
	uint8_t body[RPCAP_STARTCAPREPLY_LEN];
	struct rpcap_conn data = { .fd = -1 };
	char err[512];
	uint16_t port;
	int lfd;

	if (!s->opened)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, "STARTCAP before OPEN");
	if (s->cap)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, "a capture is already running");
	if (rpcap_startcap_parse(s->payload, plen, &m, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, err);
	if (m.flags & RPCAP_STARTCAP_FLAG_DGRAM)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE,
				   "UDP data transport is not supported; use TCP");
	/* Connecting out on a client's word is for a server that connected out itself. */
	if ((m.flags & RPCAP_STARTCAP_FLAG_SERVEROPEN) && !s->cfg->active)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE,
				   "the server opens data connections only in active mode "
				   "(ctrcap-rpcapd --active); connect to it instead");
	if ((m.flags & RPCAP_STARTCAP_FLAG_SERVEROPEN) && !m.portdata)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE,
				   "active mode STARTCAP without the client's data port");
	if (m.snaplen < PKTAP_FRAME_MIN_SNAPLEN) {
		snprintf(err, sizeof(err), "snapshot length %u is below %u (PKTAP header + packet)",
			 m.snaplen, PKTAP_FRAME_MIN_SNAPLEN);
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, err);
	}
	if (rpcap_bpf_load(&m.filter, &filter, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, err);

	o.ctr_id = s->source.ctr_id[0] ? s->source.ctr_id : NULL;
	o.drops = s->source.drops;
	o.snaplen = m.snaplen > RPCAP_CAPTURE_MAX_SNAPLEN ? RPCAP_CAPTURE_MAX_SNAPLEN : m.snaplen;
	o.flags = m.flags;
	if (m.flags & RPCAP_STARTCAP_FLAG_SERVEROPEN) {
		lfd = -1;
		port = m.portdata;
	} else {
		lfd = data_listener(s, &port, err, sizeof(err));
		if (lfd < 0) {
			rpcap_bpf_free(&filter);
			return reply_error(s, RPCAP_ERR_STARTCAPTURE, err);
		}
	}
	cap = rpcap_capture_start(&o, err, sizeof(err));
	if (!cap) {
		if (lfd >= 0)
			close(lfd);
		rpcap_bpf_free(&filter);
		return reply_error(s, RPCAP_ERR_STARTCAPTURE, err);
	}
	rpcap_startcapreply_build(body, DATA_BUFSIZE, port);
	if (reply(s, RPCAP_MSG_STARTCAP_REQ, 0, body, sizeof(body)) < 0)
		goto fail_quiet;
	if (lfd >= 0)
		data.fd = data_accept(s, lfd, err, sizeof(err));
	else
		data.fd = data_connect(s, port, err, sizeof(err));
	/* The client starts TLS on the data connection too, whoever opened it. */
	if (data.fd < 0 ||
	    (s->cfg->tls && data_tls(s, &data, err, sizeof(err)) < 0) ||
	    rpcap_capture_run(cap, &data, &filter, err, sizeof(err)) < 0) {
		rpcap_conn_close(&data);
		/* The reply went out already: the client hears of it on the control connection. */
		reply_error(s, RPCAP_ERR_STARTCAPTURE, err);
		goto fail_quiet;
	}
	/*
	 * A fixed data port stays bound while the capture runs, so that a
	 * second capture finds it busy and says so instead of sharing it.
	 */
	if (s->cfg->data_port_min)
		s->data_lfd = lfd;
	else if (lfd >= 0)
		close(lfd);
	s->cap = cap;
	slog(s, "capture started on %s, data port %u, snaplen %u, filter of %u instructions",
	     s->source.name, port, o.snaplen, m.filter.nitems);
	return 0;
fail_quiet:
	/* The reply went out already; the client learns from the closed data socket. */
	if (lfd >= 0)
		close(lfd);
	rpcap_capture_stop(cap);
	rpcap_bpf_free(&filter);
	return 0;
}

static int do_updatefilter(struct session *s, uint32_t plen)
{
	struct rpcap_filter_msg m;
	struct rpcap_bpf filter = { 0 };
	char err[512];

	if (!s->cap)
		return reply_error(s, RPCAP_ERR_UPDATEFILTER, "UPDATEFILTER without a running "
							     "capture");
	if (rpcap_filter_parse(s->payload, plen, &m, err, sizeof(err)) < 0 ||
	    rpcap_bpf_load(&m, &filter, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_UPDATEFILTER, err);
	rpcap_capture_set_filter(s->cap, &filter);
	slog(s, "filter updated (%u instructions)", m.nitems);
	return reply(s, RPCAP_MSG_UPDATEFILTER_REQ, 0, NULL, 0);
}

static int do_stats(struct session *s)
{
	uint8_t body[RPCAP_STATS_LEN];

	if (!s->opened)
		return reply_error(s, RPCAP_ERR_GETSTATS, "STATS before OPEN");
	if (s->cap)
		rpcap_capture_stats(s->cap, &s->last_stats);
	rpcap_stats_build(body, &s->last_stats);
	return reply(s, RPCAP_MSG_STATS_REQ, 0, body, sizeof(body));
}

static void end_capture(struct session *s)
{
	if (!s->cap)
		return;
	rpcap_capture_stats(s->cap, &s->last_stats);
	rpcap_capture_stop(s->cap);
	s->cap = NULL;
	if (s->data_lfd >= 0) {
		close(s->data_lfd);
		s->data_lfd = -1;
	}
	slog(s, "capture ended: %u packets from the helper, %u sent", s->last_stats.ifrecv,
	     s->last_stats.svrcapt);
}

static int do_endcap(struct session *s)
{
	if (!s->cap)
		return reply_error(s, RPCAP_ERR_ENDCAPTURE, "ENDCAP without a running capture");
	end_capture(s);
	return reply(s, RPCAP_MSG_ENDCAP_REQ, 0, NULL, 0);
}

static int do_setsampling(struct session *s, uint32_t plen)
{
	uint8_t method;
	uint32_t value;
	char err[256];

	if (rpcap_sampling_parse(s->payload, plen, &method, &value, err, sizeof(err)) < 0)
		return reply_error(s, RPCAP_ERR_SETSAMPLING, err);
	if (method != 0)
		return reply_error(s, RPCAP_ERR_SETSAMPLING, "sampling is not supported");
	return reply(s, RPCAP_MSG_SETSAMPLING_REQ, 0, NULL, 0);
}

/* Serve one request whose header passed rpcap_hdr_check. <0 ends the session. */
static int dispatch(struct session *s, const struct rpcap_hdr *h)
{
	if (h->type == RPCAP_MSG_AUTH_REQ) {
		if (s->authed)
			return reply_error(s, RPCAP_ERR_WRONGMSG, "already authenticated");
		return do_auth(s, h->plen);
	}
	if (h->type == RPCAP_MSG_ERROR) {
		slog(s, "client reported error %u: %.*s", h->value, (int)h->plen, s->payload);
		return 0;
	}
	if (!s->authed) {
		char err[128];

		snprintf(err, sizeof(err), "%s before authentication", rpcap_msg_name(h->type));
		if (++s->auth_failures >= MAX_AUTH_FAILURES) {
			reply_error(s, RPCAP_ERR_AUTH, err);
			return -1;
		}
		return reply_error(s, RPCAP_ERR_AUTH, err);
	}
	switch (h->type) {
	case RPCAP_MSG_FINDALLIF_REQ: return do_findalldevs(s);
	case RPCAP_MSG_OPEN_REQ: return do_open(s, h->plen);
	case RPCAP_MSG_STARTCAP_REQ: return do_startcap(s, h->plen);
	case RPCAP_MSG_UPDATEFILTER_REQ: return do_updatefilter(s, h->plen);
	case RPCAP_MSG_STATS_REQ: return do_stats(s);
	case RPCAP_MSG_ENDCAP_REQ: return do_endcap(s);
	case RPCAP_MSG_SETSAMPLING_REQ: return do_setsampling(s, h->plen);
	case RPCAP_MSG_CLOSE: return 1;
	}
	return reply_error(s, RPCAP_ERR_WRONGMSG, "unexpected message");
}

/*
 * Read what a refused client still sends, for REFUSE_DRAIN_MS at most, after
 * saying we are done: it then sees our last words and an orderly close,
 * not a reset for the bytes left unread.
 */
static void drain_and_close_write(int fd)
{
	long long end = rpcap_now_ms() + REFUSE_DRAIN_MS;
	uint8_t buf[512];

	shutdown(fd, SHUT_WR);
	while (rpcap_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0)
			break;
	}
}

/*
 * rpcaps: the client's first byte must open a TLS handshake, which must be
 * over by the authentication deadline (and TLS_HANDSHAKE_MS). A clear-text
 * rpcap client is told, in clear text, to use rpcaps://. 0, or -1 to end.
 */
static int start_tls(struct session *s)
{
	long long deadline = rpcap_now_ms() + TLS_HANDSHAKE_MS;
	char err[256], desc[96];
	int r;

	if (deadline > s->auth_deadline)
		deadline = s->auth_deadline;
	r = rpcap_tls_sniff(s->ctrl.fd, deadline, &rpcap_session_stop);
	if (r == -2) {
		slog(s, "no TLS handshake in time, disconnecting");
		return -1;
	}
	if (r < 0)
		return -1; /* gone before saying anything */
	if (r == 0) {
		slog(s, "clear-text rpcap client refused: this server speaks rpcap over TLS only");
		reply_error(s, RPCAP_ERR_AUTH, "this server speaks rpcap over TLS only: connect "
					       "with rpcaps:// instead of rpcap://");
		drain_and_close_write(s->ctrl.fd);
		return -1;
	}
	if (rpcap_tls_accept(s->cfg->tls, &s->ctrl, deadline, &rpcap_session_stop, err,
			     sizeof(err)) < 0) {
		slog(s, "%s, disconnecting", err);
		return -1;
	}
	/* Reads and writes wait in poll(), where the deadlines are kept. */
	if (fcntl(s->ctrl.fd, F_SETFL, fcntl(s->ctrl.fd, F_GETFL) | O_NONBLOCK) < 0) {
		slog(s, "fcntl: %s", strerror(errno));
		return -1;
	}
	rpcap_tls_describe(&s->ctrl, desc, sizeof(desc));
	slog(s, "TLS established (%s)", desc);
	return 0;
}

/* A TLS ClientHello where an rpcap header belongs: the client wants rpcaps://. */
static bool tls_client_hello(const uint8_t hb[RPCAP_HDR_LEN])
{
	return hb[0] == RPCAP_TLS_HANDSHAKE_BYTE && hb[1] == 3;
}

int rpcap_session_run(int fd, const struct rpcap_server_cfg *cfg, const char *peer)
{
	struct session s = { .ctrl = { .fd = fd }, .cfg = cfg, .peer = peer, .data_lfd = -1 };
	long long start = rpcap_now_ms(), last = start;
	int ret = -1;

	s.auth_deadline = start + cfg->auth_timeout_s * 1000LL;
	s.payload = malloc(RPCAP_MAX_PAYLOAD + 1);
	if (!s.payload || (cfg->tls && start_tls(&s) < 0))
		goto out;
	while (!rpcap_session_stop) {
		uint8_t hb[RPCAP_HDR_LEN];
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct rpcap_hdr h;
		char err[256];
		bool fatal;
		int code, r, wait_ms = RECV_PAYLOAD_MS;

		/* The deadline counts from the accept, whatever the client sends meanwhile. */
		if (!s.authed) {
			long long left = s.auth_deadline - rpcap_now_ms();

			if (left <= 0) {
				reply_error(&s, RPCAP_ERR_INITTIMEOUT, "no authentication in time");
				break;
			}
			if (left < wait_ms)
				wait_ms = (int)left;
		}
		/* TLS may hold a whole request already: poll() would not see it. */
		if (!rpcap_conn_buffered(&s.ctrl)) {
			r = poll(&p, 1, wait_ms < 1000 ? wait_ms : 1000);
			if (r == 0) {
				long long t = rpcap_now_ms();

				if (!s.cap && cfg->idle_timeout_s &&
				    t - last > cfg->idle_timeout_s * 1000LL) {
					reply_error(&s, RPCAP_ERR_RUNTIMETIMEOUT,
						    "idle for too long");
					break;
				}
				continue;
			}
			if (r < 0 || !rpcap_conn_readable(&s.ctrl))
				continue;
		}
		r = rpcap_conn_recv(&s.ctrl, hb, sizeof(hb), wait_ms, &rpcap_session_stop);
		if (r == -2 && !s.authed)
			continue; /* the deadline check above ends it */
		if (r < 0) {
			ret = s.cap ? -1 : 0;
			if (s.cap)
				slog(&s, "client vanished during a capture");
			break;
		}
		last = rpcap_now_ms();
		if (!cfg->tls && s.preauth_messages == 0 && !s.authed && tls_client_hello(hb)) {
			slog(&s, "client speaks TLS (rpcaps://) but this server runs without "
				 "--tls-cert: disconnecting");
			drain_and_close_write(fd);
			break;
		}
		if (!s.authed && ++s.preauth_messages > MAX_PREAUTH_MESSAGES) {
			reply_error(&s, RPCAP_ERR_AUTH, "too many messages before authentication");
			break;
		}
		rpcap_hdr_parse(hb, &h);
		code = rpcap_hdr_check(&h, err, sizeof(err), &fatal);
		if (fatal) {
			reply_error(&s, (uint16_t)code, err);
			break;
		}
		if (h.plen && rpcap_conn_recv(&s.ctrl, s.payload, h.plen, wait_ms,
					      &rpcap_session_stop) < 0) {
			slog(&s, "%s message cut short (%u-byte payload announced)",
			     rpcap_msg_name(h.type), h.plen);
			break;
		}
		if (code) {
			if (reply_error(&s, (uint16_t)code, err) < 0)
				break;
			continue;
		}
		r = dispatch(&s, &h);
		if (r < 0)
			break;
		if (r > 0) {
			ret = 0;
			break;
		}
	}
out:
	end_capture(&s);
	free(s.payload);
	rpcap_conn_close(&s.ctrl);
	return ret;
}
