#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -i any follows namespaces and interfaces created after the capture
# started; -D lists them with their netns; -r prints the identity of a
# saved packet; --list-containers prints tab-separated lines; many
# namespaces made during a capture are all followed.
set -u
. "$(dirname "$0")/common.sh" "$@"

tn_cgroup_add late || exit 1
cg=$TN_CG
start_capture "$TMP/any.pcapng" -i any --comm ccap_traffic || exit 1
# Created after the capture started.
pair || { echo "FAIL: topology"; exit 1; }
tn_bg "$cg" ccapB "$TRAFFIC" udp-serve 7002 5 >"$TMP/srv.out"
srv=$TN_LAST_PID
tn_wait_for 10 grep -q ready "$TMP/srv.out" || fail "server ready"
# Attached by a rescan (every 500 ms; longer on a loaded machine or under ASan).
attached() {
	[ "$(ip netns exec "$1" "$TCX_COUNT" --all eth0)" -ge 2 ]
}
expect "the new namespaces' eth0 get attached" tn_wait_for 30 attached ccapA &&
	expect "... both of them" tn_wait_for 30 attached ccapB
tn_bg "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
cli=$TN_LAST_PID
wait "$cli" || fail "udp exchange"
stop_capture
"$DUMP" "$TMP/any.pcapng" >"$TMP/any.txt" || fail "read the capture"
ns_a=$(ns_ino ccapA)
ns_b=$(ns_ino ccapB)
expect "new netns A: the client's datagram on eth0, attributed to it" \
	grep -Eq "^if=eth0 dir=out .*ns=$ns_a pid=$cli .*7002: UDP" "$TMP/any.txt"
expect "new netns B: the same packet arriving, same identity" \
	grep -Eq "^if=eth0 dir=in .*ns=$ns_b pid=$cli .*7002: UDP" "$TMP/any.txt"
expect "new netns B: the server's answer" \
	grep -Eq "^if=eth0 dir=out .*ns=$ns_b pid=$srv .*7002 > .*UDP" "$TMP/any.txt"

# A veth made in the host namespace and attached there, then moved into a
# namespace and renamed (how docker wires a container): packets sent right
# after the move, before the next periodic rescan, carry the new name, once.
start_capture "$TMP/mv.pcapng" -i any udp port 7005 || exit 1
tn_ns_add ccapC && tn_ns_add ccapD || fail "netns C and D"
ip link add ccapmv0 type veth peer name ccapmv1 && TN_HOST_LINKS+=(ccapmv0) || fail "veth"
attached_host() { [ "$("$TCX_COUNT" --all "$1")" -ge 2 ]; }
expect "a host-side veth gets attached" tn_wait_for 30 attached_host ccapmv0 &&
	expect "... its peer too" tn_wait_for 30 attached_host ccapmv1
ip link set ccapmv0 netns ccapC && ip link set ccapmv1 netns ccapD &&
	ip -n ccapC link set ccapmv0 name eth0 && ip -n ccapD link set ccapmv1 name eth0 &&
	ip -n ccapC addr add 10.99.15.1/24 dev eth0 && ip -n ccapD addr add 10.99.15.2/24 dev eth0 &&
	ip -n ccapC link set eth0 up && ip -n ccapD link set eth0 up || fail "move and rename"
tn_bg "$cg" ccapD "$TRAFFIC" udp-serve 7005 3 >"$TMP/mvsrv.out"
tn_wait_for 10 grep -q ready "$TMP/mvsrv.out" || fail "server ready in D"
tn_run_in "$cg" ccapC "$TRAFFIC" udp-send 10.99.15.2 7005 3 || fail "udp exchange after the move"
stop_capture
"$DUMP" "$TMP/mv.pcapng" >"$TMP/mv.txt" || fail "read the move capture"
expect "moved veth: the datagrams on eth0 of netns C" \
	bash -c "[ \$(grep -Ec '^if=eth0 dir=out .*ns=$(ns_ino ccapC) .*7005: UDP' '$TMP/mv.txt') -ge 3 ]"
expect "moved veth: no packet named by a bare ifindex" bash -c "! grep -q '^if=if[0-9]' '$TMP/mv.txt'"
expect "moved veth: each packet once per interface and direction" \
	bash -c "[ -z \"\$(awk '/^if=/ { print \$1, \$2, \$3, \$5 }' '$TMP/mv.txt' | sort | uniq -d)\" ]"

# Many namespaces appear while the capture runs (a scanner thread follows
# them, not the ring's reader): each one's eth0 gets attached and its
# datagram is named eth0 of its namespace; -v reports the longest ring
# stall at exit. The peer end stays in the host, unaddressed: a static
# neighbour entry lets the datagram out without ARP.
MANY=40
start_capture "$TMP/many.pcapng" -i any -v udp port 7007 || exit 1
for (( i = 0; i < MANY; i++ )); do
	tn_ns_add "ccapm$i" &&
		ip link add "ccapm${i}h" type veth peer name eth0 netns "ccapm$i" &&
		ip link set "ccapm${i}h" up &&
		ip -n "ccapm$i" addr add "10.99.42.$((i + 1))/24" dev eth0 &&
		ip -n "ccapm$i" link set eth0 up &&
		ip -n "ccapm$i" neigh add 10.99.42.254 lladdr 02:00:00:00:42:fe dev eth0 ||
		{ fail "namespace ccapm$i"; break; }
done
for (( i = 0; i < MANY; i++ )); do
	tn_wait_for 30 attached "ccapm$i" || { fail "eth0 of ccapm$i attached"; break; }
done
for (( i = 0; i < MANY; i++ )); do
	ip netns exec "ccapm$i" bash -c 'echo many >/dev/udp/10.99.42.254/7007' ||
		fail "datagram from ccapm$i"
done
stop_capture
"$DUMP" "$TMP/many.pcapng" >"$TMP/many.txt" || fail "read the many-namespaces capture"
named=0
for (( i = 0; i < MANY; i++ )); do
	grep -Eq "^if=eth0 dir=out .*ns=$(ns_ino "ccapm$i") .*7007: UDP" "$TMP/many.txt" &&
		named=$((named + 1))
done
expect "$MANY new namespaces: each one's datagram on its eth0 ($named)" [ "$named" = "$MANY" ]
expect "$MANY new namespaces: no packet named by a bare ifindex" \
	bash -c "! grep -q '^if=if[0-9]' '$TMP/many.txt'"
expect "-v: the longest ring stall at exit" \
	grep -Eq '^ctrcap: longest ring stall [0-9]+\.[0-9] ms' "$TMP/ctrcap.err"
for (( i = 0; i < MANY; i++ )); do
	ip netns del "ccapm$i" 2>/dev/null
done

# Receiving side only: the sender's hop is not captured, the flow names it.
start_capture "$TMP/rx.pcapng" -i eth0@ccapB || exit 1
tn_bg "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
cli2=$TN_LAST_PID
wait "$cli2" || fail "udp exchange 2"
stop_capture
"$DUMP" "$TMP/rx.pcapng" >"$TMP/rx.txt" || fail "read the rx capture"
expect "receiving side only: the datagram is attributed by flow to its sender" \
	grep -Eq "^if=eth0 dir=in .*attr=flow .*pid=$cli2 .*7002: UDP" "$TMP/rx.txt"

# The sender's egress hook skips the flow map while a socket's flow and
# thread stay the same; every 64th datagram it writes the flow again, so a
# flow the LRU map evicted comes back. Evict it mid-stream: of the 100
# datagrams after, the later ones are attributed by flow again.
tn_bg "" ccapB "$TRAFFIC" udp-serve 7006 1 >"$TMP/gapsrv.out"
tn_wait_for 10 grep -q ready "$TMP/gapsrv.out" || fail "server ready (gap)"
start_capture "$TMP/gap.pcapng" -i eth0@ccapB udp port 7006 || exit 1
tn_bg "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7006 100 "$TMP/paused"
gap=$TN_LAST_PID
tn_wait_for 10 test -e "$TMP/paused" || fail "the sender paused"
n=$("$MAP_CLEAR" flow_owner)
expect "the flow map had entries to evict ($n)" [ "${n:-0}" -ge 1 ]
rm -f "$TMP/paused"
wait "$gap" || fail "udp exchange (gap)"
stop_capture
"$DUMP" "$TMP/gap.pcapng" >"$TMP/gap.txt" || fail "read the gap capture"
expect "before the eviction: attributed by flow" \
	grep -Eq "^if=eth0 dir=in .*attr=flow .*pid=$gap .*7006: UDP, length 4" "$TMP/gap.txt"
expect "after the eviction: the last datagram is attributed by flow again" \
	bash -c "grep -E '7006: UDP, length 7' '$TMP/gap.txt' | tail -1 | grep -q 'attr=flow .*pid=$gap '"

# -r: ctrcap's own printer shows the identity lines.
"$CTRCAP" -r "$TMP/any.pcapng" -v --pid "$cli" >"$TMP/r.txt" 2>"$TMP/r.err"
expect "-r exits 0" [ $? = 0 ]
expect "-r -v prints the Process line" \
	grep -q "^    Process (pid $cli, cmd .*ccap_traffic, args .*udp-send 10.99.1.2 7002)" "$TMP/r.txt"
expect "-r --pid keeps only that pid's packets" \
	bash -c "! grep -q '^    Process (pid $srv' '$TMP/r.txt'"
"$CTRCAP" -r "$TMP/nonexistent.pcapng" 2>"$TMP/r2.err"
expect "-r of a missing file: exit 1 naming it" \
	[ $? = 1 -a "$(grep -c nonexistent.pcapng "$TMP/r2.err")" = 1 ]

# -D
"$CTRCAP" -D >"$TMP/d.txt" 2>/dev/null
expect "-D lists eth0 of netns ccapA with its inode" \
	grep -Eq "^[0-9]+\.eth0@ccapA \[netns ccapA, inode $ns_a" "$TMP/d.txt"
expect "-D names eth0@ccapA's veth peer, eth0 of ccapB (both ifindex 2: told apart by nsid)" \
	grep -Eq "^[0-9]+\.eth0@ccapA \[.*, veth peer eth0@ccapB\]" "$TMP/d.txt"
expect "-D names eth0@ccapB's veth peer" \
	grep -Eq "^[0-9]+\.eth0@ccapB \[.*, veth peer eth0@ccapA\]" "$TMP/d.txt"
expect "-D ends with any" grep -Eq '^[0-9]+\.any ' "$TMP/d.txt"

# --list-containers: exit 0, every line has 6 tab-separated fields.
"$CTRCAP" --list-containers >"$TMP/l.txt" 2>/dev/null
expect "--list-containers exits 0" [ $? = 0 ]
expect "--list-containers: 6 fields per line" \
	awk -F'\t' 'NF != 6 { exit 1 }' "$TMP/l.txt"

[ "$FAILS" = 0 ] || exit 1
echo "all follow checks passed"
