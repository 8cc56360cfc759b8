/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Structural checks of the eBPF that pkt_filter_gen() writes, without the
 * kernel, so the unit test and the fuzzer can run them on any program: the
 * verifier would refuse some of these mistakes, but others (a packet load
 * with no length check, which ends the tcx chain; a loop without its bound)
 * it accepts.
 */
#ifndef CFLT_GEN_CHECK_H
#define CFLT_GEN_CHECK_H

#include <stddef.h>
#include <linux/bpf.h>

#include "pkt_filter.h"

/*
 * Check the @n instructions pkt_filter_gen() wrote for @p and @cfg: the
 * count bound; r6 = the skb first and never changed; an exit last; every
 * jump inside the program, not into an LD_IMM64 and still in range once the
 * kernel expands the packet loads; no dead code (the verifier refuses it);
 * only the map fds and helpers of @cfg (one counters lookup, at most one
 * tail call with the slot in cb[0]); every LD_ABS/LD_IND after a length
 * check that covers it and jumps to the reject block; every backward jump
 * after its bound. 0, or -1 with @why naming the instruction.
 */
int cflt_check_gen(const struct pkt_filter_prog *p, const struct pkt_filter_gen_cfg *cfg,
		   const struct bpf_insn *insns, int n, char *why, size_t whylen);

#endif /* CFLT_GEN_CHECK_H */
