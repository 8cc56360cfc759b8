// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapng writer: SHB, one IDB per (netns, ifindex), EPBs with direction,
 * packet id and the identity option, ISBs at the end. Blocks are built
 * whole in a buffer and written whole, so a failed write can be cut back
 * to a block boundary and what is on disk stays a readable file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pcapng_int.h"
#include "utf8.h"

/* 64 KiB page-aligned writes plus room for the block that straddles them. */
#define WR_BUF_SIZE (68u * 1024)
/* How long a write may wait for a non-blocking pipe to drain. */
#define WR_POLL_MS 30000

void wr_set_err(struct ctrcap_pcapng_writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ------------------------------------------------------------------ output */

/*
 * write() that turns SIGPIPE into EPIPE for pipes and fifos, so a reader
 * going away is an error the caller reports instead of a silent death.
 */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	struct timespec zero = {0};
	bool was_pending;
	ssize_t r;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	r = write(fd, p, n);
	e = errno;
	if (r < 0 && e == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/*
 * End of the last block that lies whole within the chunk's first k bytes,
 * as an offset in it, or -1 when none does.
 */
static ssize_t last_boundary(const struct wr_chunk *c, size_t k)
{
	size_t off = c->head;
	ssize_t last = off <= k ? (ssize_t)off : -1;

	while (c->len - off >= 8) {
		uint32_t bl;

		if (off > k)
			break;
		memcpy(&bl, c->buf + off + 4, 4);
		if (bl > k - off)
			break;
		off += bl;
		last = (ssize_t)off;
	}
	return last;
}

size_t wr_chunk_tail(const struct wr_chunk *c)
{
	size_t off = c->head;

	/* Block by block from the head: the one that ends at or past n is the last. */
	while (off < c->n) {
		uint32_t bl;

		memcpy(&bl, c->buf + off + 4, 4);
		off += bl;
	}
	return off - c->n;
}

/* The chunk's write failed after written bytes: keep whole blocks only, say why. */
static void wr_fail(struct ctrcap_pcapng_writer *w, int e, const struct wr_chunk *c, size_t written)
{
	const char *hint = "";
	ssize_t b;

	w->failed = true;
	if (e == EPIPE)
		hint = " (the reading side closed the pipe)";
	else if (e == ENOSPC || e == EDQUOT)
		hint = " (file system full)";
	if (!w->regular) {
		wr_set_err(w, "writing %s: %s%s", w->label, strerror(e), hint);
		return;
	}
	b = last_boundary(c, written);
	if (b >= 0)
		w->whole_off = c->file_off + (uint64_t)b;
	if (ftruncate(w->fd, (off_t)w->whole_off) < 0) {
		wr_set_err(w,
			   "writing %s: %s%s; cutting it back to the last whole block failed: %s",
			   w->label, strerror(e), hint, strerror(errno));
		return;
	}
	w->file_off = w->whole_off;
	wr_set_err(w, "writing %s: %s%s; the file keeps its first %llu bytes, all whole blocks",
		   w->label, strerror(e), hint, (unsigned long long)w->file_off);
}

int wr_write_all(const struct ctrcap_pcapng_writer *w, const uint8_t *p, size_t n, size_t *done)
{
	int waited = 0;

	*done = 0;
	while (*done < n) {
		ssize_t r = w->regular ? write(w->fd, p + *done, n - *done)
				       : write_nosigpipe(w->fd, p + *done, n - *done);

		if (r > 0) {
			*done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waited < WR_POLL_MS) {
			struct pollfd pfd = {.fd = w->fd, .events = POLLOUT};

			poll(&pfd, 1, 100);
			waited += 100;
			continue;
		}
		return r < 0 ? errno : EIO;
	}
	return 0;
}

int wr_chunk_result(struct ctrcap_pcapng_writer *w, const struct wr_chunk *c, size_t done, int e)
{
	ssize_t b;

	if (e) {
		wr_fail(w, e, c, done);
		w->len = 0;
		w->head = 0;
		return -1;
	}
	b = last_boundary(c, c->n);
	if (b >= 0)
		w->whole_off = c->file_off + (uint64_t)b;
	return 0;
}

/* Write buf[0..n) (or hand it to the writer thread) and drop it from the buffer. */
static int wr_write(struct ctrcap_pcapng_writer *w, size_t n)
{
	struct wr_chunk c = {
	    .buf = w->buf, .n = n, .len = w->len, .head = w->head, .file_off = w->file_off};
	uint64_t t0, dt;
	size_t done;
	int e;

	if (w->failed)
		return -1;
	if (w->thr)
		return wr_thread_hand(w, n);
	t0 = wr_mono_ns();
	e = wr_write_all(w, w->buf, n, &done);
	dt = wr_mono_ns() - t0;
	if (dt > w->longest_write_ns)
		w->longest_write_ns = dt;
	if (wr_chunk_result(w, &c, done, e) < 0)
		return -1;
	w->head = wr_chunk_tail(&c);
	w->file_off += n;
	memmove(w->buf, w->buf + n, w->len - n);
	w->len -= n;
	return 0;
}

int wr_flush(struct ctrcap_pcapng_writer *w)
{
	return w->len ? wr_write(w, w->len) : (w->failed ? -1 : 0);
}

int wr_sync(struct ctrcap_pcapng_writer *w)
{
	int rc = wr_flush(w);

	/* Even after a failure: no chunk may be in flight when the fd is closed. */
	if (w->thr && wr_thread_drain(w) < 0)
		rc = -1;
	return rc;
}

/*
 * Make room in a full buffer. For a regular file write up to a page
 * boundary of the file and keep the rest: unaligned writes cost the page
 * cache about half its speed here (measured, bench/writer). A block split
 * this way is whole on disk once the next write lands; a failure in between
 * truncates back to the last whole block.
 */
static int wr_make_room(struct ctrcap_pcapng_writer *w)
{
	uint64_t end;

	if (!w->regular)
		return wr_flush(w);
	end = (w->file_off + w->len) & ~(uint64_t)4095;
	if (end <= w->file_off)
		return wr_flush(w);
	return wr_write(w, (size_t)(end - w->file_off));
}

uint8_t *wr_reserve(struct ctrcap_pcapng_writer *w, size_t need)
{
	uint8_t *p;

	if (w->failed)
		return NULL;
	if (w->cap - w->len < need && wr_make_room(w) < 0)
		return NULL;
	if (w->cap - w->len < need) {
		p = realloc(w->buf, w->len + need);
		if (!p) {
			wr_set_err(w, "writing %s: out of memory for a %zu-byte block", w->label,
				   need);
			return NULL;
		}
		w->buf = p;
		w->cap = w->len + need;
	}
	p = w->buf + w->len;
	w->len += need;
	return p;
}

/* ------------------------------------------------------------------ blocks */

/* Bytes of a string option, or 0 when s is NULL; strings are cut to fit 64 KiB. */
static size_t str_opt_len(const char *s)
{
	return s ? 4 + PAD4(ctrcap_utf8_cut(s, strlen(s), 0xfffc)) : 0;
}

static uint8_t *put_str_opt(uint8_t *p, uint16_t code, const char *s)
{
	if (!s)
		return p;
	return put_opt(p, code, s, ctrcap_utf8_cut(s, strlen(s), 0xfffc));
}

static int wr_shb(struct ctrcap_pcapng_writer *w)
{
	/* header 8, magic 4, version 4, section length 8, options, end 4, trailer 4 */
	size_t total =
	    24 + str_opt_len(w->hardware) + str_opt_len(w->os) + str_opt_len(w->userappl) + 4 + 4;
	uint8_t *b = wr_reserve(w, total), *p;

	if (!b)
		return -1;
	p = put32(b, PCAPNG_BT_SHB);
	p = put32(p, (uint32_t)total);
	p = put32(p, PCAPNG_BOM);
	p = put32(p, 1 | (0u << 16)); /* major 1, minor 0 in host order */
	p = put64(p, UINT64_MAX);     /* section length unknown: written as a stream */
	p = put_str_opt(p, PCAPNG_SHB_HARDWARE, w->hardware);
	p = put_str_opt(p, PCAPNG_SHB_OS, w->os);
	p = put_str_opt(p, PCAPNG_SHB_USERAPPL, w->userappl);
	p = put_opt_hdr(p, PCAPNG_OPT_END, 0);
	put32(p, (uint32_t)total);
	return 0;
}

static int wr_idb(struct ctrcap_pcapng_writer *w, const struct wr_iface *ifc)
{
	uint8_t tsresol = 9;
	size_t total = 16 + str_opt_len(ifc->name) + str_opt_len(ifc->desc) + 8 + 4 + 4;
	uint8_t *b = wr_reserve(w, total), *p;

	if (!b)
		return -1;
	p = put32(b, PCAPNG_BT_IDB);
	p = put32(p, (uint32_t)total);
	memcpy(p, &ifc->linktype, 2);
	memset(p + 2, 0, 2);
	p = put32(p + 4, ifc->snaplen);
	p = put_str_opt(p, PCAPNG_IF_NAME, ifc->name);
	p = put_str_opt(p, PCAPNG_IF_DESCRIPTION, ifc->desc);
	p = put_opt(p, PCAPNG_IF_TSRESOL, &tsresol, 1);
	p = put_opt_hdr(p, PCAPNG_OPT_END, 0);
	put32(p, (uint32_t)total);
	return 0;
}

#define ISB_SIZE (8u + 12 + 3 * 12 + 4 + 4)

size_t wr_stats_size(const struct ctrcap_pcapng_writer *w)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < w->n_ifs; i++)
		n += w->ifs[i].has_stats ? ISB_SIZE : 0;
	return n;
}

uint64_t wr_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ctrcap_pcapng_writer_write_stats(const struct ctrcap_pcapng_writer *w,
				      struct ctrcap_pcapng_write_stats *st)
{
	if (w->thr) {
		wr_thread_stats(w, st);
		return;
	}
	*st = (struct ctrcap_pcapng_write_stats){.longest_write_ns = w->longest_write_ns};
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int wr_stats_blocks(struct ctrcap_pcapng_writer *w)
{
	uint64_t ts = now_ns();
	uint32_t i;

	for (i = 0; i < w->n_ifs; i++) {
		const struct wr_iface *ifc = &w->ifs[i];
		uint8_t *b, *p;

		if (!ifc->has_stats)
			continue;
		b = wr_reserve(w, ISB_SIZE);
		if (!b)
			return -1;
		p = put32(b, PCAPNG_BT_ISB);
		p = put32(p, ISB_SIZE);
		p = put32(p, i);
		p = put32(p, (uint32_t)(ts >> 32));
		p = put32(p, (uint32_t)ts);
		p = put_opt(p, PCAPNG_ISB_IFRECV, &ifc->received, 8);
		p = put_opt(p, PCAPNG_ISB_IFDROP, &ifc->dropped, 8);
		p = put_opt(p, PCAPNG_ISB_OSDROP, &ifc->osdrop, 8);
		p = put_opt_hdr(p, PCAPNG_OPT_END, 0);
		put32(p, ISB_SIZE);
	}
	return 0;
}

int wr_file_header(struct ctrcap_pcapng_writer *w)
{
	uint32_t i;

	if (wr_shb(w) < 0)
		return -1;
	w->sections++;
	/* A new section knows no names: they go out again before its first packet. */
	wr_names_new_section(w);
	wr_darwin_new_section(w);
	wr_compact_new_section(w);
	for (i = 0; i < w->n_ifs; i++) {
		if (wr_idb(w, &w->ifs[i]) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ open */

/* Put the reason for the errno value e into err (the writer's message names the file). */
static int plain_err(int e, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", strerror(e));
	errno = e;
	return -1;
}

static int plain_open(void *ctx, const char *path, int flags, mode_t mode, char *err, size_t errlen)
{
	int fd = open(path, flags, mode);

	(void)ctx;
	return fd < 0 ? plain_err(errno, err, errlen) : fd;
}

static int plain_open_dir(void *ctx, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? plain_err(errno, err, errlen) : fd;
}

static int plain_open_at(void *ctx, int dirfd, const char *name, int flags, mode_t mode, char *err,
			 size_t errlen)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW, mode);

	(void)ctx;
	return fd < 0 ? plain_err(errno, err, errlen) : fd;
}

static int plain_rename_at(void *ctx, int dirfd, const char *from, const char *to, char *err,
			   size_t errlen)
{
	(void)ctx;
	return renameat(dirfd, from, dirfd, to) < 0 ? plain_err(errno, err, errlen) : 0;
}

static int plain_unlink_at(void *ctx, int dirfd, const char *name, char *err, size_t errlen)
{
	(void)ctx;
	return unlinkat(dirfd, name, 0) < 0 ? plain_err(errno, err, errlen) : 0;
}

const struct ctrcap_pcapng_file_ops ctrcap_pcapng_plain_file_ops = {
    .open = plain_open,
    .open_dir = plain_open_dir,
    .open_at = plain_open_at,
    .rename_at = plain_rename_at,
    .unlink_at = plain_unlink_at,
};

int wr_create(struct ctrcap_pcapng_writer *w, const char *path, const char *what)
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	char msg[512];
	int fd;

	msg[0] = '\0';
	fd = w->ops->open(w->o.file_ctx, path, flags, 0644, msg, sizeof(msg));
	if (fd < 0) {
		wr_set_err(w, "%s: %s", what, msg[0] ? msg : "refused");
		return -1;
	}
	return fd;
}

static int wr_open_output(struct ctrcap_pcapng_writer *w, const struct ctrcap_pcapng_writer_opts *o)
{
	struct stat st;
	char tmp[32];

	if (!o->path) {
		w->fd = o->fd;
		snprintf(tmp, sizeof(tmp), "fd %d", o->fd);
		w->label = strdup(tmp);
	} else if (!strcmp(o->path, "-")) {
		w->fd = STDOUT_FILENO;
		w->label = strdup("stdout");
	} else {
		char what[4200];

		snprintf(what, sizeof(what), "opening %s for writing", o->path);
		w->fd = wr_create(w, o->path, what);
		w->own_fd = true;
		w->label = strdup(o->path);
		if (w->fd < 0)
			return -1;
	}
	if (!w->label) {
		wr_set_err(w, "out of memory");
		return -1;
	}
	if (fstat(w->fd, &st) < 0) {
		wr_set_err(w, "%s: %s", w->label, strerror(errno));
		return -1;
	}
	w->regular = S_ISREG(st.st_mode);
	if (w->regular) {
		off_t pos = lseek(w->fd, 0, SEEK_CUR);

		w->file_off = pos > 0 ? (uint64_t)pos : 0;
		w->whole_off = w->file_off;
	}
	return 0;
}

static void default_sysinfo(struct ctrcap_pcapng_writer *w)
{
	struct utsname u;
	char os[sizeof(u.sysname) + sizeof(u.release) + 2];

	if (uname(&u) < 0)
		return;
	if (!w->os) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		w->os = strdup(os);
	}
	if (!w->hardware)
		w->hardware = strdup(u.machine);
}

static void wr_free(struct ctrcap_pcapng_writer *w)
{
	uint32_t i;

	wr_thread_stop(w);
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->n_ifs; i++) {
		free(w->ifs[i].name);
		free(w->ifs[i].desc);
	}
	wr_rotate_free(w);
	wr_names_free(w);
	wr_darwin_free(w);
	wr_compact_free(w);
	free(w->ifs);
	free(w->slots);
	free(w->buf);
	free(w->rec);
	free(w->label);
	free(w->path);
	free(w->userappl);
	free(w->os);
	free(w->hardware);
	free(w->node);
	free(w);
}

struct ctrcap_pcapng_writer *ctrcap_pcapng_writer_open(const struct ctrcap_pcapng_writer_opts *o,
						       char *err, size_t errlen)
{
	struct ctrcap_pcapng_writer *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->dirfd = -1;
	w->o = *o;
	w->ops = o->file_ops ? o->file_ops : &ctrcap_pcapng_plain_file_ops;
	if (!w->ops->open || !w->ops->open_dir || !w->ops->open_at || !w->ops->rename_at ||
	    !w->ops->unlink_at) {
		snprintf(err, errlen,
			 "file_ops must set all of open, open_dir, open_at, "
			 "rename_at and unlink_at");
		goto fail;
	}
	w->rotating = o->rotate_bytes || o->rotate_seconds;
	w->path = dup_or_null(o->path);
	w->userappl = dup_or_null(o->userappl);
	w->os = dup_or_null(o->os);
	w->hardware = dup_or_null(o->hardware);
	w->node = dup_or_null(o->node);
	default_sysinfo(w);
	w->buf = malloc(WR_BUF_SIZE);
	w->cap = WR_BUF_SIZE;
	w->rec = malloc(CTRCAP_RECORD_MAX);
	if (!w->buf || !w->rec || (o->path && !w->path) || (o->node && !w->node) ||
	    wr_compact_open(w) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (w->rotating && (!o->path || !strcmp(o->path, "-"))) {
		snprintf(err, errlen, "rotation (-C/-G) needs a file name, not %s",
			 o->path ? "stdout" : "a file descriptor");
		goto fail;
	}
	if (w->rotating)
		rc = wr_rotate_open(w, now_ns() / 1000000000u);
	else
		rc = wr_open_output(w, o);
	if (rc < 0 || wr_file_header(w) < 0 || wr_flush(w) < 0 ||
	    (o->write_thread && wr_thread_start(w) < 0)) {
		snprintf(err, errlen, "%s", w->err);
		goto fail;
	}
	return w;
fail:
	wr_rotate_discard(w);
	wr_free(w);
	return NULL;
}

/* ------------------------------------------------------------------ interfaces */

static uint32_t if_hash(uint32_t netns, uint32_t ifindex)
{
	uint64_t k = ((uint64_t)netns << 32) | ifindex;

	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (uint32_t)k;
}

/* Slot of (netns, ifindex): the one holding it, or the empty one to fill. */
static uint32_t *if_slot(struct ctrcap_pcapng_writer *w, uint32_t netns, uint32_t ifindex)
{
	uint32_t mask = w->n_slots - 1, i = if_hash(netns, ifindex) & mask;

	for (;;) {
		uint32_t v = w->slots[i];

		if (!v || (w->ifs[v - 1].netns == netns && w->ifs[v - 1].ifindex == ifindex))
			return &w->slots[i];
		i = (i + 1) & mask;
	}
}

static int if_index_grow(struct ctrcap_pcapng_writer *w)
{
	uint32_t n = w->n_slots ? w->n_slots * 2 : 64, i;
	uint32_t *old = w->slots;

	w->slots = calloc(n, sizeof(*w->slots));
	if (!w->slots) {
		w->slots = old;
		return -1;
	}
	w->n_slots = n;
	/* Later ids win: an ifindex reused under a new name points at its new IDB. */
	for (i = 0; i < w->n_ifs; i++)
		*if_slot(w, w->ifs[i].netns, w->ifs[i].ifindex) = i + 1;
	free(old);
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/*
 * Interface id for the key (netns, ifindex), writing an IDB with if_name
 * ifname and if_description desc (NULL = none) on first use.
 */
static int wr_add_interface(struct ctrcap_pcapng_writer *w, uint32_t netns, uint32_t ifindex,
			    const char *ifname, const char *desc, uint16_t linktype,
			    uint32_t snaplen)
{
	struct wr_iface *ifc;
	uint32_t *slot;

	if (w->failed)
		return -1;
	/* Keep the index at most half full so probes stay short. */
	if ((w->n_ifs + 1) * 2 > w->n_slots && if_index_grow(w) < 0) {
		wr_set_err(w, "writing %s: out of memory for interface %s", w->label,
			   ifname ? ifname : "?");
		return -1;
	}
	slot = if_slot(w, netns, ifindex);
	if (*slot) {
		ifc = &w->ifs[*slot - 1];
		if (same_str(ifc->name, ifname) && ifc->linktype == linktype &&
		    ifc->snaplen == snaplen)
			return (int)(*slot - 1);
	}
	if (w->n_ifs >= (uint32_t)INT32_MAX) {
		wr_set_err(w, "writing %s: too many interfaces", w->label);
		return -1;
	}
	if (w->n_ifs == w->cap_ifs) {
		uint32_t n = w->cap_ifs ? w->cap_ifs * 2 : 16;
		struct wr_iface *p = realloc(w->ifs, n * sizeof(*p));

		if (!p) {
			wr_set_err(w, "writing %s: out of memory for interface %s", w->label,
				   ifname ? ifname : "?");
			return -1;
		}
		w->ifs = p;
		w->cap_ifs = n;
	}
	ifc = &w->ifs[w->n_ifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->netns = netns;
	ifc->ifindex = ifindex;
	ifc->name = dup_or_null(ifname);
	ifc->desc = dup_or_null(desc);
	ifc->linktype = linktype;
	ifc->snaplen = snaplen;
	if ((desc && !ifc->desc) || (ifname && !ifc->name)) {
		free(ifc->name);
		free(ifc->desc);
		wr_set_err(w, "writing %s: out of memory for interface %s", w->label,
			   ifname ? ifname : "?");
		return -1;
	}
	if (wr_idb(w, ifc) < 0) {
		free(ifc->name);
		free(ifc->desc);
		return -1;
	}
	w->n_ifs++;
	*slot = w->n_ifs;
	if (w->o.flush_each && wr_flush(w) < 0)
		return -1;
	return (int)(w->n_ifs - 1);
}

int ctrcap_pcapng_writer_interface(struct ctrcap_pcapng_writer *w, uint32_t netns, uint32_t ifindex,
				   const char *ifname, const char *netns_desc, uint16_t linktype,
				   uint32_t snaplen)
{
	char desc[1024];
	int n = 0;

	if (w->node)
		n = snprintf(desc, sizeof(desc), "node %.300s, ", w->node);
	if (netns_desc && *netns_desc)
		snprintf(desc + n, sizeof(desc) - n, "netns %u (%.600s)", netns, netns_desc);
	else
		snprintf(desc + n, sizeof(desc) - n, "netns %u", netns);
	return wr_add_interface(w, netns, ifindex, ifname, desc, linktype, snaplen);
}

int ctrcap_pcapng_writer_interface_copy(struct ctrcap_pcapng_writer *w, uint32_t key,
					const struct ctrcap_pcapng_iface *ifc)
{
	return wr_add_interface(w, UINT32_MAX, key, ifc->name[0] ? ifc->name : NULL,
				ifc->description[0] ? ifc->description : NULL, ifc->linktype,
				ifc->snaplen);
}

/* ------------------------------------------------------------------ packets */

/*
 * Bytes the opt_comment options of texts (each ended by a NUL, len bytes
 * in all) take, or -1 when they are not such texts or one is too long.
 */
static ssize_t comments_size(const char *texts, uint32_t len)
{
	size_t size = 0;

	if (!texts || texts[len - 1] != '\0')
		return -1;
	for (uint32_t i = 0; i < len;) {
		size_t n = strlen(texts + i);

		if (n > 65535)
			return -1;
		size += 4 + PAD4(n);
		i += (uint32_t)n + 1;
	}
	return (ssize_t)size;
}

/*
 * Bytes of an EPB of caplen bytes with opts bytes of options besides the
 * identity option of rec_len record bytes (0 = none), end of options included.
 */
static size_t epb_size(uint32_t caplen, size_t opts, size_t rec_len)
{
	if (rec_len)
		opts += 4 + PAD4(4 + rec_len);
	return 28 + PAD4(caplen) + opts + (opts ? 4 : 0) + 4;
}

int ctrcap_pcapng_writer_packet(struct ctrcap_pcapng_writer *w,
				const struct ctrcap_pcapng_packet *p)
{
	size_t rec_len = 0, full_len, opts = 0, total;
	const uint8_t *rec = NULL, *full;
	int64_t dpib = -1;
	uint8_t *b, *q;

	if (w->failed)
		return -1;
	if (p->if_id >= w->n_ifs) {
		wr_set_err(w, "writing %s: packet names interface %u, only %u defined", w->label,
			   p->if_id, w->n_ifs);
		return -1;
	}
	if (p->caplen > p->origlen) {
		wr_set_err(w, "writing %s: packet on %s has caplen %u > origlen %u", w->label,
			   w->ifs[p->if_id].name ? w->ifs[p->if_id].name : "?", p->caplen,
			   p->origlen);
		return -1;
	}
	if (p->caplen > PCAPNG_BLOCK_MAX - 0x20000 || (p->caplen && !p->data)) {
		wr_set_err(w, "writing %s: packet on %s: %s", w->label,
			   w->ifs[p->if_id].name ? w->ifs[p->if_id].name : "?",
			   p->caplen && !p->data ? "no data" : "caplen too large for a block");
		return -1;
	}
	if (p->direction > CTRCAP_DIR_OUT) {
		wr_set_err(w, "writing %s: invalid direction %u", w->label, p->direction);
		return -1;
	}
	if (p->record_len) {
		if (p->record_len > CTRCAP_RECORD_MAX || !p->record) {
			wr_set_err(w,
				   "writing %s: pre-encoded identity record of %u bytes (max %u)",
				   w->label, p->record_len, CTRCAP_RECORD_MAX);
			return -1;
		}
		rec = p->record;
		rec_len = p->record_len;
	} else if (p->id) {
		int n = ctrcap_record_encode(p->id, w->rec, CTRCAP_RECORD_MAX);

		rec = w->rec;
		rec_len = n > 0 ? (size_t)n : 0;
	}
	if (p->comments_len) {
		ssize_t n = comments_size(p->comments, p->comments_len);

		if (n < 0) {
			wr_set_err(w,
				   "writing %s: packet comments of %u bytes are not texts of "
				   "at most 65535 bytes, each ended by a NUL",
				   w->label, p->comments_len);
			return -1;
		}
		opts += (size_t)n;
	}
	if (p->direction != CTRCAP_DIR_UNKNOWN)
		opts += 8;
	if (p->packet_id)
		opts += 12;
	if (p->pid)
		opts += 12;
	if (p->pid && p->pname)
		opts += 8;
	full = rec;
	full_len = rec_len;
	if (full && w->idrefs && wr_compact_record(w, p->if_id, full, full_len, &rec, &rec_len) < 0)
		return -1;
	total = epb_size(p->caplen, opts, rec_len);
	if (total > PCAPNG_BLOCK_MAX) {
		wr_set_err(w,
			   "writing %s: packet on %s with its options is %zu bytes, more than "
			   "a block may be (%u)",
			   w->label, w->ifs[p->if_id].name ? w->ifs[p->if_id].name : "?", total,
			   PCAPNG_BLOCK_MAX);
		return -1;
	}

	if (w->rotating) {
		uint64_t section = w->sections;

		if (wr_rotate_maybe(w, p->ts_ns / 1000000000u, total) < 0)
			return -1;
		/* A new file is a new section: --compact-identity defines the identity again. */
		if (w->sections != section && full && w->idrefs) {
			if (wr_compact_record(w, p->if_id, full, full_len, &rec, &rec_len) < 0)
				return -1;
			total = epb_size(p->caplen, opts, rec_len);
		}
	}
	/* After a rotation: the new file's section repeats the names. */
	if (w->names_pending && wr_names_blocks(w) < 0)
		return -1;
	if (p->pid && p->pname) {
		/* The block goes before the first packet that names it. */
		dpib = wr_darwin_proc(w, p->pid, p->pname, p->pname_len);
		if (dpib < 0)
			return -1;
	}
	b = wr_reserve(w, total);
	if (!b)
		return -1;
	q = put32(b, PCAPNG_BT_EPB);
	q = put32(q, (uint32_t)total);
	q = put32(q, p->if_id);
	q = put32(q, (uint32_t)(p->ts_ns >> 32));
	q = put32(q, (uint32_t)p->ts_ns);
	q = put32(q, p->caplen);
	q = put32(q, p->origlen);
	if (p->caplen)
		memcpy(q, p->data, p->caplen);
	memset(q + p->caplen, 0, PAD4(p->caplen) - p->caplen);
	q += PAD4(p->caplen);
	if (p->direction != CTRCAP_DIR_UNKNOWN)
		q = put_opt(q, PCAPNG_EPB_FLAGS, &p->direction, 4);
	if (p->packet_id)
		q = put_opt(q, PCAPNG_EPB_PACKETID, &p->packet_id, 8);
	if (p->pid) {
		uint32_t pt[2] = {p->pid, p->tid};

		q = put_opt(q, PCAPNG_EPB_PROCESSID_THREADID, pt, 8);
	}
	if (dpib >= 0) {
		uint32_t idx = (uint32_t)dpib;

		q = put_opt(q, PCAPNG_EPB_DARWIN_PIB_ID, &idx, 4);
	}
	if (rec && rec_len) {
		uint32_t pen = CTRCAP_PEN;
		size_t vlen = 4 + rec_len;

		q = put_opt_hdr(q, CTRCAP_OPT_CUSTOM_BIN, (uint16_t)vlen);
		memcpy(q, &pen, 4);
		memcpy(q + 4, rec, rec_len);
		memset(q + vlen, 0, PAD4(vlen) - vlen);
		q += PAD4(vlen);
	}
	for (uint32_t i = 0; i < p->comments_len;) {
		size_t n = strlen(p->comments + i);

		q = put_opt(q, PCAPNG_OPT_COMMENT, p->comments + i, n);
		i += (uint32_t)n + 1;
	}
	if (opts || rec_len)
		q = put_opt_hdr(q, PCAPNG_OPT_END, 0);
	put32(q, (uint32_t)total);
	w->file_packets++;
	if (w->o.flush_each)
		return wr_flush(w);
	return 0;
}

void ctrcap_pcapng_writer_set_stats(struct ctrcap_pcapng_writer *w, uint32_t if_id,
				    uint64_t received, uint64_t dropped, uint64_t osdrop)
{
	if (if_id >= w->n_ifs)
		return;
	w->ifs[if_id].received = received;
	w->ifs[if_id].dropped = dropped;
	w->ifs[if_id].osdrop = osdrop;
	w->ifs[if_id].has_stats = true;
}

int ctrcap_pcapng_writer_flush(struct ctrcap_pcapng_writer *w)
{
	if (w->names_pending && !w->failed && wr_names_blocks(w) < 0)
		return -1;
	return wr_flush(w);
}

int ctrcap_pcapng_writer_close(struct ctrcap_pcapng_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	/* Names learned after the last packet are kept too. */
	if (w->names_pending && !w->failed && wr_names_blocks(w) < 0)
		rc = -1;
	if (w->rotating) {
		if (wr_rotate_finish(w) < 0)
			rc = -1;
	} else {
		if (!w->failed && wr_stats_blocks(w) < 0)
			rc = -1;
		if (wr_sync(w) < 0)
			rc = -1;
		if (w->own_fd && close(w->fd) < 0 && !w->failed) {
			wr_set_err(w, "closing %s: %s", w->label, strerror(errno));
			rc = -1;
		}
		w->own_fd = false;
	}
	if (w->failed)
		rc = -1;
	if (err && errlen)
		snprintf(err, errlen, "%s", rc < 0 ? w->err : "");
	wr_free(w);
	return rc;
}

const char *ctrcap_pcapng_writer_error(const struct ctrcap_pcapng_writer *w)
{
	return w->err;
}
