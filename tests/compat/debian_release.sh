#!/usr/bin/env bash
# Build the whole project inside a chroot of another Debian release and run
# its unit tests and the dissector tests there, against that release's
# Wireshark, libpcap, libbpf, glib and compilers (Debian 12 is what the rest
# of the suite runs on); then a short live capture through that release's
# tshark, extcap dir and plugin dir, sending only to 127.0.0.1.
#   debian_release.sh SUITE [WIRESHARK_MAJOR.MINOR]
# Environment: CTRCAP_SOURCE_DIR (the source tree), COMPAT_DIR (where the
# chroots are kept between runs; made once with debootstrap, reused while the
# package list is the same). Each run copies the source in and builds from
# scratch. The mounts the chroot needs live in a private mount namespace and
# vanish with it, also when this script is killed.
set -euo pipefail
suite=${1:?usage: debian_release.sh SUITE [WIRESHARK_VERSION]}
want_ws=${2:-}
: "${CTRCAP_SOURCE_DIR:?}" "${COMPAT_DIR:?}"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (debootstrap, chroot, mount namespace)"
	exit 77
fi

root=$COMPAT_DIR/$suite

# shellcheck source=../lib/debian_chroot.sh
. "$CTRCAP_SOURCE_DIR/tests/lib/debian_chroot.sh"
in_root() { chroot_run "$root" "$@"; }

chroot_bootstrap "$suite" "$root" "$COMPAT_DIR" || exit 1
chroot_build_deps "$root" "$suite" || exit 1

# What a killed run installed into the chroot would shadow the next run's
# personal-dir plugin checks.
if [ -f "$root/build/install_manifest.txt" ]; then
	sed "s|^|$root|" "$root/build/install_manifest.txt" | xargs -r rm -f
fi
rm -rf "$root/src" "$root/build"
mkdir -p "$root/src"
# The tracked and untracked-but-not-ignored files, never build dirs (the
# chroots themselves live in one).
if git -C "$CTRCAP_SOURCE_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$CTRCAP_SOURCE_DIR" ls-files -z -co --exclude-standard |
		tar -C "$CTRCAP_SOURCE_DIR" --null -T - -cf - | tar -C "$root/src" -xf -
else
	tar -C "$CTRCAP_SOURCE_DIR" --exclude=./.git --exclude='./build*' \
		--exclude="./${COMPAT_DIR#"$CTRCAP_SOURCE_DIR"/}" -cf - . | tar -C "$root/src" -xf -
fi
[ -f "$root/src/CMakeLists.txt" ] || { echo "FAIL: copying the source into $suite"; exit 1; }

ws=$(in_root tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
echo "== $suite: Wireshark $ws, $(in_root sh -c 'dpkg-query -W -f="libpcap \${Version}" libpcap0.8-dev 2>/dev/null || true')"
if [ -n "$want_ws" ] && [ "$ws" != "$want_ws" ]; then
	echo "FAIL: $suite has Wireshark $ws, this test is for $want_ws"
	exit 1
fi

echo "== build"
if ! in_root sh -c 'cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/build.log 2>&1 &&
		cmake --build /build -j"$(nproc)" >>/build.log 2>&1'; then
	grep -E -B2 -A6 'error|Error' "$root/build.log" | head -60 || true
	echo "FAIL: build on $suite"
	exit 1
fi
grep -q 'ctrcap dissector: Wireshark' "$root/build.log" || {
	echo "FAIL: the dissector was not configured on $suite"
	exit 1
}

echo "== unit and dissector tests"
in_root sh -c 'cd /build && ctest --output-on-failure -L unit &&
	ctest --output-on-failure -R "^dissector_(tshark|plugin_load|compact)$"'

# The whole path on this release: its tshark runs the installed extcap
# (Wireshark's extcap dir differs between releases), which runs the real
# ctrcap; the sender's identity must come back through the installed plugin.
echo "== live capture: tshark -i container-any"
before=$(ctrcap_progs)
in_root bash -c '
	set -u
	trap "xargs -r rm -f </build/install_manifest.txt" EXIT
	cmake --install /build >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
	/src/tests/lib/tshark_live.sh /tmp/live.pcapng
'
ctrcap_progs_settle "$before"
