/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process table: (pid, start time) -> image (exe, argv), parent, user.
 * Filled from /proc at start and from the exec/fork/exit events afterwards,
 * so a process that already exited still has its identity for late
 * packets. Exited processes are kept for a while (CTRCAP_PROC_LINGER_MS),
 * also when their pid is taken by a new process meanwhile: a pid may have
 * several entries, at most one of them alive. Start times from the events
 * are exact and compared exactly (a pid may be reused within one clock
 * tick); those read from /proc/PID/stat only to the clock tick, and are
 * compared at that granularity.
 */
#ifndef CTRCAP_PROC_TABLE_H
#define CTRCAP_PROC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../bpf/ctrcap.h"

#define CTRCAP_PROC_LINGER_MS 30000
/* Processes the table holds (live and lingering): its memory is fixed at start. */
#define CTRCAP_PROC_MAX 24576u

struct ctrcap_proc {
	uint32_t pid, ppid, uid, gid;
	uint64_t start_ns;	/* boot-time ns (of the thread-group leader), 0 if unknown */
	bool start_ticks;	/* start_ns read from /proc: exact to the clock tick only */
	uint64_t exited_ms;	/* monotonic ms of exit, 0 while alive */
	char comm[CTRCAP_COMM_LEN];
	char exe[CTRCAP_EXE_LEN];
	char args[CTRCAP_ARGS_LEN]; /* argv joined by spaces */
	bool known;		/* exe/args were read */
	uint32_t gen;		/* changes whenever exe, args, comm, ids or ppid change */
};

struct ctrcap_proc_table;

/* An empty table. NULL when out of memory. */
struct ctrcap_proc_table *ctrcap_proc_table_new(void);

/* Free the table. */
void ctrcap_proc_table_free(struct ctrcap_proc_table *t);

/* Read every process in /proc into the table. */
void ctrcap_proc_table_scan(struct ctrcap_proc_table *t);

/*
 * Apply an exec event (new image, argv). A process of another start time
 * holding the pid is gone: now_ms is its exit time.
 */
void ctrcap_proc_on_exec(struct ctrcap_proc_table *t, const struct ctrcap_exec_event *e,
			 uint64_t now_ms);

/* Apply a fork of process (pid, start_ns): it starts with its parent's image. */
void ctrcap_proc_on_fork(struct ctrcap_proc_table *t, uint32_t pid, uint32_t ppid,
			 uint64_t start_ns, uint64_t now_ms);

/* Mark process (pid, start_ns; 0 = whichever holds pid) exited (kept for late packets). */
void ctrcap_proc_on_exit(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns,
			 uint64_t now_ms);

/* The entry for pid's current process, reading /proc when not known yet; NULL if unknown. */
const struct ctrcap_proc *ctrcap_proc_get(struct ctrcap_proc_table *t, uint32_t pid);

/*
 * The entry for process (pid, start_ns), or with start_ns 0 (unknown) for
 * pid's current one. NULL when not known; then *reused (may be NULL) says
 * whether pid names another process now (the one asked for exited and its
 * entry is gone), rather than nothing known at all.
 */
const struct ctrcap_proc *ctrcap_proc_find(struct ctrcap_proc_table *t, uint32_t pid,
					   uint64_t start_ns, bool *reused);

/*
 * True when process (pid, start_ns; 0 = whichever holds pid) is root or a
 * descendant of root (by the table's parents).
 */
bool ctrcap_proc_descends(struct ctrcap_proc_table *t, uint32_t pid, uint64_t start_ns,
			  uint32_t root);

/* Forget processes that exited more than CTRCAP_PROC_LINGER_MS ago. */
void ctrcap_proc_table_gc(struct ctrcap_proc_table *t, uint64_t now_ms);

/*
 * The same, over the next @slots slots of the table only, so that a pass
 * can be spread between ring reads. True when this step ended a pass.
 */
bool ctrcap_proc_table_gc_step(struct ctrcap_proc_table *t, uint64_t now_ms, uint32_t slots);

/* How many processes the table had no room for since it was made. */
uint64_t ctrcap_proc_table_untracked(const struct ctrcap_proc_table *t);

/* Join a NUL-separated argv of len bytes into dst with spaces. */
void ctrcap_args_join(const char *src, uint32_t len, char *dst, size_t cap);

#endif /* CTRCAP_PROC_TABLE_H */
