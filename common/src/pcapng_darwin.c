// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Apple's Darwin process info blocks (block type 0x80000001: u32 pid, then
 * option 2, the process name), which Wireshark 4.6 reads without a plugin:
 * one per (pid, name) per section, numbered from 0 in the order written;
 * each packet of the process names its block with EPB option 0x8001.
 * With process_blocks, each such block is followed by Wireshark's Process
 * Information Block for the same process (see put_ws_pib).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_int.h"
#include "utf8.h"

/* Apple's block holds a comm: at most 15 bytes (MAXCOMLEN). */
#define DPIB_NAME_MAX 15

static uint32_t pid_hash(uint32_t pid)
{
	return pid * 0x9e3779b1u;
}

/* Slot of (pid, name): the one holding it, or the empty one to fill. */
static uint32_t *proc_slot(struct ctrcap_pcapng_writer *w, uint32_t pid, const char *name,
			   size_t len)
{
	uint32_t mask = w->n_proc_slots - 1, i = pid_hash(pid) & mask;

	for (;;) {
		uint32_t v = w->proc_slots[i];
		const struct wr_proc *p = v ? &w->procs[v - 1] : NULL;

		if (!p || (p->pid == pid && p->len == len && !memcmp(p->name, name, len)))
			return &w->proc_slots[i];
		i = (i + 1) & mask;
	}
}

static int proc_index_grow(struct ctrcap_pcapng_writer *w)
{
	uint32_t n = w->n_proc_slots ? w->n_proc_slots * 2 : 256;
	uint32_t *old = w->proc_slots;

	w->proc_slots = calloc(n, sizeof(*w->proc_slots));
	if (!w->proc_slots) {
		w->proc_slots = old;
		return -1;
	}
	w->n_proc_slots = n;
	for (uint32_t i = 0; i < w->n_procs; i++)
		*proc_slot(w, w->procs[i].pid, w->procs[i].name, w->procs[i].len) = i + 1;
	free(old);
	return 0;
}

/* Queue the block of procs[i]: header, pid, the name option, end of options, trailer. */
static int put_block(struct ctrcap_pcapng_writer *w, const struct wr_proc *p)
{
	size_t total = 8 + 4 + (p->len ? 4 + PAD4(p->len) : 0) + 4 + 4;
	uint8_t *b = wr_reserve(w, total), *q;

	if (!b)
		return -1;
	q = put32(b, PCAPNG_BT_DARWIN_PIB);
	q = put32(q, (uint32_t)total);
	q = put32(q, p->pid);
	if (p->len)
		q = put_opt(q, PCAPNG_DPIB_NAME, p->name, p->len);
	q = put_opt_hdr(q, PCAPNG_OPT_END, 0);
	put32(q, (uint32_t)total);
	return 0;
}

/* v little-endian at p, whatever the host's (and section's) byte order; returns p + 4. */
static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

/* A little-endian option: code, length, the value zero-padded to 4. */
static uint8_t *put_le_opt(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	uint16_t h[2] = { htole16(code), htole16((uint16_t)len) };

	memcpy(p, h, 4);
	memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, PAD4(len) - len);
	return p + 4 + PAD4(len);
}

/*
 * Wireshark's Process Information Block of procs[i]: a custom block (type
 * 0xBAD, copiable) whose PEN, 32622, is in the section's byte order, then
 * the entry: type 3, its length, the pid and the options (name, end), all
 * little-endian. Wireshark matches it to packets by option 8's pid.
 */
static int put_ws_pib(struct ctrcap_pcapng_writer *w, const struct wr_proc *p)
{
	size_t entry = 4 + (p->len ? 4 + PAD4(p->len) + 4 : 0);
	size_t total = 8 + 4 + 8 + entry + 4;
	uint8_t *b = wr_reserve(w, total), *q;

	if (!b)
		return -1;
	q = put32(b, PCAPNG_BT_CB_COPY);
	q = put32(q, (uint32_t)total);
	q = put32(q, PCAPNG_PEN_WIRESHARK);
	q = put_le32(q, PCAPNG_WS_ENTRY_PROCESS);
	q = put_le32(q, (uint32_t)entry);
	q = put_le32(q, p->pid);
	if (p->len) {
		q = put_le_opt(q, PCAPNG_PIB_NAME, p->name, p->len);
		q = put_le32(q, 0); /* opt_endofopt */
	}
	put32(q, (uint32_t)total);
	return 0;
}

int64_t wr_darwin_proc(struct ctrcap_pcapng_writer *w, uint32_t pid, const char *name, size_t len)
{
	struct wr_proc *p;
	uint32_t *slot;

	len = ctrcap_utf8_cut(name, len, DPIB_NAME_MAX);
	if ((w->n_procs + 1) * 2 > w->n_proc_slots && proc_index_grow(w) < 0)
		goto oom;
	slot = proc_slot(w, pid, name, len);
	if (*slot)
		return *slot - 1;
	if (w->n_procs == w->cap_procs) {
		uint32_t n = w->cap_procs ? w->cap_procs * 2 : 64;

		p = realloc(w->procs, n * sizeof(*p));
		if (!p)
			goto oom;
		w->procs = p;
		w->cap_procs = n;
	}
	p = &w->procs[w->n_procs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->len = (uint16_t)len;
	memcpy(p->name, name, len);
	if (put_block(w, p) < 0 || (w->o.process_blocks && put_ws_pib(w, p) < 0))
		return -1;
	*slot = ++w->n_procs;
	return w->n_procs - 1;
oom:
	wr_set_err(w, "writing %s: out of memory for the process info of pid %u", w->label, pid);
	return -1;
}

void wr_darwin_new_section(struct ctrcap_pcapng_writer *w)
{
	w->n_procs = 0;
	if (w->proc_slots)
		memset(w->proc_slots, 0, w->n_proc_slots * sizeof(*w->proc_slots));
}

void wr_darwin_free(struct ctrcap_pcapng_writer *w)
{
	free(w->procs);
	free(w->proc_slots);
	w->procs = NULL;
	w->proc_slots = NULL;
	w->n_procs = w->cap_procs = w->n_proc_slots = 0;
}
