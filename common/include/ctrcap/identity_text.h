/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text form of an identity, as `ctrcap -v` prints it under a packet:
 *   Process (pid 241879, cmd /usr/bin/wget, args wget -T 10 10.99.7.3)
 *   User (uid 0)
 *   ParentProc (pid 241858, cmd /usr/bin/containerd-shim-runc-v2, args ...)
 *   Container (name web, id 78f1713c7d0f..., image busybox:1, labels {...})
 *   Pod (name ..., namespace ...)
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

#endif /* CTRCAP_IDENTITY_TEXT_H */
