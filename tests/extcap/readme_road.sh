#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README's road from zero to container.name == "web", followed word for
# word: the indented lines between <!-- road --> and <!-- /road --> in
# README.md are run as they stand, "sudo X" as root and the rest as a fresh
# user (croad) after a new login, with two substitutions: "build" in
# "cmake --install build" is this test's build tree, and the user's
# environment gets ASAN_OPTIONS (the build is sanitized). Real docker
# containers "web" and "db" talk meanwhile.
#
#   readme_road.sh   (as root; CTRCAP_SRC, CTRCAP_BUILD set)
#
# Checks: every road line exits 0; `tshark -D | grep container` lists
# container-any and container-web; the Containers-profile capture prints
# rows, each with web in the Container column. It all runs in a private
# mount namespace with a tmpfs over every directory cmake --install writes
# (and /var/lib, where the test dockerd's data root is bound on
# /var/lib/docker for the resolver); user, group and containers are
# removed on exit.
set -euo pipefail

SRC=${CTRCAP_SRC:?CTRCAP_SRC must name the source tree}
BUILD=${CTRCAP_BUILD:?CTRCAP_BUILD must name the build tree}
SKIP=77

log() { echo "readme_road: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { log "skipped: needs root"; exit $SKIP; }
for t in tshark dockerd setcap useradd unshare setpriv; do
	command -v "$t" >/dev/null || { log "skipped: $t not installed"; exit $SKIP; }
done

if [ -z "${ROAD_IN_MNTNS:-}" ]; then
	export ROAD_IN_MNTNS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

W=$(mktemp -d /tmp/croad.XXXXXX)
chmod 0755 "$W"
RUSER=croad
GROUP=ctrcap
made_group=0
made_user=0

cleanup()
{
	local rc=$?
	set +e
	declare -F eng_cleanup >/dev/null && eng_cleanup
	[ "$made_user" = 1 ] && userdel "$RUSER" 2>/dev/null
	[ "$made_group" = 1 ] && groupdel "$GROUP" 2>/dev/null
	rm -rf "$W"
	exit $rc
}
trap cleanup EXIT

# The road, as README.md has it.
sed -n '/^<!-- road -->$/,/^<!-- \/road -->$/p' "$SRC/README.md" |
	sed -n 's/^    \(.*\)$/\1/p' | sed 's/ \{2,\}# .*$//' >"$W/road"
[ "$(wc -l <"$W/road")" -ge 4 ] || die "README.md has no road between <!-- road --> markers"
log "road: $(paste -sd'|' "$W/road")"

# Throw-away install targets.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
for d in "$(cache CMAKE_INSTALL_PREFIX)" "$(cache CTRCAP_EXTCAP_DIR)" \
	"$(cache CTRCAP_WS_PLUGIN_DIR)" "$(cache CTRCAP_WS_PROFILES_DIR)"; do
	[ -n "$d" ] || die "CMakeCache.txt lacks an install directory"
	mkdir -p "$d"
	mount -t tmpfs -o mode=0755 croad "$d"
done

getent group "$GROUP" >/dev/null || made_group=1
userdel "$RUSER" 2>/dev/null || true
useradd -m -d "$W/home" -s /bin/bash "$RUSER"
made_user=1

# shellcheck source=tests/lib/engines.sh
. "$SRC/tests/lib/engines.sh"
ENG_PREFIX=croad ENG_SUBNET=10.99.6 ENG_TRAP=0 eng_init
eng_docker_start
eng_docker_default_root || die "cannot bind the test dockerd on /var/lib/docker"
eng_docker_web_db 400 # db fetches from web every 0.2 s for ~80 s

# A new login each time: groups are read at login (setpriv --init-groups).
as_user()
{
	setpriv --reuid="$RUSER" --regid="$RUSER" --init-groups -- \
		env -i HOME="$W/home" USER="$RUSER" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		ASAN_OPTIONS=detect_leaks=0 bash -c "$1"
}

n=0
while IFS= read -r line; do
	n=$((n + 1))
	out=$W/step$n.out
	case $line in
	sudo\ *)
		cmd=${line#sudo }
		cmd=${cmd/#cmake --install build/cmake --install \"$BUILD\"}
		(cd "$SRC" && USER=$RUSER bash -c "$cmd") >"$out" 2>&1 ||
			die "step $n as root failed: $line: $(tail -5 "$out")"
		;;
	*)
		as_user "$line" >"$out" 2>"$out.err" ||
			die "step $n as $RUSER failed: $line: $(tail -5 "$out.err")"
		;;
	esac
	log "step $n ok: $line ($(wc -l <"$out") lines)"
	case $line in
	"tshark -D"*)
		grep -q 'container-any (All containers' "$out" ||
			die "step $n: no container-any: $(cat "$out")"
		grep -q 'container-web (Container web' "$out" ||
			die "step $n: no container-web: $(cat "$out")"
		;;
	tshark*container.name*)
		rows=$(grep -c . "$out" || true)
		[ "$rows" -ge 3 ] || die "step $n: $rows rows: $(cat "$out" "$out.err")"
		bad=$(grep -v -E '^ *[0-9]+ +[0-9.]+ +web ' "$out" | head -3 || true)
		[ -z "$bad" ] || die "step $n: rows without web in the Container column: $bad"
		;;
	esac
done <"$W/road"
[ "$n" -ge 5 ] || die "only $n road steps ran"
echo "readme_road: 1 passed, 0 failed ($n steps)"
