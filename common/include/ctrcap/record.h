/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-packet identity record: the one definition of what ctrcap writes
 * into each Enhanced Packet Block. docs/pcapng-format.md is the normative
 * text; this header is its machine-readable half and is included by the
 * capture helper, the front doors, the tests and the Wireshark plugin.
 *
 * Wire shape, inside a pcapng custom option (code 2989, copyable binary):
 *   PEN (u32, section byte order, as the pcapng spec requires)
 *   version (u8) = CTRCAP_RECORD_VERSION
 *   TLVs: type (u16 BE), length (u16 BE), value (length bytes, BE numbers,
 *         UTF-8 strings without NUL), no padding between TLVs.
 * Unknown types are skipped, so old readers read new files.
 */
#ifndef CTRCAP_RECORD_H
#define CTRCAP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* pcapng option code of a copyable custom option with binary value. */
#define CTRCAP_OPT_CUSTOM_BIN 2989u
/* RFC 5612 documentation PEN until the project has its own IANA number. */
#define CTRCAP_PEN 32473u
#define CTRCAP_RECORD_VERSION 1u

/* Largest option value (PEN + payload) a pcapng option length can carry. */
#define CTRCAP_OPT_VALUE_MAX 65535u
/* Largest record payload (version byte + TLVs) in one option. */
#define CTRCAP_RECORD_MAX (CTRCAP_OPT_VALUE_MAX - 4u)
#define CTRCAP_TLV_HDR 4u

/* Per-field limits the encoder applies (truncating at a UTF-8 boundary). */
#define CTRCAP_STR_MAX 4096u
/*
 * A node name is cut shorter: a Kubernetes node name (a DNS subdomain) has
 * at most 253 bytes, and the cap keeps every named string and number
 * fitting in one record when all other strings are at CTRCAP_STR_MAX.
 */
#define CTRCAP_NODE_NAME_MAX 253u
#define CTRCAP_MAX_LABELS 64u

/*
 * TLV types. The high byte groups them: 0x01 process, 0x02 parent,
 * 0x03 container, 0x04 Kubernetes, 0x05 capture context, 0x07 node.
 * Never renumber; only add.
 */
enum ctrcap_tlv_type {
	CTRCAP_T_PID = 0x0101,		/* u32 */
	CTRCAP_T_TID = 0x0102,		/* u32 */
	CTRCAP_T_COMM = 0x0103,		/* string, kernel task comm */
	CTRCAP_T_EXE = 0x0104,		/* string, executable path */
	CTRCAP_T_ARGS = 0x0105,		/* string, argv joined by single spaces */
	CTRCAP_T_UID = 0x0106,		/* u32 */
	CTRCAP_T_GID = 0x0107,		/* u32 */
	CTRCAP_T_USER = 0x0108,		/* string, user name */
	CTRCAP_T_START_TIME = 0x0109,	/* u64, process start, ns since Unix epoch */
	CTRCAP_T_PROC_STATE = 0x010A,	/* u8, enum ctrcap_proc_state */

	CTRCAP_T_PARENT_PID = 0x0201,	/* u32 */
	CTRCAP_T_PARENT_EXE = 0x0202,	/* string */
	CTRCAP_T_PARENT_ARGS = 0x0203,	/* string */
	CTRCAP_T_PARENT_COMM = 0x0204,	/* string */

	CTRCAP_T_CTR_ID = 0x0301,	/* string, full container id */
	CTRCAP_T_CTR_NAME = 0x0302,	/* string */
	CTRCAP_T_CTR_IMAGE = 0x0303,	/* string */
	CTRCAP_T_CTR_RUNTIME = 0x0304,	/* string: docker, containerd, cri-o, podman */
	CTRCAP_T_CTR_LABEL = 0x0305,	/* string "key=value", one TLV per label */

	CTRCAP_T_POD_NAME = 0x0401,	/* string */
	CTRCAP_T_POD_NAMESPACE = 0x0402, /* string */
	CTRCAP_T_POD_UID = 0x0403,	/* string */
	CTRCAP_T_K8S_CTR_NAME = 0x0404,	/* string, container name within the pod */
	CTRCAP_T_POD_LABEL = 0x0405,	/* string "key=value", one TLV per label */

	CTRCAP_T_NETNS = 0x0501,	/* u32, inode of the network namespace */
	CTRCAP_T_CGROUP_ID = 0x0502,	/* u64, cgroup-v2 id (inode of its directory) */
	CTRCAP_T_ATTRIBUTION = 0x0503,	/* u8, enum ctrcap_attribution */
	/*
	 * --compact-identity (docs/pcapng-format.md, section 2.1): the first
	 * packet of an identity on an interface in a section defines it under a
	 * key; later ones carry only the reference and their per-packet TLVs.
	 */
	CTRCAP_T_IDENTITY_KEY = 0x0504,	/* u32, this record defines the identity of this key */
	CTRCAP_T_IDENTITY_REF = 0x0505,	/* u32, the identity is the one defined under this key */

	/* A packet the kernel dropped (--drops); the location marks it as one. */
	CTRCAP_T_DROP_REASON_CODE = 0x0601, /* u32, the kernel's enum skb_drop_reason value */
	CTRCAP_T_DROP_REASON = 0x0602,	/* string, its name without SKB_DROP_REASON_ */
	CTRCAP_T_DROP_LOCATION = 0x0603, /* string, "symbol+0xoff" or "0x<address>" */
	CTRCAP_T_NODE_NAME = 0x0701,	/* string, the host (Kubernetes node) that captured */
};

/* How the packet was tied to its process/container. */
enum ctrcap_attribution {
	CTRCAP_ATTR_NONE = 0,		/* nothing known */
	CTRCAP_ATTR_SOCKET = 1,		/* the packet's own socket */
	CTRCAP_ATTR_FLOW = 2,		/* a socket seen earlier on the same 5-tuple */
	CTRCAP_ATTR_REVERSE_FLOW = 3,	/* a socket seen on the reversed 5-tuple */
	CTRCAP_ATTR_EARLIER_HOP = 4,	/* the same packet seen earlier on another hop */
	CTRCAP_ATTR_IFACE_NETNS = 5,	/* the netns/container of the interface only */
	CTRCAP_ATTR_LISTENER = 6,	/* the listening socket of the packet's address and port */
	CTRCAP_ATTR_MAX = CTRCAP_ATTR_LISTENER,
};

/* What is known of the packet's process beyond its pid and comm. */
enum ctrcap_proc_state {
	/* It exited, and its pid names another process now: exe, args, parent unknown. */
	CTRCAP_PROC_PID_REUSED = 1,
};

/* A non-owning string view; ptr == NULL means absent. Not NUL-terminated. */
struct ctrcap_str {
	const char *ptr;
	uint16_t len;
};

/* Bits of ctrcap_identity.present for the numeric fields. */
enum ctrcap_has {
	CTRCAP_HAS_PID = 1u << 0,
	CTRCAP_HAS_TID = 1u << 1,
	CTRCAP_HAS_UID = 1u << 2,
	CTRCAP_HAS_GID = 1u << 3,
	CTRCAP_HAS_START_TIME = 1u << 4,
	CTRCAP_HAS_PARENT_PID = 1u << 5,
	CTRCAP_HAS_NETNS = 1u << 6,
	CTRCAP_HAS_CGROUP_ID = 1u << 7,
	CTRCAP_HAS_ATTRIBUTION = 1u << 8,
	CTRCAP_HAS_PROC_STATE = 1u << 9,
	CTRCAP_HAS_DROP_REASON = 1u << 10,
	CTRCAP_HAS_IDENTITY_KEY = 1u << 11, /* identity_key: carrier, never encoded */
	CTRCAP_HAS_IDENTITY_REF = 1u << 12, /* identity_ref: carrier, never encoded */
};

/*
 * One packet's identity. Strings are views: for encoding they point at the
 * caller's memory, after decoding they point into the decoded buffer.
 */
struct ctrcap_identity {
	uint32_t present; /* enum ctrcap_has bits */
	uint32_t pid, tid, uid, gid, parent_pid, netns;
	uint64_t start_time_ns, cgroup_id;
	uint8_t attribution; /* enum ctrcap_attribution */
	uint8_t proc_state; /* enum ctrcap_proc_state */
	uint32_t drop_reason_code; /* CTRCAP_HAS_DROP_REASON */
	/*
	 * Set by the decoder from the 0x0504/0x0505 TLVs of a compact file;
	 * ctrcap_record_encode() leaves them out (the writer adds its own).
	 */
	uint32_t identity_key, identity_ref;

	struct ctrcap_str comm, exe, args, user;
	struct ctrcap_str parent_comm, parent_exe, parent_args;
	struct ctrcap_str ctr_id, ctr_name, ctr_image, ctr_runtime;
	uint16_t n_ctr_labels;
	struct ctrcap_str pod_name, pod_namespace, pod_uid, k8s_ctr_name;
	uint16_t n_pod_labels;
	/* A kernel drop: its reason's name and where; drop_location set on every drop. */
	struct ctrcap_str drop_reason, drop_location;
	struct ctrcap_str node_name;

	/* Set by the decoder: labels beyond CTRCAP_MAX_LABELS, unknown TLVs. */
	uint16_t n_labels_dropped;
	uint16_t n_unknown;

	/* Set by ctrcap_identity_select, never on the wire: the process was left
	 * out by choice, so the text does not call it missing. */
	bool process_hidden;

	/*
	 * Last, so that ctrcap_identity_reset() leaves them alone: only the
	 * first n_ctr_labels and n_pod_labels entries count.
	 */
	struct ctrcap_str ctr_labels[CTRCAP_MAX_LABELS];
	struct ctrcap_str pod_labels[CTRCAP_MAX_LABELS];
};

/*
 * Empty id for a new identity: every field but the label arrays, which are
 * 2 KiB that a per-packet build would clear for nothing.
 */
static inline void ctrcap_identity_reset(struct ctrcap_identity *id)
{
	memset(id, 0, offsetof(struct ctrcap_identity, ctr_labels));
}

/* Human-readable name of an attribution method ("socket", "flow", ...). */
const char *ctrcap_attribution_name(uint8_t attribution);

/* Human-readable text of a process state ("gone (exited; ...)"). */
const char *ctrcap_proc_state_name(uint8_t state);

/* True when id is a packet the kernel dropped (it names a drop location or reason). */
static inline bool ctrcap_identity_is_drop(const struct ctrcap_identity *id)
{
	return id->drop_location.ptr || id->drop_reason.ptr ||
	       (id->present & CTRCAP_HAS_DROP_REASON);
}

/* Short name of a TLV type ("pid", "container-name", ...), NULL if unknown. */
const char *ctrcap_tlv_name(uint16_t type);

/*
 * True for the TLV types that belong to one packet rather than to its
 * identity (tid, attribution, drop reason and location): a compact file's
 * reference packet carries them itself, a definition never lends them.
 */
bool ctrcap_tlv_per_packet(uint16_t type);

/*
 * Split a record payload (version byte + TLVs) for --compact-identity:
 * the identity part (version byte and every TLV that is not per-packet)
 * into def, the per-packet TLVs (no version byte) into pp; identity-key and
 * identity-ref TLVs go to neither. def and pp each need len bytes. Returns
 * 0, or -1 for a payload that is not a well-formed version-1 record.
 */
int ctrcap_record_split(const uint8_t *rec, size_t len, uint8_t *def, size_t *def_len,
			uint8_t *pp, size_t *pp_len);

/* Write a u32 TLV (type, length 4, big-endian value) at p; returns p + 8. */
uint8_t *ctrcap_tlv_put_u32(uint8_t *p, uint16_t type, uint32_t v);

/* Bits ctrcap_record_idref() returns. */
#define CTRCAP_IDREF_KEY 1
#define CTRCAP_IDREF_REF 2

/*
 * Whether a record payload carries an identity-key (*key, CTRCAP_IDREF_KEY)
 * or an identity-ref (*ref, CTRCAP_IDREF_REF): the bits found, 0 for
 * neither, -1 for a payload that is not a well-formed version-1 record
 * (or one whose key or reference is not 4 bytes).
 */
int ctrcap_record_idref(const uint8_t *rec, size_t len, uint32_t *key, uint32_t *ref);

/*
 * Encode id as a record payload (version byte + TLVs) into buf.
 * Strings longer than CTRCAP_STR_MAX are cut at a UTF-8 boundary; labels
 * that do not fit in cap are left out, never a partial TLV.
 * Returns the number of bytes written, or -1 if cap cannot hold even the
 * version byte.
 */
int ctrcap_record_encode(const struct ctrcap_identity *id, uint8_t *buf, size_t cap);

/*
 * Decode a record payload (the bytes after the PEN) into id, merging into
 * what id already holds so that a repeated option extends one identity.
 * Returns 0, or -1 with a message naming the offset and the problem in err.
 * Never reads outside [buf, buf + len).
 */
int ctrcap_record_decode(const uint8_t *buf, size_t len, struct ctrcap_identity *id, char *err,
			 size_t errlen);

#endif /* CTRCAP_RECORD_H */
