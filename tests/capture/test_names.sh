#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Name Resolution Blocks (issue 17.3): ctrcap -w names the addresses of
# container namespaces after their containers, before the first packet that
# uses them: "nrbweb" (a Docker container) and "shop-0.shop.pod" (a pod's
# container, from kubelet's labels). No host address and no namespace
# without a container is named. When 10.99.19.2's owner goes (its
# namespace deleted) and a new container "nrbcache" takes the address, a
# new NRB names it before its packets. Stock tshark with no plugin shows
# the names in ip.src_host / ip.dst_host with -N n; ctrcap -r -w keeps
# them. The containers are cgroups named as Docker names them, described
# by config.v2.json files in a --docker-root of the test (no Docker daemon).
set -u
. "$(dirname "$0")/common.sh" "$@"

# A container id: 64 hex digits, different in every run.
ctr_id() { printf '%s' "$$-$RANDOM-$1" | sha256sum | cut -c1-64; }

# container NAME NETNS [POD NS]: a "container" process (sleep) in cgroup
# docker-ID.scope and namespace NETNS, described in $TMP/docker (before it
# starts, as Docker does; then with its pid); its pid in CTR_PID.
container() {
	local name=$1 ns=$2 pod=${3:-} podns=${4:-} id cg labels='{}'
	id=$(ctr_id "$name")
	cg="$TN_CGROOT/docker-$id.scope"
	mkdir "$cg" || return 1
	TN_CGROUPS+=("$cg")
	[ -n "$pod" ] && labels="{\"io.kubernetes.pod.name\":\"$pod\",\"io.kubernetes.pod.namespace\":\"$podns\",\"io.kubernetes.container.name\":\"$name\"}"
	mkdir -p "$TMP/docker/containers/$id"
	CTR_PID=0
	ctr_json "$id" "$name" "$labels"
	tn_bg "$cg" "$ns" sleep 60
	CTR_PID=$TN_LAST_PID
	ctr_json "$id" "$name" "$labels"
	# The process is in its cgroup and namespace before the capture looks.
	tn_wait_for 5 grep -q "$CTR_PID" "$cg/cgroup.procs" || return 1
}

# ctr_json ID NAME LABELS: the container's config.v2.json, replaced whole.
ctr_json() {
	local f="$TMP/docker/containers/$1/config.v2.json"
	printf '{"ID":"%s","Name":"/%s","Config":{"Image":"busybox:1","Labels":%s},%s}\n' \
		"$1" "$2" "$3" "\"State\":{\"Running\":true,\"Pid\":$CTR_PID}" >"$f.tmp" &&
		mv "$f.tmp" "$f"
}

tn_ns_add ccapA && tn_ns_add ccapB && tn_ns_add ccapN || { echo "FAIL: netns"; exit 1; }
tn_veth ccapA eth0 10.99.19.1/25 ccapB eth0 10.99.19.2/25 || { echo "FAIL: veth"; exit 1; }
ip -n ccapA addr add fd99:19::1/64 dev eth0 nodad
ip -n ccapB addr add fd99:19::2/64 dev eth0 nodad
# A namespace with an address and a process but no container: never named.
tn_veth ccapA eth1 10.99.19.129/25 ccapN eth0 10.99.19.130/25 || { echo "FAIL: veth"; exit 1; }
tn_bg "" ccapN sleep 60
container nrbweb ccapA || { echo "FAIL: container nrbweb"; exit 1; }
container shop-0-app ccapB shop-0 shop || { echo "FAIL: container shop-0"; exit 1; }
pod_pid=$CTR_PID

DOCKER=(--docker-sock "$TMP/absent.sock" --docker-root "$TMP/docker")
start_capture "$TMP/n.pcapng" -U -i any "${DOCKER[@]}" 'net 10.99.19.0/24 or net fd99:19::/64' ||
	exit 1
# send HOST: two UDP datagrams from ccapA to HOST port 7001 (answered by ICMP port unreachable).
send() { tn_run_in "" ccapA "$TRAFFIC" udp-send "$1" 7001 2 2>/dev/null; true; }
send 10.99.19.2
send fd99:19::2
send 10.99.19.130

# 10.99.19.2's owner goes with its namespace; a new container takes the address.
kill -9 "$pod_pid"
ip netns del ccapB
# The kernel frees the namespace, and with it the veth pair, asynchronously.
tn_wait_for 10 bash -c '! ip -n ccapA link show eth0 >/dev/null 2>&1' || fail "ccapB's veth went"
tn_ns_add ccapC || fail "netns ccapC"
tn_veth ccapA eth0 10.99.19.1/25 ccapC eth0 10.99.19.2/25 || fail "veth to ccapC"
container nrbcache ccapC || fail "container nrbcache"
# -i any attaches to the new interfaces at its next scan (every 0.5 s): send
# until a datagram to the new owner is in the file (-U), at most 20 times.
for ((i = 0; i < 20; i++)); do
	send 10.99.19.2
	"$DUMP" "$TMP/n.pcapng" 2>/dev/null | sed -n '/^nrb 10\.99\.19\.2 nrbcache$/,$p' |
		grep -q 'IP 10\.99\.19\.1\.[0-9]* > 10\.99\.19\.2\.7001: UDP' && break
	sleep 0.3
done
stop_capture

"$DUMP" "$TMP/n.pcapng" >"$TMP/n.txt" || fail "pcapng_dump reads the file"
# the line number of the first line matching a pattern ("" = none)
first() { grep -n -m1 -E -- "$1" "$TMP/n.txt" | cut -d: -f1; }
# before A B: both line numbers are there and A comes first.
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
nrb_web=$(first '^nrb 10\.99\.19\.1 nrbweb$')
nrb_web6=$(first '^nrb fd99:19::1 nrbweb$')
nrb_pod=$(first '^nrb 10\.99\.19\.2 shop-0\.shop\.pod$')
nrb_pod6=$(first '^nrb fd99:19::2 shop-0\.shop\.pod$')
nrb_cache=$(first '^nrb 10\.99\.19\.2 nrbcache$')
pkt_pod=$(first 'IP 10\.99\.19\.1\.[0-9]+ > 10\.99\.19\.2\.7001: UDP')
pkt_pod6=$(first 'IP6 fd99:19::1\.[0-9]+ > fd99:19::2\.7001: UDP')
expect "nrbweb's IPv4 address is named" [ -n "$nrb_web" ]
expect "nrbweb's IPv6 address is named" [ -n "$nrb_web6" ]
expect "the pod's address is named <pod>.<namespace>.pod, before its first packet" \
	before "$nrb_pod" "$pkt_pod"
expect "the pod's IPv6 address is named before its first packet" before "$nrb_pod6" "$pkt_pod6"
# (10.99.19.1 is named again: it went with ccapB's veth and came back.)
expect "each (address, name) is written once in the file" \
	[ "$(grep -c '^nrb 10\.99\.19\.129 nrbweb$' "$TMP/n.txt")" = 1 ]
expect "no name for a namespace without a container (10.99.19.130)" \
	bash -c "! grep -q '^nrb 10\.99\.19\.130 ' '$TMP/n.txt'"
expect "no name for loopback or host addresses" \
	bash -c "! grep -Eq '^nrb (127\.|::1 )' '$TMP/n.txt'"
# The last datagram to 10.99.19.2: the new owner's.
last_req=$(grep -n -E 'IP 10\.99\.19\.1\.[0-9]+ > 10\.99\.19\.2\.7001: UDP' "$TMP/n.txt" |
	tail -1 | cut -d: -f1)
expect "the new owner of 10.99.19.2 gets a new NRB, before its packets" \
	before "$nrb_pod" "$nrb_cache"
expect "... and before its packets" before "$nrb_cache" "$last_req"

# Stock tshark, no plugin (an empty personal dir; root ignores it anyway).
if command -v tshark >/dev/null; then
	mkdir -p "$TMP/home"
	HOME=$TMP/home WIRESHARK_PLUGIN_DIR=$TMP/home timeout 60 tshark -r "$TMP/n.pcapng" -N n \
		-Y 'udp.dstport == 7001 && ip && !icmp' -T fields -e ip.src_host -e ip.dst_host \
		>"$TMP/ts.txt" 2>"$TMP/ts.err" || fail "tshark reads the file: $(cat "$TMP/ts.err")"
	HOME=$TMP/home timeout 60 tshark -r "$TMP/n.pcapng" -N n -Y 'udp.dstport == 7001 && ipv6 && !icmpv6' \
		-T fields -e ipv6.src_host -e ipv6.dst_host >>"$TMP/ts.txt" 2>>"$TMP/ts.err"
	# tshark reads in one pass: a packet takes the name its address has at that
	# point of the file, so each datagram to 10.99.19.2 (or fd99:19::2) before
	# the new owner's NRB is the pod's: the 8 sent before the change (2 x 2
	# hops, IPv4 and IPv6), and any the loop sent before that NRB.
	pre=$(head -n "${nrb_cache:-0}" "$TMP/n.txt" | grep -cE \
		'IP 10\.99\.19\.1\.[0-9]+ > 10\.99\.19\.2\.7001: UDP|IP6 fd99:19::1\.[0-9]+ > fd99:19::2\.7001: UDP')
	got=$(grep -c "^nrbweb	shop-0\.shop\.pod$" "$TMP/ts.txt")
	expect "tshark -N n names the pod for 10.99.19.2 and nrbweb for the sender (IPv4, IPv6): $got of $pre" \
		[ "$pre" -ge 8 -a "$got" = "$pre" ]
	expect "tshark -N n names the new owner for its packets" \
		grep -q "^nrbweb	nrbcache" "$TMP/ts.txt"
	expect "tshark -N n leaves the namespace without a container unnamed" \
		grep -q "^nrbweb	10\.99\.19\.130" "$TMP/ts.txt"
	# Wireshark 4.0 takes the interfaces from the IDBs right after the SHB: an
	# NRB before them would make editcap refuse the file.
	expect "editcap rewrites the file" editcap "$TMP/n.pcapng" "$TMP/ed.pcapng"
	echo "note: names kept by editcap of $(tshark -v 2>/dev/null | head -1 | cut -c1-40):" \
		"$("$DUMP" "$TMP/ed.pcapng" 2>/dev/null | grep -c '^nrb')" \
		"of $(grep -c '^nrb' "$TMP/n.txt") (Wireshark 4.0 drops NRBs)"
else
	echo "note: no tshark: the stock tshark checks are skipped"
fi

# ctrcap -r -w keeps the names (filtered: only what is written is named, once).
"$CTRCAP" -r "$TMP/n.pcapng" -w "$TMP/rw.pcapng" udp 2>/dev/null || fail "ctrcap -r -w"
"$DUMP" "$TMP/rw.pcapng" >"$TMP/rw.txt" || fail "pcapng_dump reads the -r -w file"
expect "-r -w keeps the NRB names" grep -q '^nrb 10\.99\.19\.2 shop-0\.shop\.pod$' "$TMP/rw.txt"
expect "-r -w keeps the new owner's name" grep -q '^nrb 10\.99\.19\.2 nrbcache$' "$TMP/rw.txt"

[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all checks passed"
