/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpcaps: the server side of TLS as libpcap's client speaks it. The client
 * starts TLS right after the TCP connect, on the control connection and on
 * each data connection, whichever side opened it (active mode too); the
 * server is always the TLS server.
 */
#ifndef CTRCAP_RPCAP_TLS_H
#define CTRCAP_RPCAP_TLS_H

#include <signal.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "rpcap_conn.h"

/* The first byte of a TLS handshake record (a ClientHello). */
#define RPCAP_TLS_HANDSHAKE_BYTE 0x16

/*
 * The server's TLS context from a PEM certificate (chain) and a PEM key
 * without passphrase: TLS 1.2 at least, forward-secret AEAD ciphers, no
 * compression, renegotiation or session tickets. Refuses a key file that
 * group or others may access, as sshd does. NULL with the reason in err.
 */
SSL_CTX *rpcap_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen);

/*
 * Look at the first byte the client sends, without consuming it, before
 * deadline (ms, rpcap_now_ms clock). 1 when it starts a TLS handshake,
 * 0 when it is something else, -1 on EOF/error/stop, -2 on timeout.
 */
int rpcap_tls_sniff(int fd, long long deadline, const volatile sig_atomic_t *stop);

/*
 * The TLS server handshake on c->fd, over by deadline (ms): a client that
 * stalls in it loses the connection then. Leaves fd's blocking mode as it
 * found it. 0 with c->ssl set, or -1 with the reason in err.
 */
int rpcap_tls_accept(SSL_CTX *ctx, struct rpcap_conn *c, long long deadline,
		     const volatile sig_atomic_t *stop, char *err, size_t errlen);

/* The protocol version and cipher of an established connection, for the log. */
void rpcap_tls_describe(const struct rpcap_conn *c, char *buf, size_t len);

#endif /* CTRCAP_RPCAP_TLS_H */
