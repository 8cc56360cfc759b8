/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rpcap wire protocol (version 0, as libpcap 1.10's client and rpcapd
 * speak it): constants, message sizes, and pure parse/build functions on
 * byte buffers. No I/O here, so the parser can be unit-tested and fuzzed.
 * All numbers on the wire are big-endian except the byte-order magic in the
 * auth reply, which is in the server's own order (the client compares it raw).
 */
#ifndef CTRCAP_RPCAP_PROTO_H
#define CTRCAP_RPCAP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPCAP_VERSION 0u
#define RPCAP_DEFAULT_PORT 2002u

#define RPCAP_HDR_LEN 8u
#define RPCAP_AUTH_LEN 8u
#define RPCAP_AUTHREPLY_LEN 8u
#define RPCAP_FINDALLDEVS_IF_LEN 12u
#define RPCAP_OPENREPLY_LEN 8u
#define RPCAP_STARTCAPREQ_LEN 12u
#define RPCAP_STARTCAPREPLY_LEN 8u
#define RPCAP_FILTER_LEN 8u
#define RPCAP_INSN_LEN 8u
#define RPCAP_STATS_LEN 16u
#define RPCAP_SAMPLING_LEN 8u
#define RPCAP_PKTHDR_LEN 20u

#define RPCAP_BYTE_ORDER_MAGIC 0xa1b2c3d4u

/* Message types; replies have RPCAP_MSG_IS_REPLY set. */
enum rpcap_msg_type {
	RPCAP_MSG_ERROR = 0x01,
	RPCAP_MSG_FINDALLIF_REQ = 0x02,
	RPCAP_MSG_OPEN_REQ = 0x03,
	RPCAP_MSG_STARTCAP_REQ = 0x04,
	RPCAP_MSG_UPDATEFILTER_REQ = 0x05,
	RPCAP_MSG_CLOSE = 0x06,
	RPCAP_MSG_PACKET = 0x07,
	RPCAP_MSG_AUTH_REQ = 0x08,
	RPCAP_MSG_STATS_REQ = 0x09,
	RPCAP_MSG_ENDCAP_REQ = 0x0a,
	RPCAP_MSG_SETSAMPLING_REQ = 0x0b,
};
#define RPCAP_MSG_IS_REPLY 0x80u

#define RPCAP_AUTH_NULL 0u
#define RPCAP_AUTH_PWD 1u

#define RPCAP_STARTCAP_FLAG_PROMISC 0x01u
#define RPCAP_STARTCAP_FLAG_DGRAM 0x02u
#define RPCAP_STARTCAP_FLAG_SERVEROPEN 0x04u
#define RPCAP_STARTCAP_FLAG_INBOUND 0x08u
#define RPCAP_STARTCAP_FLAG_OUTBOUND 0x10u

#define RPCAP_UPDATEFILTER_BPF 1u

/* Error codes carried in an RPCAP_MSG_ERROR header's value. */
enum rpcap_err {
	RPCAP_ERR_NETW = 1,
	RPCAP_ERR_INITTIMEOUT = 2,
	RPCAP_ERR_AUTH = 3,
	RPCAP_ERR_FINDALLIF = 4,
	RPCAP_ERR_NOREMOTEIF = 5,
	RPCAP_ERR_OPEN = 6,
	RPCAP_ERR_UPDATEFILTER = 7,
	RPCAP_ERR_GETSTATS = 8,
	RPCAP_ERR_READEX = 9,
	RPCAP_ERR_HOSTNOAUTH = 10,
	RPCAP_ERR_REMOTEACCEPT = 11,
	RPCAP_ERR_STARTCAPTURE = 12,
	RPCAP_ERR_ENDCAPTURE = 13,
	RPCAP_ERR_RUNTIMETIMEOUT = 14,
	RPCAP_ERR_SETSAMPLING = 15,
	RPCAP_ERR_WRONGMSG = 16,
	RPCAP_ERR_WRONGVER = 17,
	RPCAP_ERR_AUTH_FAILED = 18,
	RPCAP_ERR_TLS_REQUIRED = 19,
	RPCAP_ERR_AUTH_TYPE_NOTSUP = 20,
};

/* Limits the server enforces on what a client sends. */
#define RPCAP_MAX_PAYLOAD 65536u	/* largest request payload accepted */
#define RPCAP_MAX_INSNS 4096u		/* BPF_MAXINSNS */
#define RPCAP_MAX_DEVNAME 255u
#define RPCAP_MAX_AUTH_STR 255u

struct rpcap_hdr {
	uint8_t ver;
	uint8_t type;
	uint16_t value;
	uint32_t plen;
};

/* One classic BPF instruction as it travels (host order after parsing). */
struct rpcap_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct rpcap_filter_msg {
	uint16_t type;
	uint32_t nitems;
	const uint8_t *insns;	/* nitems * RPCAP_INSN_LEN bytes, wire order */
};

struct rpcap_auth_msg {
	uint16_t type;
	const char *user;	/* not NUL-terminated; user_len bytes */
	uint16_t user_len;
	const char *pass;
	uint16_t pass_len;
};

struct rpcap_startcap_msg {
	uint32_t snaplen;
	uint32_t read_timeout;
	uint16_t flags;
	uint16_t portdata;
	struct rpcap_filter_msg filter;
};

struct rpcap_stats_msg {
	uint32_t ifrecv, ifdrop, krnldrop, svrcapt;
};

struct rpcap_pkt_meta {
	uint32_t ts_sec, ts_usec;
	uint32_t caplen, len, npkt;
};

/* Human-readable name of a message type ("OPEN_REQ", ...), "unknown" otherwise. */
const char *rpcap_msg_name(uint8_t type);

/*
 * Client bytes made safe for a log line: printable ASCII stays, anything
 * else (and '\\') becomes \xNN; at most outlen-1 bytes, always NUL-terminated,
 * cut short with "..." when it does not fit.
 */
void rpcap_log_escape(const char *in, size_t inlen, char *out, size_t outlen);

/* Decode the 8-byte common header. */
void rpcap_hdr_parse(const uint8_t buf[RPCAP_HDR_LEN], struct rpcap_hdr *h);

/* Encode the 8-byte common header into buf. */
void rpcap_hdr_build(uint8_t buf[RPCAP_HDR_LEN], uint8_t ver, uint8_t type, uint16_t value,
		     uint32_t plen);

/*
 * Check a request header before its payload is read: version, direction,
 * size. Returns 0 when it may be served, otherwise an enum rpcap_err code
 * with a message in err; *fatal is set when the stream cannot be trusted
 * any further (payload too large to skip) and the connection must close.
 */
int rpcap_hdr_check(const struct rpcap_hdr *h, char *err, size_t errlen, bool *fatal);

/* Parse an AUTH_REQ payload. 0, or -1 with a message in err. */
int rpcap_auth_parse(const uint8_t *p, size_t len, struct rpcap_auth_msg *m, char *err,
		     size_t errlen);

/*
 * Parse an OPEN_REQ payload (the source name) into a NUL-terminated name.
 * Rejects empty, over-long and non-printable names. 0, or -1 with err.
 */
int rpcap_open_parse(const uint8_t *p, size_t len, char *name, size_t namelen, char *err,
		     size_t errlen);

/* Parse a filter (UPDATEFILTER_REQ payload or STARTCAP's tail). 0, or -1 with err. */
int rpcap_filter_parse(const uint8_t *p, size_t len, struct rpcap_filter_msg *m, char *err,
		       size_t errlen);

/*
 * Parse a STARTCAP_REQ payload: the request and its filter. Catches
 * libpcap 1.10.3's short message (nitems says 1, no instruction follows).
 * 0, or -1 with err.
 */
int rpcap_startcap_parse(const uint8_t *p, size_t len, struct rpcap_startcap_msg *m, char *err,
			 size_t errlen);

/* Instruction i of a parsed filter, in host order. */
void rpcap_filter_insn(const struct rpcap_filter_msg *m, uint32_t i, struct rpcap_insn *out);

/* Parse a SETSAMPLING_REQ payload into method and value. 0, or -1 with err. */
int rpcap_sampling_parse(const uint8_t *p, size_t len, uint8_t *method, uint32_t *value,
			 char *err, size_t errlen);

/* Build an AUTH_REPLY payload (version range and byte-order magic). */
void rpcap_authreply_build(uint8_t buf[RPCAP_AUTHREPLY_LEN]);

/* Build an OPEN_REPLY payload. */
void rpcap_openreply_build(uint8_t buf[RPCAP_OPENREPLY_LEN], int32_t linktype);

/* Build a STARTCAP_REPLY payload; port in host order. */
void rpcap_startcapreply_build(uint8_t buf[RPCAP_STARTCAPREPLY_LEN], int32_t bufsize,
			       uint16_t port);

/* Build a STATS_REPLY payload. */
void rpcap_stats_build(uint8_t buf[RPCAP_STATS_LEN], const struct rpcap_stats_msg *s);

/*
 * Append one findalldevs interface entry (no addresses) to buf at *off.
 * Returns 0, or -1 if it does not fit in cap or a string is longer than
 * a u16 can say.
 */
int rpcap_findalldevs_if_build(uint8_t *buf, size_t cap, size_t *off, const char *name,
			       const char *desc, uint32_t flags);

/* Build a packet message's header + pkthdr (RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN bytes). */
void rpcap_packet_hdr_build(uint8_t buf[RPCAP_HDR_LEN + RPCAP_PKTHDR_LEN],
			    const struct rpcap_pkt_meta *m);


/* The client's side (ctrcap --rpcap-source). */

/*
 * Build an AUTH_REQ payload into buf: null auth when user is NULL, else
 * user and password. Its length, or 0 when it does not fit or a string
 * is longer than RPCAP_MAX_AUTH_STR.
 */
size_t rpcap_auth_req_build(uint8_t *buf, size_t cap, const char *user, const char *pass);
/*
 * Build a STARTCAP_REQ payload into buf (the client opens the data
 * connection over TCP) with the n-instruction filter insns (host order).
 * Its length, or 0 when n is 0, too large, or it does not fit.
 */
size_t rpcap_startcap_req_build(uint8_t *buf, size_t cap, uint32_t snaplen, uint32_t read_timeout,
				const struct rpcap_insn *insns, uint32_t n);
/* The link type in an OPEN_REPLY payload. */
int32_t rpcap_openreply_linktype(const uint8_t buf[RPCAP_OPENREPLY_LEN]);
/* The data port (host order) in a STARTCAP_REPLY payload. */
uint16_t rpcap_startcapreply_port(const uint8_t buf[RPCAP_STARTCAPREPLY_LEN]);
/* Decode a packet message's pkthdr (after the common header). */
void rpcap_pkthdr_parse(const uint8_t buf[RPCAP_PKTHDR_LEN], struct rpcap_pkt_meta *m);

#endif /* CTRCAP_RPCAP_PROTO_H */
