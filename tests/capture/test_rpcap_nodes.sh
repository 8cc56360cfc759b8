#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rpcap:// nodes (issue 19.2): two real ctrcap-rpcapd on 127.0.0.1 (one
# with --null-auth, one with a password file) running this build's ctrcap,
# and one ssh:// node of nodes_common.sh, merged by one `ctrcap --node`.
# All three capture on this host, so node 1's datagrams to port 7101 (the
# expression, pushed down to the servers and the ssh node) arrive once per
# node: each copy must name its node and node 1's sender (pid and comm).
# Then the errors: a wrong password, a port nobody listens on, a bad URI,
# an identity option an rpcap node cannot take: one clear line each.
set -u
. "$(dirname "$0")/common.sh" "$@"

[ -x "${RPCAPD:-}" ] || { echo "SKIP: RPCAPD (ctrcap-rpcapd) not given"; exit 77; }
command -v perl >/dev/null || { echo "SKIP: perl missing"; exit 77; }
# shellcheck source=nodes_common.sh
. "$(dirname "$0")/nodes_common.sh"

# --- the servers: null auth, and password auth (hash made by libcrypt through perl)
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$ccaprn\$")' rn-secret)
echo "cap:$hash" >"$TMP/passwd"
printf 'rn-secret\n' >"$TMP/pw"
printf 'not-it\n' >"$TMP/badpw"
chmod 600 "$TMP/pw" "$TMP/badpw"
"$RPCAPD" --port 0 --port-file "$TMP/port.null" --null-auth --helper "$CTRCAP" \
	>"$TMP/rpcapd.null.log" 2>&1 &
TN_PIDS+=("$!")
"$RPCAPD" --port 0 --port-file "$TMP/port.pw" --passwd-file "$TMP/passwd" --helper "$CTRCAP" \
	>"$TMP/rpcapd.pw.log" 2>&1 &
TN_PIDS+=("$!")
tn_wait_for 10 test -s "$TMP/port.null" -a -s "$TMP/port.pw" ||
	{ cat "$TMP"/rpcapd.*.log; echo "FAIL: the servers did not start"; exit 1; }
P1=$(cat "$TMP/port.null")
P2=$(cat "$TMP/port.pw")

# --- 1. r1 (null auth), r2 (password), s1 (ssh): node 1 sends 4 datagrams.
rm -f "$TMP"/pids.*
LIVE=(1)
"$CTRCAP" --node "r1=rpcap://127.0.0.1:$P1" --node "r2=rpcap://cap@127.0.0.1:$P2" \
	--rpcap-password-file "$TMP/pw" --node s1=ssh://root@10.99.21.2 \
	--remote-ctrcap "$CTRCAP" "${SSHO[@]}" -w "$TMP/all.pcapng" 'udp dst port 7101' \
	2>"$TMP/nodes.err" &
CC_PID=$!
tn_wait_for 30 bash -c "[ \$(grep -c '^ctrcap: node [rs][12] (.*): capturing$' '$TMP/nodes.err') = 3 ]" ||
	{ cat "$TMP/nodes.err" "$TMP"/rpcapd.*.log >&2; echo "FAIL: the merged capture did not start"; exit 1; }
# The servers' helpers attach after their first reply: give them time.
sleep 3
send 4
stop_nodes
expect "r1, r2 and s1: exit 0 ($rc)" [ "$rc" = 0 ]
"$DUMP" "$TMP/all.pcapng" >"$TMP/all.txt" || fail "read the merged file"
for node in r1 r2 s1; do
	got=$(grep -c " node=$node | IP 10\.99\.21\.2\.[0-9]* > 10\.99\.21\.1\.7101: UDP" "$TMP/all.txt")
	# -i any sees a datagram on each side of the veth: both copies name the sender.
	expect "node $node: node 1's datagrams, each naming node $node ($got)" [ "$got" -ge 4 ]
	bad=0
	while read -r pid comm; do
		grep -qx "$pid" "$TMP/pids.1" && [ "$comm" = n1send ] || bad=$((bad + 1))
	done < <(grep " node=$node | IP 10\.99\.21\.2\..* 7101: UDP" "$TMP/all.txt" |
		sed -n 's/.* pid=\([0-9]*\) .* comm=\([^ ]*\) .*/\1 \2/p')
	expect "node $node: every datagram's pid is node 1's sender, comm n1send ($bad bad)" \
		[ "$bad" = 0 ]
done
[ "$FAILS" = 0 ] || grep -m 6 ' UDP' "$TMP/all.txt"
expect "the servers saw the expression (inner filter)" \
	grep -q "filter of [0-9]* instructions" "$TMP/rpcapd.null.log"
expect "no other port got through the pushed-down expression" \
	bash -c "! grep ' UDP' '$TMP/all.txt' | grep -v '\.7101: UDP'"

# --- 2. errors, each one line naming the node and the reason.
"$CTRCAP" --node "r2=rpcap://cap@127.0.0.1:$P2" --rpcap-password-file "$TMP/badpw" \
	-w "$TMP/bad.pcapng" 2>"$TMP/badpw.err"
rc=$?
cat "$TMP/badpw.err"
expect "wrong password: exit 2 ($rc), one line: authentication refused" bash -c "
	[ $rc = 2 ] && [ \$(grep -c '^ctrcap: node r2 (rpcap://cap@127.0.0.1:$P2) lost: the rpcap client exited with status 1: ctrcap: rpcap://127.0.0.1:$P2: authentication as user refused: ' '$TMP/badpw.err') = 1 ]"
"$CTRCAP" --node "r1=rpcap://127.0.0.1:$P1" --node "gone=rpcap://127.0.0.1:1" \
	-w "$TMP/gone.pcapng" 'udp dst port 7101' 2>"$TMP/gone.err" &
CC_PID=$!
tn_wait_for 20 grep -q "node gone .* lost" "$TMP/gone.err"
tn_wait_for 20 grep -q "node r1 (.*): capturing" "$TMP/gone.err"
kill -INT "$CC_PID"
wait "$CC_PID"
rc=$?
CC_PID=
cat "$TMP/gone.err"
expect "unreachable node: exit 2 ($rc), one line: connection refused, r1 went on" bash -c "
	[ $rc = 2 ] && [ \$(grep -c '^ctrcap: node gone (rpcap://127.0.0.1:1) lost: .*cannot connect: Connection refused' '$TMP/gone.err') = 1 ]"
"$CTRCAP" --node 'r=rpcap://h/x y' -w "$TMP/x.pcapng" 2>"$TMP/uri.err"
rc=$?
expect "bad URI: exit 1 ($rc), named" bash -c "
	[ $rc = 1 ] && grep -qx \"ctrcap: --node r=rpcap://h/x y: 'x y' is not an rpcap source name\" '$TMP/uri.err'"
"$CTRCAP" --node "r1=rpcap://127.0.0.1:$P1" --pid 1 -w "$TMP/x.pcapng" 2>"$TMP/pid.err"
rc=$?
expect "--pid with an rpcap node: exit 1 ($rc), named" bash -c "
	[ $rc = 1 ] && grep -q 'an rpcap:// node takes no --pid' '$TMP/pid.err'"
[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all checks passed"
