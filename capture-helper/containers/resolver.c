// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The resolver: a bounded cache from cgroup id to container identity, filled
 * by one worker thread so that lookups from the packet path never wait on
 * I/O. Resolution has two steps: the cgroup path (a walk of the cgroup-v2
 * tree) gives runtime and id at once; the runtime's metadata follows.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr_internal.h"

#define WALK_MAX_DIRS 200000u
#define WALK_MAX_DEPTH 32u
#define WALK_MIN_INTERVAL_MS 20
#define DEFAULT_CACHE_MAX 4096u
#define DEFAULT_GONE_GRACE_MS 30000u
/* The sweep for gone cgroups runs at most this often, and twice per grace. */
#define SWEEP_MAX_INTERVAL_MS 10000u
/* Refused cgroups reported one by one; a user can make any number of them. */
#define REFUSED_WARN_MAX 16u
/* CRI-O keeps config.json in its run root; the graph root is the fallback. */
#define CRIO_STATE_DEFAULT "/run/containers/storage:/var/lib/containers/storage"

enum ent_state { ENT_PENDING, ENT_NOTCTR, ENT_CTR };

struct entry {
	uint64_t cgid;
	enum ent_state st;
	bool fetched;			/* metadata attempt finished */
	bool fast_tried;		/* identify_fast() asked the kernel for the path */
	uint64_t last_use;
	uint64_t gone_since_ms;		/* monotonic ms its cgroup was first seen gone, or 0 */
	char *path;			/* cgroup path once known */
	struct ctr_path_info pi;
	struct ctr_info *info;		/* containers only */
};

enum job_type { JOB_RESOLVE, JOB_REFRESH };

struct job {
	enum job_type type;
	uint64_t cgid;
	uint64_t walk_gen;		/* walks done when the job was queued */
	char id[CTR_ID_MAX];
	char action[32];
};

struct ctr_resolver {
	char cgroup_root[4096];
	int root_fd;			/* for open_by_handle_at, -1 if unavailable */
	char *docker_sock, *docker_root, *containerd_state, *crio_state, *podman_state;
	unsigned cache_max;
	unsigned gone_grace_ms, sweep_ms;
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;

	pthread_mutex_t lock;
	pthread_cond_t work_cond;	/* jobs queued or stop */
	pthread_cond_t done_cond;	/* an entry changed */
	GHashTable *cache;		/* cgid -> struct entry */
	GQueue jobs;
	GHashTable *warned;		/* "runtime\npath" */
	unsigned refused_warned;	/* warn_refused() calls */
	uint64_t use_seq;
	bool stop;
	pthread_t worker;
	struct ctr_docker_events *events;

	/* Worker-only state. */
	GHashTable *paths;		/* cgid -> path, from the last walk */
	uint64_t walk_gen;		/* read under lock by lookups */
	struct timespec last_walk;
	uint64_t last_sweep_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void default_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "ctrcap: %s\n", msg);
}

/* Report msg once per key (runtime and path); callers hold no lock. */
static void warn_once_msg(struct ctr_resolver *r, const char *key, const char *msg)
{
	bool first;

	pthread_mutex_lock(&r->lock);
	first = !g_hash_table_contains(r->warned, key);
	if (first)
		g_hash_table_add(r->warned, g_strdup(key));
	pthread_mutex_unlock(&r->lock);
	if (first)
		r->warn(r->warn_ctx, msg);
}

/* Warn once per runtime and path that its metadata cannot be had. */
static void warn_once(struct ctr_resolver *r, enum ctr_runtime rt, const char *where,
		      const char *err)
{
	char key[1200], msg[2048];

	snprintf(key, sizeof(key), "%s\n%s", ctr_runtime_name(rt), where);
	snprintf(msg, sizeof(msg),
		 "containers: %s metadata unavailable at %s: %s; "
		 "packets keep the container id only",
		 ctr_runtime_name(rt), where, err && err[0] ? err : "unknown error");
	warn_once_msg(r, key, msg);
}

/*
 * Say (for the first REFUSED_WARN_MAX cgroups) that a cgroup named after a
 * container is not the container's: actual is where the runtime's process
 * for it runs ("" none, NULL the runtime does not know the container).
 */
static void warn_refused(struct ctr_resolver *r, const struct ctr_path_info *pi,
			 const char *path, const char *actual)
{
	char msg[6144], where[4200];
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->refused_warned++;
	pthread_mutex_unlock(&r->lock);
	if (n > REFUSED_WARN_MAX)
		return;
	if (n == REFUSED_WARN_MAX) {
		r->warn(r->warn_ctx, "containers: more cgroups named after containers they are "
				     "not; no more are reported");
		return;
	}
	if (!actual)
		snprintf(where, sizeof(where), "%s does not know that container",
			 ctr_runtime_name(pi->runtime));
	else if (!actual[0])
		snprintf(where, sizeof(where), "%s reports no live process for it",
			 ctr_runtime_name(pi->runtime));
	else
		snprintf(where, sizeof(where), "that container runs in cgroup %s", actual);
	snprintf(msg, sizeof(msg),
		 "containers: cgroup %s, made by a user, is named after %s container %s, but "
		 "%s: its packets are not named after that container",
		 path, ctr_runtime_name(pi->runtime), pi->id, where);
	r->warn(r->warn_ctx, msg);
}

static void entry_free(gpointer p)
{
	struct entry *e = p;

	g_free(e->path);
	free(e->info);
	g_free(e);
}

/* Drop the least recently used settled entry; called with the lock held. */
static bool evict_one(struct ctr_resolver *r)
{
	struct entry *victim = NULL;
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, r->cache);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct entry *e = v;

		if (e->st == ENT_PENDING || (e->st == ENT_CTR && !e->fetched))
			continue;
		if (!victim || e->last_use < victim->last_use)
			victim = e;
	}
	if (!victim)
		return false;
	g_hash_table_remove(r->cache, &victim->cgid);
	return true;
}

/* Queue a job; called with the lock held. */
static void push_job(struct ctr_resolver *r, const struct job *j)
{
	struct job *c = g_new(struct job, 1);

	*c = *j;
	g_queue_push_tail(&r->jobs, c);
	pthread_cond_signal(&r->work_cond);
}

/* The entry for cgid, created and queued if new; called with the lock held. */
static struct entry *get_entry(struct ctr_resolver *r, uint64_t cgid)
{
	struct entry *e = g_hash_table_lookup(r->cache, &cgid);
	struct job j = { .type = JOB_RESOLVE, .cgid = cgid };

	if (e)
		return e;
	while (g_hash_table_size(r->cache) >= r->cache_max && evict_one(r))
		;
	e = g_new0(struct entry, 1);
	e->cgid = cgid;
	e->st = ENT_PENDING;
	g_hash_table_insert(r->cache, &e->cgid, e);
	j.walk_gen = r->walk_gen;
	push_job(r, &j);
	return e;
}

/*
 * An empty answer for cgroup cgid at path. A ctr_info is large: only what a
 * reader looks at is cleared (the label arrays are read up to their counts).
 */
static void info_reset(struct ctr_info *i, uint64_t cgid, const char *path)
{
	memset(i, 0, offsetof(struct ctr_info, labels));
	i->n_labels = 0;
	i->n_pod_labels = 0;
	i->pid = 0;
	i->pod_name[0] = i->pod_namespace[0] = i->pod_uid[0] = i->k8s_ctr_name[0] = '\0';
	i->cgroup_id = cgid;
	ctr_strlcpy(i->cgroup_path, path, sizeof(i->cgroup_path));
}

/* What the cgroup path alone says of a container: runtime, id, pod uid. */
static void info_from_path(struct ctr_info *i, uint64_t cgid, const char *path,
			   const struct ctr_path_info *pi)
{
	info_reset(i, cgid, path);
	i->runtime = pi->runtime;
	i->running = true;
	ctr_strlcpy(i->id, pi->id, sizeof(i->id));
	ctr_strlcpy(i->pod_uid, pi->pod_uid, sizeof(i->pod_uid));
}

/* Fill out from an entry; called with the lock held. */
static int entry_result(const struct entry *e, uint64_t cgid, struct ctr_info *out)
{
	if (e->st == ENT_PENDING)
		return -1;
	if (e->st == ENT_CTR && e->info) {
		ctr_info_copy(out, e->info);
		return 1;
	}
	info_reset(out, cgid, e->path ? e->path : "");
	return 0;
}

/*
 * A container cgroup that a user made (a delegated subtree such as
 * user@UID.service), or one we cannot look at, is named only once the
 * runtime's state confirms it (runtime_confirms()).
 */
static void mark_delegated(struct ctr_resolver *r, const char *path, struct ctr_path_info *pi)
{
	pi->delegated = ctr_cgroup_owner(r->cgroup_root, path, pi->root_len) != 0;
}

/*
 * Whether the runtime's state puts container pi->id in the cgroup of info:
 * the container's init process (the pid its runtime reports) lives in the
 * container's own cgroup or below it. A user who names a cgroup of theirs
 * after another container cannot move that container's processes into it.
 * actual gets the init process's cgroup, "" if unknown.
 */
static bool runtime_confirms(const struct ctr_path_info *pi, const struct ctr_info *info,
			     char *actual, size_t alen)
{
	size_t n = pi->root_len;

	actual[0] = '\0';
	if (!info->pid || n >= strlen(info->cgroup_path) + 1 ||
	    ctr_pid_cgroup(info->pid, actual, alen))
		return false;
	return !strncmp(actual, info->cgroup_path, n) && (actual[n] == '\0' || actual[n] == '/');
}

/*
 * A cgroup id not identified yet (new, or queued by a walk and still
 * waiting for the worker): its path straight from the kernel (two
 * syscalls, no runtime I/O) so that its first packet already gets the
 * container id. Called with the lock held; drops it around the syscalls.
 */
static struct entry *identify_fast(struct ctr_resolver *r, uint64_t cgid)
{
	struct job j = { .type = JOB_RESOLVE, .cgid = cgid };
	struct ctr_path_info pi;
	struct ctr_info *info = NULL;
	struct entry *e;
	char path[4096];
	bool found, is_ctr, queued;

	pthread_mutex_unlock(&r->lock);
	found = !ctr_cgroup_path_by_id(r->root_fd, r->cgroup_root, cgid, path, sizeof(path));
	is_ctr = found && ctr_parse_cgroup_path_ex(path, &pi);
	if (is_ctr)
		mark_delegated(r, path, &pi);
	if (is_ctr && !pi.guessed && !pi.delegated) {
		info = malloc(sizeof(*info));
		if (info)
			info_from_path(info, cgid, path, &pi);
	}
	pthread_mutex_lock(&r->lock);
	queued = g_hash_table_contains(r->cache, &cgid);
	e = get_entry(r, cgid);
	e->fast_tried = true;
	if (e->st != ENT_PENDING) {	/* the worker got there first */
		free(info);
		return e;
	}
	if (!info) {
		/* A path no runtime makes is settled now (the worker would say the same). */
		if (found && !is_ctr) {
			e->st = ENT_NOTCTR;
			e->fetched = true;
			g_free(e->path);
			e->path = g_strdup(path);
			pthread_cond_broadcast(&r->done_cond);
		}
		/* Guessed, delegated, gone or unreadable: the worker decides. */
		return e;
	}
	/* Known container: a job only fetches the metadata. */
	e->st = ENT_CTR;
	g_free(e->path);
	e->path = g_strdup(path);
	e->pi = pi;
	e->info = info;
	/*
	 * A walk's job for this entry may be running in the worker right now:
	 * it drops entries that are no longer pending, so queue the fetch again
	 * (a second job for a fetched entry does nothing).
	 */
	if (queued) {
		j.walk_gen = r->walk_gen;
		push_job(r, &j);
	}
	pthread_cond_broadcast(&r->done_cond);
	return e;
}

/* The entry for cgid, identified from its path if no one has yet; lock held. */
static struct entry *entry_now(struct ctr_resolver *r, uint64_t cgid)
{
	struct entry *e = g_hash_table_lookup(r->cache, &cgid);

	if (!e || (e->st == ENT_PENDING && !e->fast_tried))
		e = identify_fast(r, cgid);
	return e;
}

int ctr_resolver_lookup(struct ctr_resolver *r, uint64_t cgroup_id, struct ctr_info *out)
{
	struct entry *e;
	int ret;

	if (!cgroup_id)
		return 0;
	pthread_mutex_lock(&r->lock);
	e = entry_now(r, cgroup_id);
	e->last_use = ++r->use_seq;
	ret = entry_result(e, cgroup_id, out);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Whether e's answer is final for now: not a container, or its metadata fetch done. */
static bool entry_settled(const struct entry *e)
{
	return e->st == ENT_NOTCTR || (e->st == ENT_CTR && e->fetched);
}

bool ctr_resolver_settled(struct ctr_resolver *r, uint64_t cgroup_id)
{
	struct entry *e;
	bool done;

	if (!cgroup_id)
		return true;
	pthread_mutex_lock(&r->lock);
	e = entry_now(r, cgroup_id);
	e->last_use = ++r->use_seq;
	done = entry_settled(e);
	pthread_mutex_unlock(&r->lock);
	return done;
}

/* Wait for cgid to settle until deadline; called with the lock held. */
static int wait_settled(struct ctr_resolver *r, uint64_t cgid, const struct timespec *deadline,
			struct ctr_info *out)
{
	struct entry *e;

	for (;;) {
		e = get_entry(r, cgid);
		e->last_use = ++r->use_seq;
		if (entry_settled(e))
			break;
		if (pthread_cond_timedwait(&r->done_cond, &r->lock, deadline) == ETIMEDOUT) {
			e = get_entry(r, cgid);
			break;
		}
	}
	return entry_result(e, cgid, out);
}

int ctr_resolver_lookup_wait(struct ctr_resolver *r, uint64_t cgroup_id, struct ctr_info *out,
			     unsigned timeout_ms)
{
	struct timespec deadline;
	int ret;

	if (!cgroup_id)
		return 0;
	deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&r->lock);
	entry_now(r, cgroup_id);
	ret = wait_settled(r, cgroup_id, &deadline, out);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

struct list_walk {
	GArray *ids;		/* uint64_t cgroup ids of container cgroups */
	GHashTable *roots;	/* container id -> its first cgroup, path[0..root_len) */
};

static void list_cb(void *ctx, uint64_t id, const char *path)
{
	struct list_walk *lw = ctx;
	struct ctr_path_info pi;
	const char *root;
	size_t n;

	if (!ctr_parse_cgroup_path_ex(path, &pi))
		return;
	/*
	 * Pre-order walk: the container's own cgroup comes before any it
	 * created below; those are skipped. Another cgroup elsewhere with
	 * the same id (one a user named after the container) is listed too:
	 * the runtime's state decides which one is the container's, so a
	 * false one walked first cannot hide the real one.
	 */
	root = g_hash_table_lookup(lw->roots, pi.id);
	n = root ? strlen(root) : 0;
	if (root && !strncmp(path, root, n) && path[n] == '/')
		return;
	if (!root)
		g_hash_table_insert(lw->roots, g_strdup(pi.id), g_strndup(path, pi.root_len));
	g_array_append_val(lw->ids, id);
}

/* Whether arr[0..n) already holds container id. */
static bool listed(const struct ctr_info *arr, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(arr[i].id, id))
			return true;
	return false;
}

int ctr_resolver_list(struct ctr_resolver *r, struct ctr_info **out, size_t *n,
		      unsigned timeout_ms)
{
	struct list_walk lw;
	struct timespec deadline;
	struct ctr_info *arr, *tmp;
	size_t i, got = 0;

	*out = NULL;
	*n = 0;
	deadline_after(&deadline, timeout_ms);
	lw.ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	lw.roots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (ctr_cgroup_walk(r->cgroup_root, WALK_MAX_DIRS, WALK_MAX_DEPTH, list_cb, &lw) < 0) {
		g_array_free(lw.ids, TRUE);
		g_hash_table_destroy(lw.roots);
		return -1;
	}
	arr = calloc(lw.ids->len ? lw.ids->len : 1, sizeof(*arr));
	tmp = malloc(sizeof(*tmp));
	if (!arr || !tmp) {
		free(arr);
		free(tmp);
		g_array_free(lw.ids, TRUE);
		g_hash_table_destroy(lw.roots);
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < lw.ids->len; i++)
		get_entry(r, g_array_index(lw.ids, uint64_t, i));
	for (i = 0; i < lw.ids->len; i++) {
		if (wait_settled(r, g_array_index(lw.ids, uint64_t, i), &deadline, tmp) == 1 &&
		    !listed(arr, got, tmp->id))
			ctr_info_copy(&arr[got++], tmp);
	}
	pthread_mutex_unlock(&r->lock);
	free(tmp);
	g_array_free(lw.ids, TRUE);
	g_hash_table_destroy(lw.roots);
	*out = arr;
	*n = got;
	return 0;
}

/* ---- worker ---- */

static void walk_cb(void *ctx, uint64_t id, const char *path)
{
	struct ctr_resolver *r = ctx;
	uint64_t *k = g_new(uint64_t, 1);

	*k = id;
	g_hash_table_replace(r->paths, k, g_strdup(path));
}

/* Rescan the cgroup tree, no more often than WALK_MIN_INTERVAL_MS. */
static void rescan(struct ctr_resolver *r)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - r->last_walk.tv_sec) * 1000 +
	     (now.tv_nsec - r->last_walk.tv_nsec) / 1000000;
	if (ms >= 0 && ms < WALK_MIN_INTERVAL_MS)
		g_usleep((gulong)(WALK_MIN_INTERVAL_MS - ms) * 1000);
	g_hash_table_remove_all(r->paths);
	if (ctr_cgroup_walk(r->cgroup_root, WALK_MAX_DIRS, WALK_MAX_DEPTH, walk_cb, r) < 0) {
		char msg[4200];

		snprintf(msg, sizeof(msg),
			 "containers: cannot read the cgroup-v2 tree at %s: %s; packets carry no "
			 "container identity", r->cgroup_root, strerror(errno));
		warn_once_msg(r, "cgroup-root", msg);
	}
	clock_gettime(CLOCK_MONOTONIC, &r->last_walk);
	pthread_mutex_lock(&r->lock);
	r->walk_gen++;
	pthread_mutex_unlock(&r->lock);
}

/*
 * Walk the tree and queue every container cgroup not cached yet, so that
 * packets of containers that exist (or just started) find their metadata
 * ready instead of waiting for a first lookup to queue it.
 */
static void prewarm(struct ctr_resolver *r)
{
	GHashTableIter it;
	gpointer k, v;
	unsigned queued = 0;

	rescan(r);
	pthread_mutex_lock(&r->lock);
	g_hash_table_iter_init(&it, r->paths);
	while (g_hash_table_iter_next(&it, &k, &v) && queued < r->cache_max / 2) {
		struct ctr_path_info pi;

		if (g_hash_table_contains(r->cache, k) || !ctr_parse_cgroup_path_ex(v, &pi))
			continue;
		get_entry(r, *(uint64_t *)k);
		queued++;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Fetch a container's metadata from its runtime. No lock held. */
static int fetch_meta(struct ctr_resolver *r, struct ctr_path_info *pi, struct ctr_info *info)
{
	char err[512] = "", where[1024] = "";
	int rc = CTR_ENOTFOUND;

	switch (pi->runtime) {
	case CTR_RT_DOCKER:
		rc = ctr_docker_fetch(r->docker_sock, r->docker_root, pi->id, info, err,
				      sizeof(err), where, sizeof(where));
		break;
	case CTR_RT_CONTAINERD:
		rc = ctr_containerd_read(r->containerd_state, pi->ns, pi->id, info, err,
					 sizeof(err), where, sizeof(where));
		if (rc != CTR_OK && pi->guessed && pi->pod_uid[0]) {
			/* kubelet's cgroupfs layout is the same for dockershim. */
			char e2[512], w2[1024];

			if (ctr_docker_fetch(r->docker_sock, r->docker_root, pi->id, info, e2,
					     sizeof(e2), w2, sizeof(w2)) == CTR_OK) {
				pi->runtime = CTR_RT_DOCKER;
				info->runtime = CTR_RT_DOCKER;
				return CTR_OK;
			}
		}
		if (pi->guessed && (rc == CTR_ENOTFOUND || rc == CTR_EUNREACH))
			return rc;	/* a guess the state did not confirm: no warning */
		break;
	case CTR_RT_CRIO:
		rc = ctr_crio_read(r->crio_state, pi->id, info, err, sizeof(err), where,
				   sizeof(where));
		break;
	case CTR_RT_PODMAN:
		rc = ctr_podman_read(r->podman_state, pi->id, info, err, sizeof(err), where,
				     sizeof(where));
		break;
	case CTR_RT_NONE:
		break;
	}
	if (rc == CTR_EUNREACH || rc == CTR_EBAD)
		warn_once(r, pi->runtime, where, err);
	return rc;
}

static void fetch_and_store(struct ctr_resolver *r, uint64_t cgid, struct ctr_path_info *pi,
			    struct ctr_info *info);

static void resolve(struct ctr_resolver *r, const struct job *j)
{
	char byid[4096];
	struct ctr_path_info pi;
	struct ctr_info *info;
	struct entry *e;
	const char *path;
	uint64_t gen;

	pthread_mutex_lock(&r->lock);
	gen = r->walk_gen;
	e = g_hash_table_lookup(r->cache, &j->cgid);
	if (e && e->st == ENT_CTR && !e->fetched && e->info) {
		/* Identified by identify_fast(): only the metadata is missing. */
		pi = e->pi;
		info = malloc(sizeof(*info));
		if (info)
			ctr_info_copy(info, e->info);
		pthread_mutex_unlock(&r->lock);
		if (info)
			fetch_and_store(r, j->cgid, &pi, info);
		return;
	}
	pthread_mutex_unlock(&r->lock);
	path = g_hash_table_lookup(r->paths, &j->cgid);
	if (!path && !ctr_cgroup_path_by_id(r->root_fd, r->cgroup_root, j->cgid, byid,
					    sizeof(byid)))
		path = byid;
	if (!path && j->walk_gen == gen) {
		rescan(r);
		path = g_hash_table_lookup(r->paths, &j->cgid);
	}
	info = calloc(1, sizeof(*info));
	if (path && info && ctr_parse_cgroup_path_ex(path, &pi)) {
		mark_delegated(r, path, &pi);
		info_from_path(info, j->cgid, path, &pi);
	} else {
		pi.runtime = CTR_RT_NONE;
	}

	pthread_mutex_lock(&r->lock);
	e = g_hash_table_lookup(r->cache, &j->cgid);
	if (!e || e->st != ENT_PENDING) {
		pthread_mutex_unlock(&r->lock);
		free(info);
		return;
	}
	e->path = path ? g_strdup(path) : NULL;
	e->pi = pi;
	if (pi.runtime == CTR_RT_NONE || pi.guessed || pi.delegated) {
		/* A guessed or delegated one is only a container once its runtime confirms it. */
		e->st = pi.runtime == CTR_RT_NONE ? ENT_NOTCTR : ENT_PENDING;
	} else {
		e->st = ENT_CTR;
		e->info = malloc(sizeof(*e->info));
		if (e->info)
			ctr_info_copy(e->info, info);
		else
			e->st = ENT_NOTCTR;
	}
	e->fetched = e->st == ENT_NOTCTR;
	pthread_cond_broadcast(&r->done_cond);
	pthread_mutex_unlock(&r->lock);
	if (pi.runtime == CTR_RT_NONE) {
		free(info);
		return;
	}

	fetch_and_store(r, j->cgid, &pi, info);
}

/* Fetch a container's metadata and store it in its entry; frees info. */
static void fetch_and_store(struct ctr_resolver *r, uint64_t cgid, struct ctr_path_info *pi,
			    struct ctr_info *info)
{
	char actual[4096];
	bool refused = false;
	struct entry *e;
	int rc;

	rc = fetch_meta(r, pi, info);
	if (pi->delegated && (rc != CTR_OK || !runtime_confirms(pi, info, actual, sizeof(actual)))) {
		warn_refused(r, pi, info->cgroup_path, rc != CTR_OK ? NULL : actual);
		refused = true;
	}
	if (!info->pid)
		info->pid = ctr_cgroup_first_pid(r->cgroup_root, info->cgroup_path);
	info->complete = rc == CTR_OK;

	pthread_mutex_lock(&r->lock);
	e = g_hash_table_lookup(r->cache, &cgid);
	if (e) {
		if (refused ||
		    (pi->guessed && (rc == CTR_ENOTFOUND || rc == CTR_EUNREACH) && !pi->pod_uid[0])) {
			e->st = ENT_NOTCTR;
		} else {
			if (!e->info)
				e->info = malloc(sizeof(*e->info));
			if (e->info) {
				ctr_info_copy(e->info, info);
				e->st = ENT_CTR;
			} else {
				e->st = ENT_NOTCTR;
			}
		}
		e->fetched = true;
		pthread_cond_broadcast(&r->done_cond);
	}
	pthread_mutex_unlock(&r->lock);
	free(info);
}

/* A Docker event: mark stopped containers, refetch renamed/started ones. */
static void refresh(struct ctr_resolver *r, const struct job *j)
{
	bool stopped = !strcmp(j->action, "die") || !strcmp(j->action, "stop") ||
		       !strcmp(j->action, "destroy") || !strcmp(j->action, "kill");
	struct ctr_info *info = NULL;
	struct ctr_path_info pi = { .runtime = CTR_RT_DOCKER };
	GHashTableIter it;
	gpointer k, v;
	bool have = false;

	pthread_mutex_lock(&r->lock);
	g_hash_table_iter_init(&it, r->cache);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct entry *e = v;

		if (e->st != ENT_CTR || !e->info || e->info->runtime != CTR_RT_DOCKER ||
		    strcmp(e->info->id, j->id))
			continue;
		if (stopped) {
			e->info->running = false;	/* identity stays for packets in flight */
		} else if (!have) {
			info = malloc(sizeof(*info));
			if (info)
				ctr_info_copy(info, e->info);
			have = true;
		}
	}
	pthread_cond_broadcast(&r->done_cond);
	pthread_mutex_unlock(&r->lock);
	if (!have && !strcmp(j->action, "start"))
		prewarm(r);	/* a new container: its packets will come soon */
	if (!info)
		return;

	ctr_strlcpy(pi.id, j->id, sizeof(pi.id));
	if (fetch_meta(r, &pi, info) == CTR_OK) {
		info->complete = true;
		pthread_mutex_lock(&r->lock);
		g_hash_table_iter_init(&it, r->cache);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			struct entry *e = v;
			uint64_t cgid;

			if (e->st != ENT_CTR || !e->info || e->info->runtime != CTR_RT_DOCKER ||
			    strcmp(e->info->id, j->id))
				continue;
			cgid = e->info->cgroup_id;
			ctr_info_copy(e->info, info);
			e->info->cgroup_id = cgid;
			ctr_strlcpy(e->info->cgroup_path, e->path ? e->path : "",
				    sizeof(e->info->cgroup_path));
		}
		pthread_cond_broadcast(&r->done_cond);
		pthread_mutex_unlock(&r->lock);
	}
	free(info);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct sweep_item {
	uint64_t cgid;
	char *path;
	bool exists;
};

/*
 * Drop the entries whose cgroup has been gone for gone_grace_ms. Each
 * container lifetime leaves an entry (with ~67 KB of metadata) that the
 * LRU bound alone would keep until 4096 of them pile up. Paths are checked
 * without the lock; entries are marked or dropped under it.
 */
static void sweep_gone(struct ctr_resolver *r)
{
	GArray *items = g_array_new(FALSE, FALSE, sizeof(struct sweep_item));
	uint64_t now = mono_ms();
	GHashTableIter it;
	gpointer k, v;
	char full[8192];

	pthread_mutex_lock(&r->lock);
	g_hash_table_iter_init(&it, r->cache);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct entry *e = v;
		struct sweep_item si = { .cgid = e->cgid };

		if (e->st == ENT_PENDING || !e->path || (e->st == ENT_CTR && !e->fetched))
			continue;
		si.path = g_strdup(e->path);
		g_array_append_val(items, si);
	}
	pthread_mutex_unlock(&r->lock);

	for (guint i = 0; i < items->len; i++) {
		struct sweep_item *si = &g_array_index(items, struct sweep_item, i);

		snprintf(full, sizeof(full), "%s%s", r->cgroup_root, si->path);
		si->exists = access(full, F_OK) == 0 || errno != ENOENT;
	}

	pthread_mutex_lock(&r->lock);
	for (guint i = 0; i < items->len; i++) {
		struct sweep_item *si = &g_array_index(items, struct sweep_item, i);
		struct entry *e = g_hash_table_lookup(r->cache, &si->cgid);

		g_free(si->path);
		if (!e)
			continue;
		if (si->exists)
			e->gone_since_ms = 0;
		else if (!e->gone_since_ms)
			e->gone_since_ms = now;
		else if (now - e->gone_since_ms >= r->gone_grace_ms)
			g_hash_table_remove(r->cache, &si->cgid);
	}
	pthread_mutex_unlock(&r->lock);
	g_array_free(items, TRUE);
	r->last_sweep_ms = now;
}

/* Wait for a job or the next sweep; called with the lock held. */
static void wait_for_work(struct ctr_resolver *r)
{
	uint64_t due = r->last_sweep_ms + r->sweep_ms;
	struct timespec ts = { .tv_sec = (time_t)(due / 1000),
			       .tv_nsec = (long)(due % 1000) * 1000000 };

	while (!r->stop && g_queue_is_empty(&r->jobs) && mono_ms() < due)
		pthread_cond_timedwait(&r->work_cond, &r->lock, &ts);
}

static void *worker(void *arg)
{
	struct ctr_resolver *r = arg;

	prewarm(r);
	r->last_sweep_ms = mono_ms();
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct job *j;

		wait_for_work(r);
		if (r->stop)
			break;
		if (mono_ms() >= r->last_sweep_ms + r->sweep_ms) {
			pthread_mutex_unlock(&r->lock);
			sweep_gone(r);
			pthread_mutex_lock(&r->lock);
			continue;
		}
		j = g_queue_pop_head(&r->jobs);
		pthread_mutex_unlock(&r->lock);
		if (j->type == JOB_RESOLVE)
			resolve(r, j);
		else
			refresh(r, j);
		g_free(j);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void on_docker_event(void *ctx, const char *id, const char *action)
{
	struct ctr_resolver *r = ctx;
	struct job j = { .type = JOB_REFRESH };

	/* exec_start, health_status, ... do not change identity. */
	if (strcmp(action, "start") && strcmp(action, "rename") && strcmp(action, "die") &&
	    strcmp(action, "stop") && strcmp(action, "destroy") && strcmp(action, "update") &&
	    strcmp(action, "kill"))
		return;
	ctr_strlcpy(j.id, id, sizeof(j.id));
	ctr_strlcpy(j.action, action, sizeof(j.action));
	pthread_mutex_lock(&r->lock);
	push_job(r, &j);
	pthread_mutex_unlock(&r->lock);
}

static guint u64_hash(gconstpointer p)
{
	uint64_t v = *(const uint64_t *)p;

	return (guint)(v ^ (v >> 32));
}

static gboolean u64_equal(gconstpointer a, gconstpointer b)
{
	return *(const uint64_t *)a == *(const uint64_t *)b;
}

/* Docker's own convention: DOCKER_HOST=unix:///path, else the standard socket. */
static const char *docker_host_sock(void)
{
	/* secure_getenv: ignored when ctrcap runs with file capabilities or setuid. */
	const char *h = secure_getenv("DOCKER_HOST");

	if (h && !strncmp(h, "unix://", 7) && h[7] == '/')
		return h + 7;
	return "/run/docker.sock";
}

/* A state path from the environment (for hosts with non-standard roots), else def. */
static const char *env_or(const char *name, const char *def)
{
	const char *v = secure_getenv(name);

	return v && v[0] == '/' ? v : def;
}

static char *dup_or(const char *s, const char *def)
{
	return strdup(s && s[0] ? s : def);
}

struct ctr_resolver *ctr_resolver_new(const struct ctr_resolver_opts *o, char *err, size_t errlen)
{
	struct ctr_resolver_opts none = { 0 };
	struct ctr_resolver *r;
	pthread_condattr_t ca;

	if (!o)
		o = &none;
	pthread_once(&curl_once, curl_init_once);
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (o->cgroup_root && o->cgroup_root[0]) {
		ctr_strlcpy(r->cgroup_root, o->cgroup_root, sizeof(r->cgroup_root));
	} else if (ctr_cgroup2_mount(NULL, r->cgroup_root, sizeof(r->cgroup_root))) {
		snprintf(err, errlen, "containers: no cgroup2 mount in /proc/self/mountinfo");
		free(r);
		return NULL;
	}
	r->root_fd = open(r->cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r->docker_sock = dup_or(o->docker_sock, docker_host_sock());
	r->docker_root = dup_or(o->docker_root, "/var/lib/docker");
	r->containerd_state = dup_or(o->containerd_state,
				     env_or("CTRCAP_CONTAINERD_STATE", "/run/containerd"));
	r->crio_state = dup_or(o->crio_state, env_or("CTRCAP_CRIO_STATE", CRIO_STATE_DEFAULT));
	r->podman_state = dup_or(o->podman_state,
				 env_or("CTRCAP_PODMAN_STATE", "/var/lib/containers/storage"));
	r->cache_max = o->cache_max ? o->cache_max : DEFAULT_CACHE_MAX;
	r->gone_grace_ms = o->gone_grace_ms ? o->gone_grace_ms : DEFAULT_GONE_GRACE_MS;
	r->sweep_ms = r->gone_grace_ms / 2 < SWEEP_MAX_INTERVAL_MS ? r->gone_grace_ms / 2 :
								      SWEEP_MAX_INTERVAL_MS;
	if (!r->sweep_ms)
		r->sweep_ms = 1;
	r->warn = o->warn ? o->warn : default_warn;
	r->warn_ctx = o->warn_ctx;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->work_cond, &ca);
	pthread_cond_init(&r->done_cond, &ca);
	pthread_condattr_destroy(&ca);
	r->cache = g_hash_table_new_full(u64_hash, u64_equal, NULL, entry_free);
	r->paths = g_hash_table_new_full(u64_hash, u64_equal, g_free, g_free);
	r->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&r->jobs);
	r->walk_gen = 1;
	if (!r->docker_sock || !r->docker_root || !r->containerd_state || !r->crio_state ||
	    !r->podman_state || pthread_create(&r->worker, NULL, worker, r)) {
		snprintf(err, errlen, "containers: cannot start the resolver thread");
		r->worker = 0;
		ctr_resolver_free(r);
		return NULL;
	}
	if (!o->no_events)
		r->events = ctr_docker_events_start(r->docker_sock, on_docker_event, r);
	return r;
}

size_t ctr_resolver_cached(struct ctr_resolver *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = g_hash_table_size(r->cache);
	pthread_mutex_unlock(&r->lock);
	return n;
}

void ctr_resolver_free(struct ctr_resolver *r)
{
	if (!r)
		return;
	ctr_docker_events_stop(r->events);
	if (r->worker) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_broadcast(&r->work_cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->worker, NULL);
	}
	g_queue_clear_full(&r->jobs, g_free);
	if (r->cache)
		g_hash_table_destroy(r->cache);
	if (r->paths)
		g_hash_table_destroy(r->paths);
	if (r->warned)
		g_hash_table_destroy(r->warned);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->work_cond);
	pthread_cond_destroy(&r->done_cond);
	if (r->root_fd >= 0)
		close(r->root_fd);
	free(r->docker_sock);
	free(r->docker_root);
	free(r->containerd_state);
	free(r->crio_state);
	free(r->podman_state);
	free(r);
}
