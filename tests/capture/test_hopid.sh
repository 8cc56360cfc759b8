#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Packet ids of different packets whose other fields are equal. Three
# "containers" on a host bridge (A, B, C eth0 -- ccaphA/B/C -- ccapbr1),
# each sender in its own cgroup.
# (a) A and B send the same UDP datagram (same source port and payload, IP id
#     0 and DF: an unconnected socket) to C within 1 s. Every copy must name
#     its own sender and the two datagrams must share no packet id.
# (b) C drops A's first IPv6 TCP data segment once (ip6tables quota, after
#     C's tc ingress), so A retransmits it: the retransmission must get an id
#     of its own (--hops first keeps both) and the client's identity.
# Both are captured on the host side and at C (the senders' own eth0, where
# their socket tells the packets apart, left out), and (a) with -i any too.
set -u
. "$(dirname "$0")/common.sh" "$@"

tn_cgroup_add hida || exit 1
cg_a=$TN_CG
tn_cgroup_add hidb || exit 1
cg_b=$TN_CG
id_a=$(tn_cgroup_id "$cg_a")
id_b=$(tn_cgroup_id "$cg_b")
tn_ns_add ccapA && tn_ns_add ccapB && tn_ns_add ccapC || { echo "FAIL: netns"; exit 1; }
ip link add ccapbr1 type bridge && TN_HOST_LINKS+=(ccapbr1) || { echo "FAIL: bridge"; exit 1; }
ip link set ccapbr1 up || { echo "FAIL: bridge up"; exit 1; }
n=1
for c in A B C; do
	tn_veth "ccap$c" eth0 "10.99.18.$n/24" "" "ccaph$c" "" &&
		ip -n "ccap$c" addr add "fd99:18::$n/64" dev eth0 nodad &&
		ip link set "ccaph$c" master ccapbr1 || { echo "FAIL: veth of $c"; exit 1; }
	n=$((n + 1))
done
HOSTSIDE=(-i ccaphA -i ccaphB -i ccaphC -i eth0@ccapC)

# rows FILE REGEX: the dump's lines matching REGEX; pktids: their distinct ids.
rows() { grep -E -- "$2" "$1"; }
pktids() { grep -o 'pktid=[0-9]*' | sort -u; }
# named ROWS PID CGROUP N: ROWS are N lines, each naming PID and CGROUP.
named() { [ "$(grep -c " pid=$2 .*cgroup=$3 " <<<"$1")" = "$4" ] && [ "$(grep -c . <<<"$1")" = "$4" ]; }

# (a) Same datagram, two senders.
udp_same() {
	local name=$1 hops=$2 a b ra rb
	shift 2
	start_capture "$TMP/$name.pcapng" "$@" "udp port 7031" || return 1
	# Nobody listens on 7031: C's port unreachable errors are not captured.
	tn_bg "$cg_a" ccapA "$TRAFFIC" udp-same 10.99.18.3 7031 7030
	a=$TN_LAST_PID
	wait "$a" || fail "$name: A's send"
	tn_bg "$cg_b" ccapB "$TRAFFIC" udp-same 10.99.18.3 7031 7030
	b=$TN_LAST_PID
	wait "$b" || fail "$name: B's send"
	stop_capture >/dev/null
	"$DUMP" "$TMP/$name.pcapng" >"$TMP/$name.txt" || fail "$name: read the capture"
	ra=$(rows "$TMP/$name.txt" 'IP 10\.99\.18\.1\.7030 > 10\.99\.18\.3\.7031: UDP, length 16')
	rb=$(rows "$TMP/$name.txt" 'IP 10\.99\.18\.2\.7030 > 10\.99\.18\.3\.7031: UDP, length 16')
	expect "$name: A's datagram on $hops hops ($(grep -c . <<<"$ra"))" [ "$(grep -c . <<<"$ra")" = "$hops" ]
	expect "$name: B's datagram on $hops hops ($(grep -c . <<<"$rb"))" [ "$(grep -c . <<<"$rb")" = "$hops" ]
	expect "$name: every copy of A's datagram names A (pid $a, cgroup $id_a)" named "$ra" "$a" "$id_a" "$hops"
	expect "$name: every copy of B's datagram names B (pid $b, cgroup $id_b)" named "$rb" "$b" "$id_b" "$hops"
	expect "$name: A's copies share one packet id" [ "$(pktids <<<"$ra" | wc -l)" = 1 ]
	expect "$name: B's copies share one packet id" [ "$(pktids <<<"$rb" | wc -l)" = 1 ]
	expect "$name: A's and B's datagrams share no packet id" \
		[ -z "$(comm -12 <(pktids <<<"$ra") <(pktids <<<"$rb"))" ]
}
# Host side: ccaphA or ccaphB in, ccaphC out, C's eth0 in.
udp_same hostside 3 "${HOSTSIDE[@]}"
# Everywhere: the sender's eth0 out as well.
udp_same any 4 -i any

# (b) An IPv6 TCP retransmission. A's flow label stays the same on a
# retransmission (some kernels draw a new one on a timeout, none on a tail
# loss probe): the ids must not depend on that.
ip netns exec ccapA sysctl -qw net.ipv6.auto_flowlabels=0 || fail "auto_flowlabels off in A"
ip netns exec ccapC ip6tables -A INPUT -p tcp --dport 7032 --tcp-flags PSH PSH \
	-m quota --quota 100 -j DROP || { echo "FAIL: ip6tables drop rule in C"; exit 1; }
tn_bg "$cg_b" ccapC "$TRAFFIC" tcp-serve 7032 1 >"$TMP/srv.out"
tn_wait_for 10 grep -q ready "$TMP/srv.out" || fail "tcp server ready"
start_capture "$TMP/rtx.pcapng" --hops first "${HOSTSIDE[@]}" "tcp port 7032" || exit 1
tn_bg "$cg_a" ccapA "$TRAFFIC" tcp-send fd99:18::3 7032
cli=$TN_LAST_PID
wait "$cli" || fail "tcp exchange over the dropped segment"
stop_capture >/dev/null
drops=$(ip netns exec ccapC ip6tables -L INPUT -v -n -x | awk '$3 == "DROP" { print $1 }')
expect "C dropped A's first data segment once ($drops)" [ "$drops" = 1 ]
"$DUMP" "$TMP/rtx.pcapng" >"$TMP/rtx.txt" || fail "rtx: read the capture"
data=$(rows "$TMP/rtx.txt" 'IP6 fd99:18::1\.[0-9]+ > fd99:18::3\.7032: Flags \[P\.\], seq [0-9]+(:[0-9]+)?, .*length 4( |$)')
expect "--hops first keeps the segment and its retransmission ($(grep -c . <<<"$data") rows)" \
	[ "$(grep -c . <<<"$data")" = 2 ]
expect "the segment and its retransmission have different packet ids" \
	[ "$(pktids <<<"$data" | wc -l)" = 2 ]
expect "both name the client (pid $cli, cgroup $id_a)" named "$data" "$cli" "$id_a" 2

if [ "$FAILS" != 0 ]; then
	for f in hostside any rtx; do
		echo "--- $f"
		cat "$TMP/$f.txt"
	done
	echo "$FAILS failure(s)"
	exit 1
fi
echo "all passed"
