// SPDX-License-Identifier: GPL-2.0-or-later
/* Clear or TLS connection I/O with deadlines (see rpcap_conn.h). */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "rpcap_conn.h"

/* Longest single poll(): a stop request is seen within this. */
#define POLL_SLICE_MS 1000

long long rpcap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until end (ms) or the next slice. >0 ready, 0 not yet, -1 error. */
static int wait_slice(int fd, short events, long long end)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = end - rpcap_now_ms();
	int r;

	if (left <= 0)
		return 0;
	r = poll(&p, 1, left > POLL_SLICE_MS ? POLL_SLICE_MS : (int)left);
	if (r < 0 && errno == EINTR)
		return 0;
	return r;
}

int rpcap_conn_tls_retry(struct rpcap_conn *c, int r, long long end)
{
	short ev;

	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ: ev = POLLIN; break;
	case SSL_ERROR_WANT_WRITE: ev = POLLOUT; break;
	default: return -1;
	}
	return wait_slice(c->fd, ev, end) < 0 ? -1 : 0;
}

int rpcap_conn_recv(struct rpcap_conn *c, void *buf, size_t n, int timeout_ms,
		    const volatile sig_atomic_t *stop)
{
	long long end = rpcap_now_ms() + timeout_ms;
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r;

		if (stop && *stop)
			return -1;
		if (rpcap_now_ms() >= end)
			return -2;
		if (c->ssl) {
			/* Try first: TLS may hold decrypted bytes poll() cannot see. */
			ERR_clear_error();
			r = SSL_read(c->ssl, p + got, (int)(n - got));
			if (r > 0)
				got += (size_t)r;
			else if (rpcap_conn_tls_retry(c, (int)r, end) < 0)
				return -1;
			continue;
		}
		r = wait_slice(c->fd, POLLIN, end);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		r = recv(c->fd, p + got, n - got, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int rpcap_conn_send(struct rpcap_conn *c, const void *buf, size_t n, int timeout_ms)
{
	long long end = rpcap_now_ms() + timeout_ms;
	const unsigned char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t r;

		if (c->ssl) {
			/* A retry after WANT_*: same buffer and length, as OpenSSL requires. */
			ERR_clear_error();
			errno = 0;
			r = SSL_write(c->ssl, p + done, (int)(n - done));
		} else {
			r = send(c->fd, p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				if (r == 0)
					errno = EPIPE;
				return -1;
			}
		}
		if (r > 0) {
			done += (size_t)r;
			end = rpcap_now_ms() + timeout_ms; /* the time is for progress */
			continue;
		}
		if (rpcap_now_ms() >= end) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (c->ssl ? rpcap_conn_tls_retry(c, (int)r, end) < 0
			   : wait_slice(c->fd, POLLOUT, end) < 0) {
			if (!errno)
				errno = EPIPE;
			return -1;
		}
	}
	return 0;
}

bool rpcap_conn_readable(struct rpcap_conn *c)
{
	unsigned char b;
	int r;

	if (!c->ssl)
		return true;
	ERR_clear_error();
	r = SSL_peek(c->ssl, &b, 1);
	if (r > 0)
		return true;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return false;
	default:
		return true; /* EOF or error: the read will say so */
	}
}

bool rpcap_conn_buffered(const struct rpcap_conn *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

void rpcap_conn_close(struct rpcap_conn *c)
{
	if (c->ssl) {
		/* One try: a peer that is gone or not reading does not hold us up. */
		if (SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
