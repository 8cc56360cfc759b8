// SPDX-License-Identifier: GPL-2.0-or-later
/* -F FILE: reading a filter expression from a file (see filter_file.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrcap/errbuf.h"
#include "filter_file.h"
#include "privilege.h"

char *ctrcap_filter_text_clean(char *s)
{
	bool comment = false;

	for (char *p = s; *p; p++) {
		if (*p == '\n')
			comment = false;
		else if (*p == '#')
			comment = true;
		if (comment || *p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return s;
}

/* True when s holds nothing but blanks. */
static bool blank(const char *s)
{
	return s[strspn(s, " ")] == '\0';
}

int ctrcap_filter_file_read(const char *path, char **out, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd;

	*out = NULL;
	if (!buf) {
		ctrcap_errf(err, errlen, "-F %s: out of memory", path);
		return -1;
	}
	fd = ctrcap_priv_open_input(path, buf, cap);
	if (fd < 0) {
		ctrcap_errf(err, errlen, "-F %s", buf);
		free(buf);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *b = cap >= CTRCAP_FILTER_FILE_MAX ? NULL : realloc(buf, cap * 2);

			if (!b) {
				ctrcap_errf(err, errlen, "-F %s: %s", path,
					    cap >= CTRCAP_FILTER_FILE_MAX
						    ? "larger than a filter expression can be (1 MiB)"
						    : "out of memory");
				goto fail;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctrcap_errf(err, errlen, "-F %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (memchr(buf, '\0', len)) {
		ctrcap_errf(err, errlen, "-F %s: not a text file (it holds a NUL byte)", path);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	if (blank(ctrcap_filter_text_clean(buf)))
		free(buf);
	else
		*out = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}
