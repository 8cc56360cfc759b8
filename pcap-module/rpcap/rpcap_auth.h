/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may use the server: null authentication only when the operator asked
 * for it, otherwise a user name and password checked against a password
 * file of "user:crypt-hash" lines (hashes as crypt(3) makes them, e.g.
 * `mkpasswd -m yescrypt` or `openssl passwd -6`).
 */
#ifndef CTRCAP_RPCAP_AUTH_H
#define CTRCAP_RPCAP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "rpcap_proto.h"

struct rpcap_auth_cfg {
	bool null_ok;		  /* --null-auth */
	const char *passwd_file;  /* --passwd-file, NULL = password auth refused */
};

/*
 * Decide an AUTH request. Returns 0 when the client is in, otherwise an
 * enum rpcap_err code with the reason for the client in err (never saying
 * whether the user exists).
 */
int rpcap_auth_check(const struct rpcap_auth_cfg *c, const struct rpcap_auth_msg *m, char *err,
		     size_t errlen);

#endif /* CTRCAP_RPCAP_AUTH_H */
