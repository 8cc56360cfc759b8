// SPDX-License-Identifier: GPL-2.0-or-later
/* The drop_where map, kept equal to the attachment table (see drop_select.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "../bpf/ctrcap.h"
#include "attach.h"
#include "ctrcap/errbuf.h"
#include "drop_select.h"

struct ctrcap_drop_select {
	int fd;
	struct ctrcap_drop_where *cur;	/* what the map holds, sorted */
	size_t n;
};

static int where_cmp(const void *pa, const void *pb)
{
	const struct ctrcap_drop_where *a = pa, *b = pb;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return 0;
}

struct ctrcap_drop_select *ctrcap_drop_select_new(int map_fd)
{
	struct ctrcap_drop_select *s = calloc(1, sizeof(*s));

	if (s)
		s->fd = map_fd;
	return s;
}

/*
 * The keys v[0..n) asks for, sorted and unique, in *out (malloc'ed): each
 * interface, and its namespace with ifindex 0. Returns the count. An
 * interface the tc programs could not attach to stays in the table (so it
 * is not retried every scan): its drops are still the capture's, as they
 * were when user space selected drops by the table.
 */
static size_t wanted(const struct ctrcap_iface *v, size_t n, struct ctrcap_drop_where **out)
{
	struct ctrcap_drop_where *w = malloc((2 * n + 1) * sizeof(*w));
	size_t k = 0, u = 0;

	*out = w;
	if (!w)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].netns)
			continue;
		w[k++] = (struct ctrcap_drop_where){ .netns = v[i].netns, .ifindex = v[i].ifindex };
		w[k++] = (struct ctrcap_drop_where){ .netns = v[i].netns, .ifindex = 0 };
	}
	qsort(w, k, sizeof(*w), where_cmp);
	for (size_t i = 0; i < k; i++) {
		if (!u || where_cmp(&w[u - 1], &w[i]))
			w[u++] = w[i];
	}
	return u;
}

/* Name key for a message: "interface 7 of netns 4026532301" or "netns 4026532301". */
static void key_err(char *err, size_t errlen, const char *what,
		    const struct ctrcap_drop_where *key, int e)
{
	if (key->ifindex)
		ctrcap_errf(err, errlen, "--drops: cannot %s interface %u of netns %u in the "
			    "drop selection map: %s", what, key->ifindex, key->netns, strerror(e));
	else
		ctrcap_errf(err, errlen, "--drops: cannot %s netns %u in the drop selection map: %s",
			    what, key->netns, strerror(e));
}

int ctrcap_drop_select_sync(struct ctrcap_drop_select *s, const struct ctrcap_iface *v, size_t n,
			    char *err, size_t errlen)
{
	struct ctrcap_drop_where *next;
	size_t nn = wanted(v, n, &next), i = 0, j = 0, kept = 0;
	const uint8_t one = 1;
	int ret = 0;

	if (!next) {
		ctrcap_errf(err, errlen, "--drops: out of memory for the drop selection");
		return -1;
	}
	/* A merge of two sorted lists: add what is new, delete what went; next keeps what the map holds. */
	while (i < nn || j < s->n) {
		int d = i == nn ? 1 : j == s->n ? -1 : where_cmp(&next[i], &s->cur[j]);

		if (d < 0) {
			if (bpf_map_update_elem(s->fd, &next[i], &one, BPF_ANY)) {
				if (!ret)
					key_err(err, errlen, "add", &next[i], errno);
				ret = -1;
			} else {
				next[kept++] = next[i];
			}
			i++;
		} else if (d > 0) {
			if (bpf_map_delete_elem(s->fd, &s->cur[j]) && errno != ENOENT) {
				if (!ret)
					key_err(err, errlen, "remove", &s->cur[j], errno);
				ret = -1;
			}
			j++;
		} else {
			next[kept++] = next[i];
			i++;
			j++;
		}
	}
	free(s->cur);
	s->cur = next;
	s->n = kept;
	return ret;
}

size_t ctrcap_drop_select_count(const struct ctrcap_drop_select *s)
{
	return s ? s->n : 0;
}

void ctrcap_drop_select_free(struct ctrcap_drop_select *s)
{
	if (!s)
		return;
	free(s->cur);
	free(s);
}
