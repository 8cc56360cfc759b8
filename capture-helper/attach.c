// SPDX-License-Identifier: GPL-2.0-or-later
/* Attaching the tc capture programs in every namespace (see attach.h). */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/ctrcap.h"
#include "attach.h"
#include "drop_select.h"
#include "netns.h"
#include "privilege.h"

/* Values of enum bpf_attach_type newer than this system's uapi headers. */
#define CTRCAP_BPF_TCX_INGRESS 46
#define CTRCAP_BPF_TCX_EGRESS 47
/* mprog: with no relative program, attach at the head of the chain. */
#define CTRCAP_BPF_F_BEFORE (1u << 3)
#define MAX_IFACES 4096

struct ctrcap_attach {
	struct ctrcap_attach_cfg cfg;
	uint32_t *spec_ns;	/* resolved netns inode per -i spec */
	uint32_t any_ns;	/* --netns: the one namespace "any" covers; 0 = all */
	struct ctrcap_iface *v;
	size_t n;
	bool no_tcx;		/* the kernel refused tcx once: use classic tc */
	uint32_t next_slot;	/* counter slots are never reused: counts survive the interface */
	bool drops_warned;	/* the drop selection failed once and said so */
};

uint16_t ctrcap_linktype_for(uint16_t dev_type)
{
	if (dev_type == ARPHRD_ETHER || dev_type == ARPHRD_LOOPBACK)
		return 1;
	return 101;
}

int ctrcap_iface_list_here(struct ctrcap_iface **out)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	struct ctrcap_iface *v;
	int n = 0, sock;

	if (!ni)
		return -1;
	for (p = ni; p->if_index; p++)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!v || sock < 0) {
		free(v);
		if (sock >= 0)
			close(sock);
		if_freenameindex(ni);
		return -1;
	}
	n = 0;
	for (p = ni; p->if_index; p++) {
		struct ifreq ifr = {};
		struct ctrcap_iface *f = &v[n++];

		f->ifindex = p->if_index;
		snprintf(f->name, sizeof(f->name), "%s", p->if_name);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->if_name);
		f->dev_type = ioctl(sock, SIOCGIFHWADDR, &ifr) ? ARPHRD_ETHER
							       : ifr.ifr_hwaddr.sa_family;
		f->linktype = ctrcap_linktype_for(f->dev_type);
		f->link_in = f->link_out = -1;
		f->prog_in = f->prog_out = -1;
	}
	close(sock);
	if_freenameindex(ni);
	*out = v;
	return n;
}

struct ctrcap_attach *ctrcap_attach_new(const struct ctrcap_attach_cfg *cfg, char *err,
					size_t errlen)
{
	struct ctrcap_attach *a = calloc(1, sizeof(*a));
	unsigned i;

	if (!a || !(a->v = calloc(MAX_IFACES, sizeof(*a->v))) ||
	    !(a->spec_ns = calloc(cfg->n_specs + 1, sizeof(uint32_t)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	a->cfg = *cfg;
	a->no_tcx = cfg->no_tcx;
	if (ctrcap_netns_init()) {
		snprintf(err, errlen, "cannot open /proc/self/ns/net: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < cfg->n_specs; i++) {
		struct ctrcap_netns ns;

		if (!cfg->specs[i].netns[0]) {
			a->spec_ns[i] = ctrcap_netns_ino("/proc/self/ns/net");
			continue;
		}
		if (ctrcap_netns_resolve(cfg->specs[i].netns, &ns)) {
			snprintf(err, errlen, "network namespace '%s' (of -i %s@%s) not found: %s",
				 cfg->specs[i].netns, cfg->specs[i].name, cfg->specs[i].netns,
				 strerror(errno));
			goto fail;
		}
		a->spec_ns[i] = ns.ino;
	}
	if (cfg->any && cfg->any_netns) {
		struct ctrcap_netns ns;

		if (ctrcap_netns_resolve(cfg->any_netns, &ns)) {
			snprintf(err, errlen, "network namespace '%s' (of --netns) not found: %s",
				 cfg->any_netns, strerror(errno));
			goto fail;
		}
		a->any_ns = ns.ino;
	}
	return a;
fail:
	if (a) {
		free(a->v);
		free(a->spec_ns);
		free(a);
	}
	return NULL;
}

/*
 * First in the tcx chain: a program before ours that ends the chain (returns
 * pass or drop) would hide packets from the capture.
 */
static int tcx_attach(struct ctrcap_attach *a, struct ctrcap_iface *f, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = CTRCAP_BPF_F_BEFORE);

	if (a->cfg.dir_mask & 1) {
		f->link_in = bpf_link_create(f->prog_in, f->ifindex, CTRCAP_BPF_TCX_INGRESS, &lo);
		if (f->link_in < 0) {
			snprintf(why, whylen, "tcx ingress: %s", strerror(-f->link_in));
			return f->link_in;
		}
	}
	if (a->cfg.dir_mask & 2) {
		f->link_out = bpf_link_create(f->prog_out, f->ifindex, CTRCAP_BPF_TCX_EGRESS, &lo);
		if (f->link_out < 0) {
			int e = f->link_out;

			snprintf(why, whylen, "tcx egress: %s", strerror(-e));
			if (f->link_in >= 0)
				close(f->link_in);
			f->link_in = f->link_out = -1;
			return e;
		}
	}
	return 0;
}

static void classic_detach(uint32_t ifindex, unsigned dir_mask)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CTRCAP_TC_HANDLE,
			    .priority = CTRCAP_TC_PRIO);

	if (dir_mask & 1) {
		hook.attach_point = BPF_TC_INGRESS;
		bpf_tc_detach(&hook, &opts);
	}
	if (dir_mask & 2) {
		hook.attach_point = BPF_TC_EGRESS;
		bpf_tc_detach(&hook, &opts);
	}
}

static int classic_attach(struct ctrcap_attach *a, struct ctrcap_iface *f, char *why,
			  size_t whylen)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex, .attach_point = BPF_TC_INGRESS);
	int ret;

	/* An existing clsact is fine; it is never destroyed (others may use it). */
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		snprintf(why, whylen, "clsact: %s", strerror(-ret));
		return ret;
	}
	for (int dir = 1; dir <= 2; dir++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CTRCAP_TC_HANDLE,
				    .priority = CTRCAP_TC_PRIO);

		if (!(a->cfg.dir_mask & dir))
			continue;
		hook.attach_point = dir == 1 ? BPF_TC_INGRESS : BPF_TC_EGRESS;
		opts.prog_fd = dir == 1 ? f->prog_in : f->prog_out;
		opts.flags = BPF_TC_F_REPLACE;
		ret = bpf_tc_attach(&hook, &opts);
		if (ret) {
			snprintf(why, whylen, "tc %s: %s", dir == 1 ? "ingress" : "egress",
				 strerror(-ret));
			classic_detach(f->ifindex, a->cfg.dir_mask);
			return ret;
		}
	}
	f->classic = true;
	return 0;
}

/* The kernel's id of the program behind fd, 0 if unknown. */
static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/*
 * Give @f a counter slot and load its filter programs, which count into
 * that slot and tail-call the capture programs. Slots are not reused, so an
 * interface's counts stay in the totals after it goes away; once all are
 * used, new interfaces share the last one.
 */
static int load_progs(struct ctrcap_attach *a, struct ctrcap_iface *f, const char *ns_name,
		      uint64_t netns_cookie, char *why, size_t whylen)
{
	struct ctrcap_filter_iface fi;
	char what[IF_NAMESIZE + 128];

	f->slot = a->next_slot < CTRCAP_IF_SLOTS ? a->next_slot++ : CTRCAP_IF_SLOTS - 1;
	fi = (struct ctrcap_filter_iface){ .slot = f->slot, .netns = f->netns,
					   .dev_type = f->dev_type,
					   .netns_cookie = netns_cookie };
	snprintf(what, sizeof(what), "filter for %s (netns %s)", f->name, ns_name);
	if (a->cfg.dir_mask & 1) {
		f->prog_in = ctrcap_filters_load(a->cfg.filters, &a->cfg.target, f->linktype, 1,
						 &fi, what, why, whylen);
		if (f->prog_in < 0)
			return -1;
	}
	if (a->cfg.dir_mask & 2) {
		f->prog_out = ctrcap_filters_load(a->cfg.filters, &a->cfg.target, f->linktype, 2,
						  &fi, what, why, whylen);
		if (f->prog_out < 0)
			return -1;
	}
	f->prog_id = prog_id_of(f->prog_in >= 0 ? f->prog_in : f->prog_out);
	return 0;
}

/*
 * Our entry whose program is attached (tcx) to the device with this ifindex
 * in the current namespace, or NULL. tcx links stay with a device that moves
 * to another namespace or is renamed (docker creates a container's veth in
 * the host namespace, then moves and renames it): that entry is the device.
 */
static struct ctrcap_iface *attached_entry(struct ctrcap_attach *a, uint32_t ifindex)
{
	uint32_t ids[64], cnt = 64;
	int type = a->cfg.dir_mask & 1 ? CTRCAP_BPF_TCX_INGRESS : CTRCAP_BPF_TCX_EGRESS;

	if (a->no_tcx || bpf_prog_query((int)ifindex, type, 0, NULL, ids, &cnt))
		return NULL;
	for (uint32_t i = 0; i < cnt && i < 64; i++) {
		for (size_t j = 0; j < a->n; j++) {
			if (a->v[j].prog_id && a->v[j].prog_id == ids[i])
				return &a->v[j];
		}
	}
	return NULL;
}

/* tcx where the kernel has it (it refused once: classic tc from then on). */
static int attach_progs(struct ctrcap_attach *a, struct ctrcap_iface *f, char *why,
			size_t whylen)
{
	int ret = -EOPNOTSUPP;

	if (!a->no_tcx) {
		ret = tcx_attach(a, f, why, whylen);
		if (ret == -EINVAL || ret == -EOPNOTSUPP)
			a->no_tcx = true;
	}
	if (ret && a->no_tcx)
		ret = classic_attach(a, f, why, whylen);
	return ret;
}

static void close_progs(struct ctrcap_iface *f)
{
	if (f->prog_in >= 0)
		close(f->prog_in);
	if (f->prog_out >= 0)
		close(f->prog_out);
	f->prog_in = f->prog_out = -1;
	f->prog_id = 0;
}

static int spec_match(const struct ctrcap_attach *a, uint32_t netns, const char *name)
{
	for (unsigned i = 0; i < a->cfg.n_specs; i++) {
		if (a->spec_ns[i] == netns && !strcmp(a->cfg.specs[i].name, name))
			return i;
	}
	return -1;
}

static struct ctrcap_iface *find(struct ctrcap_attach *a, uint32_t netns, uint32_t ifindex)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].netns == netns && a->v[i].ifindex == ifindex)
			return &a->v[i];
	}
	return NULL;
}

uint32_t ctrcap_attach_slots_used(const struct ctrcap_attach *a)
{
	return a->next_slot;
}

const struct ctrcap_iface *ctrcap_attach_find_slot(const struct ctrcap_attach *a, uint32_t slot)
{
	/* The shared last slot names no single interface. */
	if (slot == CTRCAP_IF_SLOTS - 1 && a->next_slot == CTRCAP_IF_SLOTS)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].slot == slot)
			return &a->v[i];
	}
	return NULL;
}

const struct ctrcap_iface *ctrcap_attach_table(const struct ctrcap_attach *a, size_t *n)
{
	*n = a->n;
	return a->v;
}

size_t ctrcap_attach_count(const struct ctrcap_attach *a)
{
	return a->n;
}

static void detach_one(struct ctrcap_attach *a, struct ctrcap_iface *f, bool in_ns)
{
	if (f->link_in >= 0)
		close(f->link_in);
	if (f->link_out >= 0)
		close(f->link_out);
	f->link_in = f->link_out = -1;
	if (f->classic && in_ns)
		classic_detach(f->ifindex, a->cfg.dir_mask);
	f->classic = false;
	close_progs(f);
}

/* Attach in one namespace (entered by the caller). */
static int scan_ns(struct ctrcap_attach *a, const struct ctrcap_netns *ns, bool strict,
		   bool *spec_found, char *err, size_t errlen)
{
	struct ctrcap_iface *list;
	uint64_t cookie = ctrcap_netns_cookie_here();
	int n, added = 0;

	n = ctrcap_iface_list_here(&list);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct ctrcap_iface *f = find(a, ns->ino, list[i].ifindex), *m;
		int si = spec_match(a, ns->ino, list[i].name);
		char why[128] = "";
		int ret;

		if (si >= 0)
			spec_found[si] = true;
		if (f && !strcmp(f->name, list[i].name)) {
			f->seen = true;
			continue;
		}
		/* One of ours, moved here or renamed: follow it, same programs and counts. */
		m = a->cfg.any ? attached_entry(a, list[i].ifindex) : NULL;
		if (m && a->cfg.where_in_cb && m->netns != ns->ino) {
			/* Its filter programs name the old namespace: attach anew. */
			detach_one(a, m, false);
			m->seen = false;
			m = NULL;
		}
		if (m) {
			/*
			 * An entry f under this key (f != m) had a device that is
			 * gone: left unseen, it is dropped after the scan.
			 */
			m->netns = ns->ino;
			m->ifindex = list[i].ifindex;
			memcpy(m->name, list[i].name, sizeof(m->name));
			snprintf(m->netns_name, sizeof(m->netns_name), "%s", ns->name);
			m->seen = true;
			continue;
		}
		if (f) /* ifindex reused by another interface */
			detach_one(a, f, true);
		if (!a->cfg.any && si < 0)
			continue;
		if (!f) {
			if (a->n >= MAX_IFACES)
				break;
			f = &a->v[a->n++];
		}
		*f = list[i];
		f->netns = ns->ino;
		f->seen = true;
		f->explicit_spec = si >= 0;
		snprintf(f->netns_name, sizeof(f->netns_name), "%s", ns->name);
		ret = load_progs(a, f, ns->name, cookie, why, sizeof(why));
		if (!ret)
			ret = attach_progs(a, f, why, sizeof(why));
		if (ret) {
			close_progs(f);
			if (strict && si >= 0) {
				snprintf(err, errlen, "cannot attach to interface %s (netns %s): %s",
					 f->name, ns->name, why);
				a->n--;
				free(list);
				return -1;
			}
			if (a->cfg.verbose)
				fprintf(stderr, "ctrcap: skipping interface %s (netns %s): %s\n",
					f->name, ns->name, why);
			/* Keep the entry as seen so it is not retried every scan. */
			continue;
		}
		added++;
	}
	free(list);
	return added;
}

int ctrcap_attach_scan(struct ctrcap_attach *a, bool strict, char *err, size_t errlen)
{
	struct ctrcap_netns *ns;
	bool spec_found[CTRCAP_MAX_IFACES] = { false };
	size_t nns, i;
	int added = 0, ret = 0;

	if (ctrcap_netns_list(&ns, &nns)) {
		snprintf(err, errlen, "cannot list network namespaces: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < a->n; i++)
		a->v[i].seen = false;
	for (i = 0; i < nns; i++) {
		bool wanted = a->cfg.any && (!a->any_ns || a->any_ns == ns[i].ino);
		int r;

		for (unsigned s = 0; s < a->cfg.n_specs && !wanted; s++)
			wanted = a->spec_ns[s] == ns[i].ino;
		if (!wanted)
			continue;
		if (i > 0 && ctrcap_netns_enter(&ns[i]))
			continue; /* the namespace went away meanwhile */
		r = scan_ns(a, &ns[i], strict, spec_found, err, errlen);
		if (i > 0 && ctrcap_netns_leave()) {
			snprintf(err, errlen, "cannot return to the host network namespace: %s",
				 strerror(errno));
			ret = -1;
			break;
		}
		if (r < 0) {
			ret = -1;
			break;
		}
		added += r;
	}
	free(ns);
	if (ret)
		return -1;
	if (strict) {
		for (unsigned s = 0; s < a->cfg.n_specs; s++) {
			if (!spec_found[s]) {
				snprintf(err, errlen, "interface '%s' not found in netns %s",
					 a->cfg.specs[s].name,
					 a->cfg.specs[s].netns[0] ? a->cfg.specs[s].netns : "host");
				return -1;
			}
		}
	}
	/* Interfaces gone (or their namespace gone): drop their links. */
	for (i = 0; i < a->n;) {
		if (a->v[i].seen) {
			i++;
			continue;
		}
		detach_one(a, &a->v[i], false);
		a->v[i] = a->v[--a->n];
	}
	/*
	 * Drops are selected where the tc programs are attached. A refused
	 * entry is tried again at the next scan; said once, its drops missing.
	 */
	if (a->cfg.drops && ctrcap_drop_select_sync(a->cfg.drops, a->v, a->n, err, errlen)) {
		if (!a->drops_warned)
			fprintf(stderr, "ctrcap: %s\n", err);
		a->drops_warned = true;
		err[0] = '\0';
	}
	return added;
}

void ctrcap_attach_detach_all(struct ctrcap_attach *a)
{
	struct ctrcap_netns *ns = NULL;
	size_t nns = 0;

	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct ctrcap_iface *f = &a->v[i];
		bool entered = false;

		if (f->classic) {
			/* Classic filters live in the device's namespace: enter it. */
			if (!ns)
				ctrcap_netns_list(&ns, &nns);
			for (size_t j = 1; ns && j < nns; j++) {
				if (ns[j].ino == f->netns)
					entered = !ctrcap_netns_enter(&ns[j]);
			}
		}
		detach_one(a, f, true);
		/* Going on in another namespace would detach the wrong devices. */
		if (entered && ctrcap_netns_leave()) {
			fprintf(stderr, "ctrcap: cannot return to the host network namespace: %s\n",
				strerror(errno));
			break;
		}
	}
	free(ns);
}

void ctrcap_attach_free(struct ctrcap_attach *a)
{
	if (!a)
		return;
	ctrcap_attach_detach_all(a);
	free(a->v);
	free(a->spec_ns);
	free(a);
}

#define LIVE_PROGS_MAX 4096
#define LIVE_FDS_MAX 65536

/* Add the BPF program ids /proc/<pid> holds open to ids (at most LIVE_PROGS_MAX). */
static void live_progs_of(const char *pid, uint32_t *ids, size_t *n, size_t *budget)
{
	char dir[64], path[320], link[64], line[128];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%.20s/fd", pid);
	d = opendir(dir);
	while (d && (de = readdir(d)) && *n < LIVE_PROGS_MAX && *budget > 0) {
		ssize_t len;
		FILE *f;

		(*budget)--;
		snprintf(path, sizeof(path), "%s/%.255s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:bpf-prog"))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/fdinfo/%.255s", pid, de->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned id;

			if (sscanf(line, "prog_id: %u", &id) == 1 && *n < LIVE_PROGS_MAX) {
				ids[(*n)++] = id;
				break;
			}
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

/*
 * Ids of the BPF programs some process holds open: a running ctrcap's (or
 * anyone's). A classic filter whose program is among them is not a leftover.
 */
static uint32_t *live_progs(size_t *n)
{
	uint32_t *ids = calloc(LIVE_PROGS_MAX, sizeof(*ids));
	size_t budget = LIVE_FDS_MAX;
	struct dirent *de;
	DIR *d;

	*n = 0;
	if (!ids)
		return NULL;
	d = opendir("/proc");
	while (d && (de = readdir(d)) && *n < LIVE_PROGS_MAX && budget > 0) {
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			live_progs_of(de->d_name, ids, n, &budget);
	}
	if (d)
		closedir(d);
	return ids;
}

static bool prog_is_live(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

int ctrcap_tc_cleanup(unsigned *removed)
{
	struct ctrcap_netns *ns;
	uint32_t *live;
	size_t nns, nlive;

	*removed = 0;
	/* The filters of every user's captures are in reach: only root may sweep them. */
	if (ctrcap_priv_invoker_uid() != 0) {
		errno = EPERM;
		return -1;
	}
	live = live_progs(&nlive);
	if (!live)
		return -1;
	if (ctrcap_netns_init() || ctrcap_netns_list(&ns, &nns)) {
		free(live);
		return -1;
	}
	for (size_t i = 0; i < nns; i++) {
		struct ctrcap_iface *list;
		int n;

		if (i > 0 && ctrcap_netns_enter(&ns[i]))
			continue;
		n = ctrcap_iface_list_here(&list);
		for (int j = 0; j < n; j++) {
			for (int dir = 1; dir <= 2; dir++) {
				DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = list[j].ifindex,
						    .attach_point = dir == 1 ? BPF_TC_INGRESS
									     : BPF_TC_EGRESS);
				DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CTRCAP_TC_HANDLE,
						    .priority = CTRCAP_TC_PRIO);
				DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = CTRCAP_TC_HANDLE,
						    .priority = CTRCAP_TC_PRIO);

				if (!bpf_tc_query(&hook, &q) && prog_is_live(live, nlive, q.prog_id))
					continue;
				if (!bpf_tc_detach(&hook, &opts))
					(*removed)++;
			}
		}
		if (n >= 0)
			free(list);
		if (i > 0 && ctrcap_netns_leave()) {
			free(ns);
			free(live);
			return -1;
		}
	}
	free(ns);
	free(live);
	return 0;
}
