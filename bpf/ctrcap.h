/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Structures shared by the capture BPF programs (bpf/ctrcap.bpf.c) and the
 * capture helper in user space: ring-buffer events, map keys and values.
 * Plain fixed-size types only, so both sides agree on the layout.
 */
#ifndef CTRCAP_BPF_SHARED_H
#define CTRCAP_BPF_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CTRCAP_COMM_LEN 16
#define CTRCAP_EXE_LEN 256
#define CTRCAP_ARGS_LEN 512
/* Largest packet prefix one event carries (the snaplen is capped to it). */
#define CTRCAP_MAX_CAPLEN 65535
/* How long a packet hash stays valid for matching the same packet on another hop. */
#define CTRCAP_HOP_WINDOW_NS 1000000000ull

/* Where every event's __u64 time (bpf_ktime_get_ns) lies: the rings are merged by it. */
#define CTRCAP_EV_TS_OFFSET 24

enum ctrcap_event_type {
	CTRCAP_EV_PACKET = 1,
	CTRCAP_EV_EXEC = 2,
	CTRCAP_EV_FORK = 3,
	CTRCAP_EV_EXIT = 4,
	CTRCAP_EV_DROP = 5,
};

/*
 * Attribution methods, the values of enum ctrcap_attribution in
 * common/include/ctrcap/record.h (which BPF code cannot include);
 * capture-helper checks at compile time that they agree.
 */
#define CTRCAP_BPF_ATTR_NONE 0
#define CTRCAP_BPF_ATTR_SOCKET 1
#define CTRCAP_BPF_ATTR_FLOW 2
#define CTRCAP_BPF_ATTR_REVERSE_FLOW 3
#define CTRCAP_BPF_ATTR_EARLIER_HOP 4
#define CTRCAP_BPF_ATTR_IFACE_NETNS 5
#define CTRCAP_BPF_ATTR_LISTENER 6

/* Who owns a socket or a flow: recorded in process context. */
struct ctrcap_owner {
	__u32 tgid;	/* process id; 0 = unknown */
	__u32 tid;	/* thread id */
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	/*
	 * The process's start (its thread-group leader's start_boottime, ns),
	 * so that a pid reused by another process is told apart; 0 = unknown
	 * (kernels whose socket hooks may not read the current task).
	 */
	__u64 start_ns;
	char comm[CTRCAP_COMM_LEN];
};

/* Flow key: protocol and both endpoints, IPv4 as v4-mapped IPv6. */
struct ctrcap_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

/*
 * Where a packet was seen first, for packets seen on several hops; filed
 * under its source and its destination key (bpf/ctrcap_tc.bpf.h).
 */
struct ctrcap_hop {
	__u64 packet_id;
	__u64 ts_ns;
	__u64 tuple;	/* hash of both keys: the same packet, not only one endpoint */
	__u8 attribution;
	__u8 pad[7];
	struct ctrcap_owner owner;
};

/*
 * skb->cb words an interface's filter program sets before it tail-calls
 * the capture program: its counter slot, and what the capture program
 * cannot read from the device on kernels without bpf_cast_to_kern_ctx
 * (before 6.2): the device's netns inode, type and netns cookie.
 */
#define CTRCAP_CB_SLOT 0
#define CTRCAP_CB_NETNS 1
#define CTRCAP_CB_DEV_TYPE 2
#define CTRCAP_CB_COOKIE_LO 3
#define CTRCAP_CB_COOKIE_HI 4

/* Entries of the per-interface counters; the last one is shared once all are used. */
#define CTRCAP_IF_SLOTS 4096

/* Per-interface counters (per CPU, summed by user space). */
struct ctrcap_counters {
	__u64 seen;	/* packets the hook saw */
	__u64 filtered;	/* rejected by the pcap filter */
	__u64 dropped;	/* matched but no room in the ring buffer */
	__u64 captured;	/* handed to user space */
};

/* Header of a packet event; caplen bytes of packet data follow. */
struct ctrcap_pkt_event {
	__u32 type;	/* CTRCAP_EV_PACKET */
	__u32 caplen;
	__u32 len;	/* length on the wire (skb->len) */
	__u32 ifindex;
	__u32 netns;	/* inode of the interface's network namespace */
	__u16 dev_type;	/* ARPHRD_* of the device */
	__u8 direction;	/* 1 in, 2 out (pcapng epb_flags) */
	__u8 attribution; /* enum ctrcap_attribution (common/include/ctrcap/record.h) */
	/*
	 * bpf_ktime_get_ns(); user space converts to wall time. Every event
	 * has its time at this offset: the reader merges the rings by it.
	 */
	__u64 ts_ns;
	__u64 packet_id;
	__u64 cookie;	/* socket cookie, 0 if none */
	struct ctrcap_owner owner;
};

/* Where a dropped packet's bytes start (ctrcap_drop_event.start). */
#define CTRCAP_DROP_FROM_MAC 1	/* its link-layer header: the device's framing */
#define CTRCAP_DROP_FROM_NET 2	/* its network header: raw IP */

/*
 * A packet the kernel freed as dropped (skb:kfree_skb, --drops); caplen
 * bytes of it follow, from its mac or network header (start). pkt.type is
 * CTRCAP_EV_DROP, pkt.direction 0; pkt.ifindex and pkt.netns are 0 when
 * the skb had neither a device nor a socket.
 */
struct ctrcap_drop_event {
	struct ctrcap_pkt_event pkt;
	__u64 location;	/* kernel address of the code that dropped it */
	__u32 reason;	/* the running kernel's enum skb_drop_reason value */
	__u8 start;	/* CTRCAP_DROP_FROM_* */
	__u8 has_reason; /* 0: the tracepoint has no reason argument (< 5.17) */
	__u8 pad[2];
};

/*
 * Drops seen by --drops, per CPU: handed to user space, lost (ring buffer
 * full), or left in the kernel because they were not on a captured
 * interface nor, with no device, in a captured namespace (elsewhere).
 */
struct ctrcap_drop_counters {
	__u64 captured;
	__u64 lost;
	__u64 elsewhere;
	__u64 filtered;	/* rejected by the pcap filter in the kernel */
};

/* Bytes of a drop the in-kernel pcap filter reads; a load past them leaves the packet to user space. */
#define CTRCAP_DROP_FILTER_BYTES 2048

/*
 * Per CPU: a drop on its way through the in-kernel pcap filter (a program
 * capture-helper/pkt_filter_ebpf.c generates, tail-called by the --drops
 * program, which tail-calls ctrcap_drop_emit for a packet it accepts).
 */
struct ctrcap_drop_scratch {
	struct ctrcap_drop_event d;
	__u64 src_data;	/* kernel address of the packet's bytes (its mac or network header) */
	__u32 src_len;	/* linear bytes there */
	__u32 copied;	/* of them in bytes[]: min(d.pkt.caplen, CTRCAP_DROP_FILTER_BYTES) */
	__u32 busy;	/* a drop is between the programs: one nested on this CPU skips the filter */
	__u32 pad;
	/* 4 more: a masked load at the last offset the verifier allows (never read past the copy). */
	__u8 bytes[CTRCAP_DROP_FILTER_BYTES + 4];
};

/* Entries of the drop_tail prog array: the filter per link type, then the emitter. */
#define CTRCAP_DROP_TAIL_ETH 0
#define CTRCAP_DROP_TAIL_RAW 1
#define CTRCAP_DROP_TAIL_EMIT 2

/*
 * A key of the drop_where map (--drops): a captured interface
 * {netns, ifindex}, or {netns, 0} for a namespace holding one, where the
 * drops of packets that have no device yet are kept.
 */
struct ctrcap_drop_where {
	__u32 netns;
	__u32 ifindex;
};

/* Entries of drop_where: every interface ctrcap attaches to, and their namespaces. */
#define CTRCAP_DROP_WHERE_MAX 8192

/*
 * exec: a process image with its argv (NUL-separated, args_len bytes).
 * exe is the name execve() was given ("/proc/self/exe" when runc or busybox
 * re-execs itself); path is the file the kernel runs (what /proc/PID/exe
 * names), as its components leaf first, each NUL-terminated
 * ("busybox\0bin\0" for /bin/busybox), path_len bytes of it; path_len is 0
 * when the walk to the root did not finish (too deep or too long).
 */
struct ctrcap_exec_event {
	__u32 type;	/* CTRCAP_EV_EXEC */
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 args_len;
	__u64 ts_ns;	/* bpf_ktime_get_ns(), at offset 24 as in every event */
	__u32 path_len;
	__u32 pad;
	__u64 cgroup_id;
	__u64 start_ns; /* task start (boot-time clock) */
	char comm[CTRCAP_COMM_LEN];
	char exe[CTRCAP_EXE_LEN];
	char args[CTRCAP_ARGS_LEN];
	/* Twice the longest path kept: a name is read at any offset below CTRCAP_EXE_LEN. */
	char path[2 * CTRCAP_EXE_LEN];
};

/* fork (child inherits the parent's image) and exit. */
struct ctrcap_task_event {
	__u32 type;	/* CTRCAP_EV_FORK or CTRCAP_EV_EXIT */
	__u32 pid;	/* child (fork) or exiting process */
	__u32 ppid;	/* parent process (fork) */
	__u32 pad;
	__u64 start_ns;	/* start of the child or the exiting process (boot-time clock) */
	__u64 ts_ns;	/* bpf_ktime_get_ns(), at offset 24 as in every event */
};

/*
 * A bound socket's (netns, protocol, local address, port), for the SYN-ACKs
 * and accepted connections of a listener. addr is IPv4 as v4-mapped IPv6,
 * all zeros for the wildcard address (0.0.0.0 and ::).
 */
struct ctrcap_listen_key {
	__u64 netns_cookie;
	__u8 addr[16];
	__u16 port;	/* host order */
	__u8 proto;
	__u8 pad[5];
};

/*
 * What the socket maps hold (sk_owner, sock_owner, listen_owner): the owner,
 * the socket's cookie (so a closing socket removes only its own listener
 * entry), and how the owner is known: CTRCAP_BPF_ATTR_SOCKET when the
 * socket's own process was seen, CTRCAP_BPF_ATTR_LISTENER when an accepted
 * connection inherited it from its listener.
 */
struct ctrcap_sock_rec {
	struct ctrcap_owner owner;
	__u64 cookie;
	__u8 attribution;
	__u8 pad[7];
};

#endif /* CTRCAP_BPF_SHARED_H */
