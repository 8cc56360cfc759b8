// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The process table (see proc_table.h): an open hash on pid with linear
 * probing, so all entries of one pid (its processes by start time) lie in
 * one probe run.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_table.h"

#define TABLE_BITS 15
#define TABLE_SIZE (1u << TABLE_BITS)
#define MAX_DEPTH 64
/* Open addressing stays fast while at most three quarters of the slots are used. */
_Static_assert(CTRCAP_PROC_MAX == TABLE_SIZE / 4 * 3, "CTRCAP_PROC_MAX is 3/4 of the slots");

struct slot {
	struct ctrcap_proc p;
	bool used;
};

struct ctrcap_proc_table {
	struct slot *s;
	size_t n;
	uint32_t gen;	/* source of ctrcap_proc.gen: unique across entries */
	uint64_t untracked; /* processes the full table had no room for */
	uint32_t gc_next;	/* the slot the next gc step starts at */
};

struct ctrcap_proc_table *ctrcap_proc_table_new(void)
{
	struct ctrcap_proc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->s = calloc(TABLE_SIZE, sizeof(*t->s));
	if (!t->s) {
		free(t);
		return NULL;
	}
	return t;
}

void ctrcap_proc_table_free(struct ctrcap_proc_table *t)
{
	if (!t)
		return;
	free(t->s);
	free(t);
}

static uint32_t hash(uint32_t pid)
{
	return (pid * 2654435761u) >> (32 - TABLE_BITS);
}

/* Length of the clock tick /proc/PID/stat counts start times in (USER_HZ), in ns. */
static uint64_t tick_ns(void)
{
	static uint64_t ns;

	if (!ns) {
		long hz = sysconf(_SC_CLK_TCK);

		ns = 1000000000ull / (hz > 0 ? (uint64_t)hz : 100);
	}
	return ns;
}

/* True when p is the process started at start_ns (exact, from an event or a socket's owner). */
static bool started_at(const struct ctrcap_proc *p, uint64_t start_ns)
{
	/* /proc/PID/stat rounds down to a tick: so does the comparison with it. */
	if (p->start_ticks)
		return p->start_ns / tick_ns() == start_ns / tick_ns();
	return p->start_ns == start_ns;
}

/* Note the exact start time an event gave, 0 = none. */
static void set_start(struct ctrcap_proc *p, uint64_t start_ns)
{
	if (!start_ns)
		return;
	p->start_ns = start_ns;
	p->start_ticks = false;
}

/* True when entry a holds pid rather than b: alive, or else exited later. */
static bool more_current(const struct ctrcap_proc *a, const struct ctrcap_proc *b)
{
	if (!a->exited_ms || !b->exited_ms)
		return !a->exited_ms && b->exited_ms;
	return a->exited_ms > b->exited_ms;
}

/*
 * The entry of process (pid, start_ns), or with start_ns 0 the pid's
 * current one. An entry of unknown start time stands for any process of
 * its pid, as before start times were known.
 */
static struct ctrcap_proc *find(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns)
{
	struct ctrcap_proc *cur = NULL, *unknown = NULL;
	uint32_t h = hash(pid);

	/* Every entry of a pid lies in the probe run from its hash to the next empty slot. */
	for (uint32_t i = 0; i < TABLE_SIZE; i++) {
		struct slot *s = &t->s[(h + i) & (TABLE_SIZE - 1)];
		struct ctrcap_proc *p = &s->p;

		if (!s->used)
			break;
		if (p->pid != pid)
			continue;
		if (!start_ns) {
			if (!cur || more_current(p, cur))
				cur = p;
		} else if (!p->start_ns) {
			unknown = p;
		} else if (started_at(p, start_ns)) {
			return p;
		}
	}
	return start_ns ? unknown : cur;
}

/* A new entry for pid, or NULL when the table is full. */
static struct ctrcap_proc *add(struct ctrcap_proc_table *t, uint32_t pid)
{
	uint32_t h = hash(pid);

	for (uint32_t i = 0; i < TABLE_SIZE && t->n < CTRCAP_PROC_MAX; i++) {
		struct slot *s = &t->s[(h + i) & (TABLE_SIZE - 1)];

		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->p.pid = pid;
		t->n++;
		return &s->p;
	}
	return NULL;
}

/*
 * The entry for process (pid, start_ns) an event or /proc announced, made
 * if needed; counted when the full table has no room. Another process still alive under pid has exited (its exit
 * event was lost, or comes later): it lingers from now_ms on.
 */
static struct ctrcap_proc *insert(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns,
				  uint64_t now_ms)
{
	struct ctrcap_proc *p = find(t, pid, start_ns), *cur;

	if (p) {
		set_start(p, start_ns);
		return p;
	}
	cur = find(t, pid, 0);
	if (cur && !start_ns)
		return cur;
	if (cur && !cur->exited_ms)
		cur->exited_ms = now_ms ? now_ms : 1;
	p = add(t, pid);
	if (p)
		set_start(p, start_ns);
	else
		t->untracked++;
	return p;
}

uint64_t ctrcap_proc_table_untracked(const struct ctrcap_proc_table *t)
{
	return t->untracked;
}

void ctrcap_args_join(const char *src, uint32_t len, char *dst, size_t cap)
{
	size_t k = 0;

	if (!cap)
		return;
	/* Drop trailing NULs so the joined text has no trailing space. */
	while (len && !src[len - 1])
		len--;
	for (uint32_t i = 0; i < len && k + 1 < cap; i++)
		dst[k++] = src[i] ? src[i] : ' ';
	dst[k] = '\0';
}

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return n;
}

/* The start time of pid (field 22 of /proc/PID/stat, in ticks) in ns; 0 if unknown. */
static uint64_t stat_start_ns(uint32_t pid)
{
	char path[64], buf[1024];
	unsigned long long ticks;
	ssize_t n;
	char *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	n = read_small(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields start after the last ')'. */
	f = strrchr(buf, ')');
	/* Fields 3 (state) to 21 are skipped, 22 is read. */
	if (!f || sscanf(f + 1, " %*c%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s %llu",
			 &ticks) != 1)
		return 0;
	return ticks * tick_ns();
}

/*
 * Fill p from /proc/<pid>. Returns 0, or -1 if the process is gone: pid
 * missing, or held by a process of another start time than p's.
 */
static int read_proc(struct ctrcap_proc *p)
{
	uint64_t start = stat_start_ns(p->pid);
	char path[64], buf[4096];
	ssize_t n;
	char *l;

	/* start is only to the tick: compare at that granularity. */
	if (p->start_ns && start && p->start_ns / tick_ns() != start / tick_ns())
		return -1;

	snprintf(path, sizeof(path), "/proc/%u/status", p->pid);
	n = read_small(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (!strncmp(l, "Name:\t", 6))
			sscanf(l + 6, "%15[^\n]", p->comm);
		else if (!strncmp(l, "PPid:\t", 6))
			p->ppid = strtoul(l + 6, NULL, 10);
		else if (!strncmp(l, "Uid:\t", 5))
			p->uid = strtoul(l + 5, NULL, 10);
		else if (!strncmp(l, "Gid:\t", 5))
			p->gid = strtoul(l + 5, NULL, 10);
	}
	if (!p->start_ns) {
		p->start_ns = start;
		p->start_ticks = true;
	}
	snprintf(path, sizeof(path), "/proc/%u/exe", p->pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cmdline", p->pid);
	n = read_small(path, buf, sizeof(buf));
	if (n > 0)
		ctrcap_args_join(buf, n, p->args, sizeof(p->args));
	p->known = true;
	return 0;
}

void ctrcap_proc_table_scan(struct ctrcap_proc_table *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct ctrcap_proc *p;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		p = insert(t, strtoul(de->d_name, NULL, 10), 0, 0);
		if (p && !p->known) {
			if (read_proc(p))
				p->known = false;
			p->gen = ++t->gen;
		}
	}
	if (d)
		closedir(d);
}

/* The executable /proc/<pid>/exe points to, when the process is still there. */
static void real_exe(struct ctrcap_proc *p)
{
	char path[32], buf[CTRCAP_EXE_LEN];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/exe", p->pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	memcpy(p->exe, buf, n + 1);
}

/*
 * Join the components of an exec event's path (leaf first, each
 * NUL-terminated, len bytes) root first into dst. Returns false, leaving dst
 * alone, if they spell no path or it does not fit in cap.
 */
static bool join_path(const char *c, uint32_t len, char *dst, size_t cap)
{
	char buf[CTRCAP_EXE_LEN];
	size_t k = 0;
	uint32_t end = len;

	if (!len || c[len - 1] || cap > sizeof(buf))
		return false;
	while (end) {
		uint32_t start = end - 1;	/* at the component's NUL */
		size_t n;

		while (start && c[start - 1])
			start--;
		n = end - 1 - start;
		if (!n || k + 1 + n + 1 > cap)
			return false;
		buf[k++] = '/';
		memcpy(buf + k, c + start, n);
		k += n;
		end = start;
	}
	buf[k] = '\0';
	memcpy(dst, buf, k + 1);
	return true;
}

void ctrcap_proc_on_exec(struct ctrcap_proc_table *t, const struct ctrcap_exec_event *e,
			 uint64_t now_ms)
{
	uint32_t path_len = e->path_len;
	struct ctrcap_proc *p = insert(t, e->tgid, e->start_ns, now_ms);
	uint32_t len = e->args_len;

	if (!p)
		return;
	p->ppid = e->ppid;
	p->uid = e->uid;
	p->gid = e->gid;
	set_start(p, e->start_ns);
	p->exited_ms = 0;
	memcpy(p->comm, e->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
	if (len > sizeof(e->args))
		len = sizeof(e->args);
	ctrcap_args_join(e->args, len, p->args, sizeof(p->args));
	if (path_len > sizeof(e->path))
		path_len = sizeof(e->path);
	/*
	 * The file the kernel runs, not the name execve() was given: runc
	 * starts containers as /proc/self/exe, busybox runs its applets so.
	 * Only when the kernel side could not climb the path (too deep or too
	 * long) is the name used, and the process's link read if the name is
	 * relative or under /proc: the process may be gone by now, so that is
	 * the fallback, not the rule.
	 */
	if (!join_path(e->path, path_len, p->exe, sizeof(p->exe))) {
		memcpy(p->exe, e->exe, sizeof(p->exe));
		p->exe[sizeof(p->exe) - 1] = '\0';
		if (p->exe[0] != '/' || !strncmp(p->exe, "/proc/", 6))
			real_exe(p);
	}
	p->known = true;
	p->gen = ++t->gen;
}

void ctrcap_proc_on_fork(struct ctrcap_proc_table *t, uint32_t pid, uint32_t ppid,
			 uint64_t start_ns, uint64_t now_ms)
{
	struct ctrcap_proc *p = insert(t, pid, start_ns, now_ms);
	struct ctrcap_proc *parent = find(t, ppid, 0);

	if (!p)
		return;
	if (parent && parent->known && parent != p) {
		*p = *parent;
		p->pid = pid;
	}
	/* Not the parent's start time: unknown if the event had none. */
	p->start_ns = 0;
	p->start_ticks = false;
	set_start(p, start_ns);
	p->ppid = ppid;
	p->exited_ms = 0;
	p->gen = ++t->gen;
}

void ctrcap_proc_on_exit(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns,
			 uint64_t now_ms)
{
	struct ctrcap_proc *p = find(t, pid, start_ns);

	if (p && !p->exited_ms)
		p->exited_ms = now_ms ? now_ms : 1;
}

/* Fill an entry not read yet from /proc; one that is gone is not read again. */
static void read_once(struct ctrcap_proc_table *t, struct ctrcap_proc *p)
{
	if (p->known || p->exited_ms)
		return;
	if (read_proc(p))
		p->exited_ms = 1; /* gone before we saw it: don't retry */
	p->gen = ++t->gen;
}

const struct ctrcap_proc *ctrcap_proc_get(struct ctrcap_proc_table *t, uint32_t pid)
{
	return ctrcap_proc_find(t, pid, 0, NULL);
}

const struct ctrcap_proc *ctrcap_proc_find(struct ctrcap_proc_table *t, uint32_t pid,
					   uint64_t start_ns, bool *reused)
{
	struct ctrcap_proc *p;

	if (reused)
		*reused = false;
	if (!pid)
		return NULL;
	p = find(t, pid, start_ns);
	/* Not in the table with this start: the pid's current entry, or what /proc holds. */
	if (!p)
		p = find(t, pid, 0);
	if (!p)
		p = add(t, pid);
	if (!p)
		return NULL;
	read_once(t, p);
	if (!p->known)
		return NULL;
	if (!start_ns || !p->start_ns || started_at(p, start_ns))
		return p;
	if (reused)
		*reused = true;
	return NULL;
}

bool ctrcap_proc_descends(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns,
			  uint32_t root)
{
	for (int i = 0; i < MAX_DEPTH && pid > 1; i++) {
		const struct ctrcap_proc *p = NULL;

		if (pid == root)
			return true;
		/* The packet's own process first: its pid may name a successor by now. */
		if (i == 0 && start_ns)
			p = find(t, pid, start_ns);
		if (!p)
			p = find(t, pid, 0);
		if (!p)
			return false;
		pid = p->ppid;
	}
	return pid == root;
}

/*
 * Empty slot i and move later entries of its probe run back into the gap
 * (linear probing has no tombstones this way), so lookups still find them.
 */
static void remove_slot(struct ctrcap_proc_table *t, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		j = (j + 1) & (TABLE_SIZE - 1);
		if (!t->s[j].used)
			break;
		home = hash(t->s[j].p.pid);
		/* Entry j may fill the gap at i when its home is not in (i, j] cyclically. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		t->s[i] = t->s[j];
		i = j;
	}
	t->s[i].used = false;
	t->n--;
}

bool ctrcap_proc_table_gc_step(struct ctrcap_proc_table *t, uint64_t now_ms, uint32_t slots)
{
	uint32_t end = slots < TABLE_SIZE - t->gc_next ? t->gc_next + slots : TABLE_SIZE;

	/*
	 * In place, slot by slot: a delete moves at most the entries of one
	 * probe run, where rebuilding the table would copy all of its memory
	 * while packets wait. A moved entry may be visited twice or skipped
	 * until the next pass; either is harmless.
	 */
	for (uint32_t i = t->gc_next; i < end; i++) {
		const struct ctrcap_proc *p = &t->s[i].p;

		if (!t->s[i].used)
			continue;
		if ((p->exited_ms > 1 && now_ms - p->exited_ms > CTRCAP_PROC_LINGER_MS) ||
		    (p->exited_ms == 1 && !p->known)) {
			remove_slot(t, i);
			i--;	/* slot i may hold a moved entry now */
		}
	}
	t->gc_next = end == TABLE_SIZE ? 0 : end;
	return end == TABLE_SIZE;
}

void ctrcap_proc_table_gc(struct ctrcap_proc_table *t, uint64_t now_ms)
{
	t->gc_next = 0;
	while (!ctrcap_proc_table_gc_step(t, now_ms, TABLE_SIZE))
		;
}
