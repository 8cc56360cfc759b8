# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared by the capture tests: arguments, the topology, assertions.
# Usage in a test: . "$(dirname "$0")/common.sh" "$@"
#   $1 ctrcap binary, $2 traffic helper, $3 pcapng_dump, $4 source dir, $5 tcx_count,
#   $6 map_clear

CTRCAP=$1
TRAFFIC=$2
DUMP=$3
SRC=$4
TCX_COUNT=$5
MAP_CLEAR=$6
# shellcheck source=../lib/netns.sh
. "$SRC/tests/lib/netns.sh"

TMP=$(mktemp -d /tmp/ccap-test.XXXXXX)
FAILS=0

cc_cleanup() {
	[ -n "${CC_PID:-}" ] && kill -9 "$CC_PID" 2>/dev/null
	tn_cleanup
	[ "${CCAP_KEEP:-0}" = 1 ] && echo "kept $TMP" || rm -rf "$TMP"
}
TN_TRAP=0
tn_init ccap || exit 1
trap cc_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

# expect DESCRIPTION COMMAND...: the command must succeed.
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# Two "containers" (A client side, B server side) joined by a router netns R
# that masquerades towards B, so a packet crosses four hops and one NAT:
#   A eth0 10.99.1.1 -- a0 R b0 (NAT) -- eth0 B 10.99.11.2  (IPv6 fd99:1::/64, fd99:11::/64)
topology() {
	tn_ns_add ccapA && tn_ns_add ccapR && tn_ns_add ccapB || return 1
	tn_veth ccapA eth0 10.99.1.1/24 ccapR a0 10.99.1.254/24 || return 1
	tn_veth ccapR b0 10.99.11.254/24 ccapB eth0 10.99.11.2/24 || return 1
	ip -n ccapA addr add fd99:1::1/64 dev eth0 nodad
	ip -n ccapR addr add fd99:1::254/64 dev a0 nodad
	ip -n ccapR addr add fd99:11::254/64 dev b0 nodad
	ip -n ccapB addr add fd99:11::2/64 dev eth0 nodad
	ip -n ccapA route add default via 10.99.1.254
	ip -n ccapA -6 route add default via fd99:1::254
	ip -n ccapB route add default via 10.99.11.254
	ip -n ccapB -6 route add default via fd99:11::254
	ip netns exec ccapR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	NAT=0
	if ip netns exec ccapR iptables -t nat -A POSTROUTING -o b0 -j MASQUERADE; then
		NAT=1
	elif [ "${CCAP_ALLOW_NO_NAT:-0}" = 1 ]; then
		echo "note: iptables NAT unavailable, CCAP_ALLOW_NO_NAT=1: routing without NAT" >&2
	else
		echo "topology: iptables -t nat failed in netns ccapR (set CCAP_ALLOW_NO_NAT=1 to" \
			"run without the NAT hop)" >&2
		return 1
	fi
}

# drop_topology: topology() with R dropping TCP to port 7101 (iptables
# FORWARD DROP: the drop and journey tests' "dropped flow"); exits on failure.
drop_topology() {
	topology || { echo "FAIL: topology"; exit 1; }
	ip netns exec ccapR iptables -A FORWARD -p tcp --dport 7101 -j DROP ||
		{ echo "FAIL: iptables DROP in ccapR"; exit 1; }
}

# start_capture OUT [ctrcap args...]: ctrcap -w OUT in the background, wait until attached.
start_capture() {
	local out=$1
	shift
	# A capture left running by an earlier failed step must not outlive the test.
	if [ -n "${CC_PID:-}" ]; then
		kill -9 "$CC_PID" 2>/dev/null
		wait "$CC_PID" 2>/dev/null
		CC_PID=
	fi
	# The file is reused: a stale "capturing on" of the last capture must not
	# pass for this one's (the shell truncates it only after the fork).
	rm -f "$TMP/ctrcap.err"
	"$CTRCAP" -w "$out" "$@" 2>"$TMP/ctrcap.err" &
	CC_PID=$!
	if ! tn_wait_for 20 grep -q "capturing on" "$TMP/ctrcap.err"; then
		cat "$TMP/ctrcap.err" >&2
		fail "ctrcap did not start"
		return 1
	fi
}

# stop_capture: SIGINT, wait, the exit code must be 0.
stop_capture() {
	local rc
	[ -n "${CC_PID:-}" ] || return 1
	sleep 0.3
	kill -INT "$CC_PID"
	wait "$CC_PID"
	rc=$?
	CC_PID=
	cat "$TMP/ctrcap.err"
	[ "$rc" = 0 ] || fail "ctrcap exited with $rc"
}

ns_ino() {
	stat -L -c %i "/run/netns/$1"
}

# leftovers IFACE@NETNS...: tcx programs plus ctrcap's classic tc filters still
# attached to those interfaces (0 when ctrcap cleaned up).
leftovers() {
	local spec n total=0 ifc ns
	for spec in "$@"; do
		ifc=${spec%@*}
		ns=${spec#*@}
		[ -e "/run/netns/$ns" ] || continue
		n=$(ip netns exec "$ns" "$TCX_COUNT" "$ifc") || n=99
		total=$((total + n))
		n=$(ip netns exec "$ns" tc filter show dev "$ifc" ingress 2>/dev/null | grep -c ctrcap)
		total=$((total + n))
		n=$(ip netns exec "$ns" tc filter show dev "$ifc" egress 2>/dev/null | grep -c ctrcap)
		total=$((total + n))
	done
	echo "$total"
}

# A plain pair: A eth0 10.99.1.1 <-> B eth0 10.99.1.2.
pair() {
	tn_ns_add ccapA && tn_ns_add ccapB || return 1
	tn_veth ccapA eth0 10.99.1.1/24 ccapB eth0 10.99.1.2/24
}
