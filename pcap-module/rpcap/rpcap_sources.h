/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture sources the server offers: "container-any", "container-any+drops"
 * (the same with the kernel's drops) and one per
 * running container, from `ctrcap --list-containers` (tab-separated id,
 * name, image, runtime, pod_namespace, pod_name; one container a line).
 */
#ifndef CTRCAP_RPCAP_SOURCES_H
#define CTRCAP_RPCAP_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#define RPCAP_SOURCE_ANY "container-any"
/* Appended to any source name: the capture includes the kernel's drops (ctrcap --drops). */
#define RPCAP_SOURCE_DROPS "+drops"
#define RPCAP_MAX_SOURCES 1024u

struct rpcap_source {
	char name[128];		/* what findalldevs lists and OPEN accepts */
	char desc[512];
	char ctr_id[128];	/* "" for container-any */
	char ctr_name[128];
	bool drops;		/* capture with --drops (name ended in RPCAP_SOURCE_DROPS) */
};

/*
 * Parse --list-containers output into sources, container-any first.
 * Lines that are not well-formed are skipped and counted in *skipped.
 * Returns 0 (with *out malloc'ed) or -1 with err.
 */
int rpcap_sources_parse(const char *text, size_t len, struct rpcap_source **out, size_t *n,
			size_t *skipped, char *err, size_t errlen);

/* Run `helper --list-containers` (bounded in time and size) and parse it. */
int rpcap_sources_list(const char *helper, struct rpcap_source **out, size_t *n, char *err,
		       size_t errlen);

/*
 * Strip the RPCAP_SOURCE_DROPS suffix from an OPEN's source name in place.
 * Returns true when it was there (the capture then includes drops).
 */
bool rpcap_source_strip_drops(char *name);

/*
 * Find the source an OPEN names: by listed name, full container id, or an
 * id prefix of at least 12 characters. NULL if none or ambiguous.
 */
const struct rpcap_source *rpcap_sources_find(const struct rpcap_source *s, size_t n,
					      const char *name);

#endif /* CTRCAP_RPCAP_SOURCES_H */
