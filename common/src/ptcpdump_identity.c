// SPDX-License-Identifier: GPL-2.0-or-later
/* ptcpdump's comment text as a ctrcap identity (see ptcpdump_identity.h). */
#include <stdlib.h>
#include <string.h>

#include "ctrcap/ptcpdump_identity.h"
#include "ctrcap/ptcpdump_text.h"


struct fill {
	struct ctrcap_ptcpdump_store *st;
	size_t used;
};

/* A value as a view into the text; empty values (ptcpdump writes them) are absent. */
static struct ctrcap_str view(const char *s, const struct ptcpdump_line *l)
{
	struct ctrcap_str v = {NULL, 0};

	if (!l->value_len)
		return v;
	v.ptr = s + l->value_off;
	v.len = l->value_len > CTRCAP_STR_MAX ? CTRCAP_STR_MAX : (uint16_t)l->value_len;
	return v;
}

static void number(const char *s, const struct ptcpdump_line *l, struct ctrcap_identity *id,
		   uint32_t bit, uint32_t *dst)
{
	if (ptcpdump_parse_u32(s + l->value_off, l->value_len, dst))
		id->present |= bit;
}

/* "key=value" members of ptcpdump's JSON label object into labels[], in f's store. */
static void labels(struct fill *f, const char *s, const struct ptcpdump_line *l,
		   struct ctrcap_str *labels, uint16_t *n, struct ctrcap_identity *id)
{
	struct ptcpdump_json_iter it;
	size_t k = 0;

	ptcpdump_json_init(&it, s + l->value_off, l->value_len);
	/* Each member is at least 5 bytes of text: k bounds the walk as well. */
	while (k++ <= l->value_len) {
		char *out = f->st->buf + f->used;
		size_t room = f->st->cap - f->used, olen;

		if (ptcpdump_json_next(&it, out, room) != 1)
			return;
		olen = strlen(out);
		if (*n >= CTRCAP_MAX_LABELS) {
			id->n_labels_dropped++;
			continue;
		}
		labels[*n].ptr = out;
		labels[(*n)++].len = olen > CTRCAP_STR_MAX ? CTRCAP_STR_MAX : (uint16_t)olen;
		f->used += olen + 1;
	}
}

/* comm as ptcpdump's Comm() names the process (ptcpdump_comm). */
static void comm_of(struct fill *f, struct ctrcap_identity *id)
{
	size_t n;
	const char *p = ptcpdump_comm(id->exe.ptr, id->exe.len, id->args.ptr, id->args.len, &n);

	if (!p || f->st->cap - f->used < PTCPDUMP_COMM_MAX + 1)
		return;
	memcpy(f->st->buf + f->used, p, n);
	id->comm.ptr = f->st->buf + f->used;
	id->comm.len = (uint16_t)n;
	f->used += n + 1;
}

int ctrcap_ptcpdump_identity(const char *s, size_t len, struct ctrcap_identity *id,
			     struct ctrcap_ptcpdump_store *st)
{
	struct fill f = {st, 0};
	struct ptcpdump_iter it;
	struct ptcpdump_line l;
	size_t need = len + PTCPDUMP_COMM_MAX + 2, n = 0;
	bool found = false;

	memset(id, 0, sizeof(*id));
	if (!s)
		return 0;
	/* Unescaped labels are never longer than their JSON text, comm is 16 bytes. */
	if (st->cap < need) {
		char *p = realloc(st->buf, need);

		if (!p)
			return -1;
		st->buf = p;
		st->cap = need;
	}
	ptcpdump_iter_init(&it, s, len);
	/* Each line consumes at least one byte. */
	while (ptcpdump_next(&it, &l) == 1 && n++ <= len) {
		found = true;
		switch (l.key) {
		case PTCPDUMP_K_PID:
			number(s, &l, id, CTRCAP_HAS_PID, &id->pid);
			break;
		case PTCPDUMP_K_TID:
			number(s, &l, id, CTRCAP_HAS_TID, &id->tid);
			break;
		case PTCPDUMP_K_USER_ID:
			number(s, &l, id, CTRCAP_HAS_UID, &id->uid);
			break;
		case PTCPDUMP_K_PARENT_PID:
			number(s, &l, id, CTRCAP_HAS_PARENT_PID, &id->parent_pid);
			break;
		case PTCPDUMP_K_CMD:
			id->exe = view(s, &l);
			break;
		case PTCPDUMP_K_ARGS:
			id->args = view(s, &l);
			break;
		case PTCPDUMP_K_PARENT_CMD:
			id->parent_exe = view(s, &l);
			break;
		case PTCPDUMP_K_PARENT_ARGS:
			id->parent_args = view(s, &l);
			break;
		case PTCPDUMP_K_CTR_NAME:
			id->ctr_name = view(s, &l);
			break;
		case PTCPDUMP_K_CTR_ID:
			id->ctr_id = view(s, &l);
			break;
		case PTCPDUMP_K_CTR_IMAGE:
			id->ctr_image = view(s, &l);
			break;
		case PTCPDUMP_K_CTR_LABELS:
			labels(&f, s, &l, id->ctr_labels, &id->n_ctr_labels, id);
			break;
		case PTCPDUMP_K_POD_NAME:
			id->pod_name = view(s, &l);
			break;
		case PTCPDUMP_K_POD_NAMESPACE:
			id->pod_namespace = view(s, &l);
			break;
		case PTCPDUMP_K_POD_UID:
			id->pod_uid = view(s, &l);
			break;
		case PTCPDUMP_K_POD_LABELS:
			labels(&f, s, &l, id->pod_labels, &id->n_pod_labels, id);
			break;
		case PTCPDUMP_K_THREAD_NAME:
		case PTCPDUMP_K_POD_ANNOTATIONS:
		case PTCPDUMP_K_NONE:
			/* No field of ctrcap's record holds them; the dissector shows them. */
			break;
		}
	}
	comm_of(&f, id);
	return found;
}

void ctrcap_ptcpdump_store_free(struct ctrcap_ptcpdump_store *st)
{
	free(st->buf);
	st->buf = NULL;
	st->cap = 0;
}
