#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Each filter: the pcap expression (run in the kernel), --pid, --comm,
# --container-name, -Q, -c, and `-- CMD` (the command's packets only); then
# the text flags on a live capture.
set -u
. "$(dirname "$0")/common.sh" "$@"

pair || { echo "FAIL: topology"; exit 1; }
tn_cgroup_add f || exit 1
cg=$TN_CG
tn_bg "$cg" ccapB "$TRAFFIC" udp-serve 7002 100 >"$TMP/udpsrv.out"
udp_srv=$TN_LAST_PID
tn_bg "$cg" ccapB "$TRAFFIC" tcp-serve 7001 100 >"$TMP/tcpsrv.out"
tn_wait_for 10 grep -q ready "$TMP/udpsrv.out" || fail "udp server ready"
tn_wait_for 10 grep -q ready "$TMP/tcpsrv.out" || fail "tcp server ready"

# Some UDP and TCP from ccap_traffic, and UDP from bash (another comm).
traffic() {
	tn_run_in "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002 || fail "udp exchange"
	tn_run_in "$cg" ccapA "$TRAFFIC" tcp-send 10.99.1.2 7001 || fail "tcp exchange"
	tn_run_in "$cg" ccapA bash -c 'echo hi > /dev/udp/10.99.1.2/7002'
	# Another UDP port on the same hosts: what a port filter must keep out.
	tn_run_in "$cg" ccapA bash -c 'echo hi > /dev/udp/10.99.1.2/7003'
}

dump() { "$DUMP" "$1" > "$1.txt" || fail "read $1"; }
count() { grep -c -E -- "$2" "$1.txt"; }
# UDP from or to port 7002 between the two ends, as pcapng_dump prints it.
UDP7002=' IP 10\.99\.1\.[12]\.(7002 > 10\.99\.1\.[12]\.[0-9]+|[0-9]+ > 10\.99\.1\.[12]\.7002): UDP'
UDP7003=' IP 10\.99\.1\.1\.[0-9]+ > 10\.99\.1\.2\.7003: UDP'

# 1. pcap filter expression, in the kernel.
start_capture "$TMP/f1.pcapng" -i eth0@ccapA 'udp and port 7002' && traffic
stop_capture
dump "$TMP/f1.pcapng"
expect "filter: only UDP port 7002 packets written" \
	[ "$(count "$TMP/f1.pcapng" '^if=')" -ge 4 -a "$(count "$TMP/f1.pcapng" '^if=' )" = \
	  "$(count "$TMP/f1.pcapng" "$UDP7002")" ]
expect "filter: no UDP port 7003 packet" [ "$(count "$TMP/f1.pcapng" '\.7003[: ]')" = 0 ]
expect "filter: no TCP packet" [ "$(count "$TMP/f1.pcapng" 'Flags')" = 0 ]
expect "filter: rejected packets counted in the kernel" \
	grep -Eq '^[1-9][0-9]* packets rejected by the filter in the kernel' "$TMP/ctrcap.err"

# 2. --pid (the server, started before the capture).
start_capture "$TMP/f2.pcapng" -i eth0@ccapB --pid "$udp_srv" && traffic
stop_capture
dump "$TMP/f2.pcapng"
n=$(count "$TMP/f2.pcapng" '^if=')
expect "--pid: some packets ($n), all of that pid" \
	[ "$n" -ge 2 -a "$n" = "$(count "$TMP/f2.pcapng" " pid=$udp_srv ")" ]

# 3. --comm
start_capture "$TMP/f3.pcapng" -i eth0@ccapA --comm bash && traffic
stop_capture
dump "$TMP/f3.pcapng"
n=$(count "$TMP/f3.pcapng" '^if=')
expect "--comm bash: bash's datagram and its answer ($n), all comm=bash" \
	[ "$n" -ge 1 -a "$n" = "$(count "$TMP/f3.pcapng" ' comm=bash ')" ]

# 4. --container-name of no container: nothing passes, though packets reached the filter.
start_capture "$TMP/f4.pcapng" -i eth0@ccapA --container-name ccap-no-such && traffic
stop_capture
dump "$TMP/f4.pcapng"
expect "--container-name no-such: no packets" [ "$(count "$TMP/f4.pcapng" '^if=')" = 0 ]
n=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$TMP/ctrcap.err")
expect "--container-name no-such: the filter saw the traffic (${n:-none} received)" \
	[ "${n:-0}" -ge 4 ]

# 5. -Q out
start_capture "$TMP/f5.pcapng" -i eth0@ccapA -Q out && traffic
stop_capture
dump "$TMP/f5.pcapng"
expect "-Q out: only outgoing packets" \
	[ "$(count "$TMP/f5.pcapng" '^if=')" -ge 3 -a "$(count "$TMP/f5.pcapng" 'dir=in')" = 0 ]
expect "-Q out: the port 7003 datagram was sent (so its absence in 1. means something)" \
	[ "$(count "$TMP/f5.pcapng" "$UDP7003")" -ge 1 ]

# 6. -c 3 ends the capture by itself.
"$CTRCAP" -i eth0@ccapA -c 3 -w "$TMP/f6.pcapng" 2>"$TMP/c.err" &
cpid=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/c.err"
for i in 1 2 3; do traffic; done
tn_wait_for 10 bash -c "! kill -0 $cpid 2>/dev/null"
wait "$cpid"
expect "-c 3: exit 0" [ $? = 0 ]
dump "$TMP/f6.pcapng"
expect "-c 3: exactly 3 packets" [ "$(count "$TMP/f6.pcapng" '^if=')" = 3 ]

# 7. -- CMD: the command's packets, not the others'; ctrcap ends with it.
( sleep 1; for i in 1 2 3 4 5; do tn_run_in "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done ) &
noise=$!
"$CTRCAP" -i eth0@ccapA -w "$TMP/f7.pcapng" -- ip netns exec ccapA bash -c \
	"sleep 1.5; exec $TRAFFIC tcp-send 10.99.1.2 7001" 2>"$TMP/cmd.err"
expect "-- CMD: exit 0 when the command ends" [ $? = 0 ]
wait $noise
dump "$TMP/f7.pcapng"
n=$(count "$TMP/f7.pcapng" '^if=')
expect "-- CMD: the command's packets only ($n)" \
	[ "$n" -ge 3 -a "$n" = "$(count "$TMP/f7.pcapng" 'args=.*tcp-send 10.99.1.2 7001')" ]

# 7b. --pid of a shell that runs a program: without -f only the shell's own
# datagram (port 7003), with -f (--follow-forks) its child's exchange too.
forking_parent() {
	tn_bg "$cg" ccapA bash -c "while [ ! -e '$1' ]; do sleep 0.1; done
		$TRAFFIC udp-send 10.99.1.2 7002; echo hi > /dev/udp/10.99.1.2/7003"
}
for f in "" -f; do
	forking_parent "$TMP/go$f"
	par=$TN_LAST_PID
	start_capture "$TMP/f7$f.pcapng" -i eth0@ccapA --pid "$par" $f || continue
	touch "$TMP/go$f"
	wait "$par" || fail "forking parent$f"
	stop_capture
	dump "$TMP/f7$f.pcapng"
	echo "$f: $(count "$TMP/f7$f.pcapng" '^if=') packets, $(count "$TMP/f7$f.pcapng" " pid=$par ") of the shell"
done
expect "--pid without -f: the shell's datagram, not its child's packets" \
	[ "$(count "$TMP/f7.pcapng" "$UDP7003")" = 1 -a "$(count "$TMP/f7.pcapng" "$UDP7002")" = 0 ]
expect "--pid -f: the child's exchange too, attributed to the child" bash -c "
	[ \$(grep -cE -- '$UDP7003' '$TMP/f7-f.pcapng.txt') = 1 ] &&
	grep -E -- '$UDP7002' '$TMP/f7-f.pcapng.txt' | grep -q ' comm=ccap_traffic '"

# 7c. --netns: without -i every interface of that namespace only (ccapA's eth0
# and lo, not ccapB's, not the host's); with -i IFACE, IFACE there.
start_capture "$TMP/n1.pcapng" --netns ccapA 'udp port 7002' || fail "--netns ccapA"
expect "--netns ccapA: the listening line names it" \
	grep -q '^ctrcap: listening on any@ccapA, capturing on 2 interfaces (following new ones in that namespace)' "$TMP/ctrcap.err"
tn_run_in "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002 || fail "udp exchange (--netns)"
stop_capture
dump "$TMP/n1.pcapng"
n=$(count "$TMP/n1.pcapng" '^if=')
expect "--netns ccapA: the exchange ($n packets), all on eth0 of ccapA" \
	[ "$n" -ge 2 -a "$n" = "$(count "$TMP/n1.pcapng" "^if=eth0 .* ns=$(ns_ino ccapA) ")" ]
start_capture "$TMP/n2.pcapng" -i eth0 --netns "/run/netns/ccapB" 'udp port 7002' ||
	fail "-i eth0 --netns PATH"
expect "-i eth0 --netns PATH is eth0@PATH" \
	grep -q "^ctrcap: listening on eth0@/run/netns/ccapB, capturing on 1 interface," "$TMP/ctrcap.err"
tn_run_in "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002 || fail "udp exchange (-i --netns)"
stop_capture
dump "$TMP/n2.pcapng"
n=$(count "$TMP/n2.pcapng" '^if=')
expect "-i eth0 --netns PATH: the exchange ($n packets) on eth0 of ccapB only" \
	[ "$n" -ge 2 -a "$n" = "$(count "$TMP/n2.pcapng" "^if=eth0 .* ns=$(ns_ino ccapB) ")" ]

# 8. Printed, not written: tcpdump's text flags on a live capture (test_options.sh
# checks each exactly on saved files): -tt -e -X -l on a TCP exchange, relative
# sequence numbers, the identity still last on the line.
"$CTRCAP" -i eth0@ccapA -c 3 -l -tt -e -X 'tcp port 7001' >"$TMP/f8.txt" 2>"$TMP/f8.err" &
cpid=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/f8.err" || fail "text: ctrcap did not start"
tn_run_in "$cg" ccapA "$TRAFFIC" tcp-send 10.99.1.2 7001 || fail "text: tcp exchange"
tn_wait_for 10 bash -c "! kill -0 $cpid 2>/dev/null" || kill -9 "$cpid" 2>/dev/null
wait "$cpid"
expect "text: -c 3 ends the capture by itself" [ $? = 0 ]
MAC='[0-9a-f]{2}(:[0-9a-f]{2}){5}'
LINK="$MAC > $MAC, ethertype IPv4 \(0x0800\), length [0-9]+: IP"
expect "text: 3 packet lines, each with its dump under it" bash -c "
	[ \$(grep -c '^[0-9]' '$TMP/f8.txt') = 3 ] &&
	[ \$(grep -c \$'^\t0x0000:  45' '$TMP/f8.txt') = 3 ]"
expect "text: SYN with -tt time, -e link header, seq 0, tcpdump's options, the process last" \
	grep -Eq "^[0-9]{10}\.[0-9]{6} eth0 Out $LINK 10\.99\.1\.1\.[0-9]+ > 10\.99\.1\.2\.7001: Flags \[S\], seq 0, win [0-9]+, options \[mss [0-9]+,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\], length 0, Process \[ccap_traffic\.[0-9]+\]$" "$TMP/f8.txt"
expect "text: SYN-ACK with relative seq 0, ack 1" \
	grep -Eq "^[0-9]{10}\.[0-9]{6} eth0 In $LINK 10\.99\.1\.2\.7001 > 10\.99\.1\.1\.[0-9]+: Flags \[S\.\], seq 0, ack 1, " "$TMP/f8.txt"
expect "text: -X hex and ASCII columns" \
	grep -Eq $'^\t0x0000:  4500( [0-9a-f]{4}){7}  E.{15}$' "$TMP/f8.txt"
[ "$FAILS" = 0 ] || cat "$TMP/f8.txt" "$TMP/f8.err" >&2

[ "$FAILS" = 0 ] || exit 1
echo "all filter checks passed"
