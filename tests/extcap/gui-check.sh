#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The GUI check (not run by ctest/CI): Wireshark (wireshark-qt) under Xvfb,
# run by an unprivileged member of group ctrcap, shows container-any in its
# interface list; then a live capture on container-any with "Container" and
# "PID" columns (%Cus:container.name, %Cus:process.pid) while the test's
# containers talk. Screenshots go to OUTDIR (default docs/screenshots).
#
#   gui-check.sh CTRCAP CTRCAPDUMP [OUTDIR]   (as root; CTRCAP_SRC, CTRCAP_BUILD set)
#
# Installs xvfb, wireshark-qt, imagemagick and xdotool when missing.
set -euo pipefail

CTRCAP=${1:?usage: gui-check.sh CTRCAP CTRCAPDUMP [OUTDIR]}
CTRCAPDUMP=${2:?usage: gui-check.sh CTRCAP CTRCAPDUMP [OUTDIR]}
SRC=${CTRCAP_SRC:?CTRCAP_SRC must name the source tree}
BUILD=${CTRCAP_BUILD:?CTRCAP_BUILD must name the build tree}
OUT=$(realpath -m "${3:-$SRC/docs/screenshots}")
DISPLAY_NUM=:94

log() { echo "gui-check: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
if [ -z "${CEXT_IN_MNTNS:-}" ]; then
	missing=()
	for p in xvfb wireshark-qt imagemagick xdotool x11-utils; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
fi

# shellcheck source=tests/extcap/extcap_env.sh
. "$(dirname "$0")/extcap_env.sh"
mkdir -p "$OUT"

Xvfb "$DISPLAY_NUM" -screen 0 1400x900x24 -ac -nolisten tcp >/dev/null 2>&1 &
bg_pids+=($!)
eng_wait_for 10 xdpyinfo -display "$DISPLAY_NUM" || die "Xvfb did not start"

# Wait (at most $2 s) for a window whose name matches $1; print its id.
wait_window()
{
	local i id
	for ((i = 0; i < $2 * 2; i++)); do
		id=$(DISPLAY=$DISPLAY_NUM xdotool search --onlyvisible --name "$1" 2>/dev/null |
			head -1 || true)
		[ -n "$id" ] && { echo "$id"; return 0; }
		sleep 0.5
	done
	return 1
}

shot()
{
	import -display "$DISPLAY_NUM" -window root "$OUT/$1"
	log "wrote $OUT/$1"
}

# True once no ctrcap of ours runs, waiting at most $1 s.
helper_gone()
{
	local i
	for ((i = 0; i < $1 * 4; i++)); do
		pgrep -f "^$W/sbin/ctrcap " >/dev/null || return 0
		sleep 0.25
	done
	return 1
}

# 1. The welcome screen's interface list, as the member of group ctrcap.
as_user "$IN_USER" env DISPLAY="$DISPLAY_NUM" wireshark >"$W/ws1.log" 2>&1 &
ws=$!
bg_pids+=("$ws")
win=$(wait_window 'Wireshark' 60) || die "no Wireshark window: $(tail -5 "$W/ws1.log")"
DISPLAY=$DISPLAY_NUM xdotool windowmove "$win" 0 0 windowsize "$win" 1400 900
sleep 6 # the interface list fills in after the extcaps answered
shot wireshark-interfaces.png
kill "$ws"
wait "$ws" 2>/dev/null || true

# 2. A live capture on container-any with container and pid columns.
cols='"No.","%m","Time","%t","Container","%Cus:container.name:0:R",'
cols+='"PID","%Cus:process.pid:0:R","Source","%s","Destination","%d",'
cols+='"Protocol","%p","Info","%i"'
as_user "$IN_USER" env DISPLAY="$DISPLAY_NUM" wireshark -i container-any -k \
	-o "gui.column.format:$cols" -Y 'container.name == "web" || container.name == "db"' \
	>"$W/ws2.log" 2>&1 &
ws=$!
bg_pids+=("$ws")
win=$(wait_window 'container-any' 60) || die "no capture window: $(tail -5 "$W/ws2.log")"
DISPLAY=$DISPLAY_NUM xdotool windowmove "$win" 0 0 windowsize "$win" 1400 900
sleep 10
shot wireshark-capture-columns.png
# Stop as a user does (Capture > Stop, Ctrl+E): the helper must go.
DISPLAY=$DISPLAY_NUM xdotool windowfocus --sync "$win" key ctrl+e
helper_gone 20 || die "ctrcap still running 20 s after Capture > Stop"
sleep 1
shot wireshark-stopped.png
kill "$ws"
wait "$ws" 2>/dev/null || true
log "done; web is $web_id (pid $web_pid), db pid $db_pid; the helper stopped with the capture"
