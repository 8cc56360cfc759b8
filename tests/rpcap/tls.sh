#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rpcaps (rpcap over TLS), as root, loopback only: a self-signed certificate
# made here; libpcap's real client (rpcaps://) lists the sources and
# captures the stand-in helper's packets with their identity (PKTAP), with
# password authentication, while tcpdump records lo: neither the password
# nor the packets' identity may appear in clear (the same check against a
# clear-text server must find the password, or the check proves nothing).
# A clear-text client against the TLS server (and a TLS client against a
# clear-text server) fails with a clear message and the server goes on
# serving; a client that stalls before or inside the TLS handshake is cut
# off at the authentication deadline and frees its slot; the key file's
# permissions; active mode over TLS; no clear-text warning off loopback.
#
# Usage: tls.sh DAEMON BINDIR SRCDIR MAKE_CAPTURE
set -euo pipefail

daemon=$1 bindir=$2 src=$3 make_capture=$4

# shellcheck source=checks.sh
. "$src/checks.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (tcpdump on lo, private network namespaces)"
for t in openssl tcpdump tshark socat unshare perl ss; do
	command -v $t >/dev/null || die "$t not installed (scripts/install-deps)"
done
client=$("$src/build-client.sh" "$bindir" "$src")

work=$(mktemp -d /tmp/crpc-tls.XXXXXX)
pids=()

trap work_cleanup EXIT

# --- the stand-in helper: six packets with identities (pid 100 wget in container web)
"$make_capture" "$work/stream.pcapng"
cat >"$work/helper" <<EOF
#!/bin/sh
[ "\$1" = --list-containers ] && exit 0
# As ctrcap once attached: the server reports the capture started only then.
echo 'ctrcap: listening on any, capturing on 1 interface' >&2
cat "$work/stream.pcapng"
exec sleep 60
EOF
chmod 755 "$work/helper"

# --- a self-signed certificate for 127.0.0.1, its key readable by root only
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/openssl.log"
chmod 600 "$work/key.pem"
tls=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")

password=crpc-tls-Secr3t-pw
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$crpctls\$")' "$password")
echo "tester:$hash" >"$work/passwd"
auth=(-U tester -P "$password")

# start_daemon NAME ARGS...: the server on 127.0.0.1, any port; sets $port.
start_daemon() {
	local name=$1
	shift
	"$daemon" --port 0 --port-file "$work/$name.port" --helper "$work/helper" "$@" \
		>"$work/$name.log" 2>&1 &
	pids+=($!)
	wait_for 100 test -s "$work/$name.port" || die "$name did not start: $(cat "$work/$name.log")"
	port=$(cat "$work/$name.port")
}

# record_lo NAME: tcpdump on lo (TCP only) into NAME.pcap; sets $tdpid.
record_lo() {
	tcpdump -i lo --immediate-mode -U -n -s 0 -w "$work/$1.pcap" tcp 2>"$work/$1-tcpdump.log" &
	tdpid=$!
	pids+=($tdpid)
	wait_for 100 grep -q "listening on lo" "$work/$1-tcpdump.log" || die "tcpdump did not start"
}

stop_record() {
	sleep 0.3 # the last segments reach the file (-U)
	stop_pid "$tdpid"
}

# --- 1. options: the key's permissions, the pair, a bad certificate
chmod 644 "$work/key.pem"
if timeout 5 "$daemon" --null-auth --helper "$work/helper" --port 0 "${tls[@]}" \
	>/dev/null 2>"$work/perm.err"; then
	bad "a world-readable key accepted"
elif grep -q "permissions 0644 are too open" "$work/perm.err"; then
	ok "key readable by others refused: $(head -c 160 "$work/perm.err")"
else
	bad "key permissions: $(cat "$work/perm.err")"
fi
chmod 600 "$work/key.pem"
timeout 5 "$daemon" --null-auth --helper "$work/helper" --tls-cert "$work/cert.pem" \
	>/dev/null 2>"$work/pair.err" || true
grep -q -- "--tls-cert and --tls-key go together" "$work/pair.err" &&
	ok "--tls-cert without --tls-key refused" || bad "cert alone: $(cat "$work/pair.err")"
timeout 5 "$daemon" --null-auth --helper "$work/helper" --tls-cert "$work/passwd" \
	--tls-key "$work/key.pem" >/dev/null 2>"$work/badcert.err" || true
grep -q "TLS certificate $work/passwd" "$work/badcert.err" &&
	ok "a file that is no certificate refused" || bad "bad cert: $(cat "$work/badcert.err")"

# --- 2. the control: a clear-text server shows the password on lo
start_daemon plain --passwd-file "$work/passwd"
plain_port=$port
record_lo clear
"$client" -u "rpcap://127.0.0.1:$plain_port/" "${auth[@]}" -L >"$work/clear.list" \
	2>"$work/clear.err" || bad "clear-text listing failed: $(cat "$work/clear.err")"
"$client" -u "rpcap://127.0.0.1:$plain_port/" "${auth[@]}" -s container-any -c 6 -t 20 \
	>"$work/clear.out" 2>>"$work/clear.err" || bad "clear-text capture failed: $(cat "$work/clear.err")"
stop_record
grep -q -a -- "$password" "$work/clear.pcap" &&
	ok "control: the password is visible on lo with rpcap://" ||
	bad "control: password not found on lo with rpcap:// (the TLS check would prove nothing)"
grep -q -a "wget" "$work/clear.pcap" &&
	ok "control: the packets' identities are visible on lo with rpcap://" ||
	bad "control: no identity on lo with rpcap:// (the TLS check would prove nothing)"

# --- 3. rpcaps: list, capture with identity; nothing in clear on lo
start_daemon tls --passwd-file "$work/passwd" "${tls[@]}"
grep -q "port $port, .*, TLS$" "$work/tls.log" && ok "the server announces TLS" ||
	bad "no TLS in: $(head -n 3 "$work/tls.log")"
url="rpcaps://127.0.0.1:$port/"
record_lo tls
if "$client" -u "$url" "${auth[@]}" -L >"$work/list" 2>"$work/list.err" &&
	grep -q "^rpcaps://127.0.0.1:$port/container-any	" "$work/list"; then
	ok "findalldevs over rpcaps:// lists container-any"
else
	bad "findalldevs over rpcaps://: $(cat "$work/list" "$work/list.err")"
fi
if "$client" -u "$url" "${auth[@]}" -s container-any -c 6 -t 20 -w "$work/tls-cap.pcap" \
	>"$work/cap.out" 2>"$work/cap.err"; then
	ok "capture over rpcaps://: $(grep captured "$work/cap.out")"
else
	bad "capture over rpcaps://: $(cat "$work/cap.out" "$work/cap.err")"
fi
stop_record
grep -q "^linktype 258" "$work/cap.out" && ok "LINKTYPE_PKTAP over TLS" ||
	bad "linktype: $(head -n 1 "$work/cap.out")"
ids=$(timeout 60 tshark -r "$work/tls-cap.pcap" -Y 'pktap.pid == 100 && pktap.cmdname == "wget"' \
	-T fields -e frame.number 2>/dev/null | wc -l)
[ "$ids" -eq 2 ] && ok "identity arrives: 2 packets of pid 100 (wget)" ||
	bad "$ids packets with pid 100/wget, want 2"
[ "$(grep -c "TLS established (TLSv1.3" "$work/tls.log")" -ge 2 ] &&
	ok "control connections in TLS 1.3: $(grep -m1 -o "TLS established.*" "$work/tls.log")" ||
	bad "no TLS 1.3 control connection in: $(cat "$work/tls.log")"
grep -q "capture started" "$work/tls.log" || bad "no capture started: $(cat "$work/tls.log")"
segs=$(tcpdump -r "$work/tls.pcap" -n "tcp port $port and tcp[tcpflags] & tcp-push != 0" \
	2>/dev/null | wc -l)
[ "$segs" -gt 4 ] && ok "tcpdump saw the rpcaps control traffic ($segs data segments)" ||
	bad "tcpdump saw $segs data segments on port $port"
dport=$(sed -n 's/.*capture started on container-any, data port \([0-9]*\),.*/\1/p' "$work/tls.log")
dsegs=$(tcpdump -r "$work/tls.pcap" -n "tcp port ${dport:-0} and tcp[tcpflags] & tcp-push != 0" \
	2>/dev/null | wc -l)
[ "$dsegs" -gt 0 ] && ok "tcpdump saw the rpcaps data connection ($dsegs data segments)" ||
	bad "tcpdump saw no data segment on data port '$dport'"
grep -q -a -- "$password" "$work/tls.pcap" && bad "the password is visible on lo with rpcaps://" ||
	ok "the password is not in clear on lo with rpcaps://"
grep -q -a -e "wget" -e "shop/web-1" "$work/tls.pcap" &&
	bad "packet identities visible on lo: the data connection is not encrypted" ||
	ok "the packets' identities are not in clear on lo (data connection encrypted)"

# --- 4. a clear-text client against the TLS server: told to use rpcaps://; then served
if "$client" -u "rpcap://127.0.0.1:$port/" "${auth[@]}" -L >/dev/null 2>"$work/mix1.err"; then
	bad "a clear-text client was served by the TLS server"
elif grep -q "rpcaps://" "$work/mix1.err"; then
	ok "clear-text client refused: $(head -c 200 "$work/mix1.err")"
else
	bad "clear-text client: unexpected error $(cat "$work/mix1.err")"
fi
grep -q "clear-text rpcap client refused" "$work/tls.log" && ok "the server logged why" ||
	bad "no refusal in: $(tail -n 5 "$work/tls.log")"
"$client" -u "$url" "${auth[@]}" -L >/dev/null 2>"$work/after1.err" &&
	ok "a TLS client is served after the clear-text one" ||
	bad "after the clear-text client: $(cat "$work/after1.err")"

# --- 5. a TLS client against the clear-text server: fails; the server goes on
if "$client" -u "rpcaps://127.0.0.1:$plain_port/" "${auth[@]}" -L >/dev/null \
	2>"$work/mix2.err"; then
	bad "a TLS client was served by a clear-text server"
else
	ok "TLS client against a clear-text server fails: $(head -c 160 "$work/mix2.err")"
fi
wait_for 30 grep -q "client speaks TLS (rpcaps://) but this server runs without --tls-cert" \
	"$work/plain.log" && ok "the clear-text server logged why" ||
	bad "no TLS hint in: $(tail -n 5 "$work/plain.log")"
"$client" -u "rpcap://127.0.0.1:$plain_port/" "${auth[@]}" -L >/dev/null 2>"$work/after2.err" &&
	ok "the clear-text server serves the next client" ||
	bad "after the TLS client: $(cat "$work/after2.err")"

# --- 6. stalled clients (--max-clients 1, --auth-timeout 3): cut off, the slot freed
start_daemon stall --passwd-file "$work/passwd" "${tls[@]}" --max-clients 1 --auth-timeout 3
url="rpcaps://127.0.0.1:$port/"
# stall NAME BYTES: connect, send BYTES (printf format), then say nothing; sets $spid.
stall() {
	local start
	start=$(date +%s%N)
	{
		printf "$2"
		sleep 30
	} | socat - "TCP:127.0.0.1:$port" >/dev/null 2>&1 &
	spid=$!
	pids+=($spid)
	echo "$start" >"$work/$1.start"
}
# cut_off NAME: the stalled connection of NAME ended within 3 s + 2 s of slack.
cut_off() {
	local start end
	start=$(cat "$work/$1.start")
	wait_for 60 bash -c "! kill -0 $spid 2>/dev/null" || return 1
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}
# Half a ClientHello: a TLS record header announcing 255 bytes, 5 of them sent.
stall mid '\x16\x03\x01\x00\xff\x01\x00\x00\xfb\x03'
sleep 0.5
timeout 20 "$client" -u "$url" "${auth[@]}" -L >/dev/null 2>"$work/busy.err" &&
	bad "a second client served beyond --max-clients 1" ||
	ok "while the stalled handshake holds the one slot, another client is refused"
if ms=$(cut_off mid); then
	[ "$ms" -le 5000 ] && ok "stalled TLS handshake cut off after $ms ms" ||
		bad "stalled handshake lasted $ms ms"
else
	bad "stalled TLS handshake still connected after 6 s"
fi
grep -q "TLS handshake not finished in time, disconnecting" "$work/stall.log" &&
	ok "the server logged the stalled handshake" || bad "no stall line: $(tail -n 5 "$work/stall.log")"
wait_for 20 bash -c "$(printf '%q' "$client") -u $url -U tester -P $password -L >/dev/null 2>&1" &&
	ok "the slot is free again: a TLS client is served" ||
	bad "no client served after the stall: $(tail -n 5 "$work/stall.log")"
# Nothing at all: cut off at the same deadline (once the last client's session is reaped).
wait_for 50 bash -c "! ss -Htn state established '( sport = :$port )' | grep -q ." ||
	bad "the last client's connection is still open"
sleep 0.6
stall silent ''
if ms=$(cut_off silent); then
	[ "$ms" -le 5000 ] && ok "a silent client cut off after $ms ms" ||
		bad "silent client lasted $ms ms"
else
	bad "silent client still connected after 6 s"
fi
grep -q "no TLS handshake in time" "$work/stall.log" && ok "the server logged the silent client" ||
	bad "no silent line: $(tail -n 5 "$work/stall.log")"

# --- 7. active mode over TLS, in a private network namespace (see remote.sh)
aport=$((40000 + RANDOM % 20000))
cat >"$work/active.sh" <<EOF
set -u
ip link set lo up
"$daemon" --active 127.0.0.1,$aport --null-auth --helper "$work/helper" \
	--tls-cert "$work/cert.pem" --tls-key "$work/key.pem" >"$work/active.log" 2>&1 &
echo \$! >"$work/active.pid"
timeout 30 "$client" -u rpcaps://127.0.0.1/ -s container-any -a 127.0.0.1,$aport \
	-c 6 -t 20 >"$work/active.out" 2>"$work/active.err"
rc=\$?
kill -TERM \$(cat "$work/active.pid")
wait
exit \$rc
EOF
if timeout 60 unshare -n bash "$work/active.sh"; then
	ok "active mode over TLS: $(grep captured "$work/active.out")"
else
	bad "active mode over TLS: $(cat "$work/active.out" "$work/active.err")"
fi
[ -s "$work/active.pid" ] && pids+=("$(cat "$work/active.pid")")
grep -q "TLS established" "$work/active.log" && grep -q "capture started" "$work/active.log" &&
	ok "active mode: control and data connections in TLS" ||
	bad "active mode log: $(cat "$work/active.log")"

# --- 8. password authentication off loopback with TLS: no clear-text warning
timeout -s TERM 3 unshare -n sh -c 'ip link set lo up && ip addr add 10.99.78.1/32 dev lo &&
	exec "$@"' sh "$daemon" --listen 10.99.78.1 --port 0 --helper "$work/helper" \
	--passwd-file "$work/passwd" "${tls[@]}" >/dev/null 2>"$work/warn.err" || true
grep -q "listening on 10.99.78.1" "$work/warn.err" && ! grep -q "clear text" "$work/warn.err" &&
	ok "no clear-text warning with TLS on 10.99.78.1" || bad "warning: $(cat "$work/warn.err")"

for p in "${pids[@]}"; do stop_pid "$p"; done
pids=()
if grep -q "Sanitizer" "$work"/*.log; then
	bad "sanitizer report: $(grep -h -m1 -A5 Sanitizer "$work"/*.log)"
fi
checks_done
