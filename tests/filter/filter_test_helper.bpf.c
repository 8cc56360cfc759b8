// SPDX-License-Identifier: GPL-2.0
/*
 * The same harness with direct packet reads limited to offset 0, so nearly
 * every load takes the bpf_skb_load_bytes() path that non-linear skbs (GRO,
 * paged data) take in real traffic; BPF_PROG_TEST_RUN only builds linear ones.
 */
#define PKT_FILTER_DIRECT_MAX 1
#include "filter_test.bpf.c"
