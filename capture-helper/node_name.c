// SPDX-License-Identifier: GPL-2.0-or-later
/* The node name of a capture (see node_name.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "node_name.h"

int ctrcap_node_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (!n) {
		snprintf(err, errlen, "empty node name");
		return -1;
	}
	if (n > CTRCAP_NODE_NAME_MAX) {
		snprintf(err, errlen, "node name of %zu bytes, at most %u", n,
			 CTRCAP_NODE_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "control byte 0x%02x at byte %zu of the node name",
				 c, i);
			return -1;
		}
		/* Merged captures name interfaces node/ifname: a '/' would be ambiguous. */
		if (c == '/') {
			snprintf(err, errlen, "'/' at byte %zu of the node name", i);
			return -1;
		}
	}
	return 0;
}

int ctrcap_node_name_resolve(const char *given, char *out, char *err, size_t errlen)
{
	const char *env = getenv(CTRCAP_NODE_NAME_ENV);
	const char *from, *name;
	struct utsname u;
	char why[128];

	if (given) {
		from = "--node-name";
		name = given;
	} else if (env && *env) {
		/* The Downward API sets it empty when the field is missing: fall through then. */
		from = "$" CTRCAP_NODE_NAME_ENV;
		name = env;
	} else {
		if (uname(&u)) {
			snprintf(err, errlen, "cannot read the host name (uname): %s; give --node-name",
				 strerror(errno));
			return -1;
		}
		from = "the host name";
		name = u.nodename;
	}
	if (ctrcap_node_name_check(name, why, sizeof(why))) {
		char shown[68];
		size_t i;

		/* The value as the user typed it, but no control byte reaches the terminal. */
		for (i = 0; name[i] && i < 64; i++)
			shown[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
		snprintf(shown + i, sizeof(shown) - i, "%s", name[i] ? "..." : "");
		snprintf(err, errlen, "%s '%s': %s%s", from, shown, why,
			 given ? "" : "; give --node-name");
		return -1;
	}
	snprintf(out, CTRCAP_NODE_NAME_BUF, "%s", name);
	return 0;
}
