// SPDX-License-Identifier: GPL-2.0-or-later
/* The `ctrcap -v` text form of an identity (see ctrcap/identity_text.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctrcap/identity_text.h"
#include "utf8.h"

/* The Process line's text when a record has a user or parent but no process. */
#define PROC_UNKNOWN "unknown (the identity record names no process)"

struct out {
	char *buf;
	size_t cap, len; /* len counts what the full text needs */
	bool first;	 /* no field yet on the current line */
};

static void out_raw(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_raw(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Copy s, escaping what a terminal would misread: control bytes, '\', bad UTF-8. */
static void out_esc(struct out *o, const struct ctrcap_str *s)
{
	const uint8_t *p = (const uint8_t *)s->ptr;
	size_t i = 0, n;

	while (i < s->len) {
		if (p[i] == '\\') {
			out_raw(o, "\\\\", 2);
			i++;
		} else if (p[i] == '\n') {
			out_raw(o, "\\n", 2);
			i++;
		} else if (p[i] == '\t') {
			out_raw(o, "\\t", 2);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			out_fmt(o, "\\x%02x", p[i]);
			i++;
		} else if ((n = ctrcap_utf8_seq_len(p + i, s->len - i)) == 0) {
			out_fmt(o, "\\x%02x", p[i]);
			i++;
		} else {
			out_raw(o, (const char *)p + i, n);
			i += n;
		}
	}
}

static void line_start(struct out *o, const char *indent, const char *what)
{
	if (indent)
		out_raw(o, indent, strlen(indent));
	out_raw(o, what, strlen(what));
	out_raw(o, " (", 2);
	o->first = true;
}

static void line_end(struct out *o)
{
	out_raw(o, ")\n", 2);
}

static void field_name(struct out *o, const char *name)
{
	if (!o->first)
		out_raw(o, ", ", 2);
	o->first = false;
	out_raw(o, name, strlen(name));
	out_raw(o, " ", 1);
}

static void field_u64(struct out *o, const char *name, uint64_t v)
{
	field_name(o, name);
	out_fmt(o, "%" PRIu64, v);
}

static void field_str(struct out *o, const char *name, const struct ctrcap_str *s)
{
	if (!s->ptr)
		return;
	field_name(o, name);
	out_esc(o, s);
}

/* The first present string of a and b (exe before comm). */
static const struct ctrcap_str *either(const struct ctrcap_str *a, const struct ctrcap_str *b)
{
	return a->ptr ? a : b;
}

static void field_labels(struct out *o, const struct ctrcap_str *l, unsigned n)
{
	unsigned i;

	if (!n)
		return;
	field_name(o, "labels");
	out_raw(o, "{", 1);
	for (i = 0; i < n && i < CTRCAP_MAX_LABELS; i++) {
		if (i)
			out_raw(o, ", ", 2);
		if (l[i].ptr)
			out_esc(o, &l[i]);
	}
	out_raw(o, "}", 1);
}

size_t ctrcap_identity_format(const struct ctrcap_identity *id, const char *indent, char *buf,
			      size_t cap)
{
	struct out o = {.buf = buf, .cap = cap ? cap - 1 : 0};
	const struct ctrcap_str *cmd = either(&id->exe, &id->comm);
	const struct ctrcap_str *pcmd = either(&id->parent_exe, &id->parent_comm);

	bool has_proc =
	    (id->present & (CTRCAP_HAS_PID | CTRCAP_HAS_TID)) || cmd->ptr || id->args.ptr;
	bool has_user = (id->present & (CTRCAP_HAS_UID | CTRCAP_HAS_GID)) || id->user.ptr;
	bool has_parent = (id->present & CTRCAP_HAS_PARENT_PID) || pcmd->ptr || id->parent_args.ptr;

	if (!has_proc && !id->process_hidden && (has_user || has_parent)) {
		/* A user or parent is never shown alone: name the missing process. */
		line_start(&o, indent, "Process");
		field_name(&o, "pid");
		out_raw(&o, PROC_UNKNOWN, strlen(PROC_UNKNOWN));
		line_end(&o);
	}
	if (has_proc) {
		line_start(&o, indent, "Process");
		if (id->present & CTRCAP_HAS_PID)
			field_u64(&o, "pid", id->pid);
		field_str(&o, "cmd", cmd);
		field_str(&o, "args", &id->args);
		/* Extras go last so the ptcpdump-shaped prefix stays the same. */
		if ((id->present & CTRCAP_HAS_TID) &&
		    (!(id->present & CTRCAP_HAS_PID) || id->tid != id->pid))
			field_u64(&o, "tid", id->tid);
		/* Why cmd is only the comm and no args or parent follow. */
		if (id->present & CTRCAP_HAS_PROC_STATE) {
			const char *st = ctrcap_proc_state_name(id->proc_state);

			field_name(&o, "state");
			out_raw(&o, st, strlen(st));
		}
		line_end(&o);
	}
	if (has_user) {
		line_start(&o, indent, "User");
		if (id->present & CTRCAP_HAS_UID)
			field_u64(&o, "uid", id->uid);
		if (id->present & CTRCAP_HAS_GID)
			field_u64(&o, "gid", id->gid);
		field_str(&o, "name", &id->user);
		line_end(&o);
	}
	if (has_parent) {
		line_start(&o, indent, "ParentProc");
		if (id->present & CTRCAP_HAS_PARENT_PID)
			field_u64(&o, "pid", id->parent_pid);
		field_str(&o, "cmd", pcmd);
		field_str(&o, "args", &id->parent_args);
		line_end(&o);
	}
	if (id->ctr_name.ptr || id->ctr_id.ptr || id->ctr_image.ptr || id->ctr_runtime.ptr ||
	    id->n_ctr_labels) {
		line_start(&o, indent, "Container");
		field_str(&o, "name", &id->ctr_name);
		field_str(&o, "id", &id->ctr_id);
		field_str(&o, "image", &id->ctr_image);
		field_labels(&o, id->ctr_labels, id->n_ctr_labels);
		field_str(&o, "runtime", &id->ctr_runtime);
		line_end(&o);
	}
	if (id->pod_name.ptr || id->pod_namespace.ptr || id->pod_uid.ptr || id->k8s_ctr_name.ptr ||
	    id->n_pod_labels) {
		line_start(&o, indent, "Pod");
		field_str(&o, "name", &id->pod_name);
		field_str(&o, "namespace", &id->pod_namespace);
		field_str(&o, "uid", &id->pod_uid);
		field_str(&o, "container", &id->k8s_ctr_name);
		field_labels(&o, id->pod_labels, id->n_pod_labels);
		line_end(&o);
	}
	if (id->node_name.ptr) {
		line_start(&o, indent, "Node");
		field_str(&o, "name", &id->node_name);
		line_end(&o);
	}
	if (cap)
		buf[o.len < o.cap ? o.len : o.cap] = '\0';
	return o.len;
}

static const struct {
	const char *name;
	unsigned bit;
} contexts[] = {
	{ "process", CTRCAP_CTX_PROCESS },	 { "thread", CTRCAP_CTX_THREAD },
	{ "parentproc", CTRCAP_CTX_PARENTPROC }, { "user", CTRCAP_CTX_USER },
	{ "container", CTRCAP_CTX_CONTAINER },	 { "pod", CTRCAP_CTX_POD },
	{ "node", CTRCAP_CTX_NODE },
};

int ctrcap_context_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
	const char *p = list;
	unsigned m = 0;

	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
			if (strlen(contexts[i].name) == n && !strncmp(p, contexts[i].name, n))
				break;
		}
		if (i == sizeof(contexts) / sizeof(contexts[0])) {
			snprintf(err, errlen,
				 "unknown context '%.*s' (process, thread, parentproc, user, "
				 "container, pod, node)",
				 (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		m |= contexts[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!m) {
		snprintf(err, errlen, "empty context list");
		return -1;
	}
	*mask = m;
	return 0;
}

void ctrcap_identity_select(const struct ctrcap_identity *id, unsigned ctx,
			    struct ctrcap_identity *out)
{
	static const struct ctrcap_str none;

	*out = *id;
	if (!(ctx & CTRCAP_CTX_PROCESS)) {
		out->present &= ~(uint32_t)(CTRCAP_HAS_PID | CTRCAP_HAS_START_TIME |
					    CTRCAP_HAS_PROC_STATE);
		out->comm = out->exe = out->args = none;
		out->process_hidden = true;
	}
	if (!(ctx & CTRCAP_CTX_THREAD))
		out->present &= ~(uint32_t)CTRCAP_HAS_TID;
	if (!(ctx & CTRCAP_CTX_PARENTPROC)) {
		out->present &= ~(uint32_t)CTRCAP_HAS_PARENT_PID;
		out->parent_comm = out->parent_exe = out->parent_args = none;
	}
	if (!(ctx & CTRCAP_CTX_USER)) {
		out->present &= ~(uint32_t)(CTRCAP_HAS_UID | CTRCAP_HAS_GID);
		out->user = none;
	}
	if (!(ctx & CTRCAP_CTX_CONTAINER)) {
		out->ctr_id = out->ctr_name = out->ctr_image = out->ctr_runtime = none;
		out->n_ctr_labels = 0;
	}
	if (!(ctx & CTRCAP_CTX_POD)) {
		out->pod_name = out->pod_namespace = out->pod_uid = out->k8s_ctr_name = none;
		out->n_pod_labels = 0;
	}
	if (!(ctx & CTRCAP_CTX_NODE))
		out->node_name = none;
}

/* The program's short name: comm, else the last component of exe. */
static struct ctrcap_str short_name(const struct ctrcap_str *comm, const struct ctrcap_str *exe)
{
	struct ctrcap_str s = *comm;
	size_t i;

	if (s.ptr && s.len)
		return s;
	s = *exe;
	for (i = s.len; s.ptr && i > 0; i--) {
		if (s.ptr[i - 1] == '/') {
			s.ptr += i;
			s.len -= i;
			break;
		}
	}
	return s;
}

/* ", What [name.number]", the name or the number left out when unknown. */
static void brief_item(struct out *o, const char *what, const struct ctrcap_str *name,
		       bool has_num, uint64_t num)
{
	if (!(name->ptr && name->len) && !has_num)
		return;
	out_raw(o, ", ", 2);
	out_raw(o, what, strlen(what));
	out_raw(o, " [", 2);
	if (name->ptr && name->len)
		out_esc(o, name);
	if (name->ptr && name->len && has_num)
		out_raw(o, ".", 1);
	if (has_num)
		out_fmt(o, "%" PRIu64, num);
	out_raw(o, "]", 1);
}

size_t ctrcap_identity_brief(const struct ctrcap_identity *id, unsigned ctx, char *buf,
			     size_t cap)
{
	static const struct ctrcap_str none;
	struct out o = {.buf = buf, .cap = cap ? cap - 1 : 0};
	struct ctrcap_str s;

	if (ctx & CTRCAP_CTX_PROCESS) {
		s = short_name(&id->comm, &id->exe);
		brief_item(&o, "Process", &s, id->present & CTRCAP_HAS_PID, id->pid);
	}
	if ((ctx & CTRCAP_CTX_THREAD) && (id->present & CTRCAP_HAS_TID) &&
	    (!(id->present & CTRCAP_HAS_PID) || id->tid != id->pid))
		brief_item(&o, "Thread", &none, true, id->tid);
	if (ctx & CTRCAP_CTX_PARENTPROC) {
		s = short_name(&id->parent_comm, &id->parent_exe);
		brief_item(&o, "ParentProc", &s, id->present & CTRCAP_HAS_PARENT_PID,
			   id->parent_pid);
	}
	if ((ctx & CTRCAP_CTX_USER) && id->user.ptr && id->user.len) {
		brief_item(&o, "User", &id->user, false, 0);
	} else if ((ctx & CTRCAP_CTX_USER) && (id->present & CTRCAP_HAS_UID)) {
		out_fmt(&o, ", User [uid %" PRIu32 "]", id->uid);
	}
	if (ctx & CTRCAP_CTX_CONTAINER) {
		s = id->ctr_name;
		if (!(s.ptr && s.len)) {
			s = id->ctr_id;
			if (s.len > 12)
				s.len = 12;	/* docker ps's short id */
		}
		brief_item(&o, "Container", &s, false, 0);
	}
	if ((ctx & CTRCAP_CTX_POD) && id->pod_name.ptr && id->pod_name.len) {
		out_raw(&o, ", Pod [", 7);
		out_esc(&o, &id->pod_name);
		if (id->pod_namespace.ptr && id->pod_namespace.len) {
			out_raw(&o, ".", 1);
			out_esc(&o, &id->pod_namespace);
		}
		out_raw(&o, "]", 1);
	}
	if (ctx & CTRCAP_CTX_NODE)
		brief_item(&o, "Node", &id->node_name, false, 0);
	if (cap)
		buf[o.len < o.cap ? o.len : o.cap] = '\0';
	return o.len;
}
