#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Socket owners that cannot go stale and listeners told apart by address
# (issue 14.1), across the A/R/B topology of common.sh:
#  - a long-lived idle UDP socket keeps its owner while more sockets than
#    the old 65536-entry cookie table are created and closed: its next
#    datagram names it with attribution socket;
#  - two servers on one port at two addresses of B (one found by the
#    start-up scan, one bound after the start): each SYN-ACK and each
#    answer names its own server, labelled listener, never socket;
#  - two SO_REUSEPORT workers on one address and port: the SYN-ACK and the
#    answer are labelled listener and name one of them.
# With CTRCAP_DISABLE_FEATURES=sk_storage (ctest's capture_sockowner_compat)
# the same holds with the owners kept by cookie, as on kernels without
# socket storage in every hook.
set -u
. "$(dirname "$0")/common.sh" "$@"

# More than the 65536 entries sock_owner had as an LRU.
CHURN=150000

case ",${CTRCAP_DISABLE_FEATURES:-}," in
*,sk_storage,*)
	"$CTRCAP" --version >"$TMP/version.txt" 2>&1
	expect "--version names the missing socket storage" \
		grep -q "socket storage no" "$TMP/version.txt"
	expect "--version says what the missing socket storage costs" \
		grep -q "socket owners are kept by socket cookie" "$TMP/version.txt"
	;;
esac

topology || { echo "FAIL: topology"; exit 1; }
ip -n ccapB addr add 10.99.11.3/24 dev eth0 || { echo "FAIL: second address"; exit 1; }
tn_cgroup_add cli || exit 1
cg_cli=$TN_CG
tn_cgroup_add srv || exit 1
cg_srv=$TN_CG
id_cli=$(tn_cgroup_id "$cg_cli")

# Before the capture: the UDP answerer and the server on 10.99.11.2:7013
# (the start-up scan finds its listening socket).
tn_bg "$cg_srv" ccapB "$TRAFFIC" udp-serve 7012 2 >"$TMP/udpsrv.out"
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7013 1 10.99.11.2 >"$TMP/p1.out"
p1=$TN_LAST_PID
tn_wait_for 10 grep -q ready "$TMP/udpsrv.out" || fail "udp server ready"
tn_wait_for 10 grep -q ready "$TMP/p1.out" || fail "server on 10.99.11.2 ready"

start_capture "$TMP/s.pcapng" -i eth0@ccapA -i eth0@ccapB || exit 1

# After the start: the server on 10.99.11.3:7013 and two SO_REUSEPORT workers.
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7013 1 10.99.11.3 >"$TMP/p2.out"
p2=$TN_LAST_PID
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7014 1 10.99.11.2 reuseport >"$TMP/w1.out"
w1=$TN_LAST_PID
tn_bg "$cg_srv" ccapB "$TRAFFIC" tcp-serve 7014 1 10.99.11.2 reuseport >"$TMP/w2.out"
w2=$TN_LAST_PID
for f in p2 w1 w2; do
	tn_wait_for 10 grep -q ready "$TMP/$f.out" || fail "server $f ready"
done

# X: one datagram, then idle (its socket open) while the churn runs, then one more.
tn_bg "$cg_cli" ccapA "$TRAFFIC" udp-send 10.99.11.2 7012 1 "$TMP/pause"
x=$TN_LAST_PID
tn_wait_for 10 test -e "$TMP/pause" || fail "X sent its first datagram"
t0=$(date +%s%N)
# Connected, as short-lived clients are: on main the connect's lookup made
# the churn's entries recently used, and the LRU evicted X's idle one.
tn_bg "$cg_cli" ccapA "$TRAFFIC" churn $CHURN 10.99.11.2 7019
churn=$TN_LAST_PID
wait $churn || fail "churn of $CHURN sockets"
echo "churn of $CHURN sockets: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
rm -f "$TMP/pause"
wait $x || fail "X's exchange"

for addr in 10.99.11.2 10.99.11.3; do
	tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-send $addr 7013
	wait $TN_LAST_PID || fail "tcp exchange with $addr:7013"
done
tn_bg "$cg_cli" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7014
wait $TN_LAST_PID || fail "tcp exchange with the SO_REUSEPORT workers"
stop_capture

"$DUMP" "$TMP/s.pcapng" >"$TMP/s.txt" || fail "pcapng_dump reads the file"
ns_a=$(ns_ino ccapA)
ns_b=$(ns_ino ccapB)
pkt() { grep -E -- "$1" "$TMP/s.txt"; }

late=$(pkt 'if=eth0 dir=out .*IP 10.99.1.1.[0-9]+ > 10.99.11.2.7012: UDP, length 7' | grep "ns=$ns_a" | head -1)
expect "after $CHURN other sockets, the idle socket's datagram names X by socket" \
	grep -q "attr=socket .*pid=$x .*cgroup=$id_cli " <<<"$late"

# out ADDR PORT FLAGS: B's first packet from ADDR.PORT with those TCP flags.
out() { pkt "if=eth0 dir=out .*IP $1.$2 > 10.99.11.254.[0-9]+: Flags \[$3\]" | grep "ns=$ns_b" | head -1; }
for a in "10.99.11.2 $p1 scan" "10.99.11.3 $p2 hook"; do
	set -- $a
	expect "SYN-ACK from $1:7013 names its own listener ($3)" \
		grep -q "attr=listener .*pid=$2 " <<<"$(out "$1" 7013 'S\.')"
	expect "the answer from $1:7013 names its own listener ($3)" \
		grep -q "attr=listener .*pid=$2 " <<<"$(out "$1" 7013 'P\.')"
done
synack=$(out 10.99.11.2 7014 'S\.')
answer=$(out 10.99.11.2 7014 'P\.')
expect "SO_REUSEPORT: the SYN-ACK is labelled listener and names a worker" \
	grep -Eq "attr=listener .*pid=($w1|$w2) " <<<"$synack"
expect "SO_REUSEPORT: the answer is labelled listener and names a worker" \
	grep -Eq "attr=listener .*pid=($w1|$w2) " <<<"$answer"
expect "no packet from B's servers is labelled socket" \
	[ "$(pkt 'if=eth0 dir=out .*IP 10.99.11.[23].701[34] >' | grep "ns=$ns_b" | grep -c 'attr=socket')" = 0 ]

if [ "$FAILS" != 0 ]; then
	echo "--- dump"; cat "$TMP/s.txt"
	exit 1
fi
echo "all socket owner checks passed"
