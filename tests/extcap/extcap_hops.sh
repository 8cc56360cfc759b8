#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One row per packet through `tshark -i container-any`: docker containers
# "web" and "db" on a test bridge (db fetches from web every 0.2 s), the
# environment of extcap_e2e.sh (extcap_env.sh: ctrcap installed the
# privileged way, a member of group ctrcap running tshark with ctrcapdump in
# the per-user extcap dir).
# Checks: with the default settings, the web/db HTTP flow has rows, each
# epb packet id once (rows == distinct frame.packet_id) and no
# tcp.analysis.retransmission, fast_retransmission or duplicate_ack; with the
# extcap option "Every hop of a packet" (--all-hops), the same flow has at
# least two rows per packet id (container eth0, host veth, peer's eth0);
# with "Kernel drops" (--drops), datagrams to a closed port of web arrive as
# drops with reason NO_SOCKET.
set -euo pipefail

CTRCAP=${1:?usage: extcap_hops.sh CTRCAP CTRCAPDUMP}
CTRCAPDUMP=${2:?usage: extcap_hops.sh CTRCAP CTRCAPDUMP}
SRC=${CTRCAP_SRC:?CTRCAP_SRC must name the source tree}
BUILD=${CTRCAP_BUILD:?CTRCAP_BUILD must name the build tree}
SKIP=77

log() { echo "extcap_hops: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { log "skipped: needs root"; exit $SKIP; }
for t in tshark dockerd setcap useradd unshare; do
	command -v "$t" >/dev/null || { log "skipped: $t not installed"; exit $SKIP; }
done

# shellcheck source=tests/extcap/extcap_env.sh
. "$(dirname "$0")/extcap_env.sh"

# capture NAME [tshark args...]: 4 s of web's port 80 through container-any,
# one line per row: packet id and the TCP analysis flags.
capture()
{
	local name=$1
	shift
	as_user "$IN_USER" timeout 60 tshark -i container-any -a duration:4 "$@" \
		-f 'tcp port 80' -T fields -e frame.packet_id -e tcp.analysis.retransmission \
		-e tcp.analysis.fast_retransmission -e tcp.analysis.duplicate_ack \
		>"$W/$name.out" 2>"$W/$name.err" || die "$name: tshark failed: $(cat "$W/$name.err")"
	rows=$(grep -c . "$W/$name.out" || true)
	ids=$(cut -f1 "$W/$name.out" | grep . | sort -u | wc -l)
	flagged=$(cut -f2- "$W/$name.out" | grep -c '[^[:space:]]' || true)
	log "$name: $rows rows, $ids packet ids, $flagged flagged by TCP analysis"
	[ "$rows" -gt 0 ] || die "$name: no packets of the web/db flow"
}

capture default
[ "$rows" = "$ids" ] || die "default: $rows rows for $ids packets: some shown more than once"
[ "$flagged" = 0 ] ||
	die "default: $flagged rows flagged as retransmission or dup ACK: $(head -5 "$W/default.out")"
log "ok: default: each packet once, no retransmission or dup ACK"

# The extcap's option "Every hop of a packet", as Wireshark's dialog passes
# it (tshark 4.0 accepts -o extcap.container_any.allhops:TRUE but does not
# pass the flag): ctrcapdump run the way dumpcap runs it, then tshark -r.
home=$W/home/$IN_USER
mkfifo -m 0600 "$home/all.fifo" && chown "$IN_USER" "$home/all.fifo"
cat "$home/all.fifo" >"$home/all.pcapng" &
bg_pids+=($!)
as_user "$IN_USER" timeout -s TERM 4 "$home/$extcap_rel/ctrcapdump" --capture \
	--extcap-interface container-any --fifo "$home/all.fifo" --all-hops \
	--extcap-capture-filter 'tcp port 80' 2>"$W/all.dump.err" || true
wait "${bg_pids[-1]}"
bg_pids=()
[ -s "$home/all.pcapng" ] || die "all hops: ctrcapdump wrote nothing: $(cat "$W/all.dump.err")"
capture_file() {
	tshark -r "$home/all.pcapng" -T fields -e frame.packet_id >"$W/all.out" 2>"$W/all.err" ||
		die "all hops: tshark -r failed: $(cat "$W/all.err")"
	rows=$(grep -c . "$W/all.out" || true)
	ids=$(cut -f1 "$W/all.out" | grep . | sort -u | wc -l)
}
capture_file
log "all hops: $rows rows, $ids packet ids"
[ "$ids" -gt 0 ] && [ "$rows" -ge $((ids * 2)) ] || die "all hops: $rows rows for $ids packets: hops missing"
log "ok: all hops: $rows rows for $ids packets"

# The extcap's option "Kernel drops", as Wireshark's dialog passes it:
# datagrams to a port web does not listen on die in web's namespace
# (NO_SOCKET); ctrcapdump --drops brings them in with the kernel's reason,
# read back through the installed plugin.
web_ip=$(eng_docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web)
[ -n "$web_ip" ] || die "drops: no address for web"
mkfifo -m 0600 "$home/drops.fifo" && chown "$IN_USER" "$home/drops.fifo"
cat "$home/drops.fifo" >"$home/drops.pcapng" &
bg_pids+=($!)
as_user "$IN_USER" timeout -s TERM 6 "$home/$extcap_rel/ctrcapdump" --capture \
	--extcap-interface container-any --fifo "$home/drops.fifo" --drops \
	--extcap-capture-filter 'udp port 9' 2>"$W/drops.dump.err" &
dump=$!
# Through the whole capture, ready or not yet: bounded, 15 datagrams.
for (( i = 0; i < 15; i++ )); do
	echo drop >"/dev/udp/$web_ip/9" || true
	sleep 0.3
done
wait "$dump" || true
wait "${bg_pids[-1]}"
bg_pids=()
n=$(as_user "$IN_USER" tshark -r "$home/drops.pcapng" -Y 'ctrcap.drop.reason == "NO_SOCKET"' \
	2>"$W/drops.err" | grep -c . || true)
[ "$n" -ge 1 ] ||
	die "drops: no NO_SOCKET drop through ctrcapdump --drops: $(cat "$W/drops.dump.err" "$W/drops.err")"
log "ok: drops: $n datagrams to a closed port shown with the kernel's reason"
