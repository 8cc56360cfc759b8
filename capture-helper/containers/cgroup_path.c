// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cgroup path -> runtime + container id, for the layouts the runtimes and
 * kubelet create (cgroupfs and systemd drivers). Pure string work, no I/O.
 */
#include <ctype.h>
#include <string.h>

#include "ctr_internal.h"

#define MAX_COMPONENTS 64
#define COMP_MAX 256

const char *ctr_runtime_name(enum ctr_runtime rt)
{
	switch (rt) {
	case CTR_RT_DOCKER:
		return "docker";
	case CTR_RT_CONTAINERD:
		return "containerd";
	case CTR_RT_CRIO:
		return "cri-o";
	case CTR_RT_PODMAN:
		return "podman";
	case CTR_RT_NONE:
		break;
	}
	return "";
}

static bool is_hex_id(const char *s, size_t len)
{
	size_t i;

	/* Short ids are too easy to confuse with ordinary unit names. */
	if (len < 32 || len >= CTR_ID_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* A containerd namespace or ctr container id: [A-Za-z0-9][A-Za-z0-9_.-]*. */
static bool is_plain_name(const char *s)
{
	size_t i;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (i = 1; s[i]; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	}
	return i < CTR_ID_MAX;
}

static bool is_unit_name(const char *s)
{
	static const char *const units[] = { ".slice", ".scope", ".service", ".mount", ".socket" };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ends_with(s, units[i]))
			return true;
	}
	return false;
}

/* Top-level cgroups that are never a containerd namespace. */
static bool is_reserved_top(const char *s)
{
	static const char *const names[] = { "docker", "libpod_parent", "kubepods", "lxc",
					     "machine", "system", "user", "init" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i]))
			return true;
	}
	return starts_with(s, "kubepods") || is_unit_name(s);
}

/* "<prefix><hexid>[.scope]" -> id. */
static bool match_prefixed(const char *comp, const char *prefix, char *id, size_t idlen)
{
	size_t plen = strlen(prefix), len;
	const char *p;

	if (!starts_with(comp, prefix))
		return false;
	p = comp + plen;
	len = strlen(p);
	if (ends_with(p, ".scope"))
		len -= strlen(".scope");
	if (!is_hex_id(p, len) || len >= idlen)
		return false;
	memcpy(id, p, len);
	id[len] = '\0';
	return true;
}

/* Pod uid from "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid_with_underscores>.slice". */
static bool match_pod(const char *comp, char *uid, size_t len)
{
	const char *p = NULL;
	size_t n, i;

	if (starts_with(comp, "pod"))
		p = comp + 3;
	else if (starts_with(comp, "kubepods") && ends_with(comp, ".slice"))
		p = strstr(comp, "-pod") ? strstr(comp, "-pod") + 4 : NULL;
	if (!p)
		return false;
	n = strlen(p);
	if (ends_with(p, ".slice"))
		n -= strlen(".slice");
	if (n < 8 || n >= len)
		return false;
	/* Check everything before writing: a near miss must leave uid as it was. */
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
			return false;
	}
	for (i = 0; i < n; i++)
		uid[i] = p[i] == '_' ? '-' : p[i];
	uid[n] = '\0';
	return true;
}

static unsigned split_path(const char *path, char comps[][COMP_MAX], unsigned max)
{
	unsigned n = 0;
	const char *p = path;

	while (*p && n < max) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len >= COMP_MAX)
			return 0;	/* no runtime makes such names; not a container */
		memcpy(comps[n], p, len);
		comps[n][len] = '\0';
		n++;
		p += len;
	}
	return n;
}

/* Runtime and id from component i (its parent is i - 1). */
static bool match_component(char comps[][COMP_MAX], unsigned n, unsigned i,
			    struct ctr_path_info *pi)
{
	const char *c = comps[i];
	const char *parent = i ? comps[i - 1] : "";
	size_t len = strlen(c);

	if (starts_with(c, "crio-conmon-") || starts_with(c, "libpod-conmon-"))
		return false;
	if (match_prefixed(c, "docker-", pi->id, sizeof(pi->id))) {
		pi->runtime = CTR_RT_DOCKER;
		return true;
	}
	if (match_prefixed(c, "cri-containerd-", pi->id, sizeof(pi->id))) {
		pi->runtime = CTR_RT_CONTAINERD;
		return true;
	}
	if (match_prefixed(c, "crio-", pi->id, sizeof(pi->id))) {
		pi->runtime = CTR_RT_CRIO;
		return true;
	}
	if (match_prefixed(c, "libpod-", pi->id, sizeof(pi->id))) {
		pi->runtime = CTR_RT_PODMAN;
		return true;
	}
	if (is_hex_id(c, len) && !strcmp(parent, "docker")) {
		ctr_strlcpy(pi->id, c, sizeof(pi->id));
		pi->runtime = CTR_RT_DOCKER;
		return true;
	}
	if (is_hex_id(c, len) && i && match_pod(parent, pi->pod_uid, sizeof(pi->pod_uid))) {
		/* kubelet cgroupfs driver: containerd or dockershim; state decides. */
		ctr_strlcpy(pi->id, c, sizeof(pi->id));
		pi->runtime = CTR_RT_CONTAINERD;
		pi->guessed = true;
		return true;
	}
	if (n == 2 && i == 1 && is_plain_name(parent) && is_plain_name(c) &&
	    !is_reserved_top(parent) && !is_unit_name(c)) {
		/* containerd without CRI: /<namespace>/<id>. */
		ctr_strlcpy(pi->ns, parent, sizeof(pi->ns));
		ctr_strlcpy(pi->id, c, sizeof(pi->id));
		pi->runtime = CTR_RT_CONTAINERD;
		pi->guessed = true;
		return true;
	}
	return false;
}

/* Length of the prefix of path that ends with its component number last. */
static size_t prefix_len(const char *path, unsigned last)
{
	const char *p = path;
	unsigned i;

	for (i = 0;; i++) {
		while (*p == '/')
			p++;
		p += strcspn(p, "/");
		if (i == last || !*p)
			return (size_t)(p - path);
	}
}

bool ctr_parse_cgroup_path_ex(const char *path, struct ctr_path_info *pi)
{
	static __thread char comps[MAX_COMPONENTS][COMP_MAX];
	unsigned n, i, j;

	memset(pi, 0, sizeof(*pi));
	if (!path)
		return false;
	n = split_path(path, comps, MAX_COMPONENTS);
	/*
	 * The outermost match wins: a container that can write its own cgroup may
	 * create .../<own>/docker-<victim>.scope or .../pod<victim> below it, so
	 * nothing below the first container component may name the container or pod.
	 */
	for (i = 0; i < n; i++) {
		if (match_component(comps, n, i, pi))
			break;
	}
	if (i == n) {
		memset(pi, 0, sizeof(*pi));
		return false;
	}
	pi->root_len = prefix_len(path, i);
	pi->pod_uid[0] = '\0';
	for (j = 0; j < i; j++) {
		if (match_pod(comps[j], pi->pod_uid, sizeof(pi->pod_uid)))
			break;
	}
	return true;
}

bool ctr_parse_cgroup_path(const char *path, enum ctr_runtime *rt, char *id, size_t idlen)
{
	struct ctr_path_info pi;

	if (!ctr_parse_cgroup_path_ex(path, &pi)) {
		if (rt)
			*rt = CTR_RT_NONE;
		if (id && idlen)
			id[0] = '\0';
		return false;
	}
	if (rt)
		*rt = pi.runtime;
	if (id && idlen)
		ctr_strlcpy(id, pi.id, idlen);
	return true;
}
