// SPDX-License-Identifier: GPL-2.0-or-later
/* Drop reason names from the kernel's BTF, drop locations from /proc/kallsyms. */
#include "drop_reason.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define REASON_PREFIX "SKB_DROP_REASON_"

struct drop_name {
	uint32_t value;
	char *name;
};

struct ctrcap_drop_names {
	struct drop_name *v;	/* sorted by value */
	size_t n;
};

static int name_cmp(const void *a, const void *b)
{
	const struct drop_name *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* The enum named name in btf, NULL if none. */
static const struct btf_type *find_enum(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

struct ctrcap_drop_names *ctrcap_drop_names_load(const struct btf *btf, char *err, size_t errlen)
{
	struct ctrcap_drop_names *n = NULL;
	const struct btf_type *t;
	unsigned vlen, i;

	if (!btf) {
		snprintf(err, errlen, "cannot read the kernel's BTF");
		return NULL;
	}
	t = find_enum(btf, "skb_drop_reason");
	if (!t) {
		snprintf(err, errlen, "the kernel's BTF has no enum skb_drop_reason");
		return NULL;
	}
	vlen = btf_vlen(t);
	n = calloc(1, sizeof(*n));
	if (!n || !(n->v = calloc(vlen ? vlen : 1, sizeof(*n->v))))
		goto oom;
	for (i = 0; i < vlen; i++) {
		const char *name;
		uint32_t value;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			value = (uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			value = (uint32_t)btf_enum64_value(e);
		}
		if (!name)
			continue;
		if (!strncmp(name, REASON_PREFIX, strlen(REASON_PREFIX)))
			name += strlen(REASON_PREFIX);
		else if (!strncmp(name, "SKB_", 4))
			name += 4;	/* SKB_CONSUMED, SKB_NOT_DROPPED_YET */
		n->v[n->n].value = value;
		n->v[n->n].name = strdup(name);
		if (!n->v[n->n].name)
			goto oom;
		n->n++;
	}
	if (n->n)
		qsort(n->v, n->n, sizeof(*n->v), name_cmp);
	return n;
oom:
	snprintf(err, errlen, "out of memory for the drop reason names");
	ctrcap_drop_names_free(n);
	return NULL;
}

const char *ctrcap_drop_reason_name(const struct ctrcap_drop_names *n, uint32_t v)
{
	struct drop_name key = { .value = v };
	const struct drop_name *d;

	if (!n || !n->n)
		return NULL;
	d = bsearch(&key, n->v, n->n, sizeof(key), name_cmp);
	return d ? d->name : NULL;
}

void ctrcap_drop_names_free(struct ctrcap_drop_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].name);
	free(n->v);
	free(n);
}

/* ------------------------------------------------------------------ kallsyms */

struct ksym {
	uint64_t addr;
	uint32_t name;	/* offset in names */
};

struct ctrcap_ksyms {
	FILE *f;	/* open until read: the kernel shows addresses by the opener's privileges */
	bool loaded;
	struct ksym *v;	/* sorted by address */
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

struct ctrcap_ksyms *ctrcap_ksyms_new(const char *path)
{
	struct ctrcap_ksyms *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	/* A table that cannot be read leaves every location in hex. */
	k->f = fopen(path, "re");
	return k;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Append one symbol; false when out of memory. */
static bool ksym_add(struct ctrcap_ksyms *k, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct ksym *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return false;
		k->v = v;
		k->cap = cap;
	}
	if (k->names_len + len > k->names_cap) {
		size_t cap = k->names_cap ? k->names_cap * 2 : 65536;
		char *s;

		while (cap < k->names_len + len)
			cap *= 2;
		s = realloc(k->names, cap);
		if (!s)
			return false;
		k->names = s;
		k->names_cap = cap;
	}
	memcpy(k->names + k->names_len, name, len);
	k->v[k->n].addr = addr;
	k->v[k->n].name = (uint32_t)k->names_len;
	k->names_len += len;
	k->n++;
	return true;
}

/*
 * Read the code symbols (types t, T) once. With kptr_restrict every
 * address reads as 0: the table stays empty and addresses print as hex.
 */
static void ksyms_load(struct ctrcap_ksyms *k)
{
	char line[512], name[256], type;
	unsigned long long addr;
	FILE *f = k->f;

	k->loaded = true;
	k->f = NULL;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (!addr || (type != 't' && type != 'T'))
			continue;
		if (!ksym_add(k, addr, name)) {
			k->n = 0;	/* out of memory: hex addresses, not wrong names */
			break;
		}
	}
	fclose(f);
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
}

void ctrcap_ksyms_format(struct ctrcap_ksyms *k, uint64_t addr, char *buf, size_t cap)
{
	size_t lo = 0, hi;

	if (k && !k->loaded)
		ksyms_load(k);
	hi = k ? k->n : 0;
	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !addr) {
		snprintf(buf, cap, "0x%llx", (unsigned long long)addr);
		return;
	}
	snprintf(buf, cap, "%s+0x%llx", k->names + k->v[lo - 1].name,
		 (unsigned long long)(addr - k->v[lo - 1].addr));
}

void ctrcap_ksyms_free(struct ctrcap_ksyms *k)
{
	if (!k)
		return;
	if (k->f)
		fclose(k->f);
	free(k->v);
	free(k->names);
	free(k);
}
