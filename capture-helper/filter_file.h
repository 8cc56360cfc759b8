/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -F FILE: the filter expression read from a file, as tcpdump reads it. */
#ifndef CTRCAP_FILTER_FILE_H
#define CTRCAP_FILTER_FILE_H

#include <stddef.h>

/* The most -F reads: a filter is text, a bigger file is a mistake. */
#define CTRCAP_FILTER_FILE_MAX (1u << 20)

/*
 * Turn a filter file's text into one expression, in place: '#' to the end
 * of its line is a comment (as tcpdump 4.99 treats it), line breaks are
 * blanks. Returns s.
 */
char *ctrcap_filter_text_clean(char *s);

/*
 * Read FILE (as the user ctrcap acts as, see ctrcap_priv_open_input) into a
 * malloc'ed expression, cleaned as above; NULL when it holds none. Returns
 * 0, or -1 with the file and the reason in err.
 */
int ctrcap_filter_file_read(const char *path, char **out, char *err, size_t errlen);

#endif /* CTRCAP_FILTER_FILE_H */
