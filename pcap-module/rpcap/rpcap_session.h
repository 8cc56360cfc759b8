/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One client's control connection: authentication, then findalldevs, open,
 * startcap (data over a second TCP connection the client opens), filter
 * updates, stats, endcap, close. Runs in its own process.
 */
#ifndef CTRCAP_RPCAP_SESSION_H
#define CTRCAP_RPCAP_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "rpcap_auth.h"

struct rpcap_server_cfg {
	struct rpcap_auth_cfg auth;
	const char *helper;		/* path of ctrcap */
	unsigned auth_timeout_s;	/* time allowed before a successful AUTH */
	unsigned idle_timeout_s;	/* idle control connection, no capture running */
	/* Data ports for passive captures: 0/0 = any free port, else this range. */
	uint16_t data_port_min, data_port_max;
	/* Active mode: the server connected out, and opens data connections too. */
	bool active;
	/* rpcaps: control and data connections inside TLS; NULL = clear text. */
	SSL_CTX *tls;
};

/* Set by the signal handler: finish the session and clean up. */
extern volatile sig_atomic_t rpcap_session_stop;

struct sockaddr;

/*
 * A blocking TCP socket connected to a within timeout_ms (a bounded
 * connect, for active mode). The fd, or -1 with errno set.
 */
int rpcap_connect(const struct sockaddr *a, unsigned len, int timeout_ms);

/*
 * Serve one client on fd until CLOSE, disconnect, a fatal protocol error
 * or rpcap_session_stop. Closes fd. Returns 0 for a clean end, -1 otherwise.
 */
int rpcap_session_run(int fd, const struct rpcap_server_cfg *cfg, const char *peer);

#endif /* CTRCAP_RPCAP_SESSION_H */
