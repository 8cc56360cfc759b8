// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A ctrcap identity as ptcpdump's per-packet comments (ctrcap --comments),
 * laid out as ptcpdump's pcapng writer lays them out, so that ptcpdump -r,
 * its users' scripts and our own reader (ptcpdump_identity.c) take them.
 * The key spellings come from ptcpdump_text.c's table.
 */
#include <string.h>

#include "ctrcap/ptcpdump_identity.h"
#include "ctrcap/ptcpdump_text.h"
#include "utf8.h"

/* An opt_comment's length is a u16. */
#define GROUP_MAX 65535u
/* Room kept in a group for the lines after its labels ("\nPodAnnotations: {}"). */
#define AFTER_LABELS 32u

struct out {
	char *p;
	size_t cap, n;
	size_t group;	/* where the current comment starts */
	bool full;	/* cap was too small */
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->full || o->cap - o->n < len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void put_c(struct out *o, char c)
{
	put(o, &c, 1);
}

/*
 * A value on its line: a newline would end the line and a NUL the comment
 * early (the reader gives comments NUL-terminated), so both become spaces.
 * Cut as the record cuts strings, so that a comment stays within GROUP_MAX.
 */
static void put_value(struct out *o, const char *s, size_t len)
{
	len = ctrcap_utf8_cut(s, len, CTRCAP_STR_MAX);
	for (size_t i = 0; i < len; i++)
		put_c(o, s[i] == '\n' || s[i] == '\0' ? ' ' : s[i]);
}

/* "Key: " on a new line of the comment (no newline before the first). */
static void put_key(struct out *o, enum ptcpdump_key key)
{
	const char *k = ptcpdump_key_name(key);

	if (o->n > o->group)
		put_c(o, '\n');
	put(o, k, strlen(k));
	put(o, ": ", 2);
}

static void line_str(struct out *o, enum ptcpdump_key key, struct ctrcap_str v)
{
	put_key(o, key);
	if (v.ptr)
		put_value(o, v.ptr, v.len);
}

static void line_u32(struct out *o, enum ptcpdump_key key, uint32_t v)
{
	char num[11];
	size_t i = sizeof(num);

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_key(o, key);
	put(o, num + i, sizeof(num) - i);
}

/* A JSON string as Go's encoding/json writes it (ptcpdump's labels are json.Marshal's). */
static void put_json(struct out *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	put_c(o, '"');
	while (i < len) {
		uint8_t c = (uint8_t)s[i];
		size_t n = ctrcap_utf8_seq_len((const uint8_t *)s + i, len - i);
		char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x80) {
			/* U+2028/U+2029 escaped, invalid bytes as U+FFFD: Go does both. */
			if (!n)
				put(o, "\\ufffd", 6);
			else if (n == 3 && c == 0xe2 && (uint8_t)s[i + 1] == 0x80 &&
				 ((uint8_t)s[i + 2] & 0xfe) == 0xa8)
				put(o, (uint8_t)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			else
				put(o, s + i, n);
			i += n ? n : 1;
			continue;
		}
		i++;
		if (c == '"' || c == '\\') {
			put_c(o, '\\');
			put_c(o, (char)c);
		} else if (c == '\n') {
			put(o, "\\n", 2);
		} else if (c == '\r') {
			put(o, "\\r", 2);
		} else if (c == '\t') {
			put(o, "\\t", 2);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			put(o, u, 6); /* Go escapes <, > and & for HTML too */
		} else {
			put_c(o, (char)c);
		}
	}
	put_c(o, '"');
}

/* Length of a "key=value" label's key. */
static size_t key_len(struct ctrcap_str l)
{
	const char *eq = memchr(l.ptr, '=', l.len);

	return eq ? (size_t)(eq - l.ptr) : l.len;
}

static int key_cmp(struct ctrcap_str a, struct ctrcap_str b)
{
	size_t na = key_len(a), nb = key_len(b);
	int c = memcmp(a.ptr, b.ptr, na < nb ? na : nb);

	return c ? c : (na > nb) - (na < nb);
}

/*
 * The labels as a JSON object with the keys sorted, as Go marshals a map;
 * members that would overflow the comment are left out.
 */
static void line_labels(struct out *o, enum ptcpdump_key key, const struct ctrcap_str *l,
			uint16_t n)
{
	uint16_t order[CTRCAP_MAX_LABELS], m = 0;

	bool first = true;

	for (uint16_t i = 0; i < n && i < CTRCAP_MAX_LABELS; i++) {
		uint16_t j = m;

		if (!l[i].ptr)
			continue;
		m++;
		/* Insertion sort: at most 64 labels, stable for equal keys. */
		for (; j > 0 && key_cmp(l[order[j - 1]], l[i]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	put_key(o, key);
	put_c(o, '{');
	for (uint16_t i = 0; i < m; i++) {
		struct ctrcap_str s = l[order[i]];
		size_t k = key_len(s), before = o->n;

		if (!first)
			put_c(o, ',');
		put_json(o, s.ptr, k);
		put_c(o, ':');
		put_json(o, s.ptr + k + (k < s.len), s.len - k - (k < s.len));
		if (!o->full && o->n - o->group > GROUP_MAX - AFTER_LABELS) {
			o->n = before;
			break;
		}
		first = false;
	}
	put_c(o, '}');
}

/* Finish the current comment with its NUL; start the next. */
static void end_group(struct out *o)
{
	put_c(o, '\0');
	o->group = o->n;
}

/* The name without the leading '/' Docker gives it (ptcpdump's TidyName). */
static struct ctrcap_str tidy_name(struct ctrcap_str s)
{
	while (s.ptr && s.len && s.ptr[0] == '/') {
		s.ptr++;
		s.len--;
	}
	return s;
}

static struct ctrcap_str empty_json(void)
{
	return (struct ctrcap_str){ "{}", 2 };
}

int ctrcap_ptcpdump_comments(const struct ctrcap_identity *id, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, 0, false };

	/* The order and the conditions of ptcpdump's writer (internal/writer/pcapng.go). */
	if ((id->present & CTRCAP_HAS_PID) && id->pid) {
		line_u32(&o, PTCPDUMP_K_PID, id->pid);
		line_str(&o, PTCPDUMP_K_CMD, id->exe);
		line_str(&o, PTCPDUMP_K_ARGS, id->args);
		end_group(&o);
		if ((id->present & CTRCAP_HAS_TID) && id->tid) {
			line_u32(&o, PTCPDUMP_K_TID, id->tid);
			line_str(&o, PTCPDUMP_K_THREAD_NAME, id->comm);
			end_group(&o);
		}
		/* ptcpdump writes 0 for a user it does not know; ctrcap leaves it out. */
		if (id->present & CTRCAP_HAS_UID) {
			line_u32(&o, PTCPDUMP_K_USER_ID, id->uid);
			end_group(&o);
		}
		if ((id->present & CTRCAP_HAS_PARENT_PID) && id->parent_pid) {
			line_u32(&o, PTCPDUMP_K_PARENT_PID, id->parent_pid);
			line_str(&o, PTCPDUMP_K_PARENT_CMD, id->parent_exe);
			line_str(&o, PTCPDUMP_K_PARENT_ARGS, id->parent_args);
			end_group(&o);
		}
	}
	if (id->ctr_id.ptr && id->ctr_id.len) {
		line_str(&o, PTCPDUMP_K_CTR_NAME, tidy_name(id->ctr_name));
		line_str(&o, PTCPDUMP_K_CTR_ID, id->ctr_id);
		line_str(&o, PTCPDUMP_K_CTR_IMAGE, id->ctr_image);
		line_labels(&o, PTCPDUMP_K_CTR_LABELS, id->ctr_labels, id->n_ctr_labels);
		end_group(&o);
	}
	if (id->pod_name.ptr && id->pod_name.len) {
		line_str(&o, PTCPDUMP_K_POD_NAME, id->pod_name);
		line_str(&o, PTCPDUMP_K_POD_NAMESPACE, id->pod_namespace);
		line_str(&o, PTCPDUMP_K_POD_UID, id->pod_uid);
		line_labels(&o, PTCPDUMP_K_POD_LABELS, id->pod_labels, id->n_pod_labels);
		/* ctrcap's record holds no annotations: ptcpdump's "none" is {}. */
		line_str(&o, PTCPDUMP_K_POD_ANNOTATIONS, empty_json());
		end_group(&o);
	}
	return o.full ? -1 : (int)o.n;
}
