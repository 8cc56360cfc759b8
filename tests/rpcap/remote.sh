#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rpcap for remote use, as root, loopback only: the ssh -L recipe of
# docs/rpcap.md with a private sshd and real ssh -L, and with socat standing
# in for ssh (TCP forwarders from 127.0.0.1 to the server on 127.0.0.2) for
# the cases around it; a real libpcap client capturing
# through the forwarded control and --data-port ports; a second capture on
# a busy fixed data port refused with a clear error; a data port range
# serving two captures at once; the clear-text password warning when
# listening on a non-loopback address, and active mode (both in private
# network namespaces).
# The helper is a stand-in that writes a fixed pcapng stream.
#
# Usage: remote.sh DAEMON BINDIR SRCDIR
set -euo pipefail

daemon=$1 bindir=$2 src=$3

# shellcheck source=checks.sh
. "$src/checks.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (private network namespace; first client build)"
for t in socat text2pcap unshare ss ssh ssh-keygen /usr/sbin/sshd; do
	command -v $t >/dev/null || die "$t not installed (scripts/install-deps)"
done
client=$("$src/build-client.sh" "$bindir" "$src")

work=$(mktemp -d /tmp/crpc-remote.XXXXXX)
pids=()

trap work_cleanup EXIT

# started LOG N: the server logged N captures started.
started() { [ "$(grep -c "capture started" "$1")" -ge "$2" ]; }
# ended LOG N: the server logged N captures ended (each frees its data port).
ended() { [ "$(grep -c "capture ended" "$1")" -ge "$2" ]; }

# A TCP port free on both 127.0.0.1 and 127.0.0.2 (and the next one).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((40000 + RANDOM % 20000))
		ss -Htln "( sport = :$p or sport = :$((p + 1)) )" | grep -q . || {
			echo $p
			return 0
		}
	done
	return 1
}

# --- the stand-in helper: 30 UDP packets of a fixed pcapng, then it waits
for i in $(seq 1 30); do
	printf '0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 00\n'
	printf '0010  00 20 00 01 00 00 40 11 00 00 0a 63 4d 01 0a 63\n'
	printf '0020  4d 02 30 39 00 09 00 0c 00 00 %02x 00 00 00\n' "$i"
done >"$work/pkts.txt"
text2pcap -q -F pcapng -N eth0 "$work/pkts.txt" "$work/stream.pcapng"
cat >"$work/helper" <<EOF
#!/bin/sh
[ "\$1" = --list-containers ] && exit 0
# As ctrcap once attached: the server reports the capture started only then.
echo 'ctrcap: listening on any, capturing on 1 interface' >&2
cat "$work/stream.pcapng"
exec sleep 60
EOF
chmod 755 "$work/helper"

# start_daemon NAME ARGS...: the server on 127.0.0.2, any control port; sets $cport.
start_daemon() {
	local name=$1
	shift
	"$daemon" --listen 127.0.0.2 --port 0 --port-file "$work/$name.port" --null-auth \
		--helper "$work/helper" "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	wait_for 100 test -s "$work/$name.port" || die "$name did not start: $(cat "$work/$name.log")"
	cport=$(cat "$work/$name.port")
}

# forward LOCAL_PORT REMOTE_PORT: what ssh -L LOCAL_PORT:127.0.0.1:REMOTE_PORT does.
forward() {
	socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.2:$2" \
		2>>"$work/socat.log" &
	pids+=($!)
	wait_for 50 bash -c "ss -Htln 'sport = :$1' | grep -q ." || die "socat did not listen on $1"
}

# capture NAME LOCAL_CONTROL_PORT ARGS...: rpcap_client through the forwarders.
capture() {
	local name=$1 lc=$2
	shift 2
	timeout 60 "$client" -u "rpcap://127.0.0.1:$lc/" -s container-any "$@" \
		>"$work/$name.out" 2>"$work/$name.err"
}

# try_capture NAME LOCAL_CONTROL_PORT ARGS...: a capture expected to fail; sets $rc.
try_capture() {
	set +e
	capture "$@"
	rc=$?
	set -e
}

# --- 1. one fixed data port, through the forwarded ports
dport=$(free_port) || die "no free port"
lc=$(free_port) || die "no free port"
start_daemon one --data-port "$dport"
grep -q "data port $dport," "$work/one.log" && ok "server announces data port $dport" ||
	bad "no 'data port $dport' in: $(head -n 3 "$work/one.log")"
forward "$lc" "$cport"
forward "$dport" "$dport"
if capture first "$lc" -c 30 -t 20; then
	ok "capture through the forwarded control and data ports: $(grep captured "$work/first.out")"
else
	bad "capture through the forwarders failed: $(cat "$work/first.out" "$work/first.err")"
fi
grep -q "capture started on container-any, data port $dport," "$work/one.log" &&
	ok "the data connection used port $dport" || bad "data port not $dport: $(cat "$work/one.log")"

# --- 2. a second capture while the first runs: refused, the first goes on
capture long "$lc" -c 1000 -t 6 &
long=$!
wait_for 100 started "$work/one.log" 2 || bad "the long capture did not start"
try_capture second "$lc" -c 1 -t 5
if [ $rc -ne 0 ] && grep -q "data port $dport is in use by another capture" "$work/second.err"; then
	ok "second capture refused: $(head -c 160 "$work/second.err")"
else
	bad "second capture on the busy port: rc $rc, $(cat "$work/second.out" "$work/second.err")"
fi
wait $long || true
grep -q "captured 30 packets" "$work/long.out" && ok "the first capture was not disturbed" ||
	bad "first capture: $(cat "$work/long.out" "$work/long.err")"

wait_for 100 ended "$work/one.log" 2 || bad "the server did not end the first two captures"
# --- 3. right after, the same port serves again (TIME_WAIT does not block it)
capture again "$lc" -c 30 -t 20 && ok "the data port is free again after a capture" ||
	bad "capture after the first ended: $(cat "$work/again.out" "$work/again.err")"

# The client of "again" is gone once it has its packets; its session ends
# (and frees the data port) when the server sees that, a moment later. A
# capture asked for at once waits for the port instead of being refused.
capture at_once "$lc" -c 30 -t 20 && ok "a capture right after the last one gets its port" ||
	bad "capture right after the last one: $(cat "$work/at_once.out" "$work/at_once.err")"
wait_for 100 ended "$work/one.log" 4 || bad "the server did not end the fourth capture"

# --- 3b. Wireshark's "Do not capture own RPCAP traffic": libpcap compiles a
# host/port filter for the PKTAP link type and fails (docs/rpcap.md says to
# untick it; the server leaves its own connections out anyway)
try_capture nocap "$lc" -N -c 1 -t 5
if [ $rc -ne 0 ] && grep -qi "pktap" "$work/nocap.err"; then
	ok "NOCAPTURE_RPCAP fails in the client: $(head -c 160 "$work/nocap.err")"
else
	bad "NOCAPTURE_RPCAP: rc $rc, $(cat "$work/nocap.out" "$work/nocap.err")"
fi

# --- 4. a range: two captures at once, each on its own forwarded port
rport=$(free_port) || die "no free port"
lc2=$(free_port) || die "no free port"
start_daemon range --data-port "$rport-$((rport + 1))"
forward "$lc2" "$cport"
forward "$rport" "$rport"
forward "$((rport + 1))" "$((rport + 1))"
capture r1 "$lc2" -c 1000 -t 6 &
r1=$!
wait_for 100 started "$work/range.log" 1 || bad "range: first capture did not start"
capture r2 "$lc2" -c 30 -t 20 && ok "range: second concurrent capture served" ||
	bad "range: second capture: $(cat "$work/r2.out" "$work/r2.err")"
wait $r1 || true
grep -q "captured 30 packets" "$work/r1.out" && ok "range: first capture served" ||
	bad "range: first capture: $(cat "$work/r1.out" "$work/r1.err")"
grep -q "data port $((rport + 1))," "$work/range.log" &&
	ok "range: the second capture used port $((rport + 1))" ||
	bad "range: no capture on $((rport + 1)): $(cat "$work/range.log")"

# --- 5. without --data-port the announced port is not forwarded: the recipe needs it
nport=$(free_port) || die "no free port"
start_daemon ephemeral
forward "$nport" "$cport"
try_capture noport "$nport" -c 1 -t 5
[ $rc -ne 0 ] && ok "without --data-port the capture cannot pass the forwarders (rc $rc)" ||
	bad "capture through only the control forwarder succeeded"

# --- 6. options checked at start
if timeout 3 "$daemon" --null-auth --helper "$work/helper" --port 2002 --data-port 2000-2005 \
	>/dev/null 2>"$work/overlap.err"; then
	bad "a data port range with the control port accepted"
elif grep -q "includes the control port" "$work/overlap.err"; then
	ok "data port range holding the control port refused"
else
	bad "overlap: $(cat "$work/overlap.err")"
fi
for v in 0 70000 5-3 x 1-; do
	timeout 3 "$daemon" --null-auth --helper "$work/helper" --data-port "$v" \
		>/dev/null 2>"$work/badport.err" || true
	grep -q "bad --data-port '$v'" "$work/badport.err" && ok "--data-port $v refused" ||
		bad "--data-port $v: $(cat "$work/badport.err")"
done

# --- 7. password auth on a non-loopback address: the clear-text warning
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$crpcremote\$")' secret)
echo "tester:$hash" >"$work/passwd"
listen_in_netns() {
	# A private network namespace: 10.99.77.1 on its loopback device, gone on exit.
	timeout -s TERM 3 unshare -n sh -c 'ip link set lo up &&
		ip addr add 10.99.77.1/32 dev lo && exec "$@"' sh "$daemon" --port 0 \
		--helper "$work/helper" "$@" >/dev/null 2>"$work/warn.err" || true
}
listen_in_netns --listen 10.99.77.1 --passwd-file "$work/passwd"
grep -q "warning: password authentication on 10.99.77.1 without TLS: passwords and packets cross the network in clear text" \
	"$work/warn.err" && ok "clear-text password warning on 10.99.77.1" ||
	bad "no clear-text warning: $(cat "$work/warn.err")"
grep -q "listening on 10.99.77.1" "$work/warn.err" || bad "server did not listen: $(cat "$work/warn.err")"
listen_in_netns --listen 127.0.0.1 --passwd-file "$work/passwd"
grep -q "listening on 127.0.0.1" "$work/warn.err" && ! grep -q warning "$work/warn.err" &&
	ok "no warning on loopback" || bad "loopback: $(cat "$work/warn.err")"

# --- 8. active mode: the server connects out to a client waiting in
# pcap_remoteact_accept() and opens the data connection to it as well. In a
# private network namespace: libpcap's data listener binds the wildcard
# address. The server connects again when a session ends: two clients in turn.
aport=$(free_port) || die "no free port"
cat >"$work/active.sh" <<EOF
set -u
ip link set lo up
"$daemon" --active 127.0.0.1,$aport --null-auth --helper "$work/helper" \
	>"$work/active.log" 2>&1 &
echo \$! >"$work/active.pid"
rc=0
for n in 1 2; do
	timeout 30 "$client" -u rpcap://127.0.0.1/ -s container-any -a 127.0.0.1,$aport \
		-c 30 -t 20 >"$work/active\$n.out" 2>"$work/active\$n.err" || rc=1
done
kill -TERM \$(cat "$work/active.pid")
wait
exit \$rc
EOF
if timeout 120 unshare -n bash "$work/active.sh"; then
	ok "active mode: two clients in turn captured 30 packets each"
else
	bad "active mode: $(cat "$work"/active*.out "$work"/active*.err)"
fi
[ -s "$work/active.pid" ] && pids+=("$(cat "$work/active.pid")")
[ "$(grep -c "capture started" "$work/active.log")" -eq 2 ] &&
	ok "active mode: the server opened both data connections" ||
	bad "active mode log: $(cat "$work/active.log")"

# --- 9. the recipe with a real ssh -L: a private sshd on loopback (its own
# config, host key and authorized key in the work directory), the server
# with password authentication and one fixed data port.
sshd_port=$(free_port) || die "no free port"
sl=$(free_port) || die "no free port"
sdport=$(free_port) || die "no free port"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$work/userkey"
cp "$work/userkey.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $sshd_port
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding local
X11Forwarding no
PermitTTY no
EOF
mkdir -p /run/sshd # sshd's privilege separation directory
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
pids+=($!)
wait_for 50 bash -c "ss -Htln 'sport = :$sshd_port' | grep -q ." || die "sshd did not start"
start_daemon viassh --passwd-file "$work/passwd" --data-port "$sdport"
ssh -N -i "$work/userkey" -p "$sshd_port" -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o LogLevel=ERROR \
	-L "127.0.0.1:$sl:127.0.0.2:$cport" -L "127.0.0.1:$sdport:127.0.0.2:$sdport" \
	root@127.0.0.1 2>"$work/ssh.log" &
pids+=($!)
wait_for 100 bash -c "ss -Htln 'src 127.0.0.1:$sdport' | grep -q ." ||
	die "ssh -L did not forward: $(cat "$work/ssh.log")"
if capture viassh "$sl" -U tester -P secret -c 30 -t 20; then
	ok "capture through a real ssh -L (control and data port): $(grep captured "$work/viassh.out")"
else
	bad "capture through ssh -L: $(cat "$work/viassh.out" "$work/viassh.err")"
fi
grep -q "capture started on container-any, data port $sdport," "$work/viassh.log" &&
	ok "through ssh, the data connection used port $sdport" ||
	bad "through ssh: $(cat "$work/viassh.log")"

for p in "${pids[@]}"; do stop_pid "$p"; done
pids=()
if grep -q "Sanitizer" "$work"/*.log; then
	bad "sanitizer report: $(grep -h -m1 -A5 Sanitizer "$work"/*.log)"
fi
checks_done
