/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pcap filter for the kernel: libpcap compiles the expression to classic
 * BPF, this translates it into the layout the tc interpreter in
 * bpf/pkt_filter.bpf.h reads from its pkt_filter_progs map, and installs it.
 * Compiling needs no privileges (the extcap validates filters with it).
 */
#ifndef CTRCAP_PKT_FILTER_H
#define CTRCAP_PKT_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* Without __bpf__ this gives only the shared layout: struct pkt_filter_prog. */
#include "../bpf/pkt_filter.bpf.h"

#define PKT_FILTER_LINKTYPE_ETHERNET	1	/* PKT_FILTER_SLOT_ETH */
#define PKT_FILTER_LINKTYPE_RAW		101	/* PKT_FILTER_SLOT_RAW */

/*
 * Compile the pcap filter @expr for @linktype (a LINKTYPE_* value) and
 * @snaplen (0 = 262144) into @out. NULL or blank @expr gives an empty program,
 * which accepts everything. Returns 0, or -1 with @err holding the expression
 * and libpcap's message (or why the program does not fit the kernel).
 */
int pkt_filter_compile(const char *expr, int linktype, uint32_t snaplen,
		       struct pkt_filter_prog *out, char *err, size_t errlen);

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

/* Translate @n classic BPF instructions into @out; 0 or -1 with @err set. */
int pkt_filter_from_cbpf(const struct pkt_filter_cbpf_insn *insns, size_t n,
			 struct pkt_filter_prog *out, char *err, size_t errlen);

/* Check that @p is a program the interpreter runs as intended; 0 or -1 with @err. */
int pkt_filter_validate(const struct pkt_filter_prog *p, char *err, size_t errlen);

/*
 * Store @p into @slot (PKT_FILTER_SLOT_*) of the pkt_filter_progs map @map_fd.
 * Install before attaching: a packet racing a replacement may see a mix of the
 * two programs (it stays safe, its verdict may be wrong). 0 or -1 with @err.
 */
int pkt_filter_install(int map_fd, uint32_t slot, const struct pkt_filter_prog *p, char *err,
		       size_t errlen);

/* The LINKTYPE_* value a slot's filters must be compiled for, or -1. */
int pkt_filter_slot_linktype(uint32_t slot);

#endif /* CTRCAP_PKT_FILTER_H */
