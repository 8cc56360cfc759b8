/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the container resolver shared between its files and the unit
 * tests: the pure parsers of every runtime's state (fed by fixture files in
 * tests/containers) and the cgroup-v2 tree walker.
 */
#ifndef CTRCAP_CONTAINERS_INTERNAL_H
#define CTRCAP_CONTAINERS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver.h"

/* Largest runtime state file we read (podman's containers.json grows with containers). */
#define CTR_STATE_FILE_MAX (32u << 20)

/* Return codes of the runtime readers. */
#define CTR_OK 0
#define CTR_ENOTFOUND 1		/* this runtime does not know the container */
#define CTR_EUNREACH 2		/* the runtime's socket/state dir cannot be reached */
#define CTR_EBAD 3		/* state found but malformed */

/* What a cgroup path says beyond runtime and id. */
struct ctr_path_info {
	enum ctr_runtime runtime;
	char id[CTR_ID_MAX];
	char ns[CTR_STR_MAX];		/* containerd namespace for /<ns>/<id> */
	char pod_uid[CTR_STR_MAX];	/* from kubepods ...pod<uid>... components */
	bool guessed;			/* runtime guessed from the layout: state confirms */
	/*
	 * The container's cgroup was made by a user, not root (a delegated
	 * subtree such as user@UID.service): anyone may name a cgroup
	 * docker-<id>.scope there, so only the runtime's state can confirm it.
	 * Set by the resolver, which can look at the directory.
	 */
	bool delegated;
	size_t root_len;		/* path[0..root_len) is the container's own cgroup */
};

/* Parse a cgroup path into runtime, id, containerd namespace and pod uid. */
bool ctr_parse_cgroup_path_ex(const char *path, struct ctr_path_info *pi);

/* The cgroup-v2 mount point from a mountinfo file, into buf. Returns 0 or -1. */
int ctr_cgroup2_mount(const char *mountinfo, char *buf, size_t len);

/* Called by ctr_cgroup_walk for each directory: id (inode) and path relative to the root. */
typedef void (*ctr_walk_fn)(void *ctx, uint64_t id, const char *relpath);

/*
 * Walk the cgroup tree under root, at most max_dirs directories and max_depth
 * levels. Returns the number of directories visited, or -1 (root unreadable).
 */
int ctr_cgroup_walk(const char *root, unsigned max_dirs, unsigned max_depth, ctr_walk_fn fn,
		    void *ctx);

/*
 * The path (relative to root, leading '/') of cgroup id, straight from the
 * kernel with open_by_handle_at on root_fd (needs CAP_DAC_READ_SEARCH).
 * Returns 0, or -1 (no such cgroup, no permission, not a cgroupfs).
 */
int ctr_cgroup_path_by_id(int root_fd, const char *root, uint64_t id, char *buf, size_t len);

/* Owner uid of the cgroup <root><path>[0..plen), or -1 if it cannot be read. */
long ctr_cgroup_owner(const char *root, const char *path, size_t plen);

/* Lowest pid in <root><path>/cgroup.procs, 0 if none. */
uint32_t ctr_cgroup_first_pid(const char *root, const char *path);

/* Read a whole regular file (at most max bytes, no FIFO, no symlink) into a malloc'ed buffer. */
char *ctr_read_file(const char *path, size_t max, size_t *len, int *err);

/* Format a file path into buf; false (and nothing to open) if it does not fit. */
bool ctr_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Bounded string copy that always terminates (truncates at a UTF-8 character boundary). */
void ctr_strlcpy(char *dst, const char *src, size_t len);
/* Length of s[0..len) cut to at most max bytes without splitting a UTF-8 character. */
size_t ctr_utf8_cut(const char *s, size_t len, size_t max);

/* Append "key=value" to info's labels (dropped when full). */
void ctr_info_add_label(struct ctr_info *info, const char *key, const char *value);

/* Append "key=value" to info's pod labels (dropped when full). */
void ctr_info_add_pod_label(struct ctr_info *info, const char *key, const char *value);

/* Value of label key in info's labels, or NULL. */
const char *ctr_info_label(const struct ctr_info *info, const char *key);

/* Fill the pod fields from the CRI labels/annotations among info's labels. */
void ctr_info_apply_k8s(struct ctr_info *info);

/* Copy the used part of src into dst (labels beyond n_labels are not copied). */
void ctr_info_copy(struct ctr_info *dst, const struct ctr_info *src);

/*
 * Docker: parse an Engine API inspect document (or a config.v2.json, same
 * shape) into info. sandbox_id gets io.kubernetes.sandbox.id if present.
 */
int ctr_docker_parse(const char *json, size_t len, struct ctr_info *info, char *sandbox_id,
		     size_t sblen, char *err, size_t errlen);

/* Docker: the pod labels of a sandbox container's inspect document. */
int ctr_docker_parse_sandbox(const char *json, size_t len, struct ctr_info *info, char *err,
			     size_t errlen);

/* Docker: GET path on the Engine API socket into a malloc'ed body. CTR_* code. */
int ctr_docker_get(const char *sock, const char *path, char **body, size_t *len, char *err,
		   size_t errlen);

/* Docker: metadata of container id, from the API or else <root>/containers/<id>/config.v2.json. */
int ctr_docker_fetch(const char *sock, const char *root, const char *id, struct ctr_info *info,
		     char *err, size_t errlen, char *where, size_t wlen);

/* containerd: read <state>/io.containerd.runtime.v2.task/<ns>/<id>/{config.json,init.pid}. */
int ctr_containerd_read(const char *state, const char *ns, const char *id, struct ctr_info *info,
			char *err, size_t errlen, char *where, size_t wlen);

/* CRI-O: read overlay-containers/<id>/userdata/config.json under one of state's roots. */
int ctr_crio_read(const char *state, const char *id, struct ctr_info *info, char *err,
		  size_t errlen, char *where, size_t wlen);

/* podman: names/image from containers.json, annotations from config.json, labels from the db. */
int ctr_podman_read(const char *state, const char *id, struct ctr_info *info, char *err,
		    size_t errlen, char *where, size_t wlen);

struct json_object;

/* Parse a JSON document; NULL with the offset and reason in err. */
struct json_object *ctr_json_parse(const char *json, size_t len, char *err, size_t errlen);

/* String member key of object o, or NULL. */
const char *ctr_json_str(struct json_object *o, const char *key);

/* Object member key of object o, or NULL. */
struct json_object *ctr_json_obj(struct json_object *o, const char *key);

/* Apply the "annotations" object of an OCI config.json document to info's labels. */
int ctr_oci_annotations(const char *json, size_t len, struct ctr_info *info, char *err,
			size_t errlen);

/* Number of cgroup ids in the resolver's cache (for tests of the bound). */
size_t ctr_resolver_cached(struct ctr_resolver *r);

/* A Docker event: container id and action ("start", "die", "rename", ...). */
typedef void (*ctr_event_fn)(void *ctx, const char *id, const char *action);

struct ctr_docker_events;

/* Follow the Docker event stream on sock in a thread, calling fn for container events. */
struct ctr_docker_events *ctr_docker_events_start(const char *sock, ctr_event_fn fn, void *ctx);

/* Stop following the event stream and join the thread. */
void ctr_docker_events_stop(struct ctr_docker_events *ev);

/* Parse one line of the event stream and call fn for a container event. Returns 0 or -1. */
int ctr_docker_event_line(const char *line, size_t len, ctr_event_fn fn, void *ctx);

#endif /* CTRCAP_CONTAINERS_INTERNAL_H */
