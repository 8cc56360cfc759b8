#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Drops through ctrcap-rpcapd: a real libpcap client (tests/rpcap's
# rpcap_client, libpcap --enable-remote) opens `container-any+drops`; the
# server runs the real helper with --drops. On the topology of common.sh an
# iptables DROP in R's FORWARD chain eats A's SYNs to B port 7101: the client's
# PKTAP file must hold the drop, with NETFILTER_DROP and the sender's pid
# (read back with ctrcap -r -v), findalldevs lists the source, and a plain
# `container-any` capture of the same exchange has no drop.
# Environment: RPCAPD (the server), RPCAP_BINDIR (where the client is built
# and cached), from ctest.
set -u
. "$(dirname "$0")/common.sh" "$@"

[ -x "${RPCAPD:-}" ] || { echo "FAIL: RPCAPD not set"; exit 1; }
client=$("$SRC/tests/rpcap/build-client.sh" "$RPCAP_BINDIR" "$SRC/tests/rpcap") ||
	{ echo "FAIL: building the libpcap rpcap client"; exit 1; }
RD_PID=
rd_cleanup() {
	if [ -n "$RD_PID" ]; then
		kill -TERM "$RD_PID" 2>/dev/null
		wait "$RD_PID" 2>/dev/null
	fi
	cc_cleanup
}
trap rd_cleanup EXIT

drop_topology

"$RPCAPD" --listen 127.0.0.1 --port 0 --port-file "$TMP/port" --null-auth \
	--helper "$CTRCAP" >"$TMP/rpcapd.log" 2>&1 &
RD_PID=$!
tn_wait_for 10 test -s "$TMP/port" || { cat "$TMP/rpcapd.log"; echo "FAIL: rpcapd did not start"; exit 1; }
url=rpcap://127.0.0.1:$(cat "$TMP/port")/

"$client" -u "$url" -L >"$TMP/list" 2>&1
expect "findalldevs lists container-any+drops" grep -q "^${url}container-any+drops	" "$TMP/list"

# started N: the server logged its Nth capture start.
started() {
	[ "$(grep -c "capture started" "$TMP/rpcapd.log")" -ge "$1" ]
}

# grab NAME SOURCE N: capture SOURCE (the server's Nth capture) for 8 s while
# A's SYN is dropped; sets cli.
grab() {
	local name=$1 src=$2 n=$3 c
	"$client" -u "$url" -s "$src" -c 100000 -t 8 -w "$TMP/$name.pcap" \
		>"$TMP/$name.out" 2>&1 &
	c=$!
	# The capture runs once the server logged its start: it waits for the
	# helper's "capturing on" (attached in every namespace) first.
	tn_wait_for 30 started "$n" ||
		fail "$name: the server started no capture: $(cat "$TMP/rpcapd.log")"
	tn_bg "" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7101 2>"$TMP/$name.traffic"
	cli=$TN_LAST_PID
	wait "$cli"
	# It captures until its time is up: 4 says it got fewer than -c packets.
	wait "$c"
	[ $? = 4 ] || fail "$name: the client failed: $(cat "$TMP/$name.out")"
	"$CTRCAP" -r "$TMP/$name.pcap" -v >"$TMP/$name.txt" 2>&1 ||
		fail "$name: ctrcap -r reads the client's file: $(head -3 "$TMP/$name.txt")"
}

grab drops container-any+drops 1
expect "the server opened the source with drops" grep -q "opened container-any with drops" \
	"$TMP/rpcapd.log"
expect "the client's file holds the SYN's drop: DROP NETFILTER_DROP at a kernel location" \
	grep -Eq "^    DROP NETFILTER_DROP at [^ ]+$" "$TMP/drops.txt"
expect "as a Drop packet line of the SYN to 10.99.11.2.7101" \
	grep -Eq " Drop IP .* > 10\.99\.11\.2\.7101: Flags \[S\]" "$TMP/drops.txt"
expect "with the sender's process (pid $cli) under it" \
	bash -c "grep -A1 -E '^    DROP NETFILTER_DROP' '$TMP/drops.txt' | grep -q '^    Process (pid $cli,'"

grab plain container-any 2
expect "the same exchange without +drops: the SYN is captured" \
	grep -Eq "IP .* > 10\.99\.11\.2\.7101: Flags \[S\]" "$TMP/plain.txt"
expect "but no drop" [ "$(grep -c 'DROP ' "$TMP/plain.txt")" = 0 ]

if [ "$FAILS" != 0 ]; then
	for f in "$TMP"/*.txt "$TMP"/*.out "$TMP/rpcapd.log"; do echo "--- $f"; tail -40 "$f"; done
	exit 1
fi
echo "all rpcap drop checks passed"
