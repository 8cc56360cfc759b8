/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LINKTYPE_PKTAP (258) framing as ctrcap's rpcap server sends it, and as the
 * dissector reads it. docs/rpcap.md is the prose version of this header.
 *
 * A frame is:
 *   [0, 108)            the standard PKTAP header (Apple's layout, the one
 *                       libpcap, tcpdump and Wireshark know); all its numbers
 *                       are LITTLE-ENDIAN whatever the host (Wireshark's
 *                       pktap dissector reads them so; rpcap never swaps them)
 *   [108, pth_length)   the ctrcap identity extension, present when
 *                       pth_length > 108:
 *                         PEN (u32 BIG-endian) = CTRCAP_PEN (32473)
 *                         record payload = version byte + TLVs exactly as in
 *                         the pcapng option (record.h; ctrcap_record_encode),
 *                         running to pth_length; no padding, no length field
 *   [pth_length, caplen) the captured frame, link type pth_dlt
 *
 * Stock readers skip the extension because they start the inner frame at
 * pth_length. A reader must check pth_length >= 108, pth_length <= caplen,
 * and the PEN before decoding the record; pth_length - 112 is the record
 * payload length (0 < it <= CTRCAP_RECORD_MAX).
 */
#ifndef CTRCAP_PKTAP_H
#define CTRCAP_PKTAP_H

#include <stddef.h>
#include <stdint.h>

#define CTRCAP_LINKTYPE_PKTAP 258u

/* Size of the standard header; pth_length is never smaller. */
#define CTRCAP_PKTAP_HDR_LEN 108u
/* PEN that opens the extension; then the record payload. */
#define CTRCAP_PKTAP_EXT_PEN_LEN 4u
#define CTRCAP_PKTAP_EXT_OFF CTRCAP_PKTAP_HDR_LEN
#define CTRCAP_PKTAP_RECORD_OFF (CTRCAP_PKTAP_HDR_LEN + CTRCAP_PKTAP_EXT_PEN_LEN)

/* pth_type_next: a packet follows (the only type ctrcap sends). */
#define CTRCAP_PTH_TYPE_PACKET 1u

/* pth_flags bits (Apple's values). */
#define CTRCAP_PTH_FLAG_DIR_IN 0x0001u
#define CTRCAP_PTH_FLAG_DIR_OUT 0x0002u

/* pth_iftype values (BSD if_types.h numbers Wireshark shows as such). */
#define CTRCAP_PTH_IFT_OTHER 0x01u
#define CTRCAP_PTH_IFT_ETHER 0x06u
#define CTRCAP_PTH_IFT_LOOP 0x18u

/* pth_pid / pth_epid when no process is known. */
#define CTRCAP_PTH_PID_NONE (-1)

#define CTRCAP_PTH_IFNAME_LEN 24u
#define CTRCAP_PTH_COMM_LEN 17u

/*
 * Byte offsets of the standard header's fields (all little-endian).
 * Field meanings as ctrcap fills them:
 *   pth_length           108 + 4 + record length, or 108 without identity
 *   pth_type_next        CTRCAP_PTH_TYPE_PACKET
 *   pth_dlt              LINKTYPE_ of the inner frame (the pcapng IDB's), e.g. 1
 *   pth_ifname           interface name (pcapng if_name), NUL-terminated, cut at 23
 *   pth_flags            CTRCAP_PTH_FLAG_DIR_IN / _OUT from epb_flags
 *   pth_protocol_family  0 (not filled)
 *   pth_frame_pre_length 0, pth_frame_post_length 0
 *   pth_pid              process id (host pid namespace), or -1
 *   pth_comm             process command name (task comm), NUL-terminated, or ""
 *   pth_svc              0
 *   pth_iftype           CTRCAP_PTH_IFT_*
 *   pth_ifunit           0
 *   pth_epid             -1 (Apple: delegating process; ctrcap has none; the
 *                        parent is in the record, not here)
 *   pth_ecomm            ""
 */
#define CTRCAP_PTH_LENGTH_OFF 0u
#define CTRCAP_PTH_TYPE_NEXT_OFF 4u
#define CTRCAP_PTH_DLT_OFF 8u
#define CTRCAP_PTH_IFNAME_OFF 12u
#define CTRCAP_PTH_FLAGS_OFF 36u
#define CTRCAP_PTH_PROTOCOL_FAMILY_OFF 40u
#define CTRCAP_PTH_FRAME_PRE_LENGTH_OFF 44u
#define CTRCAP_PTH_FRAME_POST_LENGTH_OFF 48u
#define CTRCAP_PTH_PID_OFF 52u
#define CTRCAP_PTH_COMM_OFF 56u
#define CTRCAP_PTH_SVC_OFF 76u
#define CTRCAP_PTH_IFTYPE_OFF 80u
#define CTRCAP_PTH_IFUNIT_OFF 82u
#define CTRCAP_PTH_EPID_OFF 84u
#define CTRCAP_PTH_ECOMM_OFF 88u

/*
 * Filters. libpcap 1.10 compiles only "link[N:M]" expressions for
 * DLT_PKTAP, so the rpcap server accepts two kinds of cBPF program:
 *   - an ordinary program: run on the whole PKTAP frame (header, extension,
 *     inner frame), exactly what the client will receive;
 *   - a program that starts with two marker instructions
 *       ld #CTRCAP_PKTAP_INNER_FILTER_MAGIC   (code 0x0000, jt = jf = 0)
 *       ld #DLT                               (the inner link type it was compiled for)
 *     the server drops both and runs the rest on the inner frame alone, for
 *     packets whose pth_dlt is DLT (others do not match). A client compiles
 *     "host 10.99.5.2" with pcap_open_dead(DLT_EN10MB, snaplen) and prepends
 *     the markers. Compiled filters never read A before loading it, so the
 *     markers change nothing else.
 */
#define CTRCAP_PKTAP_INNER_FILTER_MAGIC 0x63747266u /* "ctrf" */

/* The same layout as a struct (natural alignment gives exactly 108 bytes). */
struct ctrcap_pktap_hdr {
	uint32_t pth_length;
	uint32_t pth_type_next;
	uint32_t pth_dlt;
	char pth_ifname[CTRCAP_PTH_IFNAME_LEN];
	uint32_t pth_flags;
	uint32_t pth_protocol_family;
	uint32_t pth_frame_pre_length;
	uint32_t pth_frame_post_length;
	int32_t pth_pid;
	char pth_comm[CTRCAP_PTH_COMM_LEN];
	uint32_t pth_svc;
	uint16_t pth_iftype;
	uint16_t pth_ifunit;
	int32_t pth_epid;
	char pth_ecomm[CTRCAP_PTH_COMM_LEN];
};

_Static_assert(sizeof(struct ctrcap_pktap_hdr) == CTRCAP_PKTAP_HDR_LEN, "PKTAP header size");
_Static_assert(__builtin_offsetof(struct ctrcap_pktap_hdr, pth_pid) == CTRCAP_PTH_PID_OFF,
	       "pth_pid offset");
_Static_assert(__builtin_offsetof(struct ctrcap_pktap_hdr, pth_svc) == CTRCAP_PTH_SVC_OFF,
	       "pth_svc offset");
_Static_assert(__builtin_offsetof(struct ctrcap_pktap_hdr, pth_ecomm) == CTRCAP_PTH_ECOMM_OFF,
	       "pth_ecomm offset");

/* One PKTAP frame as read: where its parts are, with the header's numbers decoded. */
struct ctrcap_pktap_view {
	uint32_t hdrlen;	/* pth_length: where the inner frame starts */
	uint32_t dlt;		/* pth_dlt: the inner frame's LINKTYPE_ */
	uint32_t direction;	/* CTRCAP_DIR_* (ctrcap/pcapng.h) from pth_flags */
	int32_t pid;		/* pth_pid; -1 = none */
	char ifname[CTRCAP_PTH_IFNAME_LEN];	/* NUL-terminated */
	char comm[CTRCAP_PTH_COMM_LEN];		/* NUL-terminated, "" = none */
	const uint8_t *record;	/* ctrcap's record payload, NULL when absent */
	size_t record_len;
	const uint8_t *inner;	/* the inner frame */
	uint32_t inner_caplen, inner_len;
};

/*
 * Read the PKTAP frame of caplen captured bytes (len on the wire) into v.
 * 0, or -1 with the reason in err when the header is cut short or its
 * length does not fit the frame. An extension that is not ctrcap's (another
 * PEN) is skipped as stock readers skip it.
 */
int ctrcap_pktap_parse(const uint8_t *frame, uint32_t caplen, uint32_t len,
		       struct ctrcap_pktap_view *v, char *err, size_t errlen);

struct ctrcap_identity;

/*
 * The identity a parsed frame carries into id (cleared first): ctrcap's
 * record when the extension is there, else the header's pid and command
 * name (a stock PKTAP frame). Strings point into the frame and into v.
 * 1 when there is one, 0 when not, -1 with err for a malformed record.
 */
int ctrcap_pktap_identity(const struct ctrcap_pktap_view *v, struct ctrcap_identity *id, char *err,
			  size_t errlen);

#endif /* CTRCAP_PKTAP_H */
