#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad interface, namespace, filter and output: one clear line, exit 1,
# nothing left attached. SIGKILL leaves nothing (tcx links die with the
# process). -w - streams a complete file until SIGTERM; a closed pipe
# (EPIPE) is a clean end.
set -u
. "$(dirname "$0")/common.sh" "$@"

pair || { echo "FAIL: topology"; exit 1; }
IFS_ALL=(eth0@ccapA eth0@ccapB)

# bad CASE-NAME EXPECTED-TEXT CTRCAP-ARGS...
bad() {
	local name=$1 text=$2 rc lines
	shift 2
	"$CTRCAP" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(grep -vc '^libbpf:' "$TMP/err")
	expect "$name: exit 1 ($rc)" [ "$rc" = 1 ]
	expect "$name: one error line naming '$text'" \
		[ "$lines" = 1 -a "$(grep -c -F -- "$text" "$TMP/err")" = 1 ]
	expect "$name: nothing attached" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]
}

bad "bad interface" "ccapnope0" -i eth0@ccapA -i ccapnope0@ccapB -w "$TMP/x.pcapng"
bad "bad netns" "ccapnons" -i eth0@ccapnons -w "$TMP/x.pcapng"
bad "bad filter" "syntax error" -i eth0@ccapA -w "$TMP/x.pcapng" 'port port'
bad "unwritable output" "/nonexistent-ccap/x.pcapng" -i eth0@ccapA -i eth0@ccapB \
	-w /nonexistent-ccap/x.pcapng
bad "bad option value" "-c" -i eth0@ccapA -c abc

# SIGKILL: the kernel drops tcx links with the process.
"$CTRCAP" -i eth0@ccapA -i eth0@ccapB -w "$TMP/k.pcapng" 2>"$TMP/k.err" &
kp=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/k.err"
expect "attached while running (held by ctrcap)" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]
expect "attached while running (tcx)" \
	[ "$(ip netns exec ccapA "$TCX_COUNT" --all eth0)" -ge 2 ]
kill -9 "$kp"
wait "$kp" 2>/dev/null
tn_wait_for 5 [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]
expect "SIGKILL leaves nothing attached" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]
expect "--cleanup runs" "$CTRCAP" --cleanup

# -w - -U to a pipe, ended by SIGTERM: a complete, readable file.
tn_bg "" ccapB "$TRAFFIC" udp-serve 7002 100 >"$TMP/srv.out"
tn_wait_for 10 grep -q ready "$TMP/srv.out"
# stdout is a pipe (to cat), and $! is ctrcap's own pid.
"$CTRCAP" -i eth0@ccapA -w - -U 2>"$TMP/s.err" > >(cat >"$TMP/s.pcapng") &
cpid=$!
sleep 1.5
for i in 1 2 3; do tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done
sleep 0.5
kill -TERM "$cpid"
wait "$cpid"
expect "-w -: SIGTERM ends with exit 0" [ $? = 0 ]
sleep 0.3
expect "-w -: packets in a complete file" bash -c "'$DUMP' '$TMP/s.pcapng' | grep -c '^if=' | grep -qv '^0$'"
expect "-w -: ISB written at SIGTERM" bash -c "'$DUMP' '$TMP/s.pcapng' | grep -q '^isb '"
expect "-w -: nothing attached after SIGTERM" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]

# EPIPE: the reader goes away; ctrcap ends cleanly (exit 0) at the next packet.
set -o pipefail
( "$CTRCAP" -i eth0@ccapA -w - -U 2>"$TMP/p.err"; echo "rc=$?" >"$TMP/p.rc" ) | head -c 64 >/dev/null &
sleep 1.5
for i in 1 2 3; do tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done
tn_wait_for 10 test -s "$TMP/p.rc"
expect "EPIPE ends ctrcap with exit 0" grep -q 'rc=0' "$TMP/p.rc"
expect "EPIPE: nothing attached" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]

[ "$FAILS" = 0 ] || exit 1
echo "all error checks passed"
