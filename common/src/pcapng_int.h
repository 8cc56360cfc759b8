/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcapng block and option numbers, and the writer's state shared by its files. */
#ifndef CTRCAP_PCAPNG_INT_H
#define CTRCAP_PCAPNG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ctrcap/pcapng.h"

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_PB  0x00000002u /* obsolete Packet Block */
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_NRB 0x00000004u
#define PCAPNG_BT_ISB 0x00000005u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BOM    0x1A2B3C4Du

#define PCAPNG_OPT_END	      0
#define PCAPNG_OPT_COMMENT    1
#define PCAPNG_SHB_HARDWARE   2
#define PCAPNG_SHB_OS	      3
#define PCAPNG_SHB_USERAPPL   4
#define PCAPNG_IF_NAME	      2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_TSRESOL     9
#define PCAPNG_EPB_FLAGS      2
#define PCAPNG_EPB_PACKETID   5
/* pcapng draft: u32 process id, u32 thread id of the sender or receiver. */
#define PCAPNG_EPB_PROCESSID_THREADID 8
#define PCAPNG_NRB_END	      0
#define PCAPNG_NRB_IPV4	      1
#define PCAPNG_NRB_IPV6	      2
/* Apple's Darwin process info block and the EPB option naming one by its index. */
#define PCAPNG_BT_DARWIN_PIB	    0x80000001u
#define PCAPNG_DPIB_NAME	    2
#define PCAPNG_EPB_DARWIN_PIB_ID    0x8001
/*
 * Wireshark's Process Information Block, in a custom block (copiable type)
 * with Wireshark's PEN: entry type 3, then u32 pid and options, all
 * little-endian whatever the section's byte order (docs/pcapng-format.md).
 */
#define PCAPNG_BT_CB_COPY	    0x00000BADu
#define PCAPNG_BT_CB_NOCOPY	    0x40000BADu
#define PCAPNG_PEN_WIRESHARK	    32622u
#define PCAPNG_WS_ENTRY_PROCESS	    3u
#define PCAPNG_PIB_NAME		    2
#define PCAPNG_ISB_IFRECV     4
#define PCAPNG_ISB_IFDROP     5
#define PCAPNG_ISB_OSDROP     7

/* Blocks larger than this are refused by the reader as corrupt. */
#define PCAPNG_BLOCK_MAX (16u * 1024 * 1024)

#define PAD4(x) (((x) + 3u) & ~(size_t)3u)

/* The 16-bit value at p, byte-swapped when the file's byte order is not the host's. */
static inline uint16_t pcap_get16(const uint8_t *p, bool swap)
{
	uint16_t v;

	__builtin_memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/* The 32-bit value at p, byte-swapped when the file's byte order is not the host's. */
static inline uint32_t pcap_get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The 64-bit value at p, byte-swapped when the file's byte order is not the host's. */
static inline uint64_t pcap_get64(const uint8_t *p, bool swap)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return swap ? __builtin_bswap64(v) : v;
}

/* Store v in host byte order (the section's) at p; returns p + 4. */
static inline uint8_t *put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

/* Store v in host byte order at p; returns p + 8. */
static inline uint8_t *put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

/* An option (or NRB record) header: code and value length; returns p + 4. */
static inline uint8_t *put_opt_hdr(uint8_t *p, uint16_t code, uint16_t len)
{
	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	return p + 4;
}

/* Option value bytes, zero-padded to 4. */
static inline uint8_t *put_opt(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	p = put_opt_hdr(p, code, (uint16_t)len);
	if (len)
		memcpy(p, val, len);
	memset(p + len, 0, PAD4(len) - len);
	return p + PAD4(len);
}

struct wr_iface {
	uint32_t netns, ifindex;
	char *name; /* if_name, NULL if none */
	char *desc; /* if_description */
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t received, dropped, osdrop;
	bool has_stats;
};

/* An address and its current name, for Name Resolution Blocks. */
struct wr_name {
	uint8_t family;	 /* AF_INET or AF_INET6 */
	bool written;	 /* in an NRB of the current section */
	uint8_t addr[16];
	char *name;
};

/* A process with a Darwin process info block in the current section. */
struct wr_proc {
	uint32_t pid;
	uint16_t len;
	char name[16];	/* the first 15 bytes of the name, as comm and Apple's block hold it */
};

struct ctrcap_pcapng_writer {
	int fd;
	bool own_fd;	       /* opened by the writer, closed by it */
	bool regular;	       /* output is a regular file: truncate after a failed write */
	bool rotating;	       /* -C or -G: files are written aside and renamed */
	bool failed;	       /* a write failed; nothing more is written */
	char *label;	       /* what errors call the output: path, "stdout", "fd 5" */
	char *path;	       /* the -w argument (strftime template when -G) */
	const struct ctrcap_pcapng_file_ops *ops; /* o.file_ops or the plain ones */
	int dirfd;	       /* rotation: the directory of path, opened once, or -1 */
	char *dir;	       /* rotation: that directory as messages name it */
	char *tmpl;	       /* rotation: the file name part of path */
	char *name;	       /* rotation: final name of the current file, in dirfd */
	char *tmp_name;	       /* rotation: hidden name it is written under, in dirfd */
	uint64_t file_off;     /* bytes of the current file already written to fd */
	uint64_t whole_off;    /* file offset where the last block written whole ends */
	size_t head;	       /* buf starts with this many bytes ending a split block */
	uint64_t file_packets; /* EPBs in the current file */
	uint64_t sections;     /* SHBs written: a change is a new section */
	uint64_t file_start_s; /* -G period start of the current file */
	unsigned file_no;      /* -C index within the current -G period */

	uint8_t *buf; /* whole blocks waiting to be written */
	size_t len, cap;
	struct wr_thread *thr; /* opts write_thread: the thread that write()s, or NULL */
	uint64_t longest_write_ns; /* without the thread: the longest wr_write_all() */

	struct ctrcap_pcapng_writer_opts o;
	char *userappl, *os, *hardware;
	char *node; /* o.node copied; NULL = none */

	struct wr_iface *ifs;
	uint32_t n_ifs, cap_ifs;
	uint32_t *slots; /* open-addressing index into ifs, value = if_id + 1 */
	uint32_t n_slots;

	struct wr_name *names; /* NRB entries: the current name of each address */
	uint32_t n_names, cap_names;
	uint32_t names_pending; /* entries not written in this section yet */

	struct wr_proc *procs;	 /* Darwin process info blocks of this section, by index */
	uint32_t n_procs, cap_procs;
	uint32_t *proc_slots;	 /* open-addressing index into procs, value = index + 1 */
	uint32_t n_proc_slots;

	char **done; /* finished files (names in dirfd), oldest first, for -W */
	unsigned n_done;

	uint8_t *rec; /* CTRCAP_RECORD_MAX bytes of encode scratch */
	/* --compact-identity (o.compact_identity): this section's identities per interface. */
	struct ctrcap_idrefs *idrefs;
	uint8_t *crec;	/* the record as written: definition or reference */
	uint8_t *cdef;	/* its identity part */
	uint8_t *cpp;	/* its per-packet TLVs */
	/* Per interface (if_id % WR_MEMOS): the last record that became a reference, and that reference. */
	struct wr_memo {
		bool valid;
		uint32_t if_id;
		uint8_t *in, *out;
		size_t in_len, out_len, cap_in, cap_out;
	} *memos;
	char err[1024];
};

/* Record an error message (printf-style) as the writer's last error. */
void wr_set_err(struct ctrcap_pcapng_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write buffered blocks to the output (or hand them to the writer thread); on failure keep whole blocks only. */
int wr_flush(struct ctrcap_pcapng_writer *w);

/* wr_flush, then wait for the writer thread: the output holds every block (before close, truncate). */
int wr_sync(struct ctrcap_pcapng_writer *w);

/*
 * Buffered bytes on their way to the output: head bytes that end a block
 * split by an earlier write, then whole blocks, len bytes in all; the
 * first n go out now, at file offset file_off.
 */
struct wr_chunk {
	const uint8_t *buf;
	size_t n, len, head;
	uint64_t file_off;
};

/* Bytes past c->n of the block that straddles it (the next chunk's head); 0 if none does. */
size_t wr_chunk_tail(const struct wr_chunk *c);

/* write() p[0..n) whole to the output; 0, or the errno with the bytes written in *done. */
int wr_write_all(const struct ctrcap_pcapng_writer *w, const uint8_t *p, size_t n, size_t *done);

/*
 * Take a written chunk's outcome (done bytes, errno e or 0): on success the
 * whole-block mark moves; on failure the file is cut back to whole blocks,
 * the buffer dropped and -1 returned.
 */
int wr_chunk_result(struct ctrcap_pcapng_writer *w, const struct wr_chunk *c, size_t done, int e);

/* Start the writer thread (opts write_thread): writes go on while the caller encodes. */
int wr_thread_start(struct ctrcap_pcapng_writer *w);

/* Queue buf[0..n) for the writer thread (waiting only when its queue is full); keep the rest. */
int wr_thread_hand(struct ctrcap_pcapng_writer *w, size_t n);

/* Wait until the writer thread has written every queued chunk, take the outcomes; -1 on failure. */
int wr_thread_drain(struct ctrcap_pcapng_writer *w);

/* The writer thread's figures (ctrcap_pcapng_writer_write_stats). */
void wr_thread_stats(const struct ctrcap_pcapng_writer *w, struct ctrcap_pcapng_write_stats *st);

/* CLOCK_MONOTONIC in ns: how long a write() took. */
uint64_t wr_mono_ns(void);

/* Wait for the writer thread, end it and free it. */
void wr_thread_stop(struct ctrcap_pcapng_writer *w);

/* Queue the SHB and every IDB known so far at the start of a new file. */
int wr_file_header(struct ctrcap_pcapng_writer *w);

/* Queue one NRB (or several, if large) with the names not written in this section yet. */
int wr_names_blocks(struct ctrcap_pcapng_writer *w);

/* A new section starts: every name is to be written again. */
void wr_names_new_section(struct ctrcap_pcapng_writer *w);

/*
 * The index of the Darwin process info block of (pid, name) in this
 * section, writing the block first if there is none (and with process_blocks
 * Wireshark's Process Information Block after it); -1 on a write error.
 */
int64_t wr_darwin_proc(struct ctrcap_pcapng_writer *w, uint32_t pid, const char *name, size_t len);

/* A new section: its process info blocks start again from index 0. */
void wr_darwin_new_section(struct ctrcap_pcapng_writer *w);

/* Free the process info table. */
void wr_darwin_free(struct ctrcap_pcapng_writer *w);

/*
 * --compact-identity: the record to write for rec (rec_len bytes) on
 * if_id: a definition (identity-key first, then the record) the first time
 * the section sees its identity there, else a reference and the packet's
 * own TLVs. Sets *out and *out_len (rec itself when it cannot be split or
 * would not fit with a key). Returns 0, -1 when out of memory.
 */
int wr_compact_record(struct ctrcap_pcapng_writer *w, uint32_t if_id, const uint8_t *rec,
		      size_t rec_len, const uint8_t **out, size_t *out_len);

/* A new section (file): every identity is defined again. */
void wr_compact_new_section(struct ctrcap_pcapng_writer *w);

/* Allocate the compact state when o.compact_identity is set; -1 when out of memory. */
int wr_compact_open(struct ctrcap_pcapng_writer *w);

/* Free the compact state. */
void wr_compact_free(struct ctrcap_pcapng_writer *w);

/* Free the name table. */
void wr_names_free(struct ctrcap_pcapng_writer *w);

/* Queue a block of need bytes; NULL (error set) on failure. */
uint8_t *wr_reserve(struct ctrcap_pcapng_writer *w, size_t need);

/* Queue one ISB per interface that has stats. */
int wr_stats_blocks(struct ctrcap_pcapng_writer *w);

/* Bytes the ISBs of wr_stats_blocks() take. */
size_t wr_stats_size(const struct ctrcap_pcapng_writer *w);

/* Create path through w->ops->open; -1 with "what: reason" in w->err. */
int wr_create(struct ctrcap_pcapng_writer *w, const char *path, const char *what);

/* Open the directory of w->path once, then the first rotated file (hidden name). */
int wr_rotate_open(struct ctrcap_pcapng_writer *w, uint64_t now_s);

/* Delete the current rotated file's hidden name, after a failed start. */
void wr_rotate_discard(struct ctrcap_pcapng_writer *w);

/* Rotate before a packet of block size need with timestamp ts_s if -C/-G say so. */
int wr_rotate_maybe(struct ctrcap_pcapng_writer *w, uint64_t ts_s, size_t need);

/* Finish the current rotated file: ISBs, flush, close, rename into place. */
int wr_rotate_finish(struct ctrcap_pcapng_writer *w);

/* Free the rotation bookkeeping and close the directory fd. */
void wr_rotate_free(struct ctrcap_pcapng_writer *w);

#endif /* CTRCAP_PCAPNG_INT_H */
