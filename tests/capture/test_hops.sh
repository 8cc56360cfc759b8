#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --hops: two "containers" on a host bridge (A eth0 -- ccaphA, ccapbr0,
# ccaphB -- B eth0), TCP from A to B, TCP from the host to B and UDP on the
# host's lo. With all, a packet is there once per hop; with first, once, at
# its first hop; with container, once, at the sending container's eth0, else
# the receiving one's, else (lo) its first hop; the left-out copies are
# counted at the end.
set -u
. "$(dirname "$0")/common.sh" "$@"

tn_cgroup_add hops || exit 1
cg=$TN_CG
tn_ns_add ccapA && tn_ns_add ccapB || { echo "FAIL: netns"; exit 1; }
ip link add ccapbr0 type bridge && TN_HOST_LINKS+=(ccapbr0) || { echo "FAIL: bridge"; exit 1; }
ip addr add 10.99.16.254/24 dev ccapbr0 && ip link set ccapbr0 up || { echo "FAIL: bridge up"; exit 1; }
tn_veth ccapA eth0 10.99.16.1/24 "" ccaphA "" && tn_veth ccapB eth0 10.99.16.2/24 "" ccaphB "" ||
	{ echo "FAIL: veths"; exit 1; }
ip link set ccaphA master ccapbr0 && ip link set ccaphB master ccapbr0 || { echo "FAIL: ports"; exit 1; }

FILTER="tcp port 7016 or udp port 7017"
# traffic_run: two TCP exchanges (A to B, host to B) and a UDP datagram on lo.
traffic_run() {
	tn_bg "$cg" ccapB "$TRAFFIC" tcp-serve 7016 2 >"$TMP/srv.out"
	tn_wait_for 10 grep -q ready "$TMP/srv.out" || fail "server ready"
	tn_run_in "$cg" ccapA "$TRAFFIC" tcp-send 10.99.16.2 7016 >/dev/null || fail "tcp A to B"
	tn_run_in "$cg" "" "$TRAFFIC" tcp-send 10.99.16.2 7016 >/dev/null || fail "tcp host to B"
	tn_run_in "$cg" "" "$TRAFFIC" udp-send 127.0.0.1 7017 1 >/dev/null 2>&1
	wait "$TN_LAST_PID" 2>/dev/null
}

# rows FILE: packet rows; ids FILE: distinct packet ids.
rows() { grep -c '^if=' "$1"; }
ids() { grep -o 'pktid=[0-9]*' "$1" | sort -u | wc -l; }

ns_a=$(ns_ino ccapA)
ns_b=$(ns_ino ccapB)
for mode in all first container; do
	start_capture "$TMP/$mode.pcapng" -i any --hops "$mode" "$FILTER" || exit 1
	traffic_run
	stop_capture >"$TMP/$mode.err" 2>&1
	cat "$TMP/$mode.err"
	"$DUMP" "$TMP/$mode.pcapng" >"$TMP/$mode.txt" || fail "$mode: read the capture"
	r=$(rows "$TMP/$mode.txt")
	i=$(ids "$TMP/$mode.txt")
	echo "--hops $mode: $r rows, $i packet ids"
	expect "--hops $mode: A's SYN on its eth0" \
		grep -Eq "^if=eth0 dir=out .*ns=$ns_a .*> 10.99.16.2.7016: .*Flags \[S\]" "$TMP/$mode.txt"
	expect "--hops $mode: the datagram on lo" grep -Eq "^if=lo .*7017: UDP" "$TMP/$mode.txt"
	if [ "$mode" = all ]; then
		expect "--hops all: A's packets also on the host veth and B's eth0" \
			bash -c "grep -q '^if=ccaphA ' '$TMP/all.txt' && grep -Eq '^if=eth0 dir=in .*ns=$ns_b ' '$TMP/all.txt'"
		expect "--hops all: more rows ($r) than packets ($i)" [ "$r" -gt "$i" ]
		expect "--hops all: no left-out count" bash -c "! grep -q 'hop copies' '$TMP/all.err'"
		continue
	fi
	expect "--hops $mode: each packet once ($r rows, $i ids)" [ "$r" = "$i" ]
	# Honest counts: every copy the filter let through is either written or counted.
	cap=$(awk '/ packets captured$/ { print $1 }' "$TMP/$mode.err")
	rcv=$(awk '/ packets received by filter$/ { print $1 }' "$TMP/$mode.err")
	left=$(awk '/ hop copies not shown \(--hops '"$mode"'\)$/ { print $1 }' "$TMP/$mode.err")
	expect "--hops $mode: $cap written + ${left:-no} left out = $rcv received" \
		[ "$((cap + ${left:-0}))" = "$rcv" ]
	expect "--hops $mode: copies were left out" [ "${left:-0}" -gt 0 ]
	expect "--hops $mode: lo's datagram once" [ "$(grep -c '^if=lo .*7017: UDP' "$TMP/$mode.txt")" = 1 ]
	if [ "$mode" = first ]; then
		expect "--hops first: the host's SYN at the bridge, where it was first" \
			grep -Eq "^if=ccapbr0 dir=out .*> 10.99.16.2.7016: .*Flags \[S\]" "$TMP/first.txt"
	else
		expect "--hops container: no row on the host's veths or bridge" \
			bash -c "! grep -Eq '^if=(ccaphA|ccaphB|ccapbr0) ' '$TMP/container.txt'"
		expect "--hops container: the host's SYN at B's eth0, the receiver's" \
			grep -Eq "^if=eth0 dir=in .*ns=$ns_b .*10.99.16.254.[0-9]+ > 10.99.16.2.7016: .*Flags \[S\]" \
			"$TMP/container.txt"
		expect "--hops container: B's answers at B's eth0, the sender's" \
			bash -c "! grep -Eq '^if=eth0 dir=in .*ns=$ns_a .*10.99.16.2.7016 >' '$TMP/container.txt'"
	fi
done
[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
