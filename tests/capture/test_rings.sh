#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --rings 2: two senders, one pinned to each CPU, flood one veth; the
# capture has two ring buffers (one per CPU), loses nothing, names each
# datagram's sender, and writes the packets in time order (merged across
# the rings). -B applies to each ring. The file is written by the writer's
# own thread (--write-thread on), which this flood keeps busy. Then an
# output that stalls: the drops it causes are explained at the end.
set -u
. "$(dirname "$0")/common.sh" "$@"

N=3000
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || { echo "skip: --rings needs 2 CPUs, this machine has $ncpu"; exit 77; }
pair || { echo "FAIL: topology"; exit 1; }
tn_cgroup_add rings || exit 1
cg=$TN_CG

start_capture "$TMP/rings.pcapng" -i eth0@ccapB --rings 2 -B 2048 -v --write-thread on \
	"udp and dst portrange 7301-7302" || exit 1
# The rings are maps of their own, named for what they are.
rings=$(bpftool map show 2>/dev/null | grep -c "ringbuf  name ctrcap_ring ")
expect "two ring buffers while capturing (found $rings)" [ "$rings" = 2 ]
for port in 7301 7302; do
	tn_bg "$cg" ccapB "$TRAFFIC" udp-serve "$port" 1 >"$TMP/srv$port.out"
	tn_wait_for 10 grep -q ready "$TMP/srv$port.out" || fail "server $port ready"
done
# Each sender sends half, then parks on its gate file; one rm opens both
# gates, so the second halves run at the same time on the two CPUs (a
# sender started a few ms after the other could otherwise finish alone).
half=$((N / 2))
tn_bg "$cg" ccapA taskset -c 0 "$TRAFFIC" udp-send 10.99.1.2 7301 "$half" "$TMP/gate0"
s0=$TN_LAST_PID
tn_bg "$cg" ccapA taskset -c 1 "$TRAFFIC" udp-send 10.99.1.2 7302 "$half" "$TMP/gate1"
s1=$TN_LAST_PID
tn_wait_for 10 test -e "$TMP/gate0" -a -e "$TMP/gate1" || fail "both senders at the gate"
rm -f "$TMP/gate0" "$TMP/gate1"
wait "$s0" || fail "sender on CPU 0"
wait "$s1" || fail "sender on CPU 1"
stop_capture
"$DUMP" "$TMP/rings.pcapng" >"$TMP/rings.txt" || fail "read the capture"

n=$(grep -c "^if=eth0 dir=in" "$TMP/rings.txt")
expect "every datagram captured: $n of $((2 * N))" [ "$n" = $((2 * N)) ]
expect "none dropped (the capture's own count)" grep -q "^0 packets dropped by kernel" "$TMP/ctrcap.err"
expect "-v reports the writer thread's longest write() and deepest queue" \
	grep -Eq "^ctrcap: writer thread: longest write\(\) [0-9.]+ ms; up to [1-9][0-9]* of 32 buffers" \
	"$TMP/ctrcap.err"
n0=$(grep -c " pid=$s0 .*7301: UDP" "$TMP/rings.txt")
n1=$(grep -c " pid=$s1 .*7302: UDP" "$TMP/rings.txt")
expect "each datagram names its sender ($n0 and $n1 of $N)" [ "$n0" = "$N" ] && [ "$n1" = "$N" ]
expect "... by command too" [ "$(grep -c " comm=ccap_traffic " "$TMP/rings.txt")" = $((2 * N)) ]
# Both CPUs captured at once: the file interleaves the two flows.
switches=$(grep -o " pid=[0-9]*" "$TMP/rings.txt" | uniq | wc -l)
expect "the two flows interleave in the file ($switches runs)" [ "$switches" -ge 3 ]
tcpdump -tt -n -r "$TMP/rings.pcapng" 2>/dev/null | awk '{ print $1 }' >"$TMP/ts.txt"
back=$(awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }' "$TMP/ts.txt")
expect "timestamps never go back ($back times did, $(wc -l <"$TMP/ts.txt") packets)" [ "$back" = 0 ]

# The option's bounds: a clear error, nothing captured.
"$CTRCAP" -i eth0@ccapB --rings 0 -w "$TMP/bad.pcapng" 2>"$TMP/bad.err"
expect "--rings 0 is refused" grep -q "invalid value '0' for --rings" "$TMP/bad.err"
expect "... before any file is written" [ ! -e "$TMP/bad.pcapng" ]

# A stalled output: the pipe's reader waits 1.5 s before it reads, the
# 1 MiB ring overflows meanwhile, and the end-of-run lines name the slow
# write() and the remedy. Bounded: 10000 datagrams, the reader's 1.5 s.
mkfifo "$TMP/slow.fifo"
{ sleep 1.5; cat >/dev/null; } <"$TMP/slow.fifo" &
TN_PIDS+=("$!")
start_capture "$TMP/slow.fifo" -v -i eth0@ccapB -B 1024 --write-thread off "udp and dst port 7303" ||
	exit 1
tn_bg "$cg" ccapB "$TRAFFIC" udp-serve 7303 1 >"$TMP/srv7303.out"
tn_wait_for 10 grep -q ready "$TMP/srv7303.out" || fail "server 7303 ready"
tn_run_in "$cg" ccapA "$TRAFFIC" udp-send 10.99.1.2 7303 10000 >/dev/null || fail "sender 7303"
sleep 1.5
stop_capture >/dev/null
expect "the stalled output made the kernel drop" \
	grep -Eq "^[1-9][0-9]* packets dropped by kernel" "$TMP/ctrcap.err"
expect "... and the end says which write() and what helps" \
	grep -Eq "^ctrcap: one write\(\) to $TMP/slow.fifo took [0-9]+ ms while the kernel ring filled; --write-thread on lets up to 32 MiB wait for it instead$" \
	"$TMP/ctrcap.err"
expect "... and -v gives the ring reader's longest write(), the pipe's wait" \
	awk '/^ctrcap: longest write\(\) [0-9.]+ ms, in the ring reader \(no writer thread\)$/ {
		if ($4 + 0 >= 100) f = 1 } END { exit !f }' "$TMP/ctrcap.err"

[ "$FAILS" = 0 ] && echo "PASS" || { echo "$FAILS failure(s)"; exit 1; }
