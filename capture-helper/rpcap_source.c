// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcap --rpcap-source rpcap://[USER@]HOST[:PORT][/SOURCE]: an rpcap
 * client of ctrcap-rpcapd that turns its PKTAP frames back into pcapng
 * EPBs with the identity option, so an rpcap:// --node is merged like an
 * ssh:// one. Debian's libpcap has no remote capture, so the client speaks
 * the protocol itself with the server's own encoders (rpcap_proto.c): TCP
 * only (the server refuses UDP), no TLS, the client opens the data
 * connection.
 */
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "ctrcap/record.h"
#include "node_uri.h"
#include "rpcap_proto.h"
#include "rpcap_source.h"

#define RPCAP_CONNECT_S 10	/* connect and each reply: bounded */
#define RPCAP_SNAPLEN 262144u
#define RPCAP_MAX_IFACES 256u

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* One client: its connections, where it reports, its interfaces. */
struct rpc {
	const char *where;	/* "rpcap://HOST:PORT" for messages */
	int ctrl, data;
	char ifnames[RPCAP_MAX_IFACES][CTRCAP_PTH_IFNAME_LEN]; /* as the PKTAP header holds them */
	uint32_t iflink[RPCAP_MAX_IFACES];
	unsigned n_ifaces;
};

/* Read exactly n bytes. 0, or -1 (errno 0 at end of stream). */
static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR && !stop_requested)
			continue;
		if (r <= 0) {
			if (!r)
				errno = 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Write all of buf. 0 or -1. */
static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Why a read failed, for messages. */
static const char *read_why(void)
{
	if (!errno)
		return "the server closed the connection";
	if (errno == EAGAIN)
		return "no reply in time";
	return strerror(errno);
}

/* Send one request on the control connection. 0, or -1 with err. */
static int send_req(struct rpc *c, uint8_t type, const void *body, uint32_t len, char *err,
		    size_t errlen)
{
	uint8_t hdr[RPCAP_HDR_LEN];

	rpcap_hdr_build(hdr, RPCAP_VERSION, type, 0, len);
	if (write_full(c->ctrl, hdr, sizeof(hdr)) || (len && write_full(c->ctrl, body, len))) {
		snprintf(err, errlen, "%s: sending %s: %s", c->where, rpcap_msg_name(type),
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The reply to request type into body (exactly want bytes). An ERROR reply
 * is reported with the server's text, as the action named by what.
 * 0, or -1 with err.
 */
static int get_reply(struct rpc *c, uint8_t type, const char *what, uint8_t *body, size_t want,
		     char *err, size_t errlen)
{
	uint8_t hdr[RPCAP_HDR_LEN];
	char text[512], safe[600];
	struct rpcap_hdr h;

	if (read_full(c->ctrl, hdr, sizeof(hdr))) {
		snprintf(err, errlen, "%s: %s: %s", c->where, what, read_why());
		return -1;
	}
	rpcap_hdr_parse(hdr, &h);
	if (h.type == RPCAP_MSG_ERROR) {
		size_t n = h.plen < sizeof(text) ? h.plen : sizeof(text) - 1;

		if (read_full(c->ctrl, text, n))
			n = 0;
		rpcap_log_escape(text, n, safe, sizeof(safe));
		snprintf(err, errlen, "%s: %s refused: %s", c->where, what, safe);
		return -1;
	}
	if (h.type != (type | RPCAP_MSG_IS_REPLY) || h.plen < want || h.plen > 65536) {
		snprintf(err, errlen, "%s: %s: unexpected %s reply of %u bytes", c->where, what,
			 rpcap_msg_name(h.type & ~RPCAP_MSG_IS_REPLY), h.plen);
		return -1;
	}
	if (want && read_full(c->ctrl, body, want)) {
		snprintf(err, errlen, "%s: %s: %s", c->where, what, read_why());
		return -1;
	}
	/* The rest (e.g. a findalldevs tail) is not needed. */
	for (uint32_t left = h.plen - (uint32_t)want; left;) {
		uint8_t skip[256];
		uint32_t k = left < sizeof(skip) ? left : sizeof(skip);

		if (read_full(c->ctrl, skip, k)) {
			snprintf(err, errlen, "%s: %s: %s", c->where, what, read_why());
			return -1;
		}
		left -= k;
	}
	return 0;
}

/* A TCP connection to host:port, bounded in time. The fd, or -1 with err. */
static int tcp_connect(const char *host, unsigned port, const char *where, char *err,
		       size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { .tv_sec = RPCAP_CONNECT_S };
	char service[12];
	int fd = -1, e, saved = 0;

	snprintf(service, sizeof(service), "%u", port);
	e = getaddrinfo(host, service, &hints, &res);
	if (e) {
		snprintf(err, errlen, "%s: cannot resolve %s: %s", where, host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		/* Linux bounds connect() by the send timeout; replies by the receive one. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "%s: cannot connect: %s", where,
			 saved == EINPROGRESS ? "timed out" : strerror(saved));
	return fd;
}

/* The password: the first line of path. 0, or -1 with err. */
static int read_password(const char *path, char *pass, size_t cap, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "--rpcap-password-file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(pass, (int)cap, f))
		pass[0] = '\0';
	fclose(f);
	n = strcspn(pass, "\r\n");
	pass[n] = '\0';
	if (!n) {
		snprintf(err, errlen, "--rpcap-password-file %s: no password on its first line", path);
		return -1;
	}
	return 0;
}

/*
 * The filter the server runs: expr compiled for Ethernet behind the inner
 * frame markers (ctrcap/pktap.h), or accept-all. 0, or -1 with err.
 */
static int build_filter(const char *expr, struct rpcap_insn **out, uint32_t *n, char *err,
			size_t errlen)
{
	struct bpf_program bp = { 0 };
	pcap_t *p;

	if (!expr || !*expr) {
		*out = calloc(1, sizeof(**out));
		if (!*out) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		(*out)[0] = (struct rpcap_insn){ .code = BPF_RET | BPF_K, .k = 0xffffffffu };
		*n = 1;
		return 0;
	}
	p = pcap_open_dead(DLT_EN10MB, (int)RPCAP_SNAPLEN);
	if (!p || pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, p ? pcap_geterr(p) : "out of memory");
		if (p)
			pcap_close(p);
		return -1;
	}
	*out = calloc(bp.bf_len + 2, sizeof(**out));
	if (*out) {
		(*out)[0] = (struct rpcap_insn){ .code = BPF_LD | BPF_IMM,
						 .k = CTRCAP_PKTAP_INNER_FILTER_MAGIC };
		(*out)[1] = (struct rpcap_insn){ .code = BPF_LD | BPF_IMM, .k = DLT_EN10MB };
		for (unsigned i = 0; i < bp.bf_len; i++)
			(*out)[i + 2] = (struct rpcap_insn){ .code = bp.bf_insns[i].code,
							     .jt = bp.bf_insns[i].jt,
							     .jf = bp.bf_insns[i].jf,
							     .k = bp.bf_insns[i].k };
		*n = bp.bf_len + 2;
	}
	pcap_freecode(&bp);
	pcap_close(p);
	if (!*out)
		snprintf(err, errlen, "out of memory");
	return *out ? 0 : -1;
}

/*
 * Connect, authenticate, OPEN source, STARTCAP with the filter, and
 * connect the data connection. 0, or -1 with err (one line).
 */
static int rpc_start(struct rpc *c, const struct ctrcap_node_spec *sp, const char *pass,
		     const char *expr, char *err, size_t errlen)
{
	const char *source = sp->source[0] ? sp->source : "container-any";
	uint8_t body[RPCAP_AUTH_LEN + 2 * RPCAP_MAX_AUTH_STR], reply[RPCAP_STARTCAPREPLY_LEN];
	struct rpcap_insn *insns = NULL;
	uint32_t n_insns = 0;
	uint8_t *req;
	size_t len;
	int ret = -1;

	c->ctrl = tcp_connect(sp->host, sp->port ? sp->port : RPCAP_DEFAULT_PORT, c->where, err,
			      errlen);
	if (c->ctrl < 0)
		return -1;
	len = rpcap_auth_req_build(body, sizeof(body), sp->user[0] ? sp->user : NULL, pass);
	if (!len) {
		snprintf(err, errlen, "%s: user or password longer than %u bytes", c->where,
			 RPCAP_MAX_AUTH_STR);
		return -1;
	}
	if (send_req(c, RPCAP_MSG_AUTH_REQ, body, (uint32_t)len, err, errlen) ||
	    get_reply(c, RPCAP_MSG_AUTH_REQ,
		      sp->user[0] ? "authentication as user" : "authentication without credentials",
		      NULL, 0, err, errlen) ||
	    send_req(c, RPCAP_MSG_OPEN_REQ, source, (uint32_t)strlen(source), err, errlen) ||
	    get_reply(c, RPCAP_MSG_OPEN_REQ, "opening the source", body, RPCAP_OPENREPLY_LEN, err,
		      errlen))
		return -1;
	if (rpcap_openreply_linktype(body) != CTRCAP_LINKTYPE_PKTAP) {
		snprintf(err, errlen, "%s: source %s gives link type %d, not PKTAP (%u): not a ctrcap-rpcapd",
			 c->where, source, rpcap_openreply_linktype(body), CTRCAP_LINKTYPE_PKTAP);
		return -1;
	}
	if (build_filter(expr, &insns, &n_insns, err, errlen))
		return -1;
	req = malloc(RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN + (size_t)n_insns * RPCAP_INSN_LEN);
	len = req ? rpcap_startcap_req_build(req, RPCAP_STARTCAPREQ_LEN + RPCAP_FILTER_LEN +
						      (size_t)n_insns * RPCAP_INSN_LEN,
					     RPCAP_SNAPLEN, 1000, insns, n_insns) :
		    0;
	if (!len) {
		snprintf(err, errlen, "%s: the filter is too long (%u instructions)", c->where,
			 n_insns);
		goto out;
	}
	if (send_req(c, RPCAP_MSG_STARTCAP_REQ, req, (uint32_t)len, err, errlen) ||
	    get_reply(c, RPCAP_MSG_STARTCAP_REQ, "starting the capture", reply, sizeof(reply),
		      err, errlen))
		goto out;
	c->data = tcp_connect(sp->host, rpcap_startcapreply_port(reply), c->where, err, errlen);
	if (c->data < 0)
		goto out;
	ret = 0;
out:
	free(req);
	free(insns);
	return ret;
}

/* The writer's interface id for a PKTAP frame's interface. -1 on a write error. */
static int iface_id(struct rpc *c, struct ctrcap_pcapng_writer *w, const struct ctrcap_pktap_view *v)
{
	unsigned i;

	for (i = 0; i < c->n_ifaces; i++) {
		if (c->iflink[i] == v->dlt && !strcmp(c->ifnames[i], v->ifname))
			break;
	}
	if (i == c->n_ifaces && c->n_ifaces < RPCAP_MAX_IFACES) {
		snprintf(c->ifnames[i], sizeof(c->ifnames[i]), "%s", v->ifname);
		c->iflink[i] = v->dlt;
		c->n_ifaces++;
	}
	/* Past the table's room, the last interface takes the rest. */
	if (i == RPCAP_MAX_IFACES)
		i--;
	return ctrcap_pcapng_writer_interface(w, 0, i + 1, c->ifnames[i], c->where,
					      (uint16_t)c->iflink[i], RPCAP_SNAPLEN);
}

/* Read one packet message from the data connection and write it. 1 on, 0 end, -1 err. */
static int rpc_packet(struct rpc *c, struct ctrcap_pcapng_writer *w, const char *node,
		      uint8_t *buf, char *err, size_t errlen)
{
	uint8_t hdr[RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN];
	struct ctrcap_pktap_view v;
	struct ctrcap_identity id;
	struct ctrcap_pcapng_packet p;
	struct rpcap_pkt_meta m;
	struct rpcap_hdr h;
	char why[200];
	int idn;

	if (read_full(c->data, hdr, RPCAP_HDR_LEN)) {
		if (stop_requested)
			return 0;
		snprintf(err, errlen, "%s: data connection: %s", c->where, read_why());
		return -1;
	}
	rpcap_hdr_parse(hdr, &h);
	if (h.type != RPCAP_MSG_PACKET || h.plen < RPCAP_PKTHDR_LEN ||
	    h.plen - RPCAP_PKTHDR_LEN > RPCAP_SNAPLEN) {
		snprintf(err, errlen, "%s: data connection: unexpected %s message of %u bytes",
			 c->where, rpcap_msg_name(h.type), h.plen);
		return -1;
	}
	if (read_full(c->data, hdr + RPCAP_HDR_LEN, RPCAP_PKTHDR_LEN) ||
	    read_full(c->data, buf, h.plen - RPCAP_PKTHDR_LEN)) {
		snprintf(err, errlen, "%s: data connection: %s", c->where, read_why());
		return -1;
	}
	rpcap_pkthdr_parse(hdr + RPCAP_HDR_LEN, &m);
	if (m.caplen != h.plen - RPCAP_PKTHDR_LEN) {
		snprintf(err, errlen, "%s: packet of %u bytes in a message of %u", c->where,
			 m.caplen, h.plen - RPCAP_PKTHDR_LEN);
		return -1;
	}
	if (ctrcap_pktap_parse(buf, m.caplen, m.len, &v, why, sizeof(why))) {
		fprintf(stderr, "ctrcap: %s: frame skipped: %s\n", c->where, why);
		return 1;
	}
	idn = ctrcap_pktap_identity(&v, &id, why, sizeof(why));
	if (idn < 0)
		fprintf(stderr, "ctrcap: %s: identity dropped: %s\n", c->where, why);
	if (idn <= 0)
		memset(&id, 0, sizeof(id));
	/*
	 * Every packet names its node, also one the server knows no process
	 * of; the --node NAME replaces the server's host name, as an ssh
	 * node's --node-name does.
	 */
	if (node) {
		id.node_name.ptr = node;
		id.node_name.len = (uint16_t)strlen(node);
		idn = 1;
	}
	memset(&p, 0, sizeof(p));
	p.if_id = (uint32_t)iface_id(c, w, &v);
	if ((int)p.if_id < 0)
		goto werr;
	p.ts_ns = (uint64_t)m.ts_sec * 1000000000ull + (uint64_t)m.ts_usec * 1000ull;
	p.data = v.inner;
	p.caplen = v.inner_caplen;
	p.origlen = v.inner_len;
	p.direction = v.direction;
	if (idn > 0) {
		p.id = &id;
		if (id.present & CTRCAP_HAS_PID) {
			p.pid = id.pid;
			p.tid = id.present & CTRCAP_HAS_TID ? id.tid : 0;
			p.pname = id.comm.ptr;
			p.pname_len = id.comm.len;
		}
	}
	if (ctrcap_pcapng_writer_packet(w, &p) == 0)
		return 1;
werr:
	snprintf(err, errlen, "%s", ctrcap_pcapng_writer_error(w));
	return -1;
}

/* Whether the control connection says the capture ended: an ERROR or its close. */
static int rpc_ctrl_event(struct rpc *c, char *err, size_t errlen)
{
	uint8_t hdr[RPCAP_HDR_LEN];
	char text[512] = "", safe[600];
	struct rpcap_hdr h;
	size_t n;

	if (read_full(c->ctrl, hdr, sizeof(hdr))) {
		snprintf(err, errlen, "%s: control connection: %s", c->where, read_why());
		return -1;
	}
	rpcap_hdr_parse(hdr, &h);
	n = h.plen < sizeof(text) ? h.plen : sizeof(text) - 1;
	if (read_full(c->ctrl, text, n))
		n = 0;
	rpcap_log_escape(text, n, safe, sizeof(safe));
	snprintf(err, errlen, "%s: the server says (%s): %s", c->where, rpcap_msg_name(h.type),
		 safe);
	return -1;
}

int ctrcap_run_rpcap_source(const struct ctrcap_opts *o)
{
	struct ctrcap_node_spec sp = { 0 };
	struct ctrcap_pcapng_writer *w = NULL;
	struct sigaction sa = { .sa_handler = on_stop };
	char err[1024] = "", cerr[512], pass[RPCAP_MAX_AUTH_STR + 2] = "", where[300];
	struct rpc *c = calloc(1, sizeof(*c));
	uint8_t *buf = malloc(RPCAP_SNAPLEN);
	uint64_t count = 0;
	struct stat st;
	bool watch_stdin = !fstat(0, &st) && S_ISFIFO(st.st_mode);
	int ret = 1;

	if (!c || !buf) {
		fprintf(stderr, "ctrcap: out of memory\n");
		goto out;
	}
	c->ctrl = c->data = -1;
	if (ctrcap_node_uri_parse(o->rpcap_source, &sp, err, sizeof(err)) ||
	    sp.kind != CTRCAP_NODE_RPCAP) {
		fprintf(stderr, "ctrcap: --rpcap-source %s: %s\n", o->rpcap_source,
			err[0] ? err : "give rpcap://[USER@]HOST[:PORT][/SOURCE]");
		goto out;
	}
	snprintf(where, sizeof(where), "rpcap://%s%s%s:%u", strchr(sp.host, ':') ? "[" : "",
		 sp.host, strchr(sp.host, ':') ? "]" : "", sp.port ? sp.port : RPCAP_DEFAULT_PORT);
	c->where = where;
	if (sp.user[0] && !o->rpcap_password_file) {
		fprintf(stderr, "ctrcap: %s: user %s needs --rpcap-password-file\n", where, sp.user);
		goto out;
	}
	if (!sp.user[0] && o->rpcap_password_file) {
		fprintf(stderr, "ctrcap: %s: --rpcap-password-file needs a user (rpcap://USER@HOST)\n",
			where);
		goto out;
	}
	if (o->rpcap_password_file &&
	    read_password(o->rpcap_password_file, pass, sizeof(pass), err, sizeof(err))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (rpc_start(c, &sp, pass[0] ? pass : NULL, o->filter, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		goto out;
	}
	explicit_bzero(pass, sizeof(pass));
	w = ctrcap_writer_open(&o->out, o->node_name, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "ctrcap: %s\n", err);
		goto out;
	}
	fprintf(stderr, "ctrcap: %s: capturing %s\n", where,
		sp.source[0] ? sp.source : "container-any");
	err[0] = '\0';
	while (!stop_requested && (!o->count || count < o->count)) {
		struct pollfd pf[3] = { { .fd = c->data, .events = POLLIN },
					{ .fd = c->ctrl, .events = POLLIN },
					{ .fd = watch_stdin ? 0 : -1, .events = POLLIN } };
		int r = poll(pf, 3, 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, sizeof(err), "poll: %s", strerror(errno));
			break;
		}
		/* Our stdin's end (the merge's stop) or anything on it: stop. */
		if (pf[2].revents)
			break;
		if (pf[0].revents) {
			r = rpc_packet(c, w, o->node_name, buf, err, sizeof(err));
			if (r <= 0)
				break;
			count++;
			continue;
		}
		if (pf[1].revents && rpc_ctrl_event(c, err, sizeof(err)) < 0)
			break;
	}
	if (c->ctrl >= 0 && !err[0])
		send_req(c, RPCAP_MSG_ENDCAP_REQ, NULL, 0, err, sizeof(err));
	if (ctrcap_pcapng_writer_close(w, cerr, sizeof(cerr)) && !err[0])
		snprintf(err, sizeof(err), "%s", cerr);
	w = NULL;
	if (err[0]) {
		fprintf(stderr, "ctrcap: %s\n", err);
		goto out;
	}
	fprintf(stderr, "ctrcap: %s: %llu packets\n", where, (unsigned long long)count);
	ret = 0;
out:
	explicit_bzero(pass, sizeof(pass));
	if (w)
		ctrcap_pcapng_writer_close(w, cerr, sizeof(cerr));
	if (c && c->ctrl >= 0)
		close(c->ctrl);
	if (c && c->data >= 0)
		close(c->data);
	free(c);
	free(buf);
	return ret;
}
