#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attribution hop by hop: TCP (v4 and v6) and UDP, client and server side,
# a server whose sockets predate the capture, a short-lived client, an
# unconnected UDP socket shared by a forked child and a second thread, a
# TCP socket whose process exited and whose pid another process took before
# the socket sent again, ICMP and ARP without a socket, across a router
# doing NAT. Asserts pid, comm,
# args, cgroup and packet ids in the pcapng, read with the common reader.
#
# With CTRCAP_DISABLE_FEATURES=kern_ctx,skb_current,tcx (ctest's
# capture_attribution_compat) ctrcap runs the programs it loads on Debian
# 12's 6.1: namespace and device type from the filter programs, a
# cgroup_skb egress hook that cannot read the current task, classic tc.
# Everything holds there but the shared UDP socket's child and thread,
# which then name the socket's creator, as ctrcap says it will.
set -u
. "$(dirname "$0")/common.sh" "$@"

compat=false
case ",${CTRCAP_DISABLE_FEATURES:-}," in *,skb_current,*) compat=true ;; esac
if $compat; then
	"$CTRCAP" --version >"$TMP/version.txt" 2>&1
	expect "--version names the missing cgroup_skb current task" \
		grep -q "cgroup_skb current task no" "$TMP/version.txt"
	expect "--version says what the missing current task costs" \
		grep -q "names its creator, not each sender" "$TMP/version.txt"
	# As on 5.10, whose socket hooks cannot read the task at all.
	CTRCAP_DISABLE_FEATURES=task_start "$CTRCAP" --version >"$TMP/version510.txt" 2>&1
	expect "--version names the missing socket owner start time" \
		grep -q "socket owner start time no" "$TMP/version510.txt"
	expect "--version says what the missing start time costs" \
		grep -q "pid was reused names the new process" "$TMP/version510.txt"
fi

topology || { echo "FAIL: topology"; exit 1; }
tn_cgroup_add cli || exit 1
cg_cli=$TN_CG
tn_cgroup_add srv || exit 1
cg_srv=$TN_CG
id_cli=$(tn_cgroup_id "$cg_cli")
id_srv=$(tn_cgroup_id "$cg_srv")

# Servers start before the capture: their sockets are found by the start-up scan.
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7001 2 >"$TMP/tcpsrv.out"
tcp_srv=$TN_LAST_PID
tn_bg "$cg_srv" ccapB "$TRAFFIC" udp-serve 7002 1 >"$TMP/udpsrv.out"
udp_srv=$TN_LAST_PID
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7004 1 >"$TMP/reusesrv.out"
tn_wait_for 10 grep -q ready "$TMP/tcpsrv.out" || fail "tcp server ready"
tn_wait_for 10 grep -q ready "$TMP/reusesrv.out" || fail "tcp server (pid reuse) ready"
tn_wait_for 10 grep -q ready "$TMP/udpsrv.out" || fail "udp server ready"

start_capture "$TMP/a.pcapng" -i eth0@ccapA -i a0@ccapR -i b0@ccapR -i eth0@ccapB || exit 1

# Clients start after the capture, in their own cgroup.
tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7001
tcp_cli=$TN_LAST_PID
wait $tcp_cli || fail "tcp v4 exchange"
tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-send fd99:11::2 7001
tcp6_cli=$TN_LAST_PID
wait $tcp6_cli || fail "tcp v6 exchange"
tn_bg "$cg_cli" ccapA "$TRAFFIC" udp-send 10.99.11.2 7002
udp_cli=$TN_LAST_PID
wait $udp_cli || fail "udp exchange"
# Short-lived: nobody listens on 7009, it exits on the ICMP error within ms.
tn_bg "$cg_cli" ccapA "$TRAFFIC" udp-send 10.99.11.2 7009
short_cli=$TN_LAST_PID
wait $short_cli
# One unconnected UDP socket, sent on by its creator, a forked child, a second
# thread, then the creator again (nobody listens on 7003: no answer needed).
tn_bg "$cg_cli" ccapA "$TRAFFIC" udp-share 10.99.11.2 7003 >"$TMP/share.out"
share_cli=$TN_LAST_PID
wait $share_cli || fail "udp-share exchange"
# A process P connects and exits; its child keeps the socket; P's pid goes
# to a new process Q (clone3 set_tid), and only then the child sends.
tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-reuse 10.99.11.2 7004 >"$TMP/reuse.out"
reuse_cli=$TN_LAST_PID
wait $reuse_cli || fail "tcp-reuse exchange"
stop_capture

"$DUMP" "$TMP/a.pcapng" >"$TMP/a.txt" || fail "pcapng_dump reads the file"
ns_a=$(ns_ino ccapA)
ns_b=$(ns_ino ccapB)

# pkt LINE-REGEX: the matching lines of the dump.
pkt() { grep -E -- "$1" "$TMP/a.txt"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -1; }

syn='if=eth0 dir=out .*IP 10.99.1.1.[0-9]+ > 10.99.11.2.7001: Flags \[S\],'
line=$(pkt "$syn" | grep "ns=$ns_a" | head -1)
expect "tcp SYN at client eth0 attributed by socket" \
	grep -q "attr=socket .*pid=$tcp_cli .*cgroup=$id_cli .*comm=ccap_traffic" <<<"$line"
expect "tcp SYN carries exe and args" grep -q "exe=.*/ccap_traffic .*args=.*tcp-send 10.99.11.2 7001" <<<"$line"
expect "tcp SYN carries the parent pid" grep -q " ppid=$$ " <<<"$line"
syn_id=$(field pktid <<<"$line")
[ -n "$syn_id" ] && [ "$syn_id" != 0 ] || fail "SYN has a packet id"
hops=$(grep -c " pktid=$syn_id .*pid=$tcp_cli " "$TMP/a.txt")
expect "the SYN is seen on 4 hops with one packet id and the client pid ($hops)" [ "$hops" -ge 4 ]
expect "the SYN at the router's ingress is attributed by earlier hop" \
	grep -q "if=a0 dir=in pktid=$syn_id attr=earlier-hop .*pid=$tcp_cli" "$TMP/a.txt"
if [ "$NAT" = 1 ]; then
	expect "after NAT (src 10.99.11.254) the SYN keeps id and identity" \
		grep -Eq "if=b0 dir=out pktid=$syn_id .*pid=$tcp_cli .*IP 10.99.11.254" "$TMP/a.txt"
else
	echo "note: CCAP_ALLOW_NO_NAT=1 and no iptables NAT: the after-NAT hop is not checked"
fi

synack=$(pkt 'if=eth0 dir=out .*Flags \[S\.\]' | grep "ns=$ns_b" | grep -v 'IP6' | head -1)
expect "SYN-ACK at server eth0 names the server as its listener (found by the start-up scan)" \
	grep -q "attr=listener .*pid=$tcp_srv .*cgroup=$id_srv" <<<"$synack"
pong=$(pkt 'if=eth0 dir=out .*7001 > .*Flags \[P\.\]' | grep "ns=$ns_b" | head -1)
expect "server data from the accepted socket names the server as its listener" \
	grep -q "attr=listener .*pid=$tcp_srv " <<<"$pong"
back=$(pkt "if=eth0 dir=in .*Flags \[S\.\]" | grep "ns=$ns_a" | grep -v IP6 | head -1)
expect "the SYN-ACK arriving at the client keeps the server identity" \
	grep -q "pid=$tcp_srv " <<<"$back"

syn6=$(pkt 'if=eth0 dir=out .*IP6 fd99:1::1.[0-9]+ > fd99:11::2.7001: Flags \[S\]' | head -1)
expect "IPv6 SYN attributed to its client" grep -q "attr=socket .*pid=$tcp6_cli .*cgroup=$id_cli" <<<"$syn6"

udp=$(pkt 'if=eth0 dir=out .*IP 10.99.1.1.[0-9]+ > 10.99.11.2.7002: UDP' | head -1)
expect "UDP datagram attributed to its client" grep -q "attr=socket .*pid=$udp_cli .*comm=ccap_traffic" <<<"$udp"
udpr=$(pkt 'if=eth0 dir=out .*IP 10.99.11.2.7002 > .*UDP' | head -1)
expect "UDP answer from the pre-existing server socket" grep -q "attr=socket .*pid=$udp_srv .*cgroup=$id_srv" <<<"$udpr"

short=$(pkt 'if=eth0 dir=out .*> 10.99.11.2.7009: UDP' | head -1)
expect "short-lived client keeps pid and args" \
	grep -q "pid=$short_cli .*args=.*udp-send 10.99.11.2 7009" <<<"$short"
# The senders of the shared socket, told apart by payload length (4 creator, 5
# child, 6 thread), all from one source port.
share_child=$(sed -n 's/^child \([0-9]*\) thread [0-9]*$/\1/p' "$TMP/share.out")
share_thread=$(sed -n 's/^child [0-9]* thread \([0-9]*\)$/\1/p' "$TMP/share.out")
[ -n "$share_child" ] && [ -n "$share_thread" ] || fail "udp-share printed child and thread"
shared() { pkt "if=eth0 dir=out .*IP 10.99.1.1.[0-9]+ > 10.99.11.2.7003: UDP, length $1( |\$)"; }
sport() { sed -n 's/.* IP 10\.99\.1\.1\.\([0-9]*\) > .*/\1/p' | sort -u; }
first=$(shared 4 | head -1)
child=$(shared 5 | head -1)
thread=$(shared 6 | head -1)
last=$(shared 4 | tail -n +2 | head -1)
expect "shared UDP socket: the creator's datagram names the creator" \
	grep -q "attr=socket .*pid=$share_cli tid=$share_cli " <<<"$first"
if $compat; then
	expect "shared UDP socket without the current task: the child's datagram names the creator" \
		grep -q "attr=socket .*pid=$share_cli tid=$share_cli .*cgroup=$id_cli " <<<"$child"
	expect "shared UDP socket without the current task: the thread's datagram names the creator" \
		grep -q "attr=socket .*pid=$share_cli tid=$share_cli " <<<"$thread"
else
	expect "shared UDP socket: the forked child's datagram names the child ($share_child)" \
		grep -q "attr=socket .*pid=$share_child tid=$share_child .*cgroup=$id_cli " <<<"$child"
	expect "shared UDP socket: the second thread's datagram names that thread ($share_thread)" \
		grep -q "attr=socket .*pid=$share_cli tid=$share_thread " <<<"$thread"
fi
expect "shared UDP socket: the creator's later datagram names the creator again" \
	grep -q "attr=socket .*pid=$share_cli tid=$share_cli " <<<"$last"
expect "shared UDP socket: all four datagrams left from one source port" \
	[ "$(printf '%s\n' "$first" "$child" "$thread" "$last" | sport | wc -l)" = 1 ]

# P's data after its pid went to Q: P's identity (it lingers in the process
# table), never Q's. Without start times (kernels whose socket hooks cannot
# read the current task) the packet names Q, as ctrcap -v says.
reuse_p=$(sed -n 's/^p \([0-9]*\) q \([0-9]*\)$/\1/p' "$TMP/reuse.out")
reuse_q=$(sed -n 's/^p \([0-9]*\) q \([0-9]*\)$/\2/p' "$TMP/reuse.out")
[ -n "$reuse_p" ] && [ "$reuse_p" = "$reuse_q" ] || fail "tcp-reuse gave P's pid to Q ($(cat "$TMP/reuse.out"))"
reuse=$(pkt 'if=eth0 dir=out .*IP 10.99.1.1.[0-9]+ > 10.99.11.2.7004: Flags \[P.\], .*length 4' |
	grep "ns=$ns_a" | head -1)
expect "data on the socket of a process whose pid was reused names that process ($reuse_p)" \
	grep -q "attr=socket .*pid=$reuse_p .*args=.*tcp-reuse 10.99.11.2 7004" <<<"$reuse"
absent() { ! grep -q -- "$1" <<<"$2"; }
expect "... not the process that holds its pid now ($reuse)" absent "reuse-q" "$reuse"

icmp=$(pkt 'if=eth0 dir=out .*ICMP unreachable' | grep "ns=$ns_b" | head -1)
expect "ICMP error (no socket) gets the netns of its interface" grep -q "attr=interface-netns ns=$ns_b" <<<"$icmp"
# Only A's eth0 sends this request; the line is picked by content, not by netns.
arp=$(pkt 'if=eth0 dir=out .*ARP, Request who-has 10\.99\.1\.254 tell 10\.99\.1\.1,' | head -1)
expect "ARP gets the netns of its interface" \
	grep -q " attr=interface-netns ns=$ns_a\( \|$\)" <<<"$arp"
expect "ISBs carry counts" grep -q '^isb if=.* received=[1-9]' "$TMP/a.txt"

if [ "$FAILS" != 0 ]; then
	echo "--- dump"; cat "$TMP/a.txt"
	exit 1
fi
echo "all attribution checks passed"
