// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rotation like tcpdump: -C bytes (name, name1, name2, ... or name0..name{W-1}
 * with -W), -G seconds (strftime in the name), -W files kept. Each file is
 * written under a hidden name beside its final one and renamed into place
 * once complete, so every file a reader can see is a whole pcapng file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcapng_int.h"

/* Digits tcpdump pads -W ring indexes to: those of W - 1. */
static int ring_digits(unsigned max_files)
{
	unsigned x = max_files ? max_files - 1 : 0;
	int c = 0;

	while (x > 0) {
		c++;
		x /= 10;
	}
	return c;
}

static char *make_name(struct ctrcap_pcapng_writer *w)
{
	char base[4096], *out;
	size_t n;

	if (w->o.rotate_seconds) {
		time_t t = (time_t)w->file_start_s;
		struct tm tm;

		if (!localtime_r(&t, &tm) || strftime(base, sizeof(base), w->path, &tm) == 0) {
			wr_set_err(w, "file name template %s expands to nothing", w->path);
			return NULL;
		}
	} else {
		snprintf(base, sizeof(base), "%s", w->path);
	}
	n = strlen(base) + 16;
	out = malloc(n);
	if (!out) {
		wr_set_err(w, "out of memory");
		return NULL;
	}
	if (!w->o.rotate_bytes || (w->file_no == 0 && ring_digits(w->o.max_files) == 0))
		snprintf(out, n, "%s", base);
	else if (w->o.max_files)
		snprintf(out, n, "%s%0*u", base, ring_digits(w->o.max_files), w->file_no);
	else
		snprintf(out, n, "%s%u", base, w->file_no);
	return out;
}

/* The hidden name beside final: dir/.base.tmp */
static char *hidden_name(const char *final)
{
	const char *slash = strrchr(final, '/');
	size_t dir_len = slash ? (size_t)(slash - final) + 1 : 0;
	size_t n = strlen(final) + 8;
	char *out = malloc(n);

	if (!out)
		return NULL;
	snprintf(out, n, "%.*s.%s.tmp", (int)dir_len, final, final + dir_len);
	return out;
}

static int open_file(struct ctrcap_pcapng_writer *w)
{
	char *final = make_name(w), what[8300];

	if (!final)
		return -1;
	free(w->label);
	w->label = final;
	free(w->tmp_name);
	w->tmp_name = hidden_name(final);
	if (!w->tmp_name) {
		wr_set_err(w, "out of memory");
		return -1;
	}
	snprintf(what, sizeof(what), "opening %s (written as %s until complete)", final,
		 w->tmp_name);
	w->fd = wr_create(w, w->tmp_name, what);
	if (w->fd < 0) {
		free(w->tmp_name);
		w->tmp_name = NULL;
		return -1;
	}
	w->own_fd = true;
	w->regular = true;
	w->file_off = 0;
	w->whole_off = 0;
	w->head = 0;
	w->file_packets = 0;
	return 0;
}

int wr_rotate_open(struct ctrcap_pcapng_writer *w, uint64_t now_s)
{
	w->file_start_s = now_s;
	w->file_no = 0;
	return open_file(w);
}

/* Remember a finished file; past -W files, delete the oldest this writer made. */
static void remember_done(struct ctrcap_pcapng_writer *w, char *name)
{
	unsigned i;
	char **p;

	for (i = 0; i < w->n_done; i++) {
		if (!strcmp(w->done[i], name)) {
			/* Renaming onto it replaced it: it is the newest now. */
			free(w->done[i]);
			memmove(&w->done[i], &w->done[i + 1], (w->n_done - i - 1) * sizeof(char *));
			w->n_done--;
			break;
		}
	}
	p = realloc(w->done, (w->n_done + 1) * sizeof(char *));
	if (!p) {
		free(name);
		return;
	}
	w->done = p;
	w->done[w->n_done++] = name;
	while (w->o.max_files && w->n_done > w->o.max_files) {
		unlink(w->done[0]);
		free(w->done[0]);
		memmove(&w->done[0], &w->done[1], (w->n_done - 1) * sizeof(char *));
		w->n_done--;
	}
}

int wr_rotate_finish(struct ctrcap_pcapng_writer *w)
{
	int rc = w->failed ? -1 : 0;

	if (w->fd < 0)
		return -1;
	if (!w->failed && (wr_stats_blocks(w) < 0 || wr_flush(w) < 0))
		rc = -1;
	if (close(w->fd) < 0 && rc == 0) {
		wr_set_err(w, "closing %s: %s", w->label, strerror(errno));
		w->failed = true;
		rc = -1;
	}
	w->fd = -1;
	w->own_fd = false;
	/*
	 * Even a failed file is renamed: its whole blocks are a readable prefix.
	 * One that lost its very first block holds nothing and would not read.
	 */
	if (w->file_off == 0) {
		unlink(w->tmp_name);
		free(w->tmp_name);
		w->tmp_name = NULL;
		return -1;
	}
	if (rename(w->tmp_name, w->label) < 0) {
		if (rc == 0)
			wr_set_err(w, "renaming %s to %s: %s", w->tmp_name, w->label,
				   strerror(errno));
		w->failed = true;
		return -1;
	}
	free(w->tmp_name);
	w->tmp_name = NULL;
	remember_done(w, strdup(w->label));
	return rc;
}

int wr_rotate_maybe(struct ctrcap_pcapng_writer *w, uint64_t ts_s, size_t need)
{
	bool by_time = w->o.rotate_seconds && ts_s >= w->file_start_s + w->o.rotate_seconds;
	bool by_size = w->o.rotate_bytes && w->file_packets > 0 &&
		       w->file_off + w->len + need + wr_stats_size(w) > w->o.rotate_bytes;

	if (!by_time && !by_size)
		return 0;
	if (wr_rotate_finish(w) < 0)
		return -1;
	if (by_time) {
		w->file_start_s = ts_s;
		w->file_no = 0;
	} else {
		w->file_no++;
		if (w->o.max_files && w->file_no >= w->o.max_files)
			w->file_no = 0;
	}
	if (open_file(w) < 0) {
		w->failed = true;
		return -1;
	}
	if (wr_file_header(w) < 0)
		return -1;
	return 0;
}

void wr_rotate_free(struct ctrcap_pcapng_writer *w)
{
	unsigned i;

	for (i = 0; i < w->n_done; i++)
		free(w->done[i]);
	free(w->done);
	w->done = NULL;
	w->n_done = 0;
	free(w->tmp_name);
	w->tmp_name = NULL;
}
