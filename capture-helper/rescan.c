// SPDX-License-Identifier: GPL-2.0-or-later
/* The scanner thread (see rescan.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "rescan.h"

/* The namespaces' addresses, sorted by (family, address, netns), host addresses left out. */
struct addr_table {
	size_t n;
	struct ctrcap_ns_addr v[];
};

/* An immutable copy of the attachment table, sorted by (netns, ifindex). */
struct iface_table {
	size_t n;
	struct ctrcap_iface v[];
};

struct ctrcap_rescan {
	struct ctrcap_rescan_cfg cfg;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;		/* held only to ask, publish, adopt or stop */
	pthread_cond_t wake;		/* a scan was asked for, or stop */
	bool asked, stop;
	uint64_t begun;			/* scans begun (under lock) */
	uint64_t done;			/* scans completed (atomic: the consumer polls it) */
	uint64_t longest_ms;		/* longest scan (atomic) */
	struct iface_table *fresh;	/* published, not adopted yet (under lock) */
	struct iface_table *cur;	/* the consumer's */
	struct addr_table *addrs_fresh;	/* published, not adopted yet (under lock) */
	struct addr_table *addrs_cur;	/* the consumer's */
	struct ctrcap_ns_addr *addrs_last; /* the scanner's: what it published last */
	size_t n_addrs_last;
	bool addrs_published;		/* the scanner published once (an empty table too) */
	char err[512];			/* the scanner's */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int iface_cmp(const void *pa, const void *pb)
{
	const struct ctrcap_iface *a = pa, *b = pb;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return 0;
}

/* Copy the attachment table and hand the copy over for the consumer to adopt. */
static int publish(struct ctrcap_rescan *r)
{
	size_t n;
	const struct ctrcap_iface *v = ctrcap_attach_table(r->cfg.att, &n);
	struct iface_table *t = malloc(sizeof(*t) + (n ? n : 1) * sizeof(t->v[0])), *old;

	if (!t)
		return -1;
	t->n = n;
	memcpy(t->v, v, n * sizeof(t->v[0]));
	qsort(t->v, n, sizeof(t->v[0]), iface_cmp);
	pthread_mutex_lock(&r->lock);
	old = r->fresh;
	r->fresh = t;
	pthread_mutex_unlock(&r->lock);
	free(old);
	return 0;
}

static int addr_cmp(const void *pa, const void *pb)
{
	const struct ctrcap_ns_addr *a = pa, *b = pb;
	int d;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	d = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (d)
		return d;
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	return 0;
}

/* Whether a (sorted) holds family/addr in any namespace. */
static bool addr_in(const struct ctrcap_ns_addr *v, size_t n, const struct ctrcap_ns_addr *k)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].family == k->family && !memcmp(v[i].addr, k->addr, sizeof(k->addr)))
			return true;
	}
	return false;
}

/*
 * Publish the addresses of the other namespaces (each ns[i], i >= 1, read
 * through its process) when they changed. An address the helper's own
 * namespace holds too is the host's: left out.
 */
static void note_addrs(struct ctrcap_rescan *r, const struct ctrcap_netns *ns, size_t nns)
{
	struct ctrcap_ns_addr *host = NULL, *v = NULL;
	size_t nhost = 0, chost = 0, n = 0, cap = 0, k = 0;
	struct addr_table *t, *old;

	ctrcap_netns_addrs((uint32_t)getpid(), ns[0].ino, &host, &nhost, &chost);
	for (size_t i = 1; i < nns; i++) {
		if (ns[i].pid)
			ctrcap_netns_addrs((uint32_t)ns[i].pid, ns[i].ino, &v, &n, &cap);
	}
	for (size_t i = 0; i < n; i++) {
		if (!addr_in(host, nhost, &v[i]))
			v[k++] = v[i];
	}
	n = k;
	free(host);
	if (n)
		qsort(v, n, sizeof(*v), addr_cmp);
	if (r->addrs_published && n == r->n_addrs_last &&
	    (!n || !memcmp(v, r->addrs_last, n * sizeof(*v)))) {
		free(v);
		return;
	}
	t = malloc(sizeof(*t) + (n ? n : 1) * sizeof(t->v[0]));
	if (!t) {
		free(v);
		return;
	}
	t->n = n;
	if (n)
		memcpy(t->v, v, n * sizeof(*v));
	free(r->addrs_last);
	r->addrs_last = v;
	r->n_addrs_last = n;
	r->addrs_published = true;
	pthread_mutex_lock(&r->lock);
	old = r->addrs_fresh;
	r->addrs_fresh = t;
	pthread_mutex_unlock(&r->lock);
	free(old);
}

/*
 * Note which process (and so which cgroup) each namespace holds now, and
 * the namespaces' addresses.
 */
static void note_netns(struct ctrcap_rescan *r)
{
	struct ctrcap_netns *ns;
	size_t n;

	if (ctrcap_netns_list(&ns, &n))
		return;
	for (size_t i = 1; i < n; i++)
		ctrcap_ident_note_netns(r->cfg.ident, ns[i].ino, ns[i].pid);
	if (r->cfg.addresses && n)
		note_addrs(r, ns, n);
	free(ns);
}

static void scan_once(struct ctrcap_rescan *r)
{
	uint64_t t0 = mono_ms(), took;

	/*
	 * Only -i any follows new interfaces; fixed ones lost the capabilities
	 * to enter namespaces (a failed setns would look like a vanished
	 * namespace and detach them).
	 */
	if (r->cfg.follow &&
	    ctrcap_attach_scan(r->cfg.att, false, r->err, sizeof(r->err)) < 0)
		fprintf(stderr, "ctrcap: %s\n", r->err);
	/*
	 * Namespaces and their addresses before the interface table: a
	 * consumer that takes the table with a new interface has the names of
	 * its container's addresses too, before that interface's packets.
	 */
	note_netns(r);
	if (r->cfg.follow && publish(r))
		fprintf(stderr, "ctrcap: out of memory for the interface table\n");
	took = mono_ms() - t0;
	if (took > __atomic_load_n(&r->longest_ms, __ATOMIC_RELAXED))
		__atomic_store_n(&r->longest_ms, took, __ATOMIC_RELAXED);
	/* After the publication: who sees the count finds the table it made. */
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

static void *scanner(void *arg)
{
	struct ctrcap_rescan *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		uint64_t until = mono_ms() + r->cfg.period_ms;
		struct timespec ts = { .tv_sec = until / 1000,
				       .tv_nsec = (long)(until % 1000) * 1000000 };

		while (!r->stop && !r->asked &&
		       pthread_cond_timedwait(&r->wake, &r->lock, &ts) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		r->asked = false;
		r->begun++;
		pthread_mutex_unlock(&r->lock);
		scan_once(r);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct ctrcap_rescan *ctrcap_rescan_start(const struct ctrcap_rescan_cfg *cfg, char *err,
					  size_t errlen)
{
	struct ctrcap_rescan *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	note_netns(r);
	if (publish(r)) {
		snprintf(err, errlen, "out of memory");
		ctrcap_rescan_free(r);
		return NULL;
	}
	ctrcap_rescan_adopt(r);
	/* Signals are the main thread's: its sleep ends on them, the scan goes on. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&r->thread, NULL, scanner, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot start the scanner thread: %s", strerror(ret));
		ctrcap_rescan_free(r);
		return NULL;
	}
	/* Named, for ps -L and the test that checks its capabilities. */
	pthread_setname_np(r->thread, "ctrcap-scan");
	r->running = true;
	return r;
}

uint64_t ctrcap_rescan_request(struct ctrcap_rescan *r)
{
	uint64_t want = 0;

	pthread_mutex_lock(&r->lock);
	if (r->running && !r->stop) {
		r->asked = true;
		/* Scans complete in the order they begin: the next one is begun + 1. */
		want = r->begun + 1;
		pthread_cond_signal(&r->wake);
	}
	pthread_mutex_unlock(&r->lock);
	return want;
}

uint64_t ctrcap_rescan_done(struct ctrcap_rescan *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

bool ctrcap_rescan_adopt(struct ctrcap_rescan *r)
{
	struct iface_table *t;
	struct addr_table *a;

	pthread_mutex_lock(&r->lock);
	t = r->fresh;
	r->fresh = NULL;
	a = r->addrs_fresh;
	r->addrs_fresh = NULL;
	pthread_mutex_unlock(&r->lock);
	if (t) {
		free(r->cur);
		r->cur = t;
	}
	if (a) {
		free(r->addrs_cur);
		r->addrs_cur = a;
	}
	return a != NULL;
}

const struct ctrcap_ns_addr *ctrcap_rescan_addrs(const struct ctrcap_rescan *r, size_t *n)
{
	*n = r->addrs_cur ? r->addrs_cur->n : 0;
	return r->addrs_cur ? r->addrs_cur->v : NULL;
}

const struct ctrcap_iface *ctrcap_rescan_find(const struct ctrcap_rescan *r, uint32_t netns,
					      uint32_t ifindex)
{
	struct ctrcap_iface key = { .netns = netns, .ifindex = ifindex };

	if (!r->cur)
		return NULL;
	return bsearch(&key, r->cur->v, r->cur->n, sizeof(key), iface_cmp);
}

void ctrcap_rescan_stats(struct ctrcap_rescan *r, uint64_t *scans, uint64_t *longest_ms)
{
	*scans = ctrcap_rescan_done(r);
	*longest_ms = __atomic_load_n(&r->longest_ms, __ATOMIC_RELAXED);
}

void ctrcap_rescan_stop(struct ctrcap_rescan *r)
{
	if (!r || !r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
}

void ctrcap_rescan_free(struct ctrcap_rescan *r)
{
	if (!r)
		return;
	ctrcap_rescan_stop(r);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r->fresh);
	free(r->cur);
	free(r->addrs_fresh);
	free(r->addrs_cur);
	free(r->addrs_last);
	free(r);
}
