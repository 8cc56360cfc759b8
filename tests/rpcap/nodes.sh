#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rpcap:// nodes without root: the real ctrcap-rpcapd on 127.0.0.1 (null
# auth, and a password file) with a stand-in helper writing make_capture's
# six packets (identities included), read by the real client: ctrcap
# --rpcap-source, and ctrcap --node with two rpcap:// nodes merged. The
# expression is pushed down (the server sends only what matches), each
# packet keeps its identity and names its node; a wrong password, a port
# nobody listens on and a missing password file give one clear line.
#
# Usage: nodes.sh CTRCAP_RPCAPD CTRCAP MAKE_CAPTURE PCAPNG_DUMP
set -u
daemon=$1 ctrcap=$2 make_capture=$3 dump=$4
command -v perl >/dev/null || { echo "SKIP: perl missing"; exit 77; }
work=$(mktemp -d /tmp/rpcap-nodes.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# --- the stand-in helper: six packets with identities (pid 100 wget in container web, ...)
"$make_capture" "$work/stream.pcapng"
cat >"$work/helper" <<EOC
#!/bin/sh
[ "\$1" = --list-containers ] && exit 0
# As ctrcap once attached: the server reports the capture started only then.
echo 'ctrcap: listening on any, capturing on 1 interface' >&2
cat "$work/stream.pcapng"
exec sleep 30
EOC
chmod 755 "$work/helper"
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$rpnodes\$")' rn-secret)
echo "cap:$hash" >"$work/passwd"
printf 'rn-secret\n' >"$work/pw"
printf 'not-it\n' >"$work/badpw"
"$daemon" --port 0 --port-file "$work/port.null" --null-auth --helper "$work/helper" \
	>"$work/null.log" 2>&1 &
pids+=("$!")
"$daemon" --port 0 --port-file "$work/port.pw" --passwd-file "$work/passwd" \
	--helper "$work/helper" >"$work/pw.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do
	[ -s "$work/port.null" ] && [ -s "$work/port.pw" ] && break
	sleep 0.1
done
p1=$(cat "$work/port.null") p2=$(cat "$work/port.pw")
[ -n "$p1" ] && [ -n "$p2" ] || { cat "$work"/*.log; echo "FAIL: servers did not start"; exit 1; }

# --- 1. --rpcap-source alone: all six packets, identities kept, node named.
timeout 20 "$ctrcap" --rpcap-source "rpcap://127.0.0.1:$p1" --node-name rx -c 6 \
	-w "$work/one.pcapng" 2>"$work/one.err"
rc=$?
"$dump" "$work/one.pcapng" >"$work/one.txt" 2>&1
expect "--rpcap-source: exit 0 ($rc), 6 packets" bash -c "
	[ $rc = 0 ] && [ \$(grep -c ' | IP ' '$work/one.txt') = 6 ]"
expect "--rpcap-source: the wget packet keeps pid 100, comm wget, container web, node rx" \
	grep -q "pid=100 .*comm=wget .*node=rx | IP 10.99.2.1.5001 > 10.99.2.2.7000" "$work/one.txt"
expect "--rpcap-source: every packet names node rx" \
	[ "$(grep -c ' node=rx ' "$work/one.txt")" = 6 ]

# --- 2. two rpcap nodes (null auth; password), expression pushed down.
"$ctrcap" --node "r1=rpcap://127.0.0.1:$p1" --node "r2=rpcap://cap@127.0.0.1:$p2" \
	--rpcap-password-file "$work/pw" -w "$work/m.pcapng" 'udp src port 5001' \
	2>"$work/m.err" &
cpid=$!
pids+=("$cpid")
for _ in $(seq 100); do
	[ "$(grep -c ': [0-9]* packets$' "$work/m.err")" = 2 ] && break
	sleep 0.1
done
# The helpers' streams are sent: the nodes wait for more until stopped.
sleep 0.5
kill -INT "$cpid"
wait "$cpid"
rc=$?
cat "$work/m.err"
"$dump" "$work/m.pcapng" >"$work/m.txt" 2>&1
for n in r1 r2; do
	expect "node $n: the one matching packet, pid 100 comm wget, named $n" \
		[ "$(grep -c "pid=100 .*comm=wget .*node=$n | IP 10.99.2.1.5001 >" "$work/m.txt")" = 1 ]
done
expect "two rpcap nodes: exit 0 ($rc), 2 packets in all" bash -c "
	[ $rc = 0 ] && [ \$(grep -c ' | IP ' '$work/m.txt') = 2 ]"
expect "the servers filtered: 6 from the helper, 1 sent (each)" bash -c "
	grep -q '6 packets from the helper, 1 sent' '$work/null.log' &&
	grep -q '6 packets from the helper, 1 sent' '$work/pw.log'"

# --- 3. errors: one line each.
timeout 20 "$ctrcap" --node "r2=rpcap://cap@127.0.0.1:$p2" --rpcap-password-file "$work/badpw" \
	-w "$work/b.pcapng" 2>"$work/b.err"
rc=$?
cat "$work/b.err"
expect "wrong password: exit 2 ($rc), one line: authentication refused" bash -c "
	[ $rc = 2 ] && [ \$(grep -c '^ctrcap: node r2 (rpcap://cap@127.0.0.1:$p2) lost: the rpcap client exited with status 1: ctrcap: rpcap://127.0.0.1:$p2: authentication as user refused: ' '$work/b.err') = 1 ]"
timeout 20 "$ctrcap" --rpcap-source "rpcap://127.0.0.1:1" -w "$work/u.pcapng" 2>"$work/u.err"
rc=$?
expect "unreachable server: exit 1 ($rc), one line" bash -c "
	[ $rc = 1 ] && [ \"\$(cat '$work/u.err')\" = 'ctrcap: rpcap://127.0.0.1:1: cannot connect: Connection refused' ]"
timeout 20 "$ctrcap" --rpcap-source "rpcap://cap@127.0.0.1:$p2" -w "$work/n.pcapng" 2>"$work/n.err"
rc=$?
expect "user without --rpcap-password-file: exit 1 ($rc), named" bash -c "
	[ $rc = 1 ] && grep -qx 'ctrcap: rpcap://127.0.0.1:$p2: user cap needs --rpcap-password-file' '$work/n.err'"
timeout 20 "$ctrcap" --rpcap-source "rpcap://127.0.0.1:$p2" -w "$work/n.pcapng" 2>"$work/na.err"
rc=$?
cat "$work/na.err"
expect "no credentials where a password is needed: exit 1 ($rc), refused" bash -c "
	[ $rc = 1 ] && grep -q 'authentication without credentials refused' '$work/na.err'"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
