#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Replies to NAT on the router's uplink, before netfilter undoes the NAT:
# A -- a0 R b0 (MASQUERADE) -- B, with B standing for a remote host: its
# interface is not captured, and its ports 7001/7002 are DNATed to servers in
# a netns C behind it (eth1 10.99.12.1 -- eth0 C 10.99.12.2), so that the
# tuples on b0 are no local socket's flow (ctrcap records the flows of every
# netns on the host). B's SYN-ACK, its later segments and
# a UDP answer arrive on b0 addressed to 10.99.11.254:NATPORT, a tuple no
# local socket has; each must name A's client by reverse flow, and keep it on
# the reply's later hops (a0 out, A's eth0 in). Four captures:
#   hops      A's eth0, a0 and b0; every mechanism ctrcap has here
#   hops-noct the same without conntrack: the NAT'd copies' tuples alone
#   ct        b0 alone (no hop tracking): conntrack alone
#   none      b0 alone without conntrack: the interface only (the limit)
# CTRCAP_DISABLE_FEATURES from the environment is kept (ctest's
# capture_nat_reply_compat: the programs Debian 12's 6.1 loads).
set -u
. "$(dirname "$0")/common.sh" "$@"

topology || { echo "FAIL: topology"; exit 1; }
if [ "$NAT" != 1 ]; then
	echo "SKIP: no iptables NAT in netns ccapR"
	exit 77
fi
if ! { tn_ns_add ccapC && tn_veth ccapB eth1 10.99.12.1/24 ccapC eth0 10.99.12.2/24 &&
	ip -n ccapC route add default via 10.99.12.1 &&
	ip netns exec ccapB sysctl -qw net.ipv4.ip_forward=1; }; then
	echo "FAIL: netns C"
	exit 1
fi
for rule in tcp:7001 udp:7002; do
	ip netns exec ccapB iptables -t nat -A PREROUTING -i eth0 -p "${rule%:*}" \
		--dport "${rule#*:}" -j DNAT --to-destination 10.99.12.2 ||
		{ echo "FAIL: DNAT in ccapB"; exit 1; }
done
tn_cgroup_add cli || exit 1
cg_cli=$TN_CG
ns_r=$(ns_ino ccapR)
base_disable=${CTRCAP_DISABLE_FEATURES:+$CTRCAP_DISABLE_FEATURES,}
ct=true
"$CTRCAP" --version 2>&1 | grep -q "conntrack yes" || ct=false
$ct || echo "note: this kernel has no conntrack kfuncs: the ct captures are not checked"

# run NAME DISABLE ctrcap-args...: a capture NAME with the features DISABLE
# taken away too, a TCP and a UDP exchange from A to B; sets tcp_cli and udp_cli.
run() {
	local name=$1 disable=$2
	shift 2
	tn_bg "" ccapC "$TRAFFIC" tcp-serve 7001 1 >"$TMP/tcpsrv.out"
	tn_bg "" ccapC "$TRAFFIC" udp-serve 7002 1 >"$TMP/udpsrv.out"
	tn_wait_for 10 grep -q ready "$TMP/tcpsrv.out" || fail "$name: tcp server ready"
	tn_wait_for 10 grep -q ready "$TMP/udpsrv.out" || fail "$name: udp server ready"
	CTRCAP_DISABLE_FEATURES=$base_disable$disable start_capture "$TMP/$name.pcapng" "$@" || return 1
	tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7001
	tcp_cli=$TN_LAST_PID
	wait "$tcp_cli" || fail "$name: tcp exchange"
	tn_bg "$cg_cli" ccapA "$TRAFFIC" udp-send 10.99.11.2 7002
	udp_cli=$TN_LAST_PID
	wait "$udp_cli" || fail "$name: udp exchange"
	stop_capture
	"$DUMP" "$TMP/$name.pcapng" >"$TMP/$name.txt" || fail "$name: pcapng_dump reads the file"
}

# in_b0 FILE REGEX: the packets from B arriving on b0 (before de-NAT) matching REGEX.
in_b0() {
	grep -E "if=b0 dir=in .*ns=$ns_r .*IP 10\.99\.11\.2\.700[12] > 10\.99\.11\.254\.[0-9]+: $2" "$1"
}

# check_b0 NAME WANT: the SYN-ACK, every later TCP segment and the UDP answer
# on b0 before de-NAT carry WANT ("client": A's client pids by reverse flow).
check_b0() {
	local name=$1 want=$2 f=$TMP/$1.txt synack rest udp n bad
	synack=$(in_b0 "$f" 'Flags \[S\.\]' | head -1)
	rest=$(in_b0 "$f" 'Flags \[[^S]*\]' | grep -v 'Flags \[S')
	udp=$(in_b0 "$f" 'UDP' | head -1)
	n=$(grep -c . <<<"$rest")
	if [ "$want" = client ]; then
		expect "$name: SYN-ACK on b0 before de-NAT names the client ($tcp_cli) by reverse flow" \
			grep -q " attr=reverse-flow .*pid=$tcp_cli .*cgroup=$id_cli .*comm=ccap_traffic" \
			<<<"$synack"
		bad=$(grep -vc " attr=reverse-flow .*pid=$tcp_cli " <<<"$rest")
		expect "$name: B's later segments on b0 ($n) all name the client ($bad do not)" \
			[ "$n" -ge 2 -a "$bad" = 0 ]
		expect "$name: UDP answer on b0 before de-NAT names the client ($udp_cli)" \
			grep -q " attr=reverse-flow .*pid=$udp_cli .*cgroup=$id_cli " <<<"$udp"
	else
		expect "$name: without hops or conntrack the SYN-ACK on b0 has only its interface" \
			grep -q " attr=interface-netns ns=$ns_r\( \|$\)" <<<"$synack"
		expect "$name: and so has the UDP answer" \
			grep -q " attr=interface-netns ns=$ns_r\( \|$\)" <<<"$udp"
	fi
}

# check_later NAME: the SYN-ACK keeps its id and the client on a0 and A's eth0.
check_later() {
	local name=$1 f=$TMP/$1.txt id
	id=$(in_b0 "$f" 'Flags \[S\.\]' | head -1 | sed -n 's/.* pktid=\([0-9]*\) .*/\1/p')
	expect "$name: the SYN-ACK after de-NAT (a0 out) keeps id $id and the client" \
		grep -Eq "if=a0 dir=out pktid=$id .*pid=$tcp_cli .*IP 10\.99\.11\.2\.7001 > 10\.99\.1\.1\." "$f"
	expect "$name: the SYN-ACK at the client (eth0 in) keeps id $id and the client" \
		grep -Eq "if=eth0 dir=in pktid=$id .*pid=$tcp_cli .*Flags \[S\.\]" "$f"
}

id_cli=$(tn_cgroup_id "$cg_cli")
all=(-i eth0@ccapA -i a0@ccapR -i b0@ccapR)
if run hops "" "${all[@]}"; then
	check_b0 hops client
	check_later hops
fi
if run hops-noct ct "${all[@]}"; then
	check_b0 hops-noct client
	check_later hops-noct
fi
if $ct && run ct "" -i b0@ccapR; then
	check_b0 ct client
fi
run none ct -i b0@ccapR && check_b0 none iface

if [ "$FAILS" != 0 ]; then
	for f in "$TMP"/*.txt; do echo "--- $f"; grep -E 'if=' "$f"; done
	exit 1
fi
echo "all NAT reply checks passed"
