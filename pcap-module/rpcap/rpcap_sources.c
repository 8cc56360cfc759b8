// SPDX-License-Identifier: GPL-2.0-or-later
/* The source list: container-any plus the running containers (see rpcap_sources.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/helper_spawn.h"
#include "rpcap_sources.h"

#define LIST_TIMEOUT_MS 15000u
#define LIST_MAX_BYTES (1u << 20)
#define NFIELDS 6

/* A name a client can put in rpcap://host:port/NAME without quoting. */
static bool url_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* Split one line at tabs into NFIELDS fields (in place). */
static bool split(char *line, char *f[NFIELDS])
{
	int i = 0;

	f[i++] = line;
	for (char *p = line; *p; p++) {
		if (*p != '\t')
			continue;
		if (i == NFIELDS)
			return false;
		*p = '\0';
		f[i++] = p + 1;
	}
	for (; i < NFIELDS; i++)
		f[i] = line + strlen(line); /* older helpers may omit the pod fields */
	return true;
}

/* container-any, and the same with drops (listed so GUI clients can pick it). */
static void add_any(struct rpcap_source *s)
{
	memset(s, 0, 2 * sizeof(*s));
	snprintf(s[0].name, sizeof(s[0].name), "%s", RPCAP_SOURCE_ANY);
	snprintf(s[0].desc, sizeof(s[0].desc),
		 "all interfaces of all network namespaces, packets tagged with process and "
		 "container (PKTAP)");
	snprintf(s[1].name, sizeof(s[1].name), "%s%s", RPCAP_SOURCE_ANY, RPCAP_SOURCE_DROPS);
	snprintf(s[1].desc, sizeof(s[1].desc),
		 "%s and the packets the kernel drops, with the drop reason; any source name "
		 "takes the suffix %s", RPCAP_SOURCE_ANY, RPCAP_SOURCE_DROPS);
	s[1].drops = true;
}

bool rpcap_source_strip_drops(char *name)
{
	size_t n = strlen(name), k = strlen(RPCAP_SOURCE_DROPS);

	if (n <= k || strcmp(name + n - k, RPCAP_SOURCE_DROPS) != 0)
		return false;
	name[n - k] = '\0';
	return true;
}

int rpcap_sources_parse(const char *text, size_t len, struct rpcap_source **out, size_t *n,
			size_t *skipped, char *err, size_t errlen)
{
	struct rpcap_source *v;
	size_t cnt = 2, pos = 0, max = 3;
	char line[2048];

	*out = NULL;
	*n = 0;
	*skipped = 0;
	/* One slot per line (bounded), not the maximum: the list is usually short. */
	for (size_t i = 0; i < len && max < RPCAP_MAX_SOURCES; i++)
		max += text[i] == '\n';
	v = calloc(max, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "no memory for the source list");
		return -1;
	}
	add_any(v);
	while (pos < len && cnt < max) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = (nl ? (size_t)(nl - text) : len) - pos;
		char *f[NFIELDS];
		struct rpcap_source *s = &v[cnt];

		if (ll >= sizeof(line) || memchr(text + pos, '\0', ll)) {
			(*skipped)++;
			pos += ll + 1;
			continue;
		}
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + 1;
		if (ll && line[ll - 1] == '\r')
			line[ll - 1] = '\0';
		if (!line[0])
			continue;
		if (!split(line, f) || !url_safe(f[0]) || strlen(f[0]) >= sizeof(s->ctr_id)) {
			(*skipped)++;
			continue;
		}
		memset(s, 0, sizeof(*s));
		snprintf(s->ctr_id, sizeof(s->ctr_id), "%s", f[0]);
		snprintf(s->ctr_name, sizeof(s->ctr_name), "%s", f[1]);
		/* The name when it is usable in a URL and unique so far, else the id. */
		if (url_safe(f[1]) && strlen(f[1]) < sizeof(s->name) &&
		    strcmp(f[1], RPCAP_SOURCE_ANY) != 0 && !rpcap_sources_find(v, cnt, f[1]))
			snprintf(s->name, sizeof(s->name), "%s", f[1]);
		else
			snprintf(s->name, sizeof(s->name), "%.12s", f[0]);
		snprintf(s->desc, sizeof(s->desc), "container %s (%s, image %s, id %.12s)%s%s%s%s",
			 f[1][0] ? f[1] : f[0], f[3][0] ? f[3] : "unknown runtime",
			 f[2][0] ? f[2] : "unknown", f[0], f[5][0] ? ", pod " : "", f[4],
			 f[5][0] ? "/" : "", f[5]);
		cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

const struct rpcap_source *rpcap_sources_find(const struct rpcap_source *s, size_t n,
					      const char *name)
{
	const struct rpcap_source *hit = NULL;
	size_t nl = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0 || (s[i].ctr_id[0] && !strcmp(s[i].ctr_id, name)))
			return &s[i];
	if (nl < 12)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].ctr_id[0] || strncmp(s[i].ctr_id, name, nl) != 0)
			continue;
		if (hit)
			return NULL; /* ambiguous prefix */
		hit = &s[i];
	}
	return hit;
}

int rpcap_sources_list(const char *helper, struct rpcap_source **out, size_t *n, char *err,
		       size_t errlen)
{
	const char *argv[] = { helper, "--list-containers", NULL };
	size_t len, skipped;
	char *text;
	int r;

	if (ctrcap_helper_run(argv, LIST_TIMEOUT_MS, LIST_MAX_BYTES, &text, &len, err, errlen) < 0)
		return -1;
	r = rpcap_sources_parse(text, len, out, n, &skipped, err, errlen);
	if (r == 0 && skipped)
		fprintf(stderr,
			"ctrcap-rpcapd: %s --list-containers: skipped %zu malformed line(s)\n",
			helper, skipped);
	free(text);
	return r;
}
