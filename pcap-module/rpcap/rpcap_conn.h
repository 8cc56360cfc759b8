/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One rpcap TCP connection, clear or inside TLS (rpcaps): reads and writes
 * bounded in time whichever it is, so that the session and the capture
 * thread never care which.
 */
#ifndef CTRCAP_RPCAP_CONN_H
#define CTRCAP_RPCAP_CONN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct rpcap_conn {
	int fd;
	SSL *ssl;	/* NULL: clear text */
};

/*
 * Read exactly n bytes within timeout_ms. 0, -1 on EOF/error/stop, -2 on
 * timeout. *stop (may be NULL) is polled at least once a second.
 */
int rpcap_conn_recv(struct rpcap_conn *c, void *buf, size_t n, int timeout_ms,
		    const volatile sig_atomic_t *stop);

/* Write all n bytes, waiting at most timeout_ms for room. 0, or -1 (errno set). */
int rpcap_conn_send(struct rpcap_conn *c, const void *buf, size_t n, int timeout_ms);

/*
 * After poll() said the socket is readable: whether a read will return
 * message bytes (or EOF) now. TLS records that carry no data (alerts the
 * client sends, half a record) say no, so the caller goes back to waiting.
 */
bool rpcap_conn_readable(struct rpcap_conn *c);

/* Bytes TLS already decrypted and holds: poll() on the socket cannot see them. */
bool rpcap_conn_buffered(const struct rpcap_conn *c);

/*
 * After a TLS call on c returned r <= 0: wait, until end (ms) and for one
 * second at most, for what it needs (readable or writable socket). 0 to
 * call again, -1 when the connection is over (EOF, alert, error).
 */
int rpcap_conn_tls_retry(struct rpcap_conn *c, int r, long long end);

/* Milliseconds of CLOCK_MONOTONIC: the clock of every deadline here. */
long long rpcap_now_ms(void);

/* Send TLS close_notify (without waiting for the peer's), free the TLS state, close fd. */
void rpcap_conn_close(struct rpcap_conn *c);

#endif /* CTRCAP_RPCAP_CONN_H */
