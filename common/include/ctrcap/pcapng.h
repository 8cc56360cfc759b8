/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng writing and reading for ctrcap: one IDB per (netns, ifindex),
 * EPBs carrying direction, packet id and the identity record, ISBs at the
 * end. docs/pcapng-format.md describes the files this produces.
 */
#ifndef CTRCAP_PCAPNG_H
#define CTRCAP_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ctrcap/record.h"

/* epb_flags direction bits (pcapng: 01 inbound, 10 outbound). */
/*
 * Every hop of one packet carries the same epb_packetid within this time of
 * the first (bpf/ctrcap.h's CTRCAP_HOP_WINDOW_NS, which capture-helper checks
 * against it); ids repeat only across capture runs.
 */
#define CTRCAP_PACKET_ID_WINDOW_NS 1000000000ull

#define CTRCAP_DIR_UNKNOWN 0u
#define CTRCAP_DIR_IN 1u
#define CTRCAP_DIR_OUT 2u

/* ------------------------------------------------------------------ writer */

struct ctrcap_pcapng_writer;

/*
 * How the writer reaches the file system. Each function returns -1 with
 * the reason in err on failure; the writer's message names the file.
 *
 * Without rotation the writer calls open() once. With rotation (-C/-G) it
 * opens the directory of the -w path once at start (open_dir) and from then
 * on creates, renames and deletes its files only relative to that
 * directory fd, by names without '/': a directory swapped for a symlink
 * after the start cannot redirect them.
 */
struct ctrcap_pcapng_file_ops {
	/* Open (create) path for writing; flags hold O_CREAT|O_TRUNC. Returns an fd. */
	int (*open)(void *ctx, const char *path, int flags, mode_t mode, char *err, size_t errlen);
	/* Open directory path for the *_at calls, not via a distrusted symlink. Returns an fd. */
	int (*open_dir)(void *ctx, const char *path, char *err, size_t errlen);
	/* Open (create) name in dirfd, refusing a symlink. Returns an fd. */
	int (*open_at)(void *ctx, int dirfd, const char *name, int flags, mode_t mode, char *err,
		       size_t errlen);
	/* Rename from to to, both in dirfd. Returns 0. */
	int (*rename_at)(void *ctx, int dirfd, const char *from, const char *to, char *err,
			 size_t errlen);
	/* Delete name in dirfd. Returns 0. */
	int (*unlink_at)(void *ctx, int dirfd, const char *name, char *err, size_t errlen);
	/* Optional (may be NULL): rotation finished the file now at path (-z; not the last file). */
	void (*done)(void *ctx, const char *path);
};

/*
 * The writer's default file operations: open(2), the directory opened with
 * O_DIRECTORY|O_NOFOLLOW, openat(2) with O_NOFOLLOW, renameat(2), unlinkat(2).
 */
extern const struct ctrcap_pcapng_file_ops ctrcap_pcapng_plain_file_ops;

struct ctrcap_pcapng_writer_opts {
	const char *path;	  /* file path, "-" for stdout; a fifo works */
	int fd;			  /* used instead of path when path == NULL */
	bool flush_each;	  /* -U: flush after every packet */
	/*
	 * Beside each Darwin process info block, Wireshark's Process Information
	 * Block: a custom block (PEN 32622, entry type 3), matched to packets by
	 * epb_processid_threadid (docs/pcapng-format.md).
	 */
	bool process_blocks;
	/*
	 * --compact-identity: the first packet of an identity on an interface
	 * in a section carries the record with an identity-key TLV, later ones
	 * an identity-ref TLV and their per-packet TLVs only
	 * (docs/pcapng-format.md, section 2.1). Off by default: a subset of
	 * packets cut out of such a file loses the definitions.
	 */
	bool compact_identity;
	/*
	 * write() in a thread of the writer's own while the caller goes on
	 * encoding into another buffer: the output's copy runs on another
	 * CPU, and up to 32 MiB queue while a write() stalls. A failed write
	 * is then reported by a later call than the one whose blocks it held,
	 * or by close.
	 */
	bool write_thread;
	uint64_t rotate_bytes;	  /* -C: start a new file past this size, 0 = off */
	unsigned rotate_seconds;  /* -G: start a new file every N seconds, 0 = off */
	unsigned max_files;	  /* -W: keep at most N files (ring), 0 = no limit */
	const char *userappl;	  /* shb_userappl, e.g. "ctrcap 0.1.0" */
	const char *os;		  /* shb_os; NULL = uname */
	const char *hardware;	  /* shb_hardware; NULL = uname machine */
	/*
	 * The node that captures (NULL = none): each IDB that
	 * ctrcap_pcapng_writer_interface() writes is then described
	 * "node NODE, netns ...", so merged files keep the hosts apart.
	 */
	const char *node;
	/*
	 * Every open, rename and delete of the output and its rotated files,
	 * so a privileged caller can do them with the invoking user's rights
	 * and checks. All five operations must be set (done is optional). NULL = ctrcap_pcapng_plain_file_ops.
	 */
	const struct ctrcap_pcapng_file_ops *file_ops;
	void *file_ctx; /* passed to every file_ops function */
};

/*
 * Open the output and write the first SHB. On failure returns NULL and puts
 * a message naming the path and the reason into err.
 */
struct ctrcap_pcapng_writer *ctrcap_pcapng_writer_open(const struct ctrcap_pcapng_writer_opts *o,
							char *err, size_t errlen);

/*
 * Interface id for (netns, ifindex), writing its IDB on first use.
 * ifname is if_name; the netns goes into if_description ("netns 4026531840"
 * plus netns_desc when not NULL, e.g. a container name), after the node
 * when the writer has one ("node worker-1, netns 4026531840 (web)").
 * Returns the interface id (>= 0) or -1 on a write error.
 */
int ctrcap_pcapng_writer_interface(struct ctrcap_pcapng_writer *w, uint32_t netns, uint32_t ifindex,
				   const char *ifname, const char *netns_desc, uint16_t linktype,
				   uint32_t snaplen);

struct ctrcap_pcapng_iface;

/*
 * Interface id for an interface copied from a file being read (ctrcap -r
 * -w): if_name, if_description, link type and snaplen as read, the IDB
 * written on first use. key is the caller's number for it, unique across
 * the input's sections; a writer holds either copied or captured
 * interfaces. Returns the id (>= 0) or -1 on a write error.
 */
int ctrcap_pcapng_writer_interface_copy(struct ctrcap_pcapng_writer *w, uint32_t key,
					const struct ctrcap_pcapng_iface *ifc);

struct ctrcap_pcapng_packet {
	uint32_t if_id;		/* from ctrcap_pcapng_writer_interface() */
	uint64_t ts_ns;		/* ns since the Unix epoch (if_tsresol 9) */
	const void *data;
	uint32_t caplen, origlen;
	uint32_t direction;	/* CTRCAP_DIR_* */
	uint64_t packet_id;	/* epb_packetid; 0 = not written */
	/* epb_processid_threadid (option 8), for readers without the plugin; pid 0 = not written */
	uint32_t pid, tid;
	/*
	 * The process name (comm) of pid, pname_len bytes, not NUL-terminated;
	 * NULL = none. With a pid, the packet names its process as Apple's
	 * Darwin process info block does (written once per (pid, name) per
	 * section), which Wireshark 4.6 shows with no plugin.
	 */
	const char *pname;
	uint16_t pname_len;
	const struct ctrcap_identity *id; /* NULL = no identity option */
	/*
	 * Optional, used instead of id when record_len > 0: the identity as
	 * ctrcap_record_encode() wrote it (version byte + TLVs, at most
	 * CTRCAP_RECORD_MAX bytes). A caller that keeps one encoded record per
	 * process or flow pays for the encoding once instead of per packet.
	 */
	const uint8_t *record;
	uint32_t record_len;
	/*
	 * Optional opt_comment texts (ctrcap --comments: ptcpdump's layout,
	 * from ctrcap_ptcpdump_comments()): each ended by a NUL, one after
	 * another, comments_len bytes in all; each text becomes one
	 * opt_comment of at most 65535 bytes. NULL = none.
	 */
	const char *comments;
	uint32_t comments_len;
};

/* Append one EPB. Returns 0, or -1 (see ctrcap_pcapng_writer_error()). */
int ctrcap_pcapng_writer_packet(struct ctrcap_pcapng_writer *w,
				const struct ctrcap_pcapng_packet *p);

/*
 * Name the address addr (family AF_INET: 4 bytes, AF_INET6: 16, network
 * order) name in a Name Resolution Block (pcapng NRB), e.g. a container's
 * address its container's name. Names given since the last packet go out
 * together in one NRB before the next packet; each (address, name) once per
 * section, and again in every later section (rotated file) while it holds.
 * A new name for an address replaces the old one and is written again.
 * Returns 0, or -1 (bad family, empty name, out of memory).
 */
int ctrcap_pcapng_writer_name(struct ctrcap_pcapng_writer *w, int family, const void *addr,
			      const char *name);

/* Forget addr's name (its owner is gone): later sections do not repeat it. */
void ctrcap_pcapng_writer_unname(struct ctrcap_pcapng_writer *w, int family, const void *addr);

/* Set the counts written into if_id's ISB at close/rotation. */
void ctrcap_pcapng_writer_set_stats(struct ctrcap_pcapng_writer *w, uint32_t if_id,
				    uint64_t received, uint64_t dropped, uint64_t osdrop);

/* Flush buffered blocks to the output. Returns 0 or -1. */
int ctrcap_pcapng_writer_flush(struct ctrcap_pcapng_writer *w);

/* Write ISBs, flush, close and free. Returns 0 or -1 (error in err). */
int ctrcap_pcapng_writer_close(struct ctrcap_pcapng_writer *w, char *err, size_t errlen);

/* The last error, naming the file and the reason ("" when none). */
const char *ctrcap_pcapng_writer_error(const struct ctrcap_pcapng_writer *w);

/* What the writer thread lets wait for a write() that stalls: this many 1 MiB buffers. */
#define CTRCAP_PCAPNG_WRITE_QUEUE_MIB 32u

/* How the output took the writes so far: a write() that stalls holds up whoever calls it. */
struct ctrcap_pcapng_write_stats {
	uint64_t longest_write_ns; /* the longest write() of one buffer (all of it, retries included) */
	bool thread;		   /* written by the writer thread (opts write_thread); then: */
	unsigned deepest_queue;	   /* the most buffers handed over and not written yet */
	uint64_t full_waits;	   /* hand-overs that waited: the queue was full */
};

/* Fill st with the writer's write() figures so far. */
void ctrcap_pcapng_writer_write_stats(const struct ctrcap_pcapng_writer *w,
				      struct ctrcap_pcapng_write_stats *st);

/* ------------------------------------------------------------------ reader */

struct ctrcap_pcapng_reader;

enum ctrcap_pcapng_kind {
	CTRCAP_REC_SECTION = 1,	/* SHB */
	CTRCAP_REC_INTERFACE,	/* IDB */
	CTRCAP_REC_PACKET,	/* EPB or SPB */
	CTRCAP_REC_STATS,	/* ISB */
	CTRCAP_REC_OTHER,	/* any other block, skipped but reported */
	CTRCAP_REC_NAMES,	/* NRB: addresses and their names */
};

/* One address -> name entry of a Name Resolution Block. */
struct ctrcap_pcapng_name {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; 4 bytes used for AF_INET */
	const char *name;	/* NUL-terminated, valid until the next read */
};

struct ctrcap_pcapng_iface {
	uint16_t linktype;
	uint32_t snaplen;
	uint8_t tsresol;	/* if_tsresol as stored (default 6) */
	char name[256];		/* if_name, "" if absent */
	/* if_description, "" if absent; room for ctrcap's longest (a 253-byte node name too). */
	char description[768];
};

struct ctrcap_pcapng_rec {
	enum ctrcap_pcapng_kind kind;
	uint32_t block_type;

	/* CTRCAP_REC_INTERFACE: the new interface; its id is iface_id. */
	/* CTRCAP_REC_PACKET / STATS: the interface the block names. */
	uint32_t iface_id;
	const struct ctrcap_pcapng_iface *iface;

	/* CTRCAP_REC_PACKET */
	uint64_t ts_ns;		/* converted to ns using the IDB's if_tsresol */
	const uint8_t *data;	/* valid until the next call */
	uint32_t caplen, origlen;
	uint32_t flags;		/* epb_flags, 0 if absent */
	bool has_flags;
	uint64_t packet_id;	/* epb_packetid */
	bool has_packet_id;
	uint32_t pid, tid;	/* epb_processid_threadid (option 8) */
	bool has_pid_tid;
	/*
	 * The process info block of the packet: Apple's Darwin block that EPB
	 * option 0x8001 names, else Wireshark's Process Information Block
	 * (custom block) of option 8's pid, the last one of the section.
	 */
	bool has_pib;
	uint32_t pib_pid;
	const char *pname;	/* pname_len bytes, not NUL-terminated */
	uint16_t pname_len;
	const char *comment;	/* first opt_comment, NUL-terminated, or NULL */
	/* Every opt_comment joined by '\n' (ptcpdump writes several), or NULL. */
	const char *comments_all;
	bool has_identity;	/* one or more ctrcap options decoded into identity */
	struct ctrcap_identity identity; /* views into reader memory */
	const char *identity_error; /* decode error of a ctrcap option, or NULL */
	/* The raw value(s) of ctrcap options (PEN stripped), for byte comparisons. */
	const uint8_t *identity_raw;
	size_t identity_raw_len;

	/* CTRCAP_REC_STATS */
	uint64_t isb_received, isb_dropped, isb_osdrop;
	bool has_received, has_dropped, has_osdrop;

	/* CTRCAP_REC_NAMES: every name of every ipv4/ipv6 record, in order */
	const struct ctrcap_pcapng_name *names;
	size_t n_names;

	/* CTRCAP_REC_SECTION */
	bool big_endian;
	char userappl[256];
};

/* Open a pcapng file ("-" = stdin). NULL and a message in err on failure. */
struct ctrcap_pcapng_reader *ctrcap_pcapng_reader_open(const char *path, char *err, size_t errlen);

/* Read from an already open stream (pipe, fifo); the reader does not close it. */
struct ctrcap_pcapng_reader *ctrcap_pcapng_reader_fdopen(FILE *f, char *err, size_t errlen);

/*
 * Next block into rec. Returns 1 for a block, 0 at a clean end of file,
 * -1 for malformed or truncated input (message: ctrcap_pcapng_reader_error()).
 * Pointers in rec stay valid until the next call.
 */
int ctrcap_pcapng_reader_next(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec);

/* Interface by id in the current section, or NULL. */
const struct ctrcap_pcapng_iface *ctrcap_pcapng_reader_iface(const struct ctrcap_pcapng_reader *r,
							     uint32_t iface_id);

/* The last error with the file name and byte offset ("" when none). */
const char *ctrcap_pcapng_reader_error(const struct ctrcap_pcapng_reader *r);

/* Close and free (closes the file only if the reader opened it). */
void ctrcap_pcapng_reader_close(struct ctrcap_pcapng_reader *r);

#endif /* CTRCAP_PCAPNG_H */
