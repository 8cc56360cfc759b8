/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way ctrcap code fills a caller's error buffer: every fallible
 * function takes (char *err, size_t errlen) and writes a message with its
 * context (file, interface, container) there.
 */
#ifndef CTRCAP_ERRBUF_H
#define CTRCAP_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Format a message into err (errlen bytes; err may be NULL or errlen 0). */
static inline __attribute__((format(printf, 3, 4))) void ctrcap_errf(char *err, size_t errlen,
								     const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif /* CTRCAP_ERRBUF_H */
