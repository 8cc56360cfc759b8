/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ctrcapdump tells Wireshark: its interfaces (container-any plus one
 * per running container), their link type and their capture options, in the
 * extcap text protocol of Wireshark 4.0 to 4.6. Pure text in, text out, so
 * the unit tests check it without a helper or root.
 */
#ifndef CTRCAP_EXTCAP_IFACE_H
#define CTRCAP_EXTCAP_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define EXTCAP_IF_ANY "container-any"
#define EXTCAP_IF_PREFIX "container-"
#define EXTCAP_IF_ID_PREFIX "container-id-"
/* One capture across hosts: ctrcap --node with the nodes of its dialog. */
#define EXTCAP_IF_CLUSTER "cluster"
/* Most containers listed as interfaces; more are captured by container-any. */
#define EXTCAP_MAX_CONTAINERS 1024

/* One row of `ctrcap --list-containers`. */
struct extcap_container {
	char id[128];
	char name[256];
	char image[256];
	char runtime[32];
	char pod_namespace[256];
	char pod_name[256];
};

/* What an interface name asks the helper to capture. */
enum extcap_target_kind {
	EXTCAP_TARGET_ANY,	/* every interface, every container */
	EXTCAP_TARGET_NAME,	/* --container-name value */
	EXTCAP_TARGET_ID,	/* --container-id value */
	EXTCAP_TARGET_CLUSTER,	/* ctrcap --node: several hosts */
};

struct extcap_target {
	enum extcap_target_kind kind;
	char value[256];
};

/*
 * Parse the tab-separated output of `ctrcap --list-containers` (id, name,
 * image, runtime, pod_namespace, pod_name; a header row starting "id" or
 * "#" and blank lines are skipped). Fills at most max rows of out and sets
 * *n. Returns 0, or -1 with the line number and problem in err.
 */
int extcap_parse_containers(const char *text, struct extcap_container *out, size_t max, size_t *n,
			    char *err, size_t errlen);

/*
 * The interface name for containers[i]: "container-<name>" when the name is
 * safe, unique among the list and cannot be mistaken for another form,
 * else "container-id-<id>". Returns false if the row has no usable id.
 */
bool extcap_iface_name(const struct extcap_container *containers, size_t n, size_t i, char *buf,
		       size_t len);

/* Parse an interface name back into a target; -1 with a message in err. */
int extcap_parse_target(const char *ifname, struct extcap_target *t, char *err, size_t errlen);

/* Copy s into buf with the characters the extcap protocol or Wireshark's
 * interface list cannot carry ('/', '{', '}', '[', ']', controls) replaced. */
void extcap_sanitize(const char *s, char *buf, size_t len);

/*
 * Print the --extcap-interfaces answer. unlisted, when not NULL, says why
 * no container is listed; container-any's description carries it, as the
 * one place Wireshark and tshark -D show to the user.
 */
void extcap_print_interfaces(FILE *out, const char *version, const struct extcap_container *c,
			     size_t n, const char *unlisted);

/* Print the --extcap-dlts answer for ifname; -1 if ifname is not ours. */
int extcap_print_dlts(FILE *out, const char *ifname, char *err, size_t errlen);

/* Print the --extcap-config answer for ifname; -1 if ifname is not ours. */
int extcap_print_config(FILE *out, const char *ifname, char *err, size_t errlen);

#endif /* CTRCAP_EXTCAP_IFACE_H */
