// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pcapng writer's own thread (writer option write_thread): the caller
 * fills one buffer while the thread write()s the other, so the page-cache
 * copy of a file (or a pipe's) runs on another CPU than the ring reader.
 *
 * One chunk is in flight at a time. Handing over the next waits for it, and
 * its outcome is taken then, in the caller's thread: a failed write is
 * reported one chunk late, and the file is cut back to whole blocks as
 * without the thread. Whatever touches the output's fd besides write()
 * (truncate, close, rename) runs only with no chunk in flight (wr_sync).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_int.h"

/*
 * Each buffer's size: a hand-over wakes the thread and may wait for it,
 * some microseconds each; 64 KiB (the size without the thread) made that
 * every ~120 packets and cost more than the copy saved (bench/writer).
 */
#define WR_THREAD_BUF (1024u * 1024)

struct wr_thread {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* busy or stop changed */
	bool busy;	       /* chunk is being written */
	bool stop;	       /* end the thread once idle */
	bool pending;	       /* chunk was written; its outcome is not taken yet */
	struct wr_chunk chunk; /* in spare */
	size_t done;	       /* bytes of the chunk written */
	int err;	       /* the write's errno, 0 if it succeeded */
	uint8_t *spare;	       /* the buffer the thread owns: the chunk's, then the next one's */
	size_t spare_cap;
	const struct ctrcap_pcapng_writer *w; /* read only: fd and regular, unchanged while busy */
};

static void *writer_main(void *arg)
{
	struct wr_thread *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		size_t done;
		int e;

		while (!t->busy && !t->stop)
			pthread_cond_wait(&t->cv, &t->mu);
		if (!t->busy)
			break;
		pthread_mutex_unlock(&t->mu);
		e = wr_write_all(t->w, t->chunk.buf, t->chunk.n, &done);
		pthread_mutex_lock(&t->mu);
		t->done = done;
		t->err = e;
		t->busy = false;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int wr_thread_start(struct ctrcap_pcapng_writer *w)
{
	struct wr_thread *t = calloc(1, sizeof(*t));
	sigset_t all, old;
	uint8_t *b;
	int e;

	if (!t || !(t->spare = malloc(WR_THREAD_BUF)) ||
	    (w->cap < WR_THREAD_BUF && !(b = realloc(w->buf, WR_THREAD_BUF)))) {
		if (t)
			free(t->spare);
		free(t);
		wr_set_err(w, "writing %s: out of memory for the writer thread", w->label);
		return -1;
	}
	if (w->cap < WR_THREAD_BUF) {
		w->buf = b;
		w->cap = WR_THREAD_BUF;
	}
	t->spare_cap = WR_THREAD_BUF;
	t->w = w;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	/* Signals stay the caller's: Ctrl-C must reach the capture loop, not the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&t->thread, NULL, writer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		free(t->spare);
		free(t);
		wr_set_err(w, "writing %s: cannot start the writer thread: %s", w->label,
			   strerror(e));
		return -1;
	}
	pthread_setname_np(t->thread, "pcapng-writer"); /* what top -H shows */
	w->thr = t;
	return 0;
}

int wr_thread_drain(struct ctrcap_pcapng_writer *w)
{
	struct wr_thread *t = w->thr;

	pthread_mutex_lock(&t->mu);
	while (t->busy)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	if (!t->pending)
		return w->failed ? -1 : 0;
	t->pending = false;
	return wr_chunk_result(w, &t->chunk, t->done, t->err);
}

int wr_thread_hand(struct ctrcap_pcapng_writer *w, size_t n)
{
	struct wr_thread *t = w->thr;
	size_t rest = w->len - n, cap;
	uint8_t *b;

	if (wr_thread_drain(w) < 0)
		return -1;
	/* The spare becomes the caller's buffer: as large as the one it replaces. */
	if (t->spare_cap < w->cap) {
		b = realloc(t->spare, w->cap);
		if (!b) {
			wr_set_err(w, "writing %s: out of memory for a %zu-byte buffer", w->label,
				   w->cap);
			return -1;
		}
		t->spare = b;
		t->spare_cap = w->cap;
	}
	t->chunk = (struct wr_chunk){
	    .buf = w->buf, .n = n, .len = w->len, .head = w->head, .file_off = w->file_off};
	b = t->spare;
	cap = t->spare_cap;
	t->spare = w->buf;
	t->spare_cap = w->cap;
	memcpy(b, w->buf + n, rest);
	w->buf = b;
	w->cap = cap;
	w->len = rest;
	w->head = wr_chunk_tail(&t->chunk);
	w->file_off += n;
	pthread_mutex_lock(&t->mu);
	t->busy = true;
	t->pending = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

void wr_thread_stop(struct ctrcap_pcapng_writer *w)
{
	struct wr_thread *t = w->thr;

	if (!t)
		return;
	wr_thread_drain(w);
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t->spare);
	free(t);
	w->thr = NULL;
}
