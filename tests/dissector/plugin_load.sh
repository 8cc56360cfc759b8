#!/usr/bin/env bash
# Where the plugin and the "Containers" profile load from:
#  - an unprivileged user: the personal dirs (~/.local/lib/wireshark/plugins/
#    <ver>/epan and ~/.config/wireshark/profiles);
#  - root: only the system dirs (root ignores personal dirs and
#    WIRESHARK_PLUGIN_DIR). `cmake --install` is staged with DESTDIR and the
#    staged dirs are bind-mounted over the system ones in a private mount
#    namespace, so the real system install is never touched and the mounts
#    vanish with the namespace.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

: "${WS_PLUGIN_DIR:?}" "${WS_PROFILES_DIR:?}" "${CTRCAP_BUILD_DIR:?}"

C=$WORK/caps
mkdir -p "$C"
"$GEN" "$C"
chmod -R a+rX "$C"

echo "== unprivileged user, personal dirs"
mkdir -p "$TS_HOME/.config/wireshark/profiles"
cp -r "$CTRCAP_SOURCE_DIR/dissector/profile/Containers" "$TS_HOME/.config/wireshark/profiles/"
chmod -R a+rX "$TS_HOME"
expect_match "personal plugin dir" "^ctrcap\.so.*$TS_HOME/\.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/ctrcap\.so" \
	"$(ts -G plugins)"
# Columns are read from the one-line summary: from 4.2 on, -e _ws.col.<title>
# no longer names a custom column.
expect "personal profile: container column and Info text" \
	"web 241879 [container web]" \
	"$(ts -C Containers -r "$C/writer.pcapng" -Y 'frame.number == 1' |
		awk '{ info = $0; sub(/.* \[/, "[", info); print $3, $4, info }')"
expect "personal profile: the Command column holds one name (4.0 joined exe and comm)" "wget" \
	"$(ts -C Containers -r "$C/writer.pcapng" -Y 'frame.number == 1' | awk '{ print $5 }')"
expect "personal profile: filter macro" "1 4" \
	"$(ts -C Containers -r "$C/writer.pcapng" -Y '${ctr:web}' -T fields -e frame.number |
		tr '\n' ' ' | sed 's/ $//')"
expect "personal profile: two-argument macro (arguments split by ;)" "2" \
	"$(ts -C Containers -r "$C/writer.pcapng" -Y '${pod:shop;db-0}' -T fields -e frame.number |
		tr '\n' ' ' | sed 's/ $//')"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the system-dir part needs root (mount namespace)"
	finish
	exit 77
fi

echo "== root ignores the personal dir and WIRESHARK_PLUGIN_DIR"
pre_installed=$(ls "$WS_PLUGIN_DIR" | grep ctrcap || true)
mkdir -p "$WORK/roothome"
# A system-wide copy would answer for the personal one: hide it behind an empty
# tmpfs in a private mount namespace, so the check means the same everywhere.
hide=":"
[ -e "$WS_PLUGIN_DIR/ctrcap.so" ] && hide="mount -t tmpfs ctrcap-hide '$WS_PLUGIN_DIR'"
expect "root does not load from HOME or WIRESHARK_PLUGIN_DIR" "" \
	"$(HOME=$TS_HOME WIRESHARK_PLUGIN_DIR=$TS_HOME/.local/lib/wireshark/plugins \
		timeout 120 unshare -m sh -c "mount --make-rprivate / && $hide && tshark -G plugins" \
		2>/dev/null | grep ctrcap || true)"

echo "== cmake --install (staged with DESTDIR)"
STAGE=$WORK/stage
DESTDIR=$STAGE cmake --install "$CTRCAP_BUILD_DIR" --component dissector >/dev/null
expect "installed plugin" "yes" "$([ -f "$STAGE$WS_PLUGIN_DIR/ctrcap.so" ] && echo yes)"
for f in preferences dfilter_buttons dfilter_macros dmacros colorfilters; do
	expect "installed profile file $f" "yes" \
		"$([ -f "$STAGE$WS_PROFILES_DIR/Containers/$f" ] && echo yes)"
done

echo "== root, system dirs (bind-mounted in a private mount namespace)"
# Keep the system's own plugins and profiles next to ours.
mkdir -p "$WORK/sys-epan" "$WORK/sys-profiles"
cp -a "$WS_PLUGIN_DIR/." "$WORK/sys-epan/" 2>/dev/null || true
cp "$STAGE$WS_PLUGIN_DIR/ctrcap.so" "$WORK/sys-epan/"
cp -a "$WS_PROFILES_DIR/." "$WORK/sys-profiles/" 2>/dev/null || true
cp -r "$STAGE$WS_PROFILES_DIR/Containers" "$WORK/sys-profiles/"

out=$(HOME=$WORK/roothome timeout 300 unshare --mount --propagation private bash -c '
	set -e
	mount --bind "$1" "$3"
	mount --bind "$2" "$4"
	echo "--plugins"
	tshark -G plugins
	echo "--profile"
	tshark -C Containers -r "$5" -Y "container.name == \"web\""
' ns "$WORK/sys-epan" "$WORK/sys-profiles" "$WS_PLUGIN_DIR" "$WS_PROFILES_DIR" \
	"$C/writer.pcapng" 2>&1) || { echo "FAIL: namespace run: $out"; FAILS=$((FAILS + 1)); }
expect_match "root loads ctrcap.so from the system dir" "^ctrcap\.so.*	$WS_PLUGIN_DIR/ctrcap\.so$" \
	"$out"
expect_match "root: system plugins still load beside it" "^ethercat\.so|^mate\.so|^opcua\.so" "$out"
expect "root: global profile columns" "1	web	241879 4	web	241999" \
	"$(sed -n '/^--profile/,$p' <<<"$out" | sed 1d | grep -v "^Running as user" |
		awk '{ print $1 "\t" $3 "\t" $4 }' | tr '\n' ' ' | sed 's/ $//')"
expect "system plugin dir untouched outside the namespace" "$pre_installed" \
	"$(ls "$WS_PLUGIN_DIR" | grep ctrcap || true)"

finish
