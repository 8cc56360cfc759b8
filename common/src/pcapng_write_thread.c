// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pcapng writer's own thread (writer option write_thread): the caller
 * fills one buffer while the thread write()s the ones handed over before,
 * so the page-cache copy of a file (or a pipe's) runs on another CPU than
 * the ring reader, and a write() that stalls (a disk's writeback, a slow
 * pipe reader) does not stop the ring reader until WR_QUEUE_MAX chunks wait.
 * While write()s return promptly no buffer is added beyond WR_QUEUE_CALM
 * queued chunks, even when the caller fills them faster than they are
 * written: more would not write faster, only take memory (and its
 * first-touch page faults). Buffers a stall added are used until trimmed,
 * so after a stall the caller goes on while the backlog drains.
 *
 * Chunks are written in the order they were handed over. Their outcomes are
 * taken in that order, in the caller's thread, at a later hand-over or
 * drain: a failed write is reported late, and the file is cut back to whole
 * blocks as without the thread. After a failed write the thread writes
 * nothing more; the chunks queued after it are dropped. Whatever touches the
 * output's fd besides write() (truncate, close, rename) runs only with no
 * chunk in flight (wr_sync).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapng_int.h"

/*
 * Each buffer's size: a hand-over wakes the thread, some microseconds;
 * 64 KiB (the size without the thread) made that every ~120 packets and
 * cost more than the copy saved (bench/writer).
 */
#define WR_THREAD_BUF (1024u * 1024) /* CTRCAP_PCAPNG_WRITE_QUEUE_MIB counts these */
/*
 * Chunks that may wait to be written: 32 MiB of output, ~60000 packets of
 * 550 bytes, on top of the kernel ring (-B). This machine's disk stalled
 * write() for up to ~400 ms (docs/capture.md, "The writer thread").
 */
#define WR_QUEUE_MAX CTRCAP_PCAPNG_WRITE_QUEUE_MIB
/* Spare buffers kept once a stall's queue has drained; the rest are freed. */
#define WR_SPARES_KEPT 2u
/*
 * Chunks a hand-over may find queued while no write() stalls: the one being
 * written. With the one handed over, two wait, and the caller fills a third.
 */
#define WR_QUEUE_CALM 1u
/*
 * A write() in flight this long is a stall, and the queue may grow to
 * WR_QUEUE_MAX: a 1 MiB chunk takes well under a millisecond into the page
 * cache, and the 4 MiB kernel ring holds ~20 ms of a two-hop flood.
 */
#define WR_STALL_NS (5 * 1000000ull)

struct wr_slot {
	uint8_t *buf; /* owned by the queue until the outcome is taken */
	size_t cap;
	struct wr_chunk chunk;
	size_t done; /* bytes of the chunk written */
	int err;     /* the write's errno, 0 if it succeeded */
};

struct wr_thread {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* queued, written, halted or stop changed */
	bool stop;	   /* end the thread once nothing is left to write */
	bool halted;	   /* a write failed: nothing more is written */
	uint64_t write_t0; /* when the write() in flight began (wr_mono_ns), 0 if none */
	/*
	 * q[first .. first + queued) (mod WR_QUEUE_MAX): chunks handed over,
	 * oldest first; the first `written` of them are written, their
	 * outcomes not taken yet.
	 */
	struct wr_slot q[WR_QUEUE_MAX];
	unsigned first, queued, written;
	/* Buffers owned by nobody, for the caller's next hand-over. */
	uint8_t *spare[WR_QUEUE_MAX + 1];
	size_t spare_cap[WR_QUEUE_MAX + 1];
	unsigned n_spare;
	struct ctrcap_pcapng_write_stats st;
	const struct ctrcap_pcapng_writer *w; /* read only: fd, regular; unchanged while queued */
};

static void *writer_main(void *arg)
{
	struct wr_thread *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct wr_slot *s;
		uint64_t t0, dt;
		size_t done;
		int e;

		while (!t->stop && (t->halted || t->written == t->queued))
			pthread_cond_wait(&t->cv, &t->mu);
		if (t->halted || t->written == t->queued)
			break;
		/* The caller takes only written slots and adds past the last: this one stays. */
		s = &t->q[(t->first + t->written) % WR_QUEUE_MAX];
		t0 = wr_mono_ns();
		t->write_t0 = t0;
		/* A hand-over waiting for room times its wait from this start. */
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		e = wr_write_all(t->w, s->chunk.buf, s->chunk.n, &done);
		dt = wr_mono_ns() - t0;
		pthread_mutex_lock(&t->mu);
		t->write_t0 = 0;
		s->done = done;
		s->err = e;
		t->written++;
		t->halted = e != 0;
		if (dt > t->st.longest_write_ns)
			t->st.longest_write_ns = dt;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Give a buffer back to the spares (called with mu held). */
static void spare_put(struct wr_thread *t, uint8_t *buf, size_t cap)
{
	t->spare[t->n_spare] = buf;
	t->spare_cap[t->n_spare++] = cap;
}

/*
 * After a stall: once at most one chunk waits, free the spares beyond
 * WR_SPARES_KEPT and give the memory back to the system (called with mu held).
 */
static void spares_trim(struct wr_thread *t)
{
	if (t->queued > 1 || t->n_spare <= WR_SPARES_KEPT)
		return;
	while (t->n_spare > WR_SPARES_KEPT)
		free(t->spare[--t->n_spare]);
	malloc_trim(0);
}

/*
 * The chunks a hand-over may find queued (called with mu held): @keep, or
 * with @grow all but one of WR_QUEUE_MAX when a spare buffer is there (it
 * costs no memory) or the write() in flight stalls.
 */
static unsigned queue_room(const struct wr_thread *t, unsigned keep, bool grow)
{
	if (grow && (t->n_spare || (t->write_t0 && wr_mono_ns() - t->write_t0 >= WR_STALL_NS)))
		return WR_QUEUE_MAX - 1;
	return keep;
}

/*
 * Wait until a chunk is written or at most the room's chunks are queued
 * (called with mu held). With @grow, a wait at the calm room ends when the
 * write in flight turns into a stall.
 */
static void wait_for_room(struct wr_thread *t, unsigned keep, bool grow)
{
	bool counted = false;

	while (!t->written && t->queued > queue_room(t, keep, grow)) {
		struct timespec until;
		uint64_t ns;

		if (grow && t->queued >= WR_QUEUE_MAX && !counted) {
			t->st.full_waits++; /* the stall reaches the caller */
			counted = true;
		}
		if (!grow || !t->write_t0 || t->queued >= WR_QUEUE_MAX) {
			pthread_cond_wait(&t->cv, &t->mu);
			continue;
		}
		ns = t->write_t0 + WR_STALL_NS;
		until.tv_sec = (time_t)(ns / 1000000000u);
		until.tv_nsec = (long)(ns % 1000000000u);
		pthread_cond_timedwait(&t->cv, &t->mu, &until);
	}
}

int wr_thread_start(struct ctrcap_pcapng_writer *w)
{
	struct wr_thread *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	sigset_t all, old;
	uint8_t *b = NULL;
	int e;

	if (!t || (w->cap < WR_THREAD_BUF && !(b = realloc(w->buf, WR_THREAD_BUF)))) {
		free(t);
		wr_set_err(w, "writing %s: out of memory for the writer thread", w->label);
		return -1;
	}
	if (b) {
		w->buf = b;
		w->cap = WR_THREAD_BUF;
	}
	t->w = w;
	pthread_mutex_init(&t->mu, NULL);
	/* Timed waits against wr_mono_ns()'s clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals stay the caller's: Ctrl-C must reach the capture loop, not the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&t->thread, NULL, writer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		free(t);
		wr_set_err(w, "writing %s: cannot start the writer thread: %s", w->label,
			   strerror(e));
		return -1;
	}
	pthread_setname_np(t->thread, "pcapng-writer"); /* what top -H shows */
	w->thr = t;
	return 0;
}

/* Take the oldest chunk off the queue (called with mu held). */
static struct wr_slot slot_pop(struct wr_thread *t)
{
	struct wr_slot s = t->q[t->first];

	t->first = (t->first + 1) % WR_QUEUE_MAX;
	t->queued--;
	return s;
}

/*
 * Take the outcomes of the written chunks, oldest first, waiting while more
 * than keep chunks are queued (with @grow, more while a write stalls). On a
 * failure (the file cut back by wr_chunk_result) the chunks after it are
 * dropped and -1 returned.
 */
static int wr_take(struct ctrcap_pcapng_writer *w, unsigned keep, bool grow)
{
	struct wr_thread *t = w->thr;
	int rc = 0;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct wr_slot s;

		wait_for_room(t, keep, grow);
		if (!t->written)
			break;
		s = slot_pop(t);
		t->written--;
		/* The thread does not touch taken slots: the outcome is taken unlocked. */
		pthread_mutex_unlock(&t->mu);
		rc = wr_chunk_result(w, &s.chunk, s.done, s.err);
		pthread_mutex_lock(&t->mu);
		spare_put(t, s.buf, s.cap);
		if (rc < 0) {
			/* The thread halted at this chunk: the ones after it were never written. */
			while (t->queued) {
				s = slot_pop(t);
				spare_put(t, s.buf, s.cap);
			}
			t->written = 0;
			break;
		}
	}
	spares_trim(t);
	pthread_mutex_unlock(&t->mu);
	return rc < 0 || w->failed ? -1 : 0;
}

int wr_thread_drain(struct ctrcap_pcapng_writer *w)
{
	return wr_take(w, 0, false);
}

int wr_thread_hand(struct ctrcap_pcapng_writer *w, size_t n)
{
	struct wr_thread *t = w->thr;
	struct wr_chunk c = {
	    .buf = w->buf, .n = n, .len = w->len, .head = w->head, .file_off = w->file_off};
	size_t rest = w->len - n, cap = 0;
	uint8_t *b = NULL;

	/* Outcomes so far; with no room in the queue, wait for its oldest chunk. */
	if (wr_take(w, WR_QUEUE_CALM, true) < 0)
		return -1;
	pthread_mutex_lock(&t->mu);
	if (t->n_spare) {
		b = t->spare[--t->n_spare];
		cap = t->spare_cap[t->n_spare];
	}
	pthread_mutex_unlock(&t->mu);
	/* The spare becomes the caller's buffer: as large as the one it replaces. */
	if (cap < w->cap) {
		uint8_t *nb = realloc(b, w->cap);

		if (!nb) {
			free(b);
			wr_set_err(w, "writing %s: out of memory for a %zu-byte buffer", w->label,
				   w->cap);
			return -1;
		}
		b = nb;
		cap = w->cap;
	}
	memcpy(b, w->buf + n, rest);
	w->head = wr_chunk_tail(&c);
	pthread_mutex_lock(&t->mu);
	t->q[(t->first + t->queued) % WR_QUEUE_MAX] =
	    (struct wr_slot){.buf = w->buf, .cap = w->cap, .chunk = c};
	if (++t->queued > t->st.deepest_queue)
		t->st.deepest_queue = t->queued;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	w->buf = b;
	w->cap = cap;
	w->len = rest;
	w->file_off += n;
	return 0;
}

void wr_thread_stats(const struct ctrcap_pcapng_writer *w, struct ctrcap_pcapng_write_stats *st)
{
	struct wr_thread *t = w->thr;

	pthread_mutex_lock(&t->mu);
	*st = t->st;
	st->thread = true;
	pthread_mutex_unlock(&t->mu);
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
	while (t->n_spare)
		free(t->spare[--t->n_spare]);
	free(t);
	w->thr = NULL;
}
