#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One capture across hosts over real OpenSSH (issue 19.2, ssh://): three
# "nodes", each a network namespace with its own sshd (the test's host key
# and authorized key, listening on 10.99.2N.2) reached from the host over a
# veth, and its own sender (a copy of the traffic helper named nNsend, so
# its comm names its node). `ctrcap --node nN=ssh://root@10.99.2N.2` runs
# this build's ctrcap in each node (its sshd's sessions run in its netns)
# and merges the three streams. Checked: every packet's node.name and
# sender (pid and comm), the per-node counts, the merged order, the IDBs
# ("nN/eth0") and ISBs, the bounded lag; one node's sshd killed
# mid-capture: one warning, the others go on, exit 2, the file readable by
# ctrcap -r and tshark; an unreachable node, a wrong key and a bad URI:
# clear errors; -v prints the merged packets as ctrcap -r does.
set -u
. "$(dirname "$0")/common.sh" "$@"

# shellcheck source=nodes_common.sh
. "$(dirname "$0")/nodes_common.sh"

# start_nodes OUT [args]: the merging client in the background until all three nodes capture.
start_nodes() {
	local out=$1
	shift
	rm -f "$TMP/nodes.err"
	"$CTRCAP" "${NODES[@]}" "${SSHO[@]}" -w "$out" "$@" "${SEL[@]}" 2>"$TMP/nodes.err" &
	CC_PID=$!
	tn_wait_for 30 bash -c "[ \$(grep -c '^ctrcap: node n[123] (.*): capturing$' '$TMP/nodes.err') = 3 ]" || {
		cat "$TMP/nodes.err" >&2
		return 1
	}
}

# --- 1. three nodes, 4 rounds: 12 packets, each with its node and sender.
rm -f "$TMP"/pids.*
LIVE=(1 2 3)
start_nodes "$TMP/all.pcapng" || { echo "FAIL: the merged capture did not start"; exit 1; }
send 4
stop_nodes
expect "three nodes: exit 0 ($rc)" [ "$rc" = 0 ]
"$DUMP" "$TMP/all.pcapng" >"$TMP/all.txt" || fail "read the merged file"
for n in 1 2 3; do
	got=$(grep -c " node=n$n | IP 10\.99\.2$n\.2\.[0-9]* > 10\.99\.2$n\.1\.710$n: UDP" "$TMP/all.txt")
	expect "node n$n: its 4 datagrams, each naming node n$n ($got)" [ "$got" = 4 ]
	bad=0
	while read -r pid comm; do
		grep -qx "$pid" "$TMP/pids.$n" && [ "$comm" = "n${n}send" ] || bad=$((bad + 1))
	done < <(grep " node=n$n " "$TMP/all.txt" | sed -n 's/.* pid=\([0-9]*\) .* comm=\([^ ]*\) .*/\1 \2/p')
	expect "node n$n: every packet's pid is one of its senders, comm n${n}send ($bad bad)" \
		[ "$bad" = 0 -a "$(grep -c " node=n$n " "$TMP/all.txt")" = 4 ]
	expect "node n$n: summary counts its 4 packets" \
		grep -q "^node n$n: 4 packets merged, 4 received by filter, 0 dropped by kernel$" \
		"$TMP/nodes.err"
done
expect "12 packets in all" [ "$(grep -c ' UDP' "$TMP/all.txt")" = 12 ]
# Timestamps in merged order, and the nodes interleaved (round by round).
tshark -r "$TMP/all.pcapng" -T fields -e frame.time_epoch -e frame.interface_name \
	2>/dev/null >"$TMP/all.ts"
expect "tshark: 12 packets, timestamps never go back" bash -c "
	[ \$(wc -l <'$TMP/all.ts') = 12 ] && sort -n -c -k1,1 '$TMP/all.ts'"
expect "the nodes interleave in time (n1 n2 n3 n1 ...)" \
	[ "$(cut -f2 "$TMP/all.ts" | head -4 | tr '\n' ' ')" = "n1/eth0 n2/eth0 n3/eth0 n1/eth0 " ]
"$DUMP" --idb "$TMP/all.pcapng" >"$TMP/all.idb"
for n in 1 2 3; do
	expect "IDB n$n/eth0, described by node n$n" grep -q "^idb if=n$n/eth0 desc=node n$n, netns" \
		"$TMP/all.idb"
done
expect "one ISB per node interface (3), each counting 4 received" \
	[ "$(grep -c '^isb if=[0-9]* received=4 dropped=0$' "$TMP/all.txt")" = 3 ]

# --- 2. The merge waits at most 1 s for silent nodes: with -U, n1's one
# datagram is in the file within 3 s while n2 and n3 (live) send nothing.
# Then node n2's sshd and its session are killed mid-capture: one warning,
# n1 and n3 go on.
rm -f "$TMP"/pids.*
start_nodes "$TMP/lost.pcapng" -U || fail "the second capture did not start"
LIVE=(1)
send 1
expect "bounded lag: n1's packet written while n2 and n3 are silent" \
	tn_wait_for 3 bash -c "'$DUMP' '$TMP/lost.pcapng' 2>/dev/null | grep -q ' node=n1 '"
LIVE=(1 2 3)
send 2
for p in $(ip netns pids ccapN2); do
	case $(cat "/proc/$p/comm" 2>/dev/null) in sshd) kill -9 "$p" ;; esac
done
# shellcheck disable=SC2034 # read by send() (nodes_common.sh)
LIVE=(1 3)
send 2
stop_nodes
expect "a lost node: exit 2 ($rc)" [ "$rc" = 2 ]
expect "one warning naming node n2 and its URI" bash -c "
	[ \$(grep -c '^ctrcap: node n2 (ssh://root@10.99.22.2:22) lost' '$TMP/nodes.err') = 1 ] &&
	! grep -q 'node n[13] (.*) lost' '$TMP/nodes.err'"
"$DUMP" "$TMP/lost.pcapng" >"$TMP/lost.txt" || fail "read the file of the lost node's capture"
expect "n1 and n3 went on: 5 and 4 packets; n2's 2 before the loss" bash -c "
	[ \$(grep -c ' node=n1 ' '$TMP/lost.txt') = 5 ] && [ \$(grep -c ' node=n3 ' '$TMP/lost.txt') = 4 ] &&
	[ \$(grep -c ' node=n2 ' '$TMP/lost.txt') = 2 ]"
expect "the file is complete: ctrcap -r and tshark read 11 packets" bash -c "
	[ \"\$('$CTRCAP' -r '$TMP/lost.pcapng' --count 2>/dev/null)\" = '11 packets' ] &&
	[ \$(tshark -r '$TMP/lost.pcapng' 2>/dev/null | wc -l) = 11 ]"
# n2's sshd again, for the error cases below.
sshd_in 2
tn_wait_for 10 bash -c "ip netns exec ccapN2 ss -Htln 'sport = :22' | grep -q ." || fail "sshd 2 again"

# --- 3. errors: unreachable node (an address on n1's veth nobody holds), wrong
# key, bad URI. The first run prints (-v, as ctrcap -r): n1 goes on alone.
timeout 30 "$CTRCAP" --node n1=ssh://root@10.99.21.2 --node gone=ssh://root@10.99.21.9 \
	--remote-ctrcap "$CTRCAP" "${SSHO[@]}" --ssh-option ConnectTimeout=2 -c 1 -v \
	"${SEL[@]}" >"$TMP/unreach.txt" 2>"$TMP/unreach.err" &
UPID=$!
tn_wait_for 20 grep -q "node gone .* lost" "$TMP/unreach.err"
tn_wait_for 20 grep -q "node n1 (.*): capturing" "$TMP/unreach.err"
tn_run_in "" ccapN1 "$TMP/n1send" udp-send 10.99.21.1 7101 1
wait "$UPID"
rc=$?
cat "$TMP/unreach.err" "$TMP/unreach.txt"
expect "unreachable node: exit 2 ($rc), one warning naming it" bash -c "
	[ $rc = 2 ] && [ \$(grep -c '^ctrcap: node gone (ssh://root@10.99.21.9) lost: ssh failed: ' '$TMP/unreach.err') = 1 ]"
expect "-v prints n1's packet as ctrcap -r does: on n1/eth0, its Node line" bash -c "
	[ \$(grep -c ' n1/eth0 Out IP .* 10\.99\.21\.2\.[0-9]* > 10\.99\.21\.1\.7101: UDP' '$TMP/unreach.txt') = 1 ] &&
	[ \$(grep -cx '    Node (name n1)' '$TMP/unreach.txt') = 1 ]"

timeout 30 "$CTRCAP" --node n3=ssh://root@10.99.23.2 --remote-ctrcap "$CTRCAP" \
	--ssh-option "IdentityFile=$TMP/otherkey" --ssh-option IdentitiesOnly=yes \
	--ssh-option "UserKnownHostsFile=$TMP/known_hosts" --ssh-option GlobalKnownHostsFile=/dev/null \
	-w "$TMP/auth.pcapng" "${SEL[@]}" 2>"$TMP/auth.err"
rc=$?
cat "$TMP/auth.err"
expect "wrong key: exit 2 ($rc), node n3 lost: Permission denied" bash -c "
	[ $rc = 2 ] && grep -q '^ctrcap: node n3 (ssh://root@10.99.23.2) lost: ssh failed: .*Permission denied' '$TMP/auth.err'"

"$CTRCAP" --node n1=ssh://root@10.99.21.2 --node bad=ssh://root@host/path -w "$TMP/bad.pcapng" \
	>"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
expect "bad URI: exit 1, one line, nothing written" bash -c "
	[ $rc = 1 ] && [ \"\$(cat '$TMP/bad.err')\" = \
	'ctrcap: --node bad=ssh://root@host/path: an ssh:// node URI has no path or query' ] &&
	[ ! -e '$TMP/bad.pcapng' ]"
"$CTRCAP" --node r=rpcaps://host -w "$TMP/bad.pcapng" 2>"$TMP/rpcap.err"
expect "rpcaps:// says not supported yet" grep -qx \
	"ctrcap: --node r=rpcaps://host: rpcaps:// (TLS) nodes are not supported yet (ssh://, k8s://, rpcap://)" "$TMP/rpcap.err"

[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all checks passed"
