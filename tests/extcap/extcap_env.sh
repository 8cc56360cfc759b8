# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The world extcap_e2e.sh and gui-check.sh run in, sourced by both (as root,
# after CTRCAP, CTRCAPDUMP, SRC, BUILD and log/die are set):
# a private mount namespace; ctrcap installed the privileged way
# (scripts/install-privileged: root:ctrcap 0750 + file capabilities) under
# $W/sbin; users cextin (in group ctrcap) and cextout (not), each with
# ctrcapdump in the per-user extcap dir and the dissector in the per-user
# plugin dir; a private dockerd running "web" and "db" (db fetches from web
# every 0.2 s). cleanup() (the EXIT trap) removes all of it; bg_pids lists
# background processes to stop first.
# Sets: W, IN_USER, OUT_USER, GROUP, ws_ver, extcap_rel, web_id, web_pid, db_pid.
# Provides: as_user USER CMD... (login-like environment, CTRCAP_HELPER set).

# Re-run inside a private mount namespace: /var/lib is a tmpfs there, with
# the test dockerd's data root bound on /var/lib/docker.
if [ -z "${CEXT_IN_MNTNS:-}" ]; then
	export CEXT_IN_MNTNS=1
	exec unshare --mount --propagation private -- "$0" "$@"
	# not reached
	exit 1
fi

W=$(mktemp -d /tmp/cext-x.XXXXXX)
chmod 0755 "$W"
IN_USER=cextin
OUT_USER=cextout
GROUP=ctrcap
made_group=0
made_users=()
bg_pids=()

cleanup()
{
	local rc=$? p
	set +e
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${bg_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if declare -F eng_cleanup >/dev/null; then
		eng_cleanup
	fi
	for u in "${made_users[@]}"; do
		userdel "$u" 2>/dev/null
	done
	[ "$made_group" = 1 ] && groupdel "$GROUP" 2>/dev/null
	umount -l /var/lib/docker 2>/dev/null
	umount -l /var/lib 2>/dev/null
	rm -rf "$W"
	exit $rc
}
trap cleanup EXIT

# ---- the privileged install, as scripts/install-privileged does it ----
getent group "$GROUP" >/dev/null || made_group=1
install -D -m 0755 "$CTRCAP" "$W/sbin/ctrcap"
"$SRC/scripts/install-privileged" "$W/sbin/ctrcap" >/dev/null
[ "$(stat -c '%U:%G %a' "$W/sbin/ctrcap")" = "root:$GROUP 750" ] ||
	die "install-privileged left $(stat -c '%U:%G %a' "$W/sbin/ctrcap")"

# ---- users: one in the group, one outside; per-user extcap and plugin dirs ----
ws_ver=$(tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$ws_ver" ] || die "cannot tell the Wireshark version"
if [ "$(printf '%s\n' "$ws_ver" 4.4 | sort -V | head -1)" = 4.4 ]; then
	extcap_rel=.local/lib/wireshark/extcap
else
	extcap_rel=.config/wireshark/extcap
fi
plugin=$(find "$BUILD/dissector" -maxdepth 2 -name '*.so' -print -quit 2>/dev/null || true)
for u in "$IN_USER" "$OUT_USER"; do
	userdel "$u" 2>/dev/null || true
	useradd -M -d "$W/home/$u" -s /bin/bash "$u"
	made_users+=("$u")
	install -d -o "$u" -g "$u" -m 0755 "$W/home/$u" "$W/home/$u/$extcap_rel"
	install -m 0755 -o "$u" "$CTRCAPDUMP" "$W/home/$u/$extcap_rel/ctrcapdump"
	if [ -n "$plugin" ]; then
		install -D -m 0644 -o "$u" "$plugin" \
			"$W/home/$u/.local/lib/wireshark/plugins/$ws_ver/epan/$(basename "$plugin")"
	fi
	chown -R "$u:$u" "$W/home/$u"
done
usermod -aG "$GROUP" "$IN_USER"

# Run a command as user $1 with a login-like environment and the test helper.
as_user()
{
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups -- \
		env -i HOME="$W/home/$u" USER="$u" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		CTRCAP_HELPER="$W/sbin/ctrcap" ASAN_OPTIONS=detect_leaks=0 "$@"
}

# ---- containers ----
# shellcheck source=tests/lib/engines.sh
. "$SRC/tests/lib/engines.sh"
ENG_PREFIX=cext ENG_SUBNET=10.99.4 ENG_TRAP=0 eng_init
eng_docker_start
eng_docker_default_root || die "cannot bind the test dockerd on /var/lib/docker"
eng_docker_web_db 400 # db fetches from web every 0.2 s for ~80 s
web_id=$(eng_docker inspect -f '{{.Id}}' web)
web_pid=$(eng_docker_pid web)
db_pid=$(eng_docker_pid db)
log "web $web_id pid $web_pid, db pid $db_pid"

