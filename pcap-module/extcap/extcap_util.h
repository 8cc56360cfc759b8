/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by ctrcapdump's files. */
#ifndef CTRCAP_EXTCAP_UTIL_H
#define CTRCAP_EXTCAP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Format a message into err (errlen bytes, may be 0). */
static inline __attribute__((format(printf, 3, 4))) void ext_err(char *err, size_t errlen,
								  const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif /* CTRCAP_EXTCAP_UTIL_H */
