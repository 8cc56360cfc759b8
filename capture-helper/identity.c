// SPDX-License-Identifier: GPL-2.0-or-later
/* Building and filtering packet identities (see identity.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "identity.h"
#include "node_name.h"
#include "containers/resolver.h"

_Static_assert(CTRCAP_BPF_ATTR_SOCKET == CTRCAP_ATTR_SOCKET, "attribution values differ");
_Static_assert(CTRCAP_BPF_ATTR_FLOW == CTRCAP_ATTR_FLOW, "attribution values differ");
_Static_assert(CTRCAP_BPF_ATTR_REVERSE_FLOW == CTRCAP_ATTR_REVERSE_FLOW, "attribution values differ");
_Static_assert(CTRCAP_BPF_ATTR_EARLIER_HOP == CTRCAP_ATTR_EARLIER_HOP, "attribution values differ");
_Static_assert(CTRCAP_BPF_ATTR_IFACE_NETNS == CTRCAP_ATTR_IFACE_NETNS, "attribution values differ");
_Static_assert(CTRCAP_BPF_ATTR_LISTENER == CTRCAP_ATTR_LISTENER, "attribution values differ");

#define CTR_CACHE 256
#define NETNS_MAP 1024
/* The reader's memo of netns -> cgroup answers (direct-mapped on the netns). */
#define NS_MEMO 16
/* How often to ask the resolver again about a cgroup it did not know yet. */
#define RETRY_MS 200
/* How often to ask again about a complete container: renames, stops, label updates. */
#define REFRESH_MS 1500
/* Encoded identity records kept for reuse (direct-mapped on the identity's key). */
#define REC_CACHE 512

struct ctr_cache {
	uint64_t cgroup_id;
	int state;		/* resolver answer: 1 container, 0 not, -1 unknown */
	uint64_t asked_ms;	/* 0: never asked (the first ask waits for the metadata) */
	uint32_t gen;		/* changes whenever info changes */
	struct ctr_info *info;
};

/* One encoded record and the key of the identity it encodes. */
struct rec_cache {
	struct ctrcap_ident_key key;
	bool valid;
	uint32_t len;
	uint8_t *rec;
	uint32_t cap;
};

struct netns_map {
	uint32_t netns;
	uint32_t pid;		/* the process whose cgroup it is */
	uint64_t cgroup_id;
};

struct ns_memo {
	uint32_t netns;
	uint32_t gen;		/* ns_gen when answered */
	uint64_t cgroup_id;
};

struct ctrcap_ident {
	struct ctrcap_proc_table *procs;
	struct ctr_resolver *res;
	char cgroup_root[512];
	struct ctr_cache cache[CTR_CACHE];
	unsigned cache_next;
	unsigned cache_last;		/* the entry found last: packets come in runs */
	pthread_mutex_t ns_lock;	/* ns, n_ns: the scanner thread notes, packets read */
	struct netns_map ns[NETNS_MAP];
	unsigned n_ns;
	uint32_t ns_gen;		/* changes with ns[] (under ns_lock; read atomically) */
	/*
	 * The packet reader's recent answers from ns[], valid while ns_gen is
	 * theirs: a packet would otherwise take the lock and scan up to
	 * NETNS_MAP entries, twice. Only the reader thread uses it.
	 */
	struct ns_memo ns_memo[NS_MEMO];
	uint64_t boot_to_epoch_ns;
	struct ctr_info *scratch;	/* a refresh's answer, kept only when it is a container */
	uint32_t ctr_gen;		/* source of ctr_cache.gen */
	struct rec_cache *recs;
	uint8_t *enc;			/* CTRCAP_RECORD_MAX bytes of encode scratch */
	uint64_t rec_hits, rec_misses;
	/*
	 * The same on every packet of the capture: it goes into each record
	 * encoded, and so into the cached ones, and needs no place in the key.
	 */
	char node_name[CTRCAP_NODE_NAME_BUF];
	/* Unique among contexts (never 0): a buffer built by another is rebuilt. */
	uint32_t serial;
};

static uint32_t ident_serials;

/* Coarse (a tick): it times retries of 200 ms and more, and is read per packet. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

struct ctrcap_ident *ctrcap_ident_new(struct ctrcap_proc_table *procs, struct ctr_resolver *res,
				      const char *cgroup_root, const char *node_name)
{
	struct ctrcap_ident *x = calloc(1, sizeof(*x));
	struct timespec rt, bt;

	if (!x)
		return NULL;
	x->recs = calloc(REC_CACHE, sizeof(*x->recs));
	x->enc = malloc(CTRCAP_RECORD_MAX);
	if (!x->recs || !x->enc) {
		ctrcap_ident_free(x);
		return NULL;
	}
	pthread_mutex_init(&x->ns_lock, NULL);
	x->procs = procs;
	x->res = res;
	x->serial = __atomic_add_fetch(&ident_serials, 1, __ATOMIC_RELAXED);
	snprintf(x->cgroup_root, sizeof(x->cgroup_root), "%s", cgroup_root ? cgroup_root : "");
	snprintf(x->node_name, sizeof(x->node_name), "%s", node_name ? node_name : "");
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	x->boot_to_epoch_ns = (rt.tv_sec - bt.tv_sec) * 1000000000ull + rt.tv_nsec - bt.tv_nsec;
	return x;
}

void ctrcap_ident_free(struct ctrcap_ident *x)
{
	if (!x)
		return;
	for (unsigned i = 0; i < CTR_CACHE; i++)
		free(x->cache[i].info);
	for (unsigned i = 0; x->recs && i < REC_CACHE; i++)
		free(x->recs[i].rec);
	free(x->recs);
	free(x->enc);
	free(x->scratch);
	pthread_mutex_destroy(&x->ns_lock);
	free(x);
}

void ctrcap_ident_note_netns(struct ctrcap_ident *x, uint32_t netns, uint32_t pid)
{
	bool known = false;
	uint64_t cg;
	unsigned i;

	/*
	 * Known while the process noted is the one named now. Another pid means
	 * that process is gone: a namespace inode freed with its container is
	 * soon another container's, whose cgroup is read anew.
	 */
	pthread_mutex_lock(&x->ns_lock);
	for (i = 0; i < x->n_ns && !known; i++)
		known = x->ns[i].netns == netns && x->ns[i].cgroup_id && x->ns[i].pid == pid;
	pthread_mutex_unlock(&x->ns_lock);
	if (known || !pid || !x->cgroup_root[0])
		return;
	/* Read /proc/PID/cgroup without the lock: packets do not wait for it. */
	cg = ctrcap_cgroup_id_of_pid(x->cgroup_root, pid);
	pthread_mutex_lock(&x->ns_lock);
	for (i = 0; i < x->n_ns; i++) {
		if (x->ns[i].netns == netns) {
			/* A failed read keeps what was known: the process may just have exited. */
			if (cg) {
				x->ns[i].cgroup_id = cg;
				x->ns[i].pid = pid;
				__atomic_add_fetch(&x->ns_gen, 1, __ATOMIC_RELEASE);
			}
			break;
		}
	}
	if (i == x->n_ns && x->n_ns < NETNS_MAP) {
		x->ns[x->n_ns++] = (struct netns_map){ netns, pid, cg };
		__atomic_add_fetch(&x->ns_gen, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&x->ns_lock);
}

/*
 * Ask again about a complete container (a rename, a stop, an update reach
 * the packets within REFRESH_MS). An answer that is no longer a container
 * (the cgroup is gone, the entry evicted) keeps what we had: packets in
 * flight still belong to it.
 */
static void refresh(struct ctrcap_ident *x, struct ctr_cache *c, uint64_t now)
{
	c->asked_ms = now;
	if (!x->scratch)
		x->scratch = calloc(1, sizeof(*x->scratch));
	if (!x->scratch)
		return;
	if (ctr_resolver_lookup(x->res, c->cgroup_id, x->scratch) != 1 || !x->scratch->complete)
		return;
	if (!memcmp(x->scratch, c->info, sizeof(*c->info)))
		return;
	/* Swap buffers: no copy of the large struct. */
	{
		struct ctr_info *t = c->info;

		c->info = x->scratch;
		x->scratch = t;
	}
	c->gen = ++x->ctr_gen;
}

/* The cache entry of cgroup_id, or NULL. */
static struct ctr_cache *cache_find(struct ctrcap_ident *x, uint64_t cgroup_id)
{
	if (x->cache[x->cache_last].cgroup_id == cgroup_id && x->cache[x->cache_last].info)
		return &x->cache[x->cache_last];
	for (unsigned i = 0; i < CTR_CACHE; i++) {
		if (x->cache[i].cgroup_id == cgroup_id && x->cache[i].info) {
			x->cache_last = i;
			return &x->cache[i];
		}
	}
	return NULL;
}

/*
 * The container of cgroup_id from the cache, asking the resolver when due.
 * Never waits: a cgroup's first packets were held back by the caller until
 * the resolver settled (ctrcap_ident_pending()).
 */
static const struct ctr_info *container_gen(struct ctrcap_ident *x, uint64_t cgroup_id,
					    uint32_t *gen)
{
	struct ctr_cache *c;
	uint64_t now;

	if (!x->res || !cgroup_id)
		return NULL;
	c = cache_find(x, cgroup_id);
	now = now_ms();
	if (!c) {
		c = &x->cache[x->cache_next++ % CTR_CACHE];
		if (!c->info)
			c->info = malloc(sizeof(*c->info));
		if (!c->info)
			return NULL;
		c->cgroup_id = cgroup_id;
		c->state = -1;
		c->asked_ms = 0;
		c->gen = ++x->ctr_gen;
	}
	/* Copying a ctr_info is large: ask again only while the answer may change. */
	if ((c->state < 0 || (c->state == 1 && !c->info->complete)) &&
	    (!c->asked_ms || now - c->asked_ms >= RETRY_MS)) {
		c->state = ctr_resolver_lookup(x->res, cgroup_id, c->info);
		c->asked_ms = now;
		c->gen = ++x->ctr_gen;
	} else if (c->state == 1 && now - c->asked_ms >= REFRESH_MS) {
		refresh(x, c, now);
	}
	if (c->state != 1)
		return NULL;
	if (gen)
		*gen = c->gen;
	return c->info;
}

bool ctrcap_ident_pending(struct ctrcap_ident *x, uint64_t cgroup_id)
{
	if (!x->res || !cgroup_id || cache_find(x, cgroup_id))
		return false;
	return !ctr_resolver_settled(x->res, cgroup_id);
}

static const struct ctr_info *container_of(struct ctrcap_ident *x, uint64_t cgroup_id)
{
	return container_gen(x, cgroup_id, NULL);
}

uint64_t ctrcap_ident_netns_cgroup(struct ctrcap_ident *x, uint32_t netns)
{
	uint32_t gen = __atomic_load_n(&x->ns_gen, __ATOMIC_ACQUIRE);
	struct ns_memo *m = &x->ns_memo[netns % NS_MEMO];
	uint64_t cg = 0;

	/* gen 0 is the empty table's: a zeroed slot never passes for an answer. */
	if (gen && m->gen == gen && m->netns == netns)
		return m->cgroup_id;
	pthread_mutex_lock(&x->ns_lock);
	gen = x->ns_gen;
	for (unsigned i = 0; i < x->n_ns; i++) {
		if (x->ns[i].netns == netns) {
			cg = x->ns[i].cgroup_id;
			break;
		}
	}
	pthread_mutex_unlock(&x->ns_lock);
	*m = (struct ns_memo){ netns, gen, cg };
	return cg;
}

const struct ctr_info *ctrcap_ident_netns_container(struct ctrcap_ident *x, uint32_t netns)
{
	return container_of(x, ctrcap_ident_netns_cgroup(x, netns));
}

static struct ctrcap_str sv(const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return (struct ctrcap_str){ NULL, 0 };
	return (struct ctrcap_str){ s, n > CTRCAP_STR_MAX ? CTRCAP_STR_MAX : (uint16_t)n };
}

static void fill_container(struct ctrcap_identity *id, const struct ctr_info *c)
{
	id->ctr_id = sv(c->id);
	id->ctr_name = sv(c->name);
	id->ctr_image = sv(c->image);
	id->ctr_runtime = sv(ctr_runtime_name(c->runtime));
	for (unsigned i = 0; i < c->n_labels && i < CTRCAP_MAX_LABELS; i++)
		id->ctr_labels[id->n_ctr_labels++] = sv(c->labels[i]);
	id->pod_name = sv(c->pod_name);
	id->pod_namespace = sv(c->pod_namespace);
	id->pod_uid = sv(c->pod_uid);
	id->k8s_ctr_name = sv(c->k8s_ctr_name);
	for (unsigned i = 0; i < c->n_pod_labels && i < CTRCAP_MAX_LABELS; i++)
		id->pod_labels[id->n_pod_labels++] = sv(c->pod_labels[i]);
}

/* What one packet's identity is made of: its key and where its strings are. */
struct ident_sources {
	struct ctrcap_ident_key key;
	const struct ctrcap_proc *p, *pp;	/* the process and its parent, if known */
	const struct ctr_info *ctr;		/* its container, if resolved */
};

uint64_t ctrcap_ident_packet_cgroup(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e)
{
	uint64_t cg = e->owner.cgroup_id, ns_cg;

	/* Kernel-sent packets (ICMP errors, ARP) carry the root cgroup: use the netns's. */
	if (cg && (cg != 1 || e->attribution != CTRCAP_ATTR_IFACE_NETNS))
		return cg;
	ns_cg = ctrcap_ident_netns_cgroup(x, e->netns);
	return ns_cg ? ns_cg : cg;
}

/* The sources of packet e's identity, and its key: a few lookups, no strings. */
static void ident_sources(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
			  struct ident_sources *s)
{
	const struct ctrcap_owner *o = &e->owner;
	struct ctrcap_ident_key *k = &s->key;

	memset(s, 0, sizeof(*s));
	k->present = CTRCAP_HAS_NETNS | CTRCAP_HAS_ATTRIBUTION;
	k->netns = e->netns;
	k->attribution = e->attribution;
	k->context = x->serial;
	if (o->tgid) {
		bool reused;

		s->p = ctrcap_proc_find(x->procs, o->tgid, o->start_ns, &reused);
		k->present |= CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID | CTRCAP_HAS_GID;
		k->pid = o->tgid;
		k->tid = o->tid;
		k->uid = o->uid;
		k->gid = o->gid;
		memcpy(k->comm, o->comm, sizeof(k->comm));
		k->comm[sizeof(k->comm) - 1] = '\0';
		/* The socket's own record of its process is exact; /proc's only to the tick. */
		if (o->start_ns || (s->p && s->p->start_ns)) {
			k->present |= CTRCAP_HAS_START_TIME;
			k->start_time_ns = (o->start_ns ? o->start_ns : s->p->start_ns) +
					   x->boot_to_epoch_ns;
		}
		/*
		 * The process exited, its entry is gone and its pid names another
		 * process now: say so rather than lend it that one's identity.
		 */
		if (reused)
			k->present |= CTRCAP_HAS_PROC_STATE;
		if (s->p) {
			k->proc_gen = s->p->gen;
			if (s->p->ppid) {
				k->present |= CTRCAP_HAS_PARENT_PID;
				k->parent_pid = s->p->ppid;
				s->pp = ctrcap_proc_get(x->procs, s->p->ppid);
				if (s->pp)
					k->parent_gen = s->pp->gen;
			}
		}
	}
	k->cgroup_id = ctrcap_ident_packet_cgroup(x, e);
	if (k->cgroup_id) {
		k->present |= CTRCAP_HAS_CGROUP_ID;
		s->ctr = container_gen(x, k->cgroup_id, &k->ctr_gen);
	}
}

/* Fill b with the identity of sources s (b's key becomes s's). */
static void ident_fill(struct ctrcap_ident *x, const struct ident_sources *s,
		       struct ctrcap_ident_buf *b)
{
	struct ctrcap_identity *id = &b->id;

	memcpy(&b->key, &s->key, sizeof(b->key));
	b->ctr = s->ctr;
	b->is_container = s->ctr != NULL;
	memcpy(b->comm, s->key.comm, sizeof(b->comm));

	ctrcap_identity_reset(id);
	id->present = s->key.present;
	id->netns = s->key.netns;
	id->attribution = s->key.attribution;
	id->node_name = sv(x->node_name);
	id->pid = s->key.pid;
	id->tid = s->key.tid;
	id->uid = s->key.uid;
	id->gid = s->key.gid;
	id->start_time_ns = s->key.start_time_ns;
	id->parent_pid = s->key.parent_pid;
	id->cgroup_id = s->key.cgroup_id;
	if (id->present & CTRCAP_HAS_PID)
		id->comm = sv(b->comm);
	if (id->present & CTRCAP_HAS_PROC_STATE)
		id->proc_state = CTRCAP_PROC_PID_REUSED;
	/*
	 * Strings point into the process table and the container cache:
	 * entries do not move, and a change to one changes its generation,
	 * so the key above.
	 */
	if (s->p) {
		id->exe = sv(s->p->exe);
		id->args = sv(s->p->args);
	}
	if (s->pp) {
		id->parent_exe = sv(s->pp->exe);
		id->parent_args = sv(s->pp->args);
		id->parent_comm = sv(s->pp->comm);
	}
	if (s->ctr)
		fill_container(id, s->ctr);
}

/*
 * Equal keys, equal identities (the record cache relies on it too): a
 * buffer that holds the key is used as it is. A key always has present
 * bits, so a zeroed buffer never matches.
 */
static bool ident_held(const struct ident_sources *s, const struct ctrcap_ident_buf *b)
{
	return !memcmp(&s->key, &b->key, sizeof(s->key));
}

void ctrcap_ident_build(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
			struct ctrcap_ident_buf *b)
{
	struct ident_sources s;

	ident_sources(x, e, &s);
	if (!ident_held(&s, b))
		ident_fill(x, &s, b);
}

static uint32_t key_slot(const struct ctrcap_ident_key *k);

struct ctrcap_ident_buf *ctrcap_ident_get(struct ctrcap_ident *x, const struct ctrcap_pkt_event *e,
					  struct ctrcap_ident_recent *r)
{
	struct ident_sources s;
	struct ctrcap_ident_buf *b;

	ident_sources(x, e, &s);
	b = &r->buf[key_slot(&s.key) % CTRCAP_IDENT_RECENT];
	if (!ident_held(&s, b))
		ident_fill(x, &s, b);
	return b;
}

static uint32_t key_slot(const struct ctrcap_ident_key *k)
{
	uint64_t h = k->cgroup_id * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)k->pid << 32 | k->tid) * 0xff51afd7ed558ccdull;
	h ^= ((uint64_t)k->netns << 32 | k->attribution) * 0xc4ceb9fe1a85ec53ull;
	h ^= (uint64_t)(k->proc_gen ^ k->ctr_gen << 16) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return (uint32_t)h & (REC_CACHE - 1);
}

int ctrcap_ident_record(struct ctrcap_ident *x, const struct ctrcap_ident_buf *b,
			const uint8_t **rec, uint32_t *len)
{
	struct rec_cache *r = &x->recs[key_slot(&b->key)];
	int n;

	if (r->valid && !memcmp(&r->key, &b->key, sizeof(b->key))) {
		x->rec_hits++;
		*rec = r->rec;
		*len = r->len;
		return 0;
	}
	x->rec_misses++;
	r->valid = false;
	n = ctrcap_record_encode(&b->id, x->enc, CTRCAP_RECORD_MAX);
	if (n <= 0)
		return -1;
	if ((uint32_t)n > r->cap) {
		uint8_t *p = realloc(r->rec, n);

		if (!p)
			return -1;
		r->rec = p;
		r->cap = n;
	}
	memcpy(r->rec, x->enc, n);
	r->len = n;
	r->key = b->key;
	r->valid = true;
	*rec = r->rec;
	*len = r->len;
	return 0;
}

void ctrcap_ident_record_stats(const struct ctrcap_ident *x, uint64_t *hits, uint64_t *misses)
{
	*hits = x->rec_hits;
	*misses = x->rec_misses;
}

static bool str_in(const struct ctrcap_strlist *l, struct ctrcap_str s, bool prefix)
{
	for (unsigned i = 0; i < l->n; i++) {
		size_t n = strlen(l->v[i]);

		if (!s.ptr)
			continue;
		if (prefix ? (n <= s.len && !memcmp(s.ptr, l->v[i], n))
			   : (n == s.len && !memcmp(s.ptr, l->v[i], n)))
			return true;
	}
	return false;
}

/* The boot-clock start time of id's process, as the process table keeps it; 0 = unknown. */
static uint64_t start_of(const struct ctrcap_ident *x, const struct ctrcap_identity *id)
{
	if (!x || !(id->present & CTRCAP_HAS_START_TIME) || id->start_time_ns < x->boot_to_epoch_ns)
		return 0;
	return id->start_time_ns - x->boot_to_epoch_ns;
}

bool ctrcap_ident_match(struct ctrcap_ident *x, const struct ctrcap_opts *o,
			const struct ctrcap_ident_buf *b, uint32_t cmd_pid)
{
	const struct ctrcap_identity *id = &b->id;
	bool pid_ok;

	if (o->n_pids || cmd_pid) {
		pid_ok = false;
		for (unsigned i = 0; i < o->n_pids && !pid_ok; i++) {
			pid_ok = (id->present & CTRCAP_HAS_PID) && id->pid == o->pids[i];
			/* -f: fork parentage from the proc events, as for -- COMMAND. */
			if (!pid_ok && o->follow_forks && x && (id->present & CTRCAP_HAS_PID))
				pid_ok = ctrcap_proc_descends(x->procs, id->pid, start_of(x, id),
							      o->pids[i]);
		}
		if (!pid_ok && cmd_pid && (id->present & CTRCAP_HAS_PID))
			pid_ok = ctrcap_proc_descends(x->procs, id->pid, start_of(x, id), cmd_pid);
		if (!pid_ok)
			return false;
	}
	if (o->n_uids) {
		bool uid_ok = false;

		for (unsigned i = 0; i < o->n_uids && !uid_ok; i++)
			uid_ok = (id->present & CTRCAP_HAS_UID) && id->uid == o->uids[i];
		if (!uid_ok)
			return false;
	}
	if (o->comms.n && !str_in(&o->comms, id->comm, false))
		return false;
	if (o->ctr_ids.n && !str_in(&o->ctr_ids, id->ctr_id, true))
		return false;
	if (o->ctr_names.n && !str_in(&o->ctr_names, id->ctr_name, false))
		return false;
	if (o->pod_names.n && !str_in(&o->pod_names, id->pod_name, false))
		return false;
	if (o->pod_namespaces.n && !str_in(&o->pod_namespaces, id->pod_namespace, false))
		return false;
	return true;
}
