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
# The parser names the option whose value is missing or bad, in one line.
bad "missing option value" "ctrcap: option -c needs a value" -i eth0@ccapA -c
bad "missing long option value" "ctrcap: option --container-name needs a value" \
	-i eth0@ccapA --container-name
bad "bad -B value" "invalid value 'abc' for -B" -i eth0@ccapA -B abc
bad "-r with -i" "ctrcap: -i does not apply to -r" -r "$TMP/x.pcapng" -i eth0@ccapA
# -i IFACE@PATH: a path to something that is no namespace is refused up front.
: >"$TMP/notns"
bad "netns path that is no namespace" "Invalid argument" -i "eth0@$TMP/notns" -w "$TMP/x.pcapng"
# ... and a path (here a root-owned symlink to a /run/netns entry) that is one works.
ln -s /run/netns/ccapA "$TMP/nslink"
start_capture "$TMP/nslink.pcapng" -i "eth0@$TMP/nslink" && ok "-i eth0@<symlink to a netns>"
stop_capture
# A path component longer than NAME_MAX is an error, not cut to another name.
long=$(printf 'a%.0s' {1..300})
mkdir "$TMP/${long:0:255}"
bad "over-long path component" "File name too long" -i eth0@ccapA -w "$TMP/$long/x.pcapng"
expect "over-long path component: nothing written under the cut name" \
	[ -z "$(ls -A "$TMP/${long:0:255}")" ]

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

# --cleanup spares a classic filter whose program a live process holds (a
# running capture's), and removes it once nobody does. The holder loads a
# 2-instruction program, pins it for tc, and keeps its fd. The pin lives in
# a bpffs of the holder's own mount namespace (the machine may have none
# mounted), which tc enters with nsenter; both go away with the holder.
mkdir -p "$TMP/bpffs"
pin=$TMP/bpffs/ctrcap-ccap-$$
cat >"$TMP/holder.pl" <<'PERL'
my $pin = $ARGV[0];
my $insns = pack("CCsl", 0xb7, 0, 0, 0) . pack("CCsl", 0x95, 0, 0, 0);	# r0 = 0; exit
my $lic = "GPL\0";
my $attr = pack("LLQQLLQLLa16", 3, 2, unpack("J", pack("p", $insns)),
	unpack("J", pack("p", $lic)), 0, 0, 0, 0, 0, "ctrcap_ccaptest") . "\0" x 80;
my $fd = syscall(321, 5, $attr, length($attr));	# BPF_PROG_LOAD, SCHED_CLS
die "holder: BPF_PROG_LOAD: $!\n" if $fd < 0;
my $path = "$pin\0";
my $pattr = pack("QLL", unpack("J", pack("p", $path)), $fd, 0) . "\0" x 8;
syscall(321, 6, $pattr, length($pattr)) == 0 or die "holder: BPF_OBJ_PIN $pin: $!\n";
$| = 1;
print "ready\n";
sleep 60;
PERL
in_a() { nsenter --net=/run/netns/ccapA "$@"; }
ours() { in_a tc filter show dev eth0 ingress | grep -c 'handle 0xc7ca'; }
tn_bg "" "" unshare -m --propagation private sh -c \
	'mount -t bpf bpf "$1" && exec perl "$2" "$3"' sh "$TMP/bpffs" "$TMP/holder.pl" "$pin" \
	>"$TMP/holder.out"
holder=$TN_LAST_PID
in_holder() { nsenter --mount=/proc/"$holder"/ns/mnt "$@"; }
# nsenter opens both namespaces' files before it enters either.
in_holder_a() { nsenter --mount=/proc/"$holder"/ns/mnt --net=/run/netns/ccapA "$@"; }
if tn_wait_for 10 grep -q ready "$TMP/holder.out" &&
	in_a tc qdisc add dev eth0 clsact &&
	in_holder_a tc filter add dev eth0 ingress prio 0xc7ca handle 0xc7ca bpf object-pinned "$pin" da; then
	in_holder rm -f "$pin"
	"$CTRCAP" --cleanup 2>"$TMP/cl.err"
	expect "--cleanup keeps a filter whose program is held by a live process" [ "$(ours)" = 1 ]
	kill "$holder"
	wait "$holder" 2>/dev/null
	"$CTRCAP" --cleanup 2>"$TMP/cl.err"
	expect "--cleanup removes it once no process holds it" [ "$(ours)" = 0 ]
	expect "--cleanup counts it" grep -Eq '^ctrcap: removed [1-9][0-9]* leftover' "$TMP/cl.err"
else
	fail "set up a classic tc filter held by a live process"
fi
in_a tc qdisc del dev eth0 clsact 2>/dev/null

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

# send_until PID: datagrams from A to B until PID ends (at most 10 s).
send_until() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
		sleep 0.2
	done
	return 1
}

# --count live: no packet lines, the count in the summary.
"$CTRCAP" -i eth0@ccapA --count -c 3 >"$TMP/cnt.out" 2>"$TMP/cnt.err" &
cp=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/cnt.err"
send_until "$cp"
wait "$cp"
rc=$?
expect "tcpdump's listening line names -i, the interfaces it became and the snapshot length" \
	grep -qx "ctrcap: listening on eth0@ccapA, capturing on 1 interface, snapshot length 262144 bytes" \
	"$TMP/cnt.err"
expect "--count live: exit 0, no packet lines, 3 packets captured" \
	bash -c "[ $rc = 0 ] && [ ! -s '$TMP/cnt.out' ] && grep -qx '3 packets captured' '$TMP/cnt.err'"

# -w FILE --print: the packets go to the file and, as text, to stdout.
"$CTRCAP" -i eth0@ccapA -w "$TMP/pr.pcapng" --print -c 4 >"$TMP/pr.out" 2>"$TMP/pr.err" &
cp=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/pr.err"
send_until "$cp"
wait "$cp"
"$CTRCAP" -r "$TMP/pr.pcapng" >"$TMP/pr.read"
expect "-w FILE --print: 4 packets printed, the same 4 in the file" \
	bash -c "[ \$(wc -l <'$TMP/pr.out') = 4 ] && cmp -s '$TMP/pr.out' '$TMP/pr.read'"

# EPIPE: the reader goes away; ctrcap ends cleanly (exit 0) at the next packet.
set -o pipefail
( "$CTRCAP" -i eth0@ccapA -w - -U 2>"$TMP/p.err"; echo "rc=$?" >"$TMP/p.rc" ) | head -c 64 >/dev/null &
sleep 1.5
for i in 1 2 3; do tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done
tn_wait_for 10 test -s "$TMP/p.rc"
expect "EPIPE ends ctrcap with exit 0" grep -q 'rc=0' "$TMP/p.rc"
expect "EPIPE: nothing attached" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]

# Process events the ring buffer has no room for are counted: ctrcap is
# stopped while 3000 processes start and end (2.6 MB of events for a 1 MiB ring).
"$CTRCAP" -i eth0@ccapA -B 1024 -w "$TMP/lost.pcapng" 2>"$TMP/lost.err" &
lp=$!
if tn_wait_for 20 grep -q "capturing on" "$TMP/lost.err"; then
	kill -STOP "$lp"
	for ((i = 0; i < 3000; i++)); do /bin/true; done
	kill -CONT "$lp"
	sleep 0.5
fi
kill -INT "$lp"
wait "$lp"
expect "process events lost to a full ring are counted in the summary" \
	grep -Eq '^[1-9][0-9]* process events lost \(ring buffer full\)' "$TMP/lost.err"

# -- COMMAND with -w -: what the command prints does not enter the pcapng
# stream, and the command gets SIGPIPE back at its default (ctrcap ignores it).
"$CTRCAP" -i eth0@ccapA -w - -- ip netns exec ccapA bash -c \
	'echo NOISE; sed -n "s/^SigIgn:\t//p" /proc/self/status >&2; '"'$TRAFFIC'"' udp-send 10.99.1.2 7002 2' \
	>"$TMP/cmd.pcapng" 2>"$TMP/cmd.err"
expect "-- COMMAND with -w -: exit 0" [ $? = 0 ]
expect "-- COMMAND with -w -: the stream is pcapng from its first byte" \
	[ "$(head -c 4 "$TMP/cmd.pcapng" | od -An -tx1 | tr -d ' \n')" = 0a0d0d0a ]
expect "-- COMMAND with -w -: the stream reads back whole (no error after -r's reading line)" \
	bash -c "'$CTRCAP' -r '$TMP/cmd.pcapng' 2>&1 >/dev/null | grep -vc '^reading from file ' | grep -qx 0"
expect "-- COMMAND with -w -: its packets are in the stream" \
	bash -c "'$CTRCAP' -r '$TMP/cmd.pcapng' | grep -q '> 10.99.1.2.7002: UDP'"
sigign=$(grep -Exm1 '[0-9a-f]{16}' "$TMP/cmd.err" || echo none)
expect "-- COMMAND: SIGPIPE is not ignored in the command ($sigign)" \
	bash -c "[ '$sigign' != none ] && (( (16#$sigign & 0x1000) == 0 ))"

[ "$FAILS" = 0 ] || exit 1
echo "all error checks passed"
