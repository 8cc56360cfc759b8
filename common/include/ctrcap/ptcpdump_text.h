/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reader for the process/container text that ptcpdump writes into each
 * packet's opt_comment: lines "Key: value" ("PID: 241879", "Cmd: /usr/bin/wget",
 * "ContainerLabels: {json}", ...), several comments per packet. Free of epan
 * so that it can be fuzzed and unit-tested on its own.
 */
#ifndef CTRCAP_PTCPDUMP_TEXT_H
#define CTRCAP_PTCPDUMP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The keys ptcpdump writes (and the aliases its own reader accepts). */
enum ptcpdump_key {
	PTCPDUMP_K_NONE = 0,
	PTCPDUMP_K_PID,
	PTCPDUMP_K_TID,
	PTCPDUMP_K_THREAD_NAME,
	PTCPDUMP_K_USER_ID,
	PTCPDUMP_K_CMD,
	PTCPDUMP_K_ARGS,
	PTCPDUMP_K_PARENT_PID,
	PTCPDUMP_K_PARENT_CMD,
	PTCPDUMP_K_PARENT_ARGS,
	PTCPDUMP_K_CTR_NAME,
	PTCPDUMP_K_CTR_ID,
	PTCPDUMP_K_CTR_IMAGE,
	PTCPDUMP_K_CTR_LABELS,
	PTCPDUMP_K_POD_NAME,
	PTCPDUMP_K_POD_NAMESPACE,
	PTCPDUMP_K_POD_UID,
	PTCPDUMP_K_POD_LABELS,
	PTCPDUMP_K_POD_ANNOTATIONS,
};

/* The key as ptcpdump's writer spells it ("PID", "ContainerName"), NULL for NONE. */
const char *ptcpdump_key_name(enum ptcpdump_key key);

/* One recognised line; offsets count from the start of the comment. */
struct ptcpdump_line {
	enum ptcpdump_key key;
	size_t value_off; /* value with surrounding white space trimmed */
	size_t value_len;
};

struct ptcpdump_iter {
	const char *s;
	size_t len;
	size_t pos;
};

/* Start reading comment text s of len bytes (no NUL needed). */
void ptcpdump_iter_init(struct ptcpdump_iter *it, const char *s, size_t len);

/* Next line with a known key into line: 1, or 0 at the end. Other lines are skipped. */
int ptcpdump_next(struct ptcpdump_iter *it, struct ptcpdump_line *line);

/* True if the comment holds at least one line ptcpdump's reader would use. */
bool ptcpdump_is_identity(const char *s, size_t len);

/* The kernel's comm length, which ptcpdump's names are cut to. */
#define PTCPDUMP_COMM_MAX 15

/*
 * The process name ptcpdump shows for a Cmd (and Args) value: Cmd's last
 * path component (of Args' first word when Cmd is a /dev/fd/N script),
 * without the "..." of a cut value, at most PTCPDUMP_COMM_MAX bytes.
 * Returns a pointer into exe or args with its length in *n, or NULL.
 */
const char *ptcpdump_comm(const char *exe, size_t exe_len, const char *args, size_t args_len,
			  size_t *n);

/* Parse an unsigned decimal that fills s exactly; false on anything else or overflow. */
bool ptcpdump_parse_u32(const char *s, size_t len, uint32_t *out);

/*
 * Walk a flat JSON object of string values ({"k":"v",...}, as ptcpdump's
 * ContainerLabels/PodLabels). ptcpdump_json_next() writes the next member
 * as "key=value" (unescaped, NUL-terminated, cut at outcap - 1 bytes) and
 * returns 1, 0 after the last member, -1 if the text is not such an object.
 */
struct ptcpdump_json_iter {
	const char *s;
	size_t len;
	size_t pos;
	int state; /* 0 = before '{', 1 = in object, 2 = done, -1 = error */
};

/* Start walking a JSON object of len bytes. */
void ptcpdump_json_init(struct ptcpdump_json_iter *it, const char *s, size_t len);

/* Next member as "key=value" into out; 1, 0 at the end, -1 on malformed text. */
int ptcpdump_json_next(struct ptcpdump_json_iter *it, char *out, size_t outcap);

#endif /* CTRCAP_PTCPDUMP_TEXT_H */
