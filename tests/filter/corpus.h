/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A deterministic corpus of generated packets for the filter tests: Ethernet
 * frames (IPv4/IPv6 TCP/UDP/ICMP, ARP, VLAN, fragments, IPv4 options, IPv6
 * extension headers, other ethertypes) and their raw-IP counterparts, whole
 * and truncated, in many lengths; and random classic BPF programs. Nothing
 * is sent anywhere.
 */
#ifndef CFLT_CORPUS_H
#define CFLT_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "pkt_filter.h"

#define CFLT_PKT_MAX 1600
/* BPF_PROG_TEST_RUN on a tc program wants at least an Ethernet header. */
#define CFLT_PKT_MIN 14

struct cflt_pkt {
	uint32_t len;
	uint8_t data[CFLT_PKT_MAX];
};

struct cflt_corpus {
	struct cflt_pkt *pkts;
	size_t n;
	size_t cap;
};

/* Fill @eth with Ethernet frames and @raw with raw-IP packets; 0 or -1 (no memory). */
int cflt_corpus_build(struct cflt_corpus *eth, struct cflt_corpus *raw, uint32_t seed);

/* Release a corpus. */
void cflt_corpus_free(struct cflt_corpus *c);

/* Deterministic pseudo-random numbers (xorshift32) for the tests. */
uint32_t cflt_rand(uint32_t *state);

/* Room cflt_random_program() needs. */
#define CFLT_RANDOM_PROG_MAX 64

/* Write a random valid classic BPF program to @p; returns its length. */
size_t cflt_random_program(struct pkt_filter_cbpf_insn *p, uint32_t *rng);

#endif /* CFLT_CORPUS_H */
