#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End to end, as Wireshark users meet it: ctrcap installed the privileged
# way (root:ctrcap 0750 + file capabilities, scripts/install-privileged),
# ctrcapdump in the per-user extcap dir, the dissector in the per-user
# plugin dir, real docker containers "web" and "db" talking, and tshark run
# by an unprivileged member of group ctrcap and by a non-member.
#
#   extcap_e2e.sh CTRCAP CTRCAPDUMP TCX_QUERY  (as root; CTRCAP_SRC, CTRCAP_BUILD set)
#
# Checks: tshark -D lists container-any and the containers; a 5 s capture on
# container-any filtered with container.name == "web" prints only web's rows
# with web's pids and no extcap error on tshark's stderr; a non-member gets
# one clear refusal, and tshark -D tells them why only container-any is
# listed; after the stop no ctrcap process and none of its tcx
# links are left. Everything runs in a
# private mount namespace (the resolver finds the test's dockerd data root at
# the default /var/lib/docker there); users, group, containers, bridge and
# files are removed on exit.
set -euo pipefail

CTRCAP=${1:?usage: extcap_e2e.sh CTRCAP CTRCAPDUMP TCX_QUERY}
CTRCAPDUMP=${2:?usage: extcap_e2e.sh CTRCAP CTRCAPDUMP TCX_QUERY}
TCX_QUERY=${3:?usage: extcap_e2e.sh CTRCAP CTRCAPDUMP TCX_QUERY}
SRC=${CTRCAP_SRC:?CTRCAP_SRC must name the source tree}
BUILD=${CTRCAP_BUILD:?CTRCAP_BUILD must name the build tree}
SKIP=77

log() { echo "extcap_e2e: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { log "skipped: needs root"; exit $SKIP; }
for t in tshark dockerd setcap useradd unshare nsenter; do
	command -v "$t" >/dev/null || { log "skipped: $t not installed"; exit $SKIP; }
done

# shellcheck source=tests/extcap/extcap_env.sh
. "$(dirname "$0")/extcap_env.sh"

# ---- tshark -D as a member: container-any and the containers ----
as_user "$IN_USER" timeout 60 tshark -D >"$W/D.out" 2>"$W/D.err" ||
	die "tshark -D failed: $(cat "$W/D.err")"
grep -q 'container-any (All containers' "$W/D.out" ||
	die "tshark -D lacks container-any: $(cat "$W/D.out")"
grep -q 'container-web (Container web (docker))' "$W/D.out" ||
	die "tshark -D lacks container-web: $(cat "$W/D.out")"
grep -q 'container-db (Container db (docker))' "$W/D.out" ||
	die "tshark -D lacks container-db: $(cat "$W/D.out")"
log "tshark -D as $IN_USER lists: $(grep container- "$W/D.out" | paste -sd'|' -)"

# tcx links on the web container's host-side veth before the capture.
web_veth()
{
	local idx d
	# /sys would still be the host's inside nsenter -n; ip asks netlink.
	idx=$(nsenter -t "$web_pid" -n ip -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
	for d in /sys/class/net/*; do
		[ "$(cat "$d/ifindex")" = "$idx" ] && basename "$d"
	done
	return 0
}
# BPF programs on an interface's tcx hooks and classic tc filters ("ingress 12").
links_on()
{
	"$TCX_QUERY" "$1"
	tc filter show dev "$1" ingress | sed -n 's/.* id \([0-9]*\).*/tc-ingress \1/p'
	tc filter show dev "$1" egress | sed -n 's/.* id \([0-9]*\).*/tc-egress \1/p'
}
veth=$(web_veth)
[ -n "$veth" ] || die "no host-side veth for web"
# Both ends of web's link: the host-side veth and eth0 inside web's netns
# (ctrcap enters the namespace to attach there).
links_web()
{
	{
		links_on "$veth"
		nsenter -t "$web_pid" -n "$TCX_QUERY" eth0 | sed 's/^/web-eth0 /'
	} | sort
}
links_before=$(links_web)

# ---- the capture: 5 s on container-any, only web's rows ----
as_user "$IN_USER" timeout 60 tshark -i container-any -a duration:5 -Y 'container.name == "web"' \
	-T fields -e container.name -e process.pid -e container.id \
	>"$W/cap.out" 2>"$W/cap.err" &
tshark_pid=$!
bg_pids+=("$tshark_pid")
# Our links appear while it runs.
links_during=
for _ in $(seq 1 40); do
	sleep 0.25
	links_during=$(links_web)
	new=$(comm -13 <(echo "$links_before") <(echo "$links_during"))
	# Attached on both ends (the helper attaches in web's netns too).
	grep -q '^web-eth0 ' <<<"$new" && grep -qv '^web-eth0 ' <<<"$new" && break
done
wait "$tshark_pid" || die "tshark capture failed: $(cat "$W/cap.err")"
bg_pids=()
new=$(comm -13 <(echo "$links_before") <(echo "$links_during"))
grep -q '^web-eth0 ' <<<"$new" || die "no program of the capture attached to eth0 in web"
grep -qv '^web-eth0 ' <<<"$new" || die "no program of the capture attached to $veth"

# A normal stop shows no error: ctrcap's packet counts on its stderr stay
# inside ctrcapdump, and nothing reports an extcap error.
extra=$(grep -Ei 'ctrcapdump|ctrcap:|extcap|received by filter|dropped by kernel' "$W/cap.err" ||
	true)
[ -z "$extra" ] || die "the stop showed an error to the user: $extra"
log "tshark's stderr after the stop: $(paste -sd'|' "$W/cap.err")"
rows=$(grep -c . "$W/cap.out" || true)
[ "$rows" -ge 3 ] || die "only $rows rows for web (stderr: $(cat "$W/cap.err"))"
awk -F'\t' -v id="$web_id" '$1 != "web" || $3 != id { bad++ } END { exit bad > 0 }' "$W/cap.out" ||
	die "rows of another container: $(sort "$W/cap.out" | uniq -c | head)"
awk -F'\t' -v p="$web_pid" '$2 == p { ok++ } END { exit ok == 0 }' "$W/cap.out" ||
	die "no row with web's pid $web_pid: $(sort "$W/cap.out" | uniq -c | head)"
awk -F'\t' -v p="$db_pid" '$2 == p { bad++ } END { exit bad > 0 }' "$W/cap.out" ||
	die "a row with db's pid $db_pid"
# Rows without a pid were tied to web by its interface's netns only.
log "capture as $IN_USER: $rows rows, all web," \
	"pids $(cut -f2 "$W/cap.out" | sort -u | sed 's/^$/(none)/' | paste -sd, -)"

# ---- stopped: no helper left, none of its links left ----
sleep 1
pgrep -f "^$W/sbin/ctrcap " >/dev/null && die "ctrcap still running after the capture"
pgrep -f "$extcap_rel/ctrcapdump" >/dev/null && die "ctrcapdump still running after the capture"
left=$(comm -12 <(echo "$new") <(links_web))
[ -z "$left" ] || die "tcx links left on $veth after the stop: $left"
log "after the stop: no ctrcap process, links $(echo "$new" | paste -sd' ') gone"

# ---- a user outside the group gets one clear refusal ----
# tshark -D offers container-any alone and says why the containers are missing.
as_user "$OUT_USER" timeout 60 tshark -D >"$W/outD.out" 2>"$W/outD.err" ||
	die "tshark -D as $OUT_USER failed: $(cat "$W/outD.err")"
grep -q 'container-any (All containers.*containers not listed: you are not in group ctrcap, whose members may capture (usermod -aG ctrcap USER, then log in again))' \
	"$W/outD.out" || die "tshark -D as $OUT_USER does not say why: $(grep container "$W/outD.out")"
grep -q 'container-web' "$W/outD.out" && die "tshark -D as $OUT_USER lists container-web"
if as_user "$OUT_USER" timeout 60 tshark -i container-any -a duration:3 \
	>"$W/out.out" 2>"$W/out.err"; then
	# tshark may end 0 after an extcap error; the message is what counts.
	:
fi
grep -q 'only root and members of group ctrcap may capture' "$W/out.err" ||
	die "no clear refusal for $OUT_USER: $(cat "$W/out.err")"
log "refusal for $OUT_USER: $(grep -m1 'group ctrcap' "$W/out.err")"
grep -q . "$W/out.out" && die "$OUT_USER got packets: $(head -3 "$W/out.out")"

echo "extcap_e2e: 1 passed, 0 failed"
