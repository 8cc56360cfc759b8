// SPDX-License-Identifier: GPL-2.0-or-later
/* Reader for ptcpdump's per-packet opt_comment text. */
#include "ctrcap/ptcpdump_text.h"

#include <string.h>

struct key_name {
	const char *name;
	enum ptcpdump_key key;
};

/* ptcpdump's writer uses the first spelling; its reader also takes the aliases. */
static const struct key_name key_names[] = {
	{ "PID", PTCPDUMP_K_PID },
	{ "ThreadId", PTCPDUMP_K_TID },
	{ "TID", PTCPDUMP_K_TID },
	{ "ThreadName", PTCPDUMP_K_THREAD_NAME },
	{ "UserId", PTCPDUMP_K_USER_ID },
	{ "Cmd", PTCPDUMP_K_CMD },
	{ "Command", PTCPDUMP_K_CMD },
	{ "Args", PTCPDUMP_K_ARGS },
	{ "ParentPID", PTCPDUMP_K_PARENT_PID },
	{ "ParentCmd", PTCPDUMP_K_PARENT_CMD },
	{ "ParentCommand", PTCPDUMP_K_PARENT_CMD },
	{ "ParentArgs", PTCPDUMP_K_PARENT_ARGS },
	{ "ContainerName", PTCPDUMP_K_CTR_NAME },
	{ "ContainerId", PTCPDUMP_K_CTR_ID },
	{ "ContainerImage", PTCPDUMP_K_CTR_IMAGE },
	{ "ContainerLabels", PTCPDUMP_K_CTR_LABELS },
	{ "PodName", PTCPDUMP_K_POD_NAME },
	{ "PodNamespace", PTCPDUMP_K_POD_NAMESPACE },
	{ "PodUID", PTCPDUMP_K_POD_UID },
	{ "PodLabels", PTCPDUMP_K_POD_LABELS },
	{ "PodAnnotations", PTCPDUMP_K_POD_ANNOTATIONS },
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static enum ptcpdump_key key_of(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (strlen(key_names[i].name) == len && memcmp(key_names[i].name, s, len) == 0)
			return key_names[i].key;
	}
	return PTCPDUMP_K_NONE;
}

const char *ptcpdump_key_name(enum ptcpdump_key key)
{
	size_t i;

	/* The first entry of a key is the spelling ptcpdump's writer uses. */
	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (key_names[i].key == key)
			return key_names[i].name;
	}
	return NULL;
}

void ptcpdump_iter_init(struct ptcpdump_iter *it, const char *s, size_t len)
{
	it->s = s;
	it->len = s ? len : 0;
	it->pos = 0;
}

int ptcpdump_next(struct ptcpdump_iter *it, struct ptcpdump_line *line)
{
	/* Every pass consumes at least one byte, so the loop ends within len passes. */
	while (it->pos < it->len) {
		const char *s = it->s;
		size_t start = it->pos, end, colon, ks, ke, vs, ve;
		const char *nl = memchr(s + start, '\n', it->len - start);

		end = nl ? (size_t)(nl - s) : it->len;
		it->pos = nl ? end + 1 : it->len;

		const char *c = memchr(s + start, ':', end - start);

		if (!c)
			continue;
		colon = (size_t)(c - s);
		ks = start;
		while (ks < colon && is_space(s[ks]))
			ks++;
		ke = colon;
		while (ke > ks && is_space(s[ke - 1]))
			ke--;
		vs = colon + 1;
		while (vs < end && is_space(s[vs]))
			vs++;
		ve = end;
		while (ve > vs && is_space(s[ve - 1]))
			ve--;

		line->key = key_of(s + ks, ke - ks);
		if (line->key == PTCPDUMP_K_NONE)
			continue;
		line->value_off = vs;
		line->value_len = ve - vs;
		return 1;
	}
	return 0;
}

bool ptcpdump_is_identity(const char *s, size_t len)
{
	struct ptcpdump_iter it;
	struct ptcpdump_line line;

	ptcpdump_iter_init(&it, s, len);
	return ptcpdump_next(&it, &line) == 1;
}

bool ptcpdump_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* ------------------------------------------------------------ JSON labels */

struct outbuf {
	char *p;
	size_t cap, n;
};

static void out_byte(struct outbuf *o, char c)
{
	if (o->n + 1 < o->cap)
		o->p[o->n++] = c;
}

static void out_utf8(struct outbuf *o, uint32_t cp)
{
	if (cp < 0x80) {
		out_byte(o, (char)cp);
	} else if (cp < 0x800) {
		out_byte(o, (char)(0xc0 | cp >> 6));
		out_byte(o, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		out_byte(o, (char)(0xe0 | cp >> 12));
		out_byte(o, (char)(0x80 | (cp >> 6 & 0x3f)));
		out_byte(o, (char)(0x80 | (cp & 0x3f)));
	} else {
		out_byte(o, (char)(0xf0 | cp >> 18));
		out_byte(o, (char)(0x80 | (cp >> 12 & 0x3f)));
		out_byte(o, (char)(0x80 | (cp >> 6 & 0x3f)));
		out_byte(o, (char)(0x80 | (cp & 0x3f)));
	}
}

static void skip_ws(struct ptcpdump_json_iter *it)
{
	while (it->pos < it->len && is_space(it->s[it->pos]))
		it->pos++;
}

static int hex4(const char *s, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* Copy one JSON string (at it->pos, on its opening quote) unescaped into o. */
static int json_string(struct ptcpdump_json_iter *it, struct outbuf *o)
{
	if (it->pos >= it->len || it->s[it->pos] != '"')
		return -1;
	it->pos++;
	while (it->pos < it->len) {
		char c = it->s[it->pos++];
		uint32_t cp, lo;

		if (c == '"')
			return 0;
		if (c != '\\') {
			out_byte(o, c);
			continue;
		}
		if (it->pos >= it->len)
			return -1;
		c = it->s[it->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out_byte(o, c);
			break;
		case 'b':
			out_byte(o, '\b');
			break;
		case 'f':
			out_byte(o, '\f');
			break;
		case 'n':
			out_byte(o, '\n');
			break;
		case 'r':
			out_byte(o, '\r');
			break;
		case 't':
			out_byte(o, '\t');
			break;
		case 'u':
			if (it->len - it->pos < 4 || hex4(it->s + it->pos, &cp) < 0)
				return -1;
			it->pos += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && it->len - it->pos >= 6 &&
			    it->s[it->pos] == '\\' && it->s[it->pos + 1] == 'u' &&
			    hex4(it->s + it->pos + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				it->pos += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd; /* a lone surrogate is not UTF-8 */
			}
			out_utf8(o, cp);
			break;
		default:
			return -1;
		}
	}
	return -1;
}

void ptcpdump_json_init(struct ptcpdump_json_iter *it, const char *s, size_t len)
{
	it->s = s;
	it->len = s ? len : 0;
	it->pos = 0;
	it->state = 0;
}

int ptcpdump_json_next(struct ptcpdump_json_iter *it, char *out, size_t outcap)
{
	struct outbuf o = { out, outcap, 0 };

	if (outcap == 0)
		return -1;
	out[0] = '\0';
	if (it->state == 2)
		return 0;
	if (it->state < 0)
		return -1;

	skip_ws(it);
	if (it->state == 0) {
		if (it->pos >= it->len || it->s[it->pos] != '{')
			goto bad;
		it->pos++;
		it->state = 1;
		skip_ws(it);
		if (it->pos < it->len && it->s[it->pos] == '}') {
			it->pos++;
			goto end;
		}
	} else {
		/* After a member: ',' and another member, or '}'. */
		if (it->pos >= it->len)
			goto bad;
		if (it->s[it->pos] == '}') {
			it->pos++;
			goto end;
		}
		if (it->s[it->pos] != ',')
			goto bad;
		it->pos++;
		skip_ws(it);
	}

	if (json_string(it, &o) < 0)
		goto bad;
	skip_ws(it);
	if (it->pos >= it->len || it->s[it->pos] != ':')
		goto bad;
	it->pos++;
	skip_ws(it);
	out_byte(&o, '=');
	if (json_string(it, &o) < 0)
		goto bad;
	skip_ws(it);
	out[o.n] = '\0';
	return 1;

end:
	skip_ws(it);
	if (it->pos != it->len)
		goto bad;
	it->state = 2;
	return 0;
bad:
	it->state = -1;
	out[0] = '\0';
	return -1;
}

const char *ptcpdump_comm(const char *exe, size_t exe_len, const char *args, size_t args_len,
			  size_t *n)
{
	const char *base, *p = exe;
	size_t len = exe_len;

	if (p && len > 8 && !memcmp(p, "/dev/fd/", 8) && args) {
		/* The values are not NUL-terminated: memchr, not strcspn. */
		const char *sp = memchr(args, ' ', args_len);

		p = args;
		len = sp ? (size_t)(sp - p) : args_len;
	}
	if (!p)
		return NULL;
	if (len >= 3 && !memcmp(p + len - 3, "...", 3))
		len -= 3;
	/* By hand, not memrchr: this file is built without _GNU_SOURCE too. */
	for (base = p + len; base > p && base[-1] != '/'; base--)
		;
	len -= (size_t)(base - p);
	if (!len)
		return NULL;
	*n = len > PTCPDUMP_COMM_MAX ? PTCPDUMP_COMM_MAX : len;
	return base;
}
