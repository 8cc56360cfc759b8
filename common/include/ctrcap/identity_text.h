/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text form of an identity, as `ctrcap -v` prints it under a packet:
 *   Process (pid 241879, cmd /usr/bin/wget, args wget -T 10 10.99.7.3)
 *   User (uid 0)
 *   ParentProc (pid 241858, cmd /usr/bin/containerd-shim-runc-v2, args ...)
 *   Container (name web, id 78f1713c7d0f..., image busybox:1, labels {...})
 *   Pod (name ..., namespace ...)
 *   Node (name worker-1)
 * Lines whose facts are all absent are left out; so are absent fields.
 * Facts beyond that shape (tid when it differs from pid, user gid and name,
 * container runtime, pod uid/container) come after the fields above.
 * Control bytes, backslashes and invalid UTF-8 are escaped (\n, \t, \\, \xNN).
 */
#ifndef CTRCAP_IDENTITY_TEXT_H
#define CTRCAP_IDENTITY_TEXT_H

#include <stddef.h>

#include "ctrcap/record.h"

/*
 * Format id as lines, each starting with indent (NULL = none) and ending in
 * '\n', into buf. Like snprintf: always NUL-terminates when cap > 0 and
 * returns the length the full text needs (excluding the NUL).
 */
size_t ctrcap_identity_format(const struct ctrcap_identity *id, const char *indent, char *buf,
			      size_t cap);

/* The parts of an identity, named as ptcpdump's --context names them. */
enum ctrcap_context {
	CTRCAP_CTX_PROCESS = 1u << 0,
	CTRCAP_CTX_THREAD = 1u << 1,
	CTRCAP_CTX_PARENTPROC = 1u << 2,
	CTRCAP_CTX_USER = 1u << 3,
	CTRCAP_CTX_CONTAINER = 1u << 4,
	CTRCAP_CTX_POD = 1u << 5,
	CTRCAP_CTX_NODE = 1u << 6,
	CTRCAP_CTX_ALL = (1u << 7) - 1,
	/* What a packet line ends with when nothing was chosen. */
	CTRCAP_CTX_BRIEF = CTRCAP_CTX_PROCESS | CTRCAP_CTX_CONTAINER | CTRCAP_CTX_POD,
};

/*
 * Parse a comma-separated list of context names ("process,container") into
 * *mask; 0, or -1 with a message naming the unknown word in err.
 */
int ctrcap_context_parse(const char *list, unsigned *mask, char *err, size_t errlen);

/* Copy id into out keeping only the parts in ctx (strings still point into id's). */
void ctrcap_identity_select(const struct ctrcap_identity *id, unsigned ctx,
			    struct ctrcap_identity *out);

/*
 * The short form that ends a packet line, the parts in ctx that are known:
 *   ", Process [wget.13626], Container [web], Pod [shop-0.shop]"
 * (Thread [tid], ParentProc [comm.pid], User [name or uid], Node [name] when
 * chosen).
 * Like snprintf; "" when nothing is known.
 */
size_t ctrcap_identity_brief(const struct ctrcap_identity *id, unsigned ctx, char *buf,
			     size_t cap);

#endif /* CTRCAP_IDENTITY_TEXT_H */
