// SPDX-License-Identifier: GPL-2.0-or-later
/* Small I/O and string helpers for reading runtime state files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr_internal.h"

bool ctr_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return false;
	}
	return true;
}

size_t ctr_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = max, back;

	if (len <= max)
		return len;
	/* Step back over at most 3 continuation bytes to the start of the cut character. */
	for (back = 0; back < 3 && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; back++)
		n--;
	if (((unsigned char)s[n] & 0xc0) == 0x80)
		return max;	/* not UTF-8 here: no boundary to respect */
	return n;
}

void ctr_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(src, len);
	n = ctr_utf8_cut(src, n, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

char *ctr_read_file(const char *path, size_t max, size_t *len, int *err)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd;

	*err = 0;
	/*
	 * Runtime state files are regular files, never links. O_NONBLOCK keeps a
	 * FIFO planted in their place from blocking the resolver thread, and
	 * O_NOFOLLOW keeps a link from sending a capability-holding read elsewhere.
	 */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (fstat(fd, &st)) {
		*err = errno;
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = EINVAL;
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size > max) {
		*err = EFBIG;
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	/* The size may change under us; read what is there, up to what we sized for. */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (len)
		*len = got;
	return buf;
}
