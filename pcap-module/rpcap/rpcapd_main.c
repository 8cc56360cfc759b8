// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcap-rpcapd: a libpcap remote-capture (rpcap) server whose sources are
 * ctrcap's container-aware captures. Listens on loopback unless told
 * otherwise; one process per client, at most --max-clients at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rpcap_proto.h"
#include "rpcap_session.h"
#include "rpcap_tls.h"

/* Compile-time helper path, overridden by $CTRCAP_HELPER or --helper. */
#ifndef CTRCAP_HELPER_DEFAULT
#define CTRCAP_HELPER_DEFAULT "/usr/local/sbin/ctrcap"
#endif

#define MAX_CLIENTS_LIMIT 256
#define CHILD_STOP_MS 12000
/* libpcap's port for active mode (its clients wait there in pcap_remoteact_accept). */
#define RPCAP_DEFAULT_ACTIVE_PORT 2003u
#define CONNECT_MS 5000
#define ACTIVE_RETRY_MS 2000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	rpcap_session_stop = 1;
}

/* The helper path to use: override if set, else $CTRCAP_HELPER, else the default. */
static const char *helper_path(const char *override)
{
	const char *env = getenv("CTRCAP_HELPER");

	if (override && *override)
		return override;
	if (env && *env)
		return env;
	return CTRCAP_HELPER_DEFAULT;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ctrcap-rpcapd [options]\n"
		"  -l, --listen ADDR        address to listen on (default 127.0.0.1)\n"
		"  -p, --port PORT          TCP port (default %u; 0 = any free port)\n"
		"      --port-file FILE     write the port listened on into FILE\n"
		"  -d, --data-port P[-Q]    data connections on port P (or the first free one of\n"
		"                           P-Q) instead of any free port: for firewalls, ssh -L\n"
		"  -a, --active HOST[,PORT] active mode: connect to the client at HOST (port\n"
		"                           %u) instead of listening, again when it ends\n"
		"  -n, --null-auth          accept clients without credentials\n"
		"      --passwd-file FILE   user:crypt-hash lines for password authentication\n"
		"      --tls-cert FILE      rpcaps: TLS on control and data connections, with\n"
		"                           this PEM certificate (chain); needs --tls-key\n"
		"      --tls-key FILE       its PEM private key (no passphrase, mode 600)\n"
		"      --max-clients N      clients served at once (default 8)\n"
		"      --helper PATH        the ctrcap capture helper (default $CTRCAP_HELPER,\n"
		"                           else %s)\n"
		"      --auth-timeout S     seconds a client has to authenticate (default 30)\n"
		"      --idle-timeout S     close idle control connections (default 600,\n"
		"                           0 = never)\n"
		"  -h, --help\n",
		RPCAP_DEFAULT_PORT, RPCAP_DEFAULT_ACTIVE_PORT, CTRCAP_HELPER_DEFAULT);
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* PORT or PORT-PORT, 1 to 65535, low <= high. 0, or -1. */
static int parse_port_range(const char *s, unsigned *lo, unsigned *hi)
{
	char buf[16], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_uint(buf, 65535, lo) < 0 || *lo == 0)
		return -1;
	*hi = *lo;
	if (dash && (parse_uint(dash + 1, 65535, hi) < 0 || *hi < *lo))
		return -1;
	return 0;
}

/* Whether a numeric listen address is a loopback one (127.0.0.0/8, ::1, ::ffff:127.x). */
static bool is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

static int listen_on(const char *addr, unsigned port, unsigned *bound)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE |
									   AI_NUMERICHOST |
									   AI_NUMERICSERV };
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ps[8];
	int fd, one = 1, e;

	snprintf(ps, sizeof(ps), "%u", port);
	e = getaddrinfo(addr, ps, &hints, &ai);
	if (e) {
		fprintf(stderr, "ctrcap-rpcapd: listen address %s: %s\n", addr, gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		fprintf(stderr, "ctrcap-rpcapd: listening on %s port %u: %s\n", addr, port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64] = "?", serv[16] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, len, "%s:%s", host, serv);
}

/*
 * Tell a client over the limit why, without blocking the accept loop. A
 * TLS client would take clear text for a broken handshake: it only sees
 * the connection close.
 */
static void refuse(int fd, unsigned max, bool tls)
{
	uint8_t h[RPCAP_HDR_LEN];
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "server busy: %u clients already connected", max);

	rpcap_hdr_build(h, RPCAP_VERSION, RPCAP_MSG_ERROR, RPCAP_ERR_NETW, (uint32_t)n);
	if (!tls && send(fd, h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(h))
		send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static unsigned reap(pid_t *kids, unsigned max)
{
	unsigned live = 0;

	for (unsigned i = 0; i < max; i++) {
		if (kids[i] <= 0)
			continue;
		if (waitpid(kids[i], NULL, WNOHANG) == kids[i])
			kids[i] = 0;
		else
			live++;
	}
	return live;
}

static void stop_children(pid_t *kids, unsigned max)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	for (unsigned i = 0; i < max; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	for (int t = 0; t < CHILD_STOP_MS / 50 && reap(kids, max); t++)
		nanosleep(&ts, NULL);
	for (unsigned i = 0; i < max; i++) {
		if (kids[i] <= 0)
			continue;
		fprintf(stderr, "ctrcap-rpcapd: session %d did not stop, killing it\n",
			(int)kids[i]);
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
}

/*
 * Serve the client on fd in a child process; the parent closes fd. The
 * child's pid, or -1 (logged). lfd, when >= 0, is closed in the child.
 */
static pid_t spawn_session(int fd, int lfd, const struct rpcap_server_cfg *cfg, const char *peer,
			   pid_t *kids)
{
	int one = 1;
	pid_t pid, server = getpid();

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ctrcap-rpcapd: fork for %s: %s\n", peer, strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		/* A session (and so its helper) ends with the server, even on SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != server)
			_exit(1);
		if (lfd >= 0)
			close(lfd);
		free(kids);
		_exit(rpcap_session_run(fd, cfg, peer) == 0 ? 0 : 1);
	}
	close(fd);
	fprintf(stderr, "ctrcap-rpcapd: client %s in session %d\n", peer, (int)pid);
	return pid;
}

/* HOST[,PORT] of --active, numeric; the port defaults to libpcap's 2003. 0, or -1. */
static int parse_active(char *arg, const char **host, unsigned *port)
{
	char *comma = strrchr(arg, ',');

	*port = RPCAP_DEFAULT_ACTIVE_PORT;
	if (comma) {
		*comma = '\0';
		if (parse_uint(comma + 1, 65535, port) < 0 || *port == 0)
			return -1;
	}
	*host = arg;
	return **host ? 0 : -1;
}

/* A TCP connection to host:port within CONNECT_MS; -1 with the reason in err. */
static int connect_to(const char *host, unsigned port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char ps[8];
	int fd, e;

	snprintf(ps, sizeof(ps), "%u", port);
	e = getaddrinfo(host, ps, &hints, &ai);
	if (e) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(e));
		return -1;
	}
	fd = rpcap_connect(ai->ai_addr, ai->ai_addrlen, CONNECT_MS);
	if (fd < 0)
		snprintf(err, errlen, "%s port %u: %s", host, port, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

/*
 * Active mode: connect to the client, serve it, and connect again when the
 * session ends or the client cannot be reached. One session at a time.
 */
static void run_active(const char *host, unsigned port, const struct rpcap_server_cfg *cfg,
		       pid_t *kids)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char err[256], peer[96], last[256] = "";

	while (!stop) {
		int fd = connect_to(host, port, err, sizeof(err));

		if (fd < 0) {
			/* Said once per new reason: a client that is away is no news each time. */
			if (strcmp(err, last) != 0)
				fprintf(stderr, "ctrcap-rpcapd: active mode: cannot reach the client "
						"at %s; retrying every %d s\n", err,
					ACTIVE_RETRY_MS / 1000);
			snprintf(last, sizeof(last), "%s", err);
			for (int t = 0; t < ACTIVE_RETRY_MS / 100 && !stop; t++)
				nanosleep(&ts, NULL);
			continue;
		}
		last[0] = '\0';
		peer_name(fd, peer, sizeof(peer));
		kids[0] = spawn_session(fd, -1, cfg, peer, kids);
		/* Sessions start at least ACTIVE_RETRY_MS apart: a client that drops us is not hammered. */
		for (int t = 0; !stop && (reap(kids, 1) || t < ACTIVE_RETRY_MS / 100); t++)
			nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "data-port", required_argument, NULL, 'd' },
		{ "active", required_argument, NULL, 'a' },
		{ "null-auth", no_argument, NULL, 'n' },
		{ "passwd-file", required_argument, NULL, 'W' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "helper", required_argument, NULL, 'H' },
		{ "auth-timeout", required_argument, NULL, 'A' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rpcap_server_cfg cfg = { .auth_timeout_s = 30, .idle_timeout_s = 600 };
	const char *addr = "127.0.0.1", *port_file = NULL, *helper = NULL, *active = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	unsigned port = RPCAP_DEFAULT_PORT, max_clients = 8, bound, dlo = 0, dhi = 0, aport = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	char dports[40];
	pid_t *kids;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "l:p:d:a:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'l': addr = optarg; break;
		case 'P': port_file = optarg; break;
		case 'n': cfg.auth.null_ok = true; break;
		case 'W': cfg.auth.passwd_file = optarg; break;
		case 'C': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'H': helper = optarg; break;
		case 'p':
			if (parse_uint(optarg, 65535, &port) < 0) {
				fprintf(stderr, "ctrcap-rpcapd: bad port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			if (parse_port_range(optarg, &dlo, &dhi) < 0) {
				fprintf(stderr, "ctrcap-rpcapd: bad --data-port '%s': want PORT or "
						"LOW-HIGH, 1 to 65535\n", optarg);
				return 2;
			}
			break;
		case 'a':
			if (parse_active(optarg, &active, &aport) < 0) {
				fprintf(stderr, "ctrcap-rpcapd: bad --active '%s': want HOST or "
						"HOST,PORT (numeric address)\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (parse_uint(optarg, MAX_CLIENTS_LIMIT, &max_clients) < 0 ||
			    max_clients == 0) {
				fprintf(stderr, "ctrcap-rpcapd: --max-clients wants 1 to %d\n",
					MAX_CLIENTS_LIMIT);
				return 2;
			}
			break;
		case 'A':
		case 'I':
			if (parse_uint(optarg, 86400, c == 'A' ? &cfg.auth_timeout_s
								: &cfg.idle_timeout_s) < 0) {
				fprintf(stderr, "ctrcap-rpcapd: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!cfg.auth.null_ok && !cfg.auth.passwd_file) {
		fprintf(stderr, "ctrcap-rpcapd: no authentication configured: give --passwd-file "
				"or, deliberately, --null-auth\n");
		return 2;
	}
	if (cfg.auth.passwd_file && access(cfg.auth.passwd_file, R_OK) < 0) {
		fprintf(stderr, "ctrcap-rpcapd: password file %s: %s\n", cfg.auth.passwd_file,
			strerror(errno));
		return 2;
	}
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "ctrcap-rpcapd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if (tls_cert) {
		char err[512];

		cfg.tls = rpcap_tls_server_ctx(tls_cert, tls_key, err, sizeof(err));
		if (!cfg.tls) {
			fprintf(stderr, "ctrcap-rpcapd: %s\n", err);
			return 2;
		}
	}
	cfg.helper = helper_path(helper);
	if (access(cfg.helper, X_OK) < 0) {
		fprintf(stderr, "ctrcap-rpcapd: capture helper %s: %s (set --helper or "
				"CTRCAP_HELPER)\n", cfg.helper, strerror(errno));
		return 2;
	}
	if (active && (dlo || port_file)) {
		fprintf(stderr, "ctrcap-rpcapd: --active connects out: --data-port and --port-file "
				"do not apply\n");
		return 2;
	}
	cfg.active = active != NULL;
	if (active)
		addr = active; /* where credentials and packets go, for the warnings */
	if (dlo && port >= dlo && port <= dhi) {
		fprintf(stderr, "ctrcap-rpcapd: --data-port %u-%u includes the control port %u\n",
			dlo, dhi, port);
		return 2;
	}
	cfg.data_port_min = (uint16_t)dlo;
	cfg.data_port_max = (uint16_t)dhi;
	/* stderr is the server's log (the journal under systemd): one line each, said once. */
	if (cfg.auth.null_ok && !is_loopback(addr) && !active)
		fprintf(stderr, "ctrcap-rpcapd: warning: null authentication on %s lets anyone "
				"who can reach it capture\n", addr);
	if (cfg.auth.passwd_file && !is_loopback(addr) && !cfg.tls)
		fprintf(stderr, "ctrcap-rpcapd: warning: password authentication on %s without "
				"TLS: passwords and packets cross the network in clear text; "
				"use --tls-cert/--tls-key, or listen on 127.0.0.1 and use ssh -L "
				"(docs/rpcap.md)\n", addr);

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (active) {
		fprintf(stderr, "ctrcap-rpcapd: active mode, client %s port %u, helper %s, %s%s%s%s\n",
			active, aport, cfg.helper, cfg.auth.null_ok ? "null auth" : "",
			cfg.auth.null_ok && cfg.auth.passwd_file ? " + " : "",
			cfg.auth.passwd_file ? "password file" : "", cfg.tls ? ", TLS" : "");
		kids = calloc(1, sizeof(*kids));
		if (!kids)
			return 1;
		run_active(active, aport, &cfg, kids);
		stop_children(kids, 1);
		free(kids);
		SSL_CTX_free(cfg.tls);
		fprintf(stderr, "ctrcap-rpcapd: stopped\n");
		return 0;
	}
	lfd = listen_on(addr, port, &bound);
	if (lfd < 0)
		return 1;
	if (port_file) {
		FILE *f = fopen(port_file, "we");

		if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0) {
			fprintf(stderr, "ctrcap-rpcapd: writing %s: %s\n", port_file,
				strerror(errno));
			return 1;
		}
	}
	if (dlo && dlo == dhi)
		snprintf(dports, sizeof(dports), "data port %u", dlo);
	else if (dlo)
		snprintf(dports, sizeof(dports), "data ports %u-%u", dlo, dhi);
	else
		snprintf(dports, sizeof(dports), "any data port");
	fprintf(stderr, "ctrcap-rpcapd: listening on %s port %u, %s, helper %s, %s%s%s%s\n", addr,
		bound, dports, cfg.helper, cfg.auth.null_ok ? "null auth" : "",
		cfg.auth.null_ok && cfg.auth.passwd_file ? " + " : "",
		cfg.auth.passwd_file ? "password file" : "", cfg.tls ? ", TLS" : "");

	kids = calloc(max_clients, sizeof(*kids));
	if (!kids)
		return 1;
	while (!stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		unsigned live;
		char peer[96];
		pid_t pid;
		int fd;

		reap(kids, max_clients);
		if (poll(&p, 1, 500) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* Counted now, not before the wait: sessions that ended meanwhile are free slots. */
		live = reap(kids, max_clients);
		peer_name(fd, peer, sizeof(peer));
		if (live >= max_clients) {
			fprintf(stderr, "ctrcap-rpcapd: refusing %s: %u clients connected\n", peer,
				live);
			refuse(fd, max_clients, cfg.tls != NULL);
			continue;
		}
		pid = spawn_session(fd, lfd, &cfg, peer, kids);
		for (unsigned i = 0; pid > 0 && i < max_clients; i++) {
			if (kids[i] <= 0) {
				kids[i] = pid;
				break;
			}
		}
	}
	close(lfd);
	stop_children(kids, max_clients);
	free(kids);
	SSL_CTX_free(cfg.tls);
	fprintf(stderr, "ctrcap-rpcapd: stopped\n");
	return 0;
}
