// SPDX-License-Identifier: GPL-2.0-or-later
/* A bounded text buffer (see text_buf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "text_buf.h"

void text_buf_add(struct text_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = b->len + n < b->cap ? b->len + n : b->cap;
}

const char *text_name(const struct text_name *t, size_t n, unsigned v, const char *dflt)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].v == v)
			return t[i].name;
	}
	return dflt;
}
