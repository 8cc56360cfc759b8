#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --drops: packets the kernel drops, as packets with their reason, location
# and sender. On the topology of common.sh (A -- a0 R b0 (NAT) -- B):
#   an iptables DROP in R's FORWARD chain of A's SYNs to B port 7101: the SYN
#     is on A's eth0 and R's a0, then a drop with the same packet id,
#     NETFILTER_DROP, at a kernel symbol, naming A's client;
#   a UDP datagram to B's closed port 7102: the kernel's reason (NO_SOCKET) in B;
#   a UDP datagram to 10.99.200.1, which R has no route to: a drop in R;
#   the pcap filter and --comm apply to drops; without --drops there are none;
#   the pcap filter runs on drops in the kernel: what it rejects is counted
#     there and never reaches user space;
#   floods: 100 000 datagrams to a closed port in a namespace pair nobody
#     captures (F -> G), and 100 000 to B's closed port that the filter
#     'tcp' rejects, with a 1 MiB ring: both are left out in the kernel (the
#     summary counts them), the ring loses no drop event and the SYN's
#     NETFILTER_DROP is there;
#   a kernel without drop reasons (CTRCAP_DISABLE_FEATURES=drop_reasons: the
#   program for kernels before 5.17): said once, drops captured without reason.
# With PLUGIN and WS_VERSION_DIR (ctest's environment, when the dissector is
# built): tshark with the plugin selects the drop by ctrcap.drop.reason.
set -u
. "$(dirname "$0")/common.sh" "$@"

drop_topology
ns_r=$(ns_ino ccapR)
ns_b=$(ns_ino ccapB)
all=(-i eth0@ccapA -i a0@ccapR -i b0@ccapR -i eth0@ccapB)
# With kptr_restrict the kernel shows no addresses: locations are then hex.
syms=true
[ "$(awk 'NR == 1 { print $1 }' /proc/kallsyms)" = 0000000000000000 ] && syms=false

# run NAME ctrcap-args...: a capture NAME of the three exchanges from A;
# sets tcp_cli, udp_cli and nr_cli (their pids).
run() {
	local name=$1
	shift
	start_capture "$TMP/$name.pcapng" "$@" || return 1
	# The SYN is dropped: connect times out (3 s), after a retransmission.
	tn_bg "" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7101 2>/dev/null
	tcp_cli=$TN_LAST_PID
	tn_bg "" ccapA "$TRAFFIC" udp-send 10.99.11.2 7102 2>/dev/null
	udp_cli=$TN_LAST_PID
	tn_bg "" ccapA "$TRAFFIC" udp-send 10.99.200.1 7103 2>/dev/null
	nr_cli=$TN_LAST_PID
	wait "$tcp_cli" "$udp_cli" "$nr_cli"
	stop_capture >"$TMP/$name.stderr"
	"$DUMP" "$TMP/$name.pcapng" >"$TMP/$name.txt" || fail "$name: pcapng_dump reads the file"
}

# drops FILE: the drop records (no direction, a drop location).
drops() {
	grep -E 'dir=\? .* dropat=' "$1"
}

# check_syn: the SYN's hops, then its drop in R with reason and sender.
check_syn() {
	local f=$TMP/all.txt id hop_line drop_line loc
	id=$(grep -E "if=eth0 dir=out .*pid=$tcp_cli .*IP 10\.99\.1\.1\.[0-9]+ > 10\.99\.11\.2\.7101: Flags \[S\]" "$f" |
		head -1 | sed -n 's/.* pktid=\([0-9]*\) .*/\1/p')
	expect "the SYN leaves A's eth0 (packet id ${id:-none}), from the client $tcp_cli" [ -n "$id" ]
	[ -n "$id" ] || return
	hop_line=$(grep -nE "if=a0 dir=in pktid=$id .*Flags \[S\]" "$f" | head -1 | cut -d: -f1)
	expect "the SYN reaches R's a0 with the same id" [ -n "$hop_line" ]
	drop_line=$(grep -nE "if=a0 dir=\? pktid=$id .*pid=$tcp_cli .*comm=ccap_traffic .*dropcode=[0-9]+ drop=NETFILTER_DROP dropat=" "$f" |
		head -1 | cut -d: -f1)
	expect "then it is dropped at a0 in R: same id, NETFILTER_DROP, pid and comm of the client" \
		[ -n "$drop_line" ]
	expect "the drop comes after the SYN's hop on a0" [ "${drop_line:-0}" -gt "${hop_line:-0}" ]
	loc=$(grep -E "if=a0 dir=\? pktid=$id " "$f" | head -1 | sed -n 's/.* dropat=\([^ ]*\) .*/\1/p')
	if $syms; then
		expect "the location is a kernel symbol+offset ($loc)" \
			grep -Eq '^[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+$' <<<"$loc"
	else
		expect "kallsyms hides addresses: the location is hex ($loc)" \
			grep -Eq '^0x[0-9a-f]+$' <<<"$loc"
	fi
	expect "the drop is in R's namespace" grep -Eq "if=a0 dir=\? pktid=$id .* ns=$ns_r " "$f"
}

if run all --drops "${all[@]}"; then
	check_syn
	f=$TMP/all.txt
	expect "the datagram to B's closed port is dropped in B with NO_SOCKET, naming the client $udp_cli" \
		grep -Eq "if=eth0 dir=\? .* ns=$ns_b .*pid=$udp_cli .* drop=NO_SOCKET dropat=.*UDP" "$f"
	nr=$(drops "$f" | grep -E "pid=$nr_cli .*> 10\.99\.200\.1\.7103: UDP")
	reason=$(sed -n 's/.* drop=\([^ ]*\) .*/\1/p' <<<"$nr" | head -1)
	expect "the datagram R has no route for is dropped in R with the kernel's reason (${reason:-none})" \
		grep -Eq "^if=a0 .* ns=$ns_r .* drop=[A-Z_0-9]+ " <<<"$nr"
	expect "no drop has the reason NOT_SPECIFIED or CONSUMED" \
		[ "$(grep -Ec 'drop=(NOT_SPECIFIED|CONSUMED|NOT_DROPPED_YET) ' "$f")" = 0 ]
	n=$(drops "$f" | grep -c .)
	expect "the summary counts the $n drops apart" \
		grep -q "^$n packets dropped by the kernel (--drops)$" "$TMP/all.stderr"
	expect "and never as the capture's loss" grep -q "^0 packets dropped by kernel$" "$TMP/all.stderr"
	"$CTRCAP" -r "$TMP/all.pcapng" -v >"$TMP/all-r.txt" 2>&1
	expect "ctrcap -r -v prints the drop as DROP NETFILTER_DROP at its location" \
		grep -Eq "^    DROP NETFILTER_DROP at [^ ]+$" "$TMP/all-r.txt"
	expect "and the packet line says Drop" grep -Eq " a0 Drop IP .* > 10\.99\.11\.2\.7101: Flags \[S\]" \
		"$TMP/all-r.txt"
	expect "with the sender's Process line under it" \
		grep -A1 -E "^    DROP NETFILTER_DROP" "$TMP/all-r.txt" | grep -q "^    Process (pid $tcp_cli,"
	if [ -n "${PLUGIN:-}" ] && command -v tshark >/dev/null; then
		# Run as root, tshark ignores personal plugin dirs: as nobody, with one.
		h=$TMP/home
		mkdir -p "$h/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan"
		cp "$PLUGIN" "$h/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/"
		chmod -R a+rX "$TMP"
		v=$(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$h" timeout 60 \
			tshark -r "$TMP/all.pcapng" -Y 'ctrcap.drop.reason == "NETFILTER_DROP"' \
			-T fields -e process.pid -e ctrcap.drop.location 2>&1 | sort -u)
		expect "tshark: ctrcap.drop.reason == \"NETFILTER_DROP\" selects the client's drops ($v)" \
			grep -Eq "^$tcp_cli	[^ ]+$" <<<"$v"
		expect "tshark: and only those" [ "$(grep -c . <<<"$v")" = 1 ]
		v=$(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$h" timeout 60 \
			tshark -2 -r "$TMP/all.pcapng" -Y 'ctrcap.hop.dropped && tcp.dstport == 7101' \
			-T fields -e ctrcap.hop -e process.pid 2>&1 | sort -u | head -1)
		expect "tshark -2: the SYN's first hop warns that its journey ends in a drop ($v)" \
			[ "$v" = "1	$tcp_cli" ]
	fi
fi

# The pcap filter runs on drops too: only the UDP ones are left.
if run udp --drops "${all[@]}" udp; then
	f=$TMP/udp.txt
	expect "filter 'udp': the UDP drops are kept" grep -Eq "dir=\? .* drop=NO_SOCKET .*UDP" "$f"
	expect "filter 'udp': the SYN's drop is not" [ "$(drops "$f" | grep -c 'Flags \[S\]')" = 0 ]
	expect "filter 'udp': the SYN's drops were rejected in the kernel" \
		grep -Eq "^[1-9][0-9]* kernel drops rejected by the filter in the kernel$" \
		"$TMP/udp.stderr"
	expect "filter 'udp': none was left for user space to reject" \
		[ "$(grep -c 'rejected by the filter in user space' "$TMP/udp.stderr")" = 0 ]
fi

# Floods the kernel keeps from the ring: drops in namespaces not captured,
# and drops the filter rejects. A 1 MiB ring (a third of a second of this
# flood's drop events, had they reached it).
flood=100000
tn_ns_add ccapF && tn_ns_add ccapG && tn_veth ccapF eth0 10.99.31.1/24 ccapG eth0 10.99.31.2/24 ||
	fail "flood: namespaces F and G"
if start_capture "$TMP/flood.pcapng" --drops -B 1024 "${all[@]}" tcp; then
	tn_bg "" ccapF "$TRAFFIC" udp-send 10.99.31.2 7200 "$flood" 2>/dev/null
	f1=$TN_LAST_PID
	tn_bg "" ccapA "$TRAFFIC" udp-send 10.99.11.2 7102 "$flood" 2>/dev/null
	f2=$TN_LAST_PID
	tn_bg "" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7101 2>/dev/null
	tcp_cli=$TN_LAST_PID
	wait "$f1" "$f2" "$tcp_cli"
	stop_capture >"$TMP/flood.stderr"
	"$DUMP" "$TMP/flood.pcapng" >"$TMP/flood.txt" || fail "flood: pcapng_dump reads the file"
	elsewhere=$(sed -n 's/^\([0-9]*\) kernel drops elsewhere .*/\1/p' "$TMP/flood.stderr")
	rejected=$(sed -n 's/^\([0-9]*\) kernel drops rejected by the filter in the kernel$/\1/p' \
		"$TMP/flood.stderr")
	expect "flood: the $flood drops in G (not captured) are left out in the kernel (${elsewhere:-none})" \
		[ "${elsewhere:-0}" -ge "$flood" ]
	expect "flood: the $flood UDP drops in B are rejected by 'tcp' in the kernel (${rejected:-none})" \
		[ "${rejected:-0}" -ge "$flood" ]
	expect "flood: the ring lost no drop event" \
		[ "$(grep -c 'kernel drops not captured' "$TMP/flood.stderr")" = 0 ]
	expect "flood: nor a packet" grep -q "^0 packets dropped by kernel$" "$TMP/flood.stderr"
	expect "flood: the SYN's NETFILTER_DROP is captured, naming its client $tcp_cli" \
		grep -Eq "if=a0 dir=\? .*pid=$tcp_cli .* drop=NETFILTER_DROP .*Flags \[S\]" "$TMP/flood.txt"
	expect "flood: and no UDP drop" [ "$(drops "$TMP/flood.txt" | grep -c UDP)" = 0 ]
fi
# So does --comm: no drop of another command's packets.
if run comm --drops --comm nosuchcomm "${all[@]}"; then
	expect "--comm nosuchcomm: no drop" [ "$(drops "$TMP/comm.txt" | grep -c .)" = 0 ]
	expect "--comm nosuchcomm: the summary counts none" \
		grep -q "^0 packets dropped by the kernel (--drops)$" "$TMP/comm.stderr"
fi
if run comm2 --drops --comm ccap_traffic "${all[@]}"; then
	expect "--comm ccap_traffic: the client's drops are kept" \
		grep -q "drop=NETFILTER_DROP" "$TMP/comm2.txt"
fi
# Without --drops: none, and no drop line in the summary.
if run none "${all[@]}"; then
	expect "without --drops no drop is captured" [ "$(grep -c 'dropat=' "$TMP/none.txt")" = 0 ]
	expect "without --drops the summary has no drop line" \
		[ "$(grep -c 'dropped by the kernel (--drops)' "$TMP/none.stderr")" = 0 ]
fi

# A kernel whose tracepoint gives no reason: said once, the drops kept, reasonless.
if CTRCAP_DISABLE_FEATURES=drop_reasons run noreason --drops "${all[@]}"; then
	f=$TMP/noreason.txt
	expect "no reasons: said once" \
		[ "$(grep -c 'drops: this kernel gives no drop reasons' "$TMP/noreason.stderr")" = 1 ]
	expect "no reasons: the SYN's drop is captured at a0, with a location, naming the client" \
		grep -Eq "if=a0 dir=\? .*pid=$tcp_cli .* dropat=[^ ]+ .*Flags \[S\]" "$f"
	expect "no reasons: and no drop has a reason" [ "$(grep -Ec ' drop(code)?=' "$f")" = 0 ]
fi

if [ "$FAILS" != 0 ]; then
	for f in "$TMP"/*.txt "$TMP"/*.stderr; do echo "--- $f"; cat "$f"; done
	exit 1
fi
echo "all drop checks passed"
