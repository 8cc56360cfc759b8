// SPDX-License-Identifier: GPL-2.0-or-later
/* -i IFACE@CONTAINER and @pod:NS/NAME (see iface_container.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "iface_container.h"
#include "netns.h"

/* How long the container list may take (the runtimes' state, Docker's API). */
#define PICK_TIMEOUT_MS 3000

/* "pod:NS/NAME": the first running container of that pod (they share a namespace). */
static int pick_pod(const struct ctr_info *v, size_t n, const char *spec, char *err,
		    size_t errlen)
{
	const char *slash = strchr(spec, '/');
	size_t nslen;

	if (!slash || slash == spec || !slash[1]) {
		snprintf(err, errlen, "'pod:%s' is not pod:NAMESPACE/NAME", spec);
		return -1;
	}
	nslen = (size_t)(slash - spec);
	for (size_t i = 0; i < n; i++) {
		if (v[i].pid && strlen(v[i].pod_namespace) == nslen &&
		    !strncmp(v[i].pod_namespace, spec, nslen) && !strcmp(v[i].pod_name, slash + 1))
			return (int)i;
	}
	snprintf(err, errlen, "no running pod %s", spec);
	return -1;
}

int ctrcap_container_pick(const struct ctr_info *v, size_t n, const char *spec, char *err,
			  size_t errlen)
{
	size_t len = strlen(spec), i;
	int found = -1, matches = 0;
	char names[256] = "";

	if (!strncmp(spec, "pod:", 4))
		return pick_pod(v, n, spec + 4, err, errlen);
	for (i = 0; i < n; i++) {
		if (v[i].pid && !strcmp(v[i].name, spec))
			return (int)i;
	}
	for (i = 0; len && i < n; i++) {
		if (!v[i].pid || strncmp(v[i].id, spec, len))
			continue;
		if (matches++ < 4) {
			size_t k = strlen(names);

			snprintf(names + k, sizeof(names) - k, "%s%s", k ? ", " : "",
				 v[i].name[0] ? v[i].name : v[i].id);
		}
		found = (int)i;
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		snprintf(err, errlen, "container id prefix '%s' matches %d containers (%s%s)", spec,
			 matches, names, matches > 4 ? ", ..." : "");
	else
		snprintf(err, errlen, "no network namespace or running container named '%s'",
			 spec);
	return -1;
}

/* Whether netns names a namespace as ctrcap_netns_resolve() does (path, inode, name). */
static bool is_netns_spec(const char *netns)
{
	struct ctrcap_netns ns;

	if (!strncmp(netns, "pod:", 4))
		return false;
	if (!*netns || strchr(netns, '/'))
		return true;	/* a path: resolved, and refused if wrong, as before */
	return !ctrcap_netns_init() && !ctrcap_netns_resolve(netns, &ns);
}

int ctrcap_iface_specs_resolve(const struct ctrcap_opts *o, struct ctrcap_iface_spec *out,
			       char *err, size_t errlen)
{
	struct ctr_resolver *res = NULL;
	struct ctr_info *v = NULL;
	char root[512] = "", why[400];
	size_t n = 0;
	int ret = -1;

	for (unsigned i = 0; i < o->n_ifaces; i++) {
		struct ctrcap_iface_spec *s = &out[i];
		int k;

		*s = o->ifaces[i];
		if (is_netns_spec(s->netns))
			continue;
		if (!res) {
			res = ctrcap_resolver_for_listing(o, root, sizeof(root));
			if (!res || ctr_resolver_list(res, &v, &n, PICK_TIMEOUT_MS) < 0) {
				snprintf(err, errlen,
					 "-i %s@%s: no such network namespace, and the running "
					 "containers cannot be listed",
					 s->name, s->netns);
				goto out;
			}
		}
		k = ctrcap_container_pick(v, n, s->netns, why, sizeof(why));
		if (k < 0) {
			snprintf(err, errlen, "-i %s@%s: %s", s->name, s->netns, why);
			goto out;
		}
		snprintf(s->netns, sizeof(s->netns), "/proc/%u/ns/net", v[k].pid);
	}
	ret = 0;
out:
	free(v);
	/* Its threads end here: the privilege drop wants ctrcap single-threaded. */
	if (res)
		ctr_resolver_free(res);
	return ret;
}
