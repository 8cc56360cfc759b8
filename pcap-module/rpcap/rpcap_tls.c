// SPDX-License-Identifier: GPL-2.0-or-later
/* The rpcaps server side (see rpcap_tls.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "rpcap_tls.h"

/* TLS 1.2 suites: ECDHE key exchange and AEAD only. TLS 1.3's are all of that kind. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"

/* OpenSSL's oldest queued error as text, or fallback when there is none. */
static void ssl_error(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "%s", fallback);
	ERR_clear_error();
}

/* Never asked for interactively: an encrypted key is refused with a reason. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Read the private key, refusing a file group or others may access. NULL with err. */
static EVP_PKEY *load_key(const char *path, char *err, size_t errlen)
{
	char why[256];
	struct stat st;
	EVP_PKEY *k;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "TLS key %s: %s", path, strerror(errno));
		return NULL;
	}
	/* The file opened, not the name again: no race with a swap of the path. */
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "TLS key %s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "TLS key %s: permissions %04o are too open: a private "
				      "key must not be accessible by group or others "
				      "(chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		fclose(f);
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!k) {
		ssl_error(why, sizeof(why), "no key found");
		snprintf(err, errlen, "TLS key %s: %s (a PEM key without passphrase is needed)",
			 path, why);
	}
	return k;
}

SSL_CTX *rpcap_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	EVP_PKEY *k;
	char why[256];

	k = load_key(key, err, errlen);
	if (!k)
		return NULL;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_error(why, sizeof(why), "out of memory");
		snprintf(err, errlen, "TLS context: %s", why);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error(why, sizeof(why), "unreadable");
		snprintf(err, errlen, "TLS certificate %s: %s (PEM wanted)", cert, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey(ctx, k) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(why, sizeof(why), "mismatch");
		snprintf(err, errlen, "TLS key %s does not match the certificate %s: %s", key,
			 cert, why);
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		ssl_error(why, sizeof(why), "refused");
		snprintf(err, errlen, "TLS settings: %s", why);
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	EVP_PKEY_free(k);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	EVP_PKEY_free(k);
	return NULL;
}

int rpcap_tls_sniff(int fd, long long deadline, const volatile sig_atomic_t *stop)
{
	unsigned char b;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - rpcap_now_ms();
		ssize_t r;

		if (stop && *stop)
			return -1;
		if (left <= 0)
			return -2;
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r <= 0)
			continue;
		r = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		return b == RPCAP_TLS_HANDSHAKE_BYTE;
	}
}

int rpcap_tls_accept(SSL_CTX *ctx, struct rpcap_conn *c, long long deadline,
		     const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	int flags = fcntl(c->fd, F_GETFL), r;
	char why[256];

	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "TLS handshake: fcntl: %s", strerror(errno));
		return -1;
	}
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		ssl_error(why, sizeof(why), "out of memory");
		snprintf(err, errlen, "TLS handshake: %s", why);
		goto fail;
	}
	/* Non-blocking, so that the deadline holds whatever the client does. */
	for (;;) {
		ERR_clear_error();
		r = SSL_accept(c->ssl);
		if (r == 1)
			break;
		if ((stop && *stop) || rpcap_now_ms() >= deadline) {
			snprintf(err, errlen, "TLS handshake not finished in time");
			goto fail;
		}
		if (rpcap_conn_tls_retry(c, r, deadline) < 0) {
			ssl_error(why, sizeof(why), "connection closed");
			snprintf(err, errlen, "TLS handshake failed: %s", why);
			goto fail;
		}
	}
	if (fcntl(c->fd, F_SETFL, flags) < 0) {
		snprintf(err, errlen, "TLS handshake: fcntl: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	SSL_free(c->ssl);
	c->ssl = NULL;
	fcntl(c->fd, F_SETFL, flags);
	return -1;
}

void rpcap_tls_describe(const struct rpcap_conn *c, char *buf, size_t len)
{
	if (!c->ssl) {
		snprintf(buf, len, "clear text");
		return;
	}
	snprintf(buf, len, "%s, %s", SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
}
