// SPDX-License-Identifier: GPL-2.0-or-later
/* ctrcap -D: every interface of every namespace, its container, bridge and veth peer. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "cgroup.h"
#include "containers/resolver.h"
#include "kernel_features.h"
#include "link_info.h"
#include "netns.h"

/* Index of the namespace with inode ino in ns (host first), nns when none. */
static size_t netns_index(const struct ctrcap_netns *ns, size_t nns, uint32_t ino)
{
	size_t i;

	for (i = 0; i < nns && ns[i].ino != ino; i++)
		;
	return i;
}

/* The -i spec naming link l of namespace ns: "eth0" in ctrcap's own, else "eth0@web". */
static void link_spec(char *buf, size_t cap, const struct ctrcap_link *l,
		      const struct ctrcap_netns *ns, size_t nns)
{
	size_t i = netns_index(ns, nns, l->netns);

	if (i > 0 && i < nns)
		snprintf(buf, cap, "%s@%s", l->name, ns[i].name);
	else
		snprintf(buf, cap, "%s", l->name);
}

struct peer_check {
	const struct ctrcap_netns *ns;
	size_t nns;
	bool lost_home; /* could not return to ctrcap's namespace: stop */
};

/* Whether l's namespace calls cand's namespace by l's IFLA_LINK_NETNSID. */
static int peer_ns_check(void *ctx, const struct ctrcap_link *l, const struct ctrcap_link *cand)
{
	struct peer_check *pc = ctx;
	size_t fi = netns_index(pc->ns, pc->nns, l->netns);
	size_t ti = netns_index(pc->ns, pc->nns, cand->netns);
	const struct ctrcap_netns *from, *to;
	bool away = fi != 0;
	struct stat st;
	int fd, id = -1;

	if (fi >= pc->nns || ti >= pc->nns || pc->lost_home)
		return 0;
	from = &pc->ns[fi];
	to = &pc->ns[ti];
	fd = open(to->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!fstat(fd, &st) && st.st_ino == to->ino && (!away || !ctrcap_netns_enter(from))) {
		id = ctrcap_nsid_of(fd);
		if (away && ctrcap_netns_leave())
			pc->lost_home = true;
	}
	close(fd);
	return id >= 0 && id == l->link_netnsid;
}

/* ", master docker0, veth peer vethab12 (container web)" for link i, or "". */
static void link_relations(char *buf, size_t cap, const struct ctrcap_link *links, size_t n,
			   size_t i, struct peer_check *pc, char (*ctr)[300])
{
	const struct ctrcap_netns *ns = pc->ns;
	size_t nns = pc->nns;
	const struct ctrcap_link *l = &links[i];
	size_t len = 0;
	int p;

	buf[0] = '\0';
	for (size_t j = 0; l->master && j < n; j++)
		if (links[j].netns == l->netns && links[j].ifindex == l->master)
			len += (size_t)snprintf(buf, cap, ", master %s", links[j].name);
	if (len >= cap)
		return;
	p = ctrcap_link_peer(links, n, i, peer_ns_check, pc);
	if (p == -2) {
		snprintf(buf + len, cap - len, ", veth peer ifindex %u (several namespaces match)",
			 l->iflink);
	} else if (p >= 0) {
		char spec[IF_NAMESIZE + 80];
		size_t k;

		link_spec(spec, sizeof(spec), &links[p], ns, nns);
		k = netns_index(ns, nns, links[p].netns);
		snprintf(buf + len, cap - len, ", veth peer %s%s%s", spec,
			 k < nns && ctr[k][0] ? " in container " : "", k < nns ? ctr[k] : "");
	}
}

/* The container in namespace ns, "name (id12)" into out, or "". */
static void netns_container(struct ctr_resolver *res, const char *root,
			    const struct ctrcap_netns *ns, struct ctr_info *info, char *out,
			    size_t cap)
{
	uint64_t cg;

	out[0] = '\0';
	if (!res || !ns->pid)
		return;
	cg = ctrcap_cgroup_id_of_pid(root, ns->pid);
	if (cg && ctr_resolver_lookup_wait(res, cg, info, CTRCAP_LIST_TIMEOUT_MS) == 1)
		snprintf(out, cap, "%s (%.12s)", info->name[0] ? info->name : "?", info->id);
}

/* Every link of every namespace, host first, each tagged with its netns inode. */
static int links_of_all(const struct ctrcap_netns *ns, size_t nns, struct ctrcap_link **out,
			size_t *nout)
{
	struct ctrcap_link *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < nns; i++) {
		struct ctrcap_link *list, *grown;
		int m;

		if (i > 0 && ctrcap_netns_enter(&ns[i]))
			continue; /* gone since the listing */
		m = ctrcap_link_dump_here(&list);
		if (i > 0 && ctrcap_netns_leave()) {
			fprintf(stderr, "ctrcap: cannot return to the host network namespace: %s\n",
				strerror(errno));
			if (m >= 0)
				free(list);
			free(all);
			return -1;
		}
		if (m < 0) {
			fprintf(stderr, "ctrcap: cannot list the interfaces of netns %s: %s\n",
				ns[i].name, strerror(errno));
			continue;
		}
		grown = realloc(all, (n + (size_t)m + 1) * sizeof(*all));
		if (!grown) {
			free(list);
			free(all);
			return -1;
		}
		all = grown;
		for (int j = 0; j < m; j++) {
			list[j].netns = ns[i].ino;
			all[n++] = list[j];
		}
		free(list);
	}
	*out = all;
	*nout = n;
	return 0;
}

int ctrcap_run_list_ifaces(const struct ctrcap_opts *o)
{
	struct ctrcap_kernel_features kf;
	struct ctr_resolver *res;
	struct ctrcap_netns *ns;
	struct ctrcap_link *links = NULL;
	struct ctr_info *info = malloc(sizeof(*info));
	char(*ctr)[300] = NULL;
	char root[512] = "";
	size_t nns, nlinks = 0;
	struct peer_check pc = {0};
	unsigned k = 0;
	int code = 1;

	if (!info || ctrcap_netns_init() || ctrcap_netns_list(&ns, &nns)) {
		fprintf(stderr, "ctrcap: cannot list network namespaces: %s\n", strerror(errno));
		free(info);
		return 1;
	}
	/* What this kernel cannot do, once, before the list (stderr: the list stays tcpdump's). */
	ctrcap_kernel_probe(&kf, NULL);
	ctrcap_kernel_report(stderr, "ctrcap: ", &kf);
	res = ctrcap_resolver_for_listing(o, root, sizeof(root));
	ctr = calloc(nns, sizeof(*ctr));
	if (!ctr || links_of_all(ns, nns, &links, &nlinks)) {
		fprintf(stderr, "ctrcap: cannot list interfaces: %s\n", strerror(errno));
		goto out;
	}
	for (size_t i = 1; i < nns; i++)
		netns_container(res, root, &ns[i], info, ctr[i], sizeof(ctr[i]));
	pc.ns = ns;
	pc.nns = nns;
	for (size_t j = 0; j < nlinks; j++) {
		const struct ctrcap_link *l = &links[j];
		char spec[IF_NAMESIZE + 80], rel[800];
		size_t i = netns_index(ns, nns, l->netns);

		link_spec(spec, sizeof(spec), l, ns, nns);
		link_relations(rel, sizeof(rel), links, nlinks, j, &pc, ctr);
		if (pc.lost_home) {
			fprintf(stderr, "ctrcap: cannot return to the host network namespace: %s\n",
				strerror(errno));
			goto out;
		}
		printf("%u.%s [netns %s, inode %u%s%s%s]\n", ++k, spec, ns[i].name, ns[i].ino,
		       ctr[i][0] ? ", container " : "", ctr[i], rel);
	}
	printf("%u.any [every interface of every network namespace]\n", ++k);
	code = 0;
out:
	free(links);
	free(ctr);
	free(ns);
	free(info);
	if (res)
		ctr_resolver_free(res);
	return code;
}
