// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rotation like tcpdump: -C bytes (name, name1, name2, ... or name0..name{W-1}
 * with -W), -G seconds (strftime in the name), -W files kept. Each file is
 * written under a hidden name beside its final one and renamed into place
 * once complete, so every file a reader can see is a whole pcapng file.
 * The directory is opened once at the start; every file is then created,
 * renamed and deleted relative to that fd through the writer's file ops.
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

/*
 * The name (in the directory fd) of the current file: the template with
 * strftime applied for -G and the -C index appended. It must stay one
 * name in that directory: no '/', not "." or "..".
 */
static char *make_name(struct ctrcap_pcapng_writer *w)
{
	char base[4096], *out;
	size_t n;

	if (w->o.rotate_seconds) {
		time_t t = (time_t)w->file_start_s;
		struct tm tm;

		if (!localtime_r(&t, &tm) || strftime(base, sizeof(base), w->tmpl, &tm) == 0) {
			wr_set_err(w, "file name template %s expands to nothing", w->path);
			return NULL;
		}
		if (strchr(base, '/') || !strcmp(base, ".") || !strcmp(base, "..")) {
			wr_set_err(w, "file name template %s expands to %s, not a file name in %s",
				   w->path, base, w->dir);
			return NULL;
		}
	} else {
		snprintf(base, sizeof(base), "%s", w->tmpl);
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

/* name as messages show it: dir/name ("name" alone for the working directory). */
static char *full_name(const struct ctrcap_pcapng_writer *w, const char *name)
{
	size_t n = strlen(w->dir) + strlen(name) + 2;
	char *out = malloc(n);

	if (!out)
		return NULL;
	if (!strcmp(w->dir, "."))
		snprintf(out, n, "%s", name);
	else
		snprintf(out, n, "%s%s%s", w->dir, w->dir[strlen(w->dir) - 1] == '/' ? "" : "/",
			 name);
	return out;
}

/* The hidden name beside name: .name.tmp */
static char *hidden_name(const char *name)
{
	size_t n = strlen(name) + 6;
	char *out = malloc(n);

	if (!out)
		return NULL;
	snprintf(out, n, ".%s.tmp", name);
	return out;
}

static int open_file(struct ctrcap_pcapng_writer *w)
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	char *name = make_name(w), *tmp_full, msg[512];

	if (!name)
		return -1;
	free(w->name);
	w->name = name;
	free(w->label);
	w->label = full_name(w, name);
	free(w->tmp_name);
	w->tmp_name = hidden_name(name);
	tmp_full = w->tmp_name ? full_name(w, w->tmp_name) : NULL;
	if (!w->label || !tmp_full) {
		free(tmp_full);
		free(w->tmp_name);
		w->tmp_name = NULL;
		wr_set_err(w, "out of memory");
		return -1;
	}
	msg[0] = '\0';
	w->fd =
	    w->ops->open_at(w->o.file_ctx, w->dirfd, w->tmp_name, flags, 0644, msg, sizeof(msg));
	if (w->fd < 0) {
		wr_set_err(w, "opening %s (written as %s until complete): %s", w->label, tmp_full,
			   msg[0] ? msg : "refused");
		free(tmp_full);
		free(w->tmp_name);
		w->tmp_name = NULL;
		return -1;
	}
	free(tmp_full);
	w->own_fd = true;
	w->regular = true;
	w->file_off = 0;
	w->whole_off = 0;
	w->head = 0;
	w->file_packets = 0;
	return 0;
}

/* Split w->path into the directory, opened once through the ops, and the file name template. */
static int open_dir(struct ctrcap_pcapng_writer *w)
{
	const char *slash = strrchr(w->path, '/');
	char msg[512];

	if (slash)
		w->dir =
		    slash == w->path ? strdup("/") : strndup(w->path, (size_t)(slash - w->path));
	else
		w->dir = strdup(".");
	w->tmpl = strdup(slash ? slash + 1 : w->path);
	if (!w->dir || !w->tmpl) {
		wr_set_err(w, "out of memory");
		return -1;
	}
	if (!w->tmpl[0] || !strcmp(w->tmpl, ".") || !strcmp(w->tmpl, "..")) {
		wr_set_err(w, "%s: no file name to rotate", w->path);
		return -1;
	}
	/* The directory is opened once: a conversion in it could not take effect. */
	if (w->o.rotate_seconds && strchr(w->dir, '%')) {
		wr_set_err(w,
			   "%s: with -G, %% conversions may stand in the file name only, "
			   "not in the directory %s",
			   w->path, w->dir);
		return -1;
	}
	msg[0] = '\0';
	w->dirfd = w->ops->open_dir(w->o.file_ctx, w->dir, msg, sizeof(msg));
	if (w->dirfd < 0) {
		wr_set_err(w, "opening the directory %s of %s: %s", w->dir, w->path,
			   msg[0] ? msg : "refused");
		return -1;
	}
	return 0;
}

int wr_rotate_open(struct ctrcap_pcapng_writer *w, uint64_t now_s)
{
	if (open_dir(w) < 0)
		return -1;
	w->file_start_s = now_s;
	w->file_no = 0;
	return open_file(w);
}

/*
 * Delete name in the rotation directory. A failure is not the capture's:
 * the file may be gone already (removed by the user), and writing goes on.
 */
static void delete_name(struct ctrcap_pcapng_writer *w, const char *name)
{
	char msg[512];

	w->ops->unlink_at(w->o.file_ctx, w->dirfd, name, msg, sizeof(msg));
}

void wr_rotate_discard(struct ctrcap_pcapng_writer *w)
{
	if (!w->tmp_name || w->dirfd < 0)
		return;
	if (w->own_fd && w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
		w->own_fd = false;
	}
	delete_name(w, w->tmp_name);
	free(w->tmp_name);
	w->tmp_name = NULL;
}

/* Remember a finished file; past -W files, delete the oldest this writer made. */
static void remember_done(struct ctrcap_pcapng_writer *w, char *name)
{
	unsigned i;
	char **p;

	if (!name)
		return;
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
		delete_name(w, w->done[0]);
		free(w->done[0]);
		memmove(&w->done[0], &w->done[1], (w->n_done - 1) * sizeof(char *));
		w->n_done--;
	}
}

int wr_rotate_finish(struct ctrcap_pcapng_writer *w)
{
	int rc = w->failed ? -1 : 0;
	char msg[512];

	if (w->fd < 0)
		return -1;
	if (!w->failed && wr_stats_blocks(w) < 0)
		rc = -1;
	if (wr_sync(w) < 0)
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
		wr_rotate_discard(w);
		return -1;
	}
	msg[0] = '\0';
	if (w->ops->rename_at(w->o.file_ctx, w->dirfd, w->tmp_name, w->name, msg, sizeof(msg)) <
	    0) {
		if (rc == 0)
			wr_set_err(w, "renaming %s to %s in %s: %s", w->tmp_name, w->name, w->dir,
				   msg[0] ? msg : "refused");
		w->failed = true;
		return -1;
	}
	free(w->tmp_name);
	w->tmp_name = NULL;
	remember_done(w, strdup(w->name));
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
	/* As tcpdump's -z: each file rotation closes, not the last one. */
	if (w->ops->done) {
		char *path = full_name(w, w->name);

		if (path)
			w->ops->done(w->o.file_ctx, path);
		free(path);
	}
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
	free(w->name);
	w->name = NULL;
	free(w->dir);
	w->dir = NULL;
	free(w->tmpl);
	w->tmpl = NULL;
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = -1;
}
