#!/bin/sh
# The capture scenario run inside a qemu guest by boot.sh (busybox sh, no
# bash): a netns kA joined to the root netns by a veth pair, ctrcap capturing
# on every interface, a UDP and a TCP client in kA talking to servers in the
# root netns; then a netns kB made after ctrcap started (-i any must follow
# it) with a UDP client of its own. ctrcap runs with --rings 2, --drops and the filter
# 'udp or tcp' (the drop programs and the generated drop filter must load on
# every kernel): a datagram from kA to a closed port of the root netns is a
# drop on kv0. Everything is printed to the console, the checks are made on the
# host (test_kernel.sh) from these lines:
#   SENDER udp|tcp|late|drop PID      the clients' pids
#   CTRCAP-STARTED / CTRCAP-NOT-STARTED
#   === ctrcap stderr / === ctrcap -r -v   sections, ended by === end
#   GUEST-STEP NAME UPTIME             progress, with /proc/uptime seconds
#   guest_capture.sh CTRCAP TRAFFIC IP
# IP is iproute2's ip: busybox's has no netns, and this busybox runs its own
# applets before anything on PATH, so every call names the binary.
# Exit: 0 when every step ran (whether or not ctrcap captured), 1 otherwise.
ctrcap=$1
traffic=$2
ipr=$3
# Sanitizer builds run as on the host (LeakSanitizer works in the guest too);
# boot.sh passes the host's ASAN/UBSAN/LSAN_OPTIONS on. Their reports land on
# the console, where test_kernel.sh looks for them.

step() { echo "GUEST-STEP $1 $(cut -d' ' -f1 /proc/uptime)"; }
fail() { echo "GUEST-FAIL $*"; exit 1; }
section() { echo "=== $1"; cat "$2"; echo "=== end"; }

# shellcheck disable=SC2317 # called through wait_for
gone() { ! kill -0 "$1" 2>/dev/null; }

# stop PID: SIGINT (ctrcap's end of capture), SIGKILL after 30 s.
stop() {
	kill -INT "$1" 2>/dev/null
	wait_for 30 gone "$1" || {
		echo "GUEST-NOTE pid $1 ignored SIGINT for 30 s: killed"
		kill -KILL "$1" 2>/dev/null
	}
	wait "$1"
	echo "ctrcap exit status $?"
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# client NETNS NAME MODE ARGS...: run the traffic client in NETNS. The shell
# there prints its own pid and becomes the client, so that pid is the sender's.
client() {
	ns=$1
	name=$2
	shift 2
	# shellcheck disable=SC2016 # expanded by the shell in the netns
	"$ipr" netns exec "$ns" sh -c 'echo "SENDER $1 $$"; shift; exec "$@"' \
		client "$name" "$client_bin" "$@" || echo "GUEST-NOTE $name client failed"
}
client_bin=$traffic

# veth_ns NETNS HOSTDEV SUBNET: NETNS with eth0 SUBNET.2, joined to HOSTDEV SUBNET.1.
veth_ns() {
	"$ipr" netns add "$1" || fail "ip netns add $1"
	"$ipr" link add "$2" type veth peer name eth0 netns "$1" || fail "veth pair for $1"
	"$ipr" addr add "$3.1/24" dev "$2" || fail "address on $2"
	"$ipr" link set "$2" up || fail "$2 up"
	"$ipr" -n "$1" addr add "$3.2/24" dev eth0 || fail "address on eth0 in $1"
	"$ipr" -n "$1" link set eth0 up || fail "eth0 up in $1"
	"$ipr" -n "$1" link set lo up || fail "lo up in $1"
}

step start
echo "uname -r: $(uname -r)"
echo "=== ctrcap --version"
"$ctrcap" --version 2>&1
echo "=== ctrcap -D"
"$ctrcap" -D 2>&1
echo "=== end"

step netns
veth_ns kA kv0 10.99.60
echo "=== ctrcap -D (with kA)"
"$ctrcap" -D 2>&1
echo "=== end"

step ctrcap
# --rings 2 (the guest has 2 CPUs): a ring per CPU, the programs' per-CPU
# choice of ring and the reader's merge, on every kernel.
"$ctrcap" -i any --drops --rings 2 -w /tmp/cap.pcapng 'udp or tcp' 2>/tmp/ctrcap.err &
cap=$!
# Loading and verifying the BPF programs under TCG takes a while.
# shellcheck disable=SC2317 # called through wait_for
started() { grep -q "capturing on" /tmp/ctrcap.err || ! kill -0 "$cap" 2>/dev/null; }
wait_for 60 started
if grep -q "capturing on" /tmp/ctrcap.err; then
	echo "CTRCAP-STARTED"
else
	echo "CTRCAP-NOT-STARTED"
	stop "$cap"
	section "ctrcap stderr" /tmp/ctrcap.err
	exit 0
fi

step traffic
"$traffic" udp-serve 9999 5 >/tmp/udpsrv.out 2>&1 &
udpsrv=$!
"$traffic" tcp-serve 9998 2 >/tmp/tcpsrv.out 2>&1 &
tcpsrv=$!
wait_for 10 grep -q ready /tmp/udpsrv.out || fail "udp server not ready"
wait_for 10 grep -q ready /tmp/tcpsrv.out || fail "tcp server not ready"
client kA udp udp-send 10.99.60.1 9999 5
client kA tcp tcp-send 10.99.60.1 9998
# No socket on port 9996: the kernel drops the datagram (answered by ICMP).
client kA drop udp-send 10.99.60.1 9996 1

step late-netns
veth_ns kB kv1 10.99.61
"$traffic" udp-serve 9997 3 >/tmp/latesrv.out 2>&1 &
latesrv=$!
wait_for 10 grep -q ready /tmp/latesrv.out || fail "late udp server not ready"
# ctrcap rescans every 0.5 s; the veths appear with their first packets too.
sleep 3
# Through a symlink: its exe must still be the file it runs (read by BPF at exec).
ln -sf "$traffic" /tmp/ccap-sender
client_bin=/tmp/ccap-sender
client kB late udp-send 10.99.61.1 9997 3
client_bin=$traffic
sleep 2

step stop
stop "$cap"
kill "$udpsrv" "$tcpsrv" "$latesrv" 2>/dev/null
section "ctrcap stderr" /tmp/ctrcap.err
step read
"$ctrcap" -r /tmp/cap.pcapng -v >/tmp/cap.txt 2>&1
echo "ctrcap -r exit status $?"
echo "ctrcap -r printed $(wc -l </tmp/cap.txt) lines"
head -n 600 /tmp/cap.txt >/tmp/cap.head
section "ctrcap -r -v" /tmp/cap.head
step end
exit 0
