/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pcap filter for the kernel: libpcap compiles the expression to classic
 * BPF, this checks it and translates it into native eBPF instructions that
 * become the tc program attached to an interface. The generated program
 * counts the packet, runs the filter and either counts a rejection and lets
 * the packet go on, or tail-calls the capture program: a rejected packet
 * costs the filter's own instructions and one per-CPU counter, nothing else.
 * Compiling needs no privileges (the extcap validates filters with it).
 */
#ifndef CTRCAP_PKT_FILTER_H
#define CTRCAP_PKT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define PKT_FILTER_LINKTYPE_ETHERNET	1	/* tc data starts at an Ethernet header (also lo) */
#define PKT_FILTER_LINKTYPE_RAW		101	/* tc data starts at the IP header (tun, wireguard) */

#define PKT_FILTER_MAX_INSNS		4096
#define PKT_FILTER_MEMWORDS		16
/* libpcap emits backward jumps only for "protochain"; bound them per packet. */
#define PKT_FILTER_MAX_BACKJUMPS	64

/*
 * One classic BPF instruction, laid out as libpcap's struct bpf_insn and the
 * kernel's struct sock_filter (both names clash with <linux/bpf.h>, which
 * libbpf users include, so this header uses neither).
 */
struct pkt_filter_cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

/* A checked classic BPF program; len 0 accepts every packet. */
struct pkt_filter_prog {
	__u32 len;
	struct pkt_filter_cbpf_insn insns[PKT_FILTER_MAX_INSNS];
};

/*
 * Compile the pcap filter @expr for @linktype (a LINKTYPE_* value) and
 * @snaplen (0 = 262144) into @out. NULL or blank @expr gives an empty program,
 * which accepts everything. Returns 0, or -1 with @err holding the expression
 * and libpcap's message (or why the program does not fit the kernel).
 */
int pkt_filter_compile(const char *expr, int linktype, uint32_t snaplen,
		       struct pkt_filter_prog *out, char *err, size_t errlen);

/* Check and copy @n classic BPF instructions into @out; 0 or -1 with @err set. */
int pkt_filter_from_cbpf(const struct pkt_filter_cbpf_insn *insns, size_t n,
			 struct pkt_filter_prog *out, char *err, size_t errlen);

/*
 * Check that @p uses only the instructions libpcap's own interpreter runs,
 * that every jump lands inside it, scratch words exist, no constant divides
 * by zero or shifts by 32 or more, and every path ends in a return. 0 or -1.
 */
int pkt_filter_validate(const struct pkt_filter_prog *p, char *err, size_t errlen);

/* What a generated tc program does besides filtering. */
struct pkt_filter_gen_cfg {
	int counters_fd;	/* per-CPU array of struct ctrcap_counters (drop: ctrcap_drop_counters) */
	__u32 slot;		/* this interface's entry in it */
	int tail_fd;		/* prog array holding the capture programs */
	__u32 tail_index;	/* entry to tail-call for an accepted packet */
	/*
	 * --drops: a raw_tp program over the drop in @scratch_fd (per-CPU
	 * array, struct ctrcap_drop_scratch at key 0) instead of a tc program
	 * over an skb. It counts only rejections (filtered); a load past the
	 * bytes copied there, but inside the capture, accepts (user space
	 * runs the filter on every drop again).
	 */
	bool drop;
	int scratch_fd;
	/* Handed to the capture program in skb->cb (bpf/ctrcap.h, CTRCAP_CB_*): */
	__u32 netns;		/* the interface's netns inode */
	__u16 dev_type;		/* its ARPHRD_* type */
	__u64 netns_cookie;	/* its netns cookie */
};

struct bpf_insn;

/* Upper bound of eBPF instructions pkt_filter_gen() writes for @p. */
size_t pkt_filter_gen_max(const struct pkt_filter_prog *p);

/*
 * Translate @p (validated) into a tc program in @out (room for
 * pkt_filter_gen_max(@p) instructions): seen++ on the slot, the filter, then
 * filtered++ and "continue the tc chain" for a rejected packet, or the slot
 * in skb->cb[0] and a tail call for an accepted one. Returns the number of
 * instructions, or -1 with @err set (a jump too far for eBPF).
 */
int pkt_filter_gen(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		   struct bpf_insn *out, char *err, size_t errlen);

/*
 * Generate and load the tc program (raw_tp with cfg->drop) for @p. Returns
 * its fd, or -1 with @err naming @what (e.g. the interface) and the
 * verifier's last words.
 */
int pkt_filter_load(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		    const char *what, char *err, size_t errlen);

#endif /* CTRCAP_PKT_FILTER_H */
