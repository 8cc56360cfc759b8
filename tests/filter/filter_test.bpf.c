// SPDX-License-Identifier: GPL-2.0
/*
 * Test harness for bpf/pkt_filter.bpf.h: tc programs that return what the
 * in-kernel pcap filter returned, so BPF_PROG_TEST_RUN can compare it with
 * libpcap's own verdict on the same bytes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "pkt_filter.bpf.h"

/* The filter's return value (snap length, 0 = reject) for an Ethernet packet. */
SEC("tc")
int filter_eth(struct __sk_buff *skb)
{
	return pkt_filter_run(skb, PKT_FILTER_SLOT_ETH);
}

/* The same for a raw-IP packet (tun, wireguard). */
SEC("tc")
int filter_raw(struct __sk_buff *skb)
{
	return pkt_filter_run(skb, PKT_FILTER_SLOT_RAW);
}

/* What the capture program calls: a bool verdict. */
SEC("tc")
int filter_match_eth(struct __sk_buff *skb)
{
	return pkt_filter_match(skb, PKT_FILTER_SLOT_ETH) ? 1 : 0;
}

/* Baseline for cost measurements: the same program shape without a filter. */
SEC("tc")
int filter_none(struct __sk_buff *skb)
{
	return skb->len != 0;
}

char LICENSE[] SEC("license") = "GPL";
