/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container and Kubernetes identity from a cgroup id: the resolver the
 * capture helper asks for every packet. Lookups never block; metadata is
 * fetched from the runtimes (Docker Engine API, containerd/CRI-O/podman
 * state) by a worker thread and cached.
 */
#ifndef CTRCAP_CONTAINERS_RESOLVER_H
#define CTRCAP_CONTAINERS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTR_ID_MAX 128
#define CTR_STR_MAX 256
#define CTR_LABELS_MAX 64
#define CTR_LABEL_MAX 512

enum ctr_runtime {
	CTR_RT_NONE = 0,	/* not a container (host or system cgroup) */
	CTR_RT_DOCKER,
	CTR_RT_CONTAINERD,
	CTR_RT_CRIO,
	CTR_RT_PODMAN,
};

/* An owning copy of what is known about one container. */
struct ctr_info {
	enum ctr_runtime runtime;
	bool complete;			/* metadata fetched (else id only, or failed) */
	bool running;			/* false once seen stopped; kept for in-flight packets */
	uint64_t cgroup_id;
	char cgroup_path[512];		/* relative to the cgroup-v2 root, leading '/' */
	char id[CTR_ID_MAX];		/* full container id */
	char name[CTR_STR_MAX];
	char image[CTR_STR_MAX];
	char labels[CTR_LABELS_MAX][CTR_LABEL_MAX]; /* "key=value" */
	unsigned n_labels;
	uint32_t pid;			/* the container's init pid in the host pid ns, 0 if unknown */
	/* Kubernetes, from the CRI labels/annotations the runtime recorded. */
	char pod_name[CTR_STR_MAX];
	char pod_namespace[CTR_STR_MAX];
	char pod_uid[CTR_STR_MAX];
	char k8s_ctr_name[CTR_STR_MAX];
	char pod_labels[CTR_LABELS_MAX][CTR_LABEL_MAX];
	unsigned n_pod_labels;
};

/*
 * Where to look. NULL/0 fields take the standard defaults, or for the state
 * dirs the environment: CTRCAP_CONTAINERD_STATE, CTRCAP_CRIO_STATE,
 * CTRCAP_PODMAN_STATE (and Docker's own DOCKER_HOST for the socket).
 */
struct ctr_resolver_opts {
	const char *cgroup_root;	/* default: cgroup2 mount from /proc/self/mountinfo */
	const char *docker_sock;	/* default $DOCKER_HOST if unix://, else /run/docker.sock */
	const char *containerd_state;	/* default /run/containerd */
	/* default "/run/containers/storage:/var/lib/containers/storage" (':'-separated list) */
	const char *crio_state;
	const char *podman_state;	/* default /var/lib/containers/storage */
	unsigned cache_max;		/* default 4096 cgroup ids (containers or not) */
	bool no_events;			/* don't follow the Docker event stream */
	/* Called once per runtime+path problem, from the worker thread; default: stderr. */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	/* Added after the first version of this contract: */
	const char *docker_root;	/* default /var/lib/docker (config.v2.json if API down) */
	/* A cgroup gone this long leaves the cache (default 30000 ms): late packets of a
	 * container that just died still find it, a churning host's cache stays small. */
	unsigned gone_grace_ms;
};

struct ctr_resolver;

/* Name of a runtime ("docker", "containerd", "cri-o", "podman", "" for none). */
const char *ctr_runtime_name(enum ctr_runtime rt);

/*
 * Parse a cgroup path (relative to the v2 root) into runtime and id.
 * Returns true for a container path. Pure; no I/O.
 */
bool ctr_parse_cgroup_path(const char *path, enum ctr_runtime *rt, char *id, size_t idlen);

/* Start a resolver (and its worker thread). NULL with a message in err on failure. */
struct ctr_resolver *ctr_resolver_new(const struct ctr_resolver_opts *o, char *err, size_t errlen);

/* Stop the worker and free everything. */
void ctr_resolver_free(struct ctr_resolver *r);

/*
 * What is known now about cgroup_id, copied into *out. Never blocks on I/O.
 * Returns 1 if the cgroup is a container (out->complete says whether the
 * metadata is there yet), 0 if it is not a container, -1 if not known yet
 * (resolution has been queued; ask again later).
 */
int ctr_resolver_lookup(struct ctr_resolver *r, uint64_t cgroup_id, struct ctr_info *out);

/*
 * Like ctr_resolver_lookup(), but waits up to timeout_ms for resolution and
 * the metadata fetch. The packet path uses it once per new container.
 */
int ctr_resolver_lookup_wait(struct ctr_resolver *r, uint64_t cgroup_id, struct ctr_info *out,
			     unsigned timeout_ms);

/*
 * Whether cgroup_id's answer is final for now: not a container, or a
 * container whose metadata fetch has finished. Queues its resolution when
 * it is not; never blocks on I/O (the ring reader asks, then waits elsewhere).
 */
bool ctr_resolver_settled(struct ctr_resolver *r, uint64_t cgroup_id);

/*
 * All running containers found under the cgroup root, resolved (blocking,
 * bounded by timeout_ms). *out is malloc'ed; the caller frees it.
 */
int ctr_resolver_list(struct ctr_resolver *r, struct ctr_info **out, size_t *n,
		      unsigned timeout_ms);

/* The cgroup-v2 path of process pid (its "0::" line of /proc/PID/cgroup) into buf; 0 or -1. */
int ctr_pid_cgroup(uint32_t pid, char *buf, size_t len);

#endif /* CTRCAP_CONTAINERS_RESOLVER_H */
