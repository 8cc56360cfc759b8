#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages from debian/, end to end, as root:
#  1. dpkg-buildpackage on this machine (Debian 12; the Wireshark it has);
#     lintian shows no error or warning; the plugin's package depends on
#     the libwireshark package it was built with, with an upper bound;
#  2. a clean chroot of Debian 12 (debootstrap minbase, kept in
#     COMPAT_DIR/bookworm; each run installs into a fresh overlay on it,
#     with tshark installed once; downloads cached in COMPAT_DIR/apt-
#     archives-bookworm): apt installs the three packages with their
#     dependencies;
#  3. debconf: the default answer leaves ctrcap root-only (no group, no
#     capabilities); "yes" through dpkg-reconfigure makes group ctrcap,
#     root:ctrcap 0750 and the file capabilities;
#  4. as a member of group ctrcap: tshark -D lists container-any and a live
#     capture through the installed extcap, helper and plugin names the
#     sending shell (tests/lib/tshark_live.sh);
#  5. systemd-analyze verify accepts the installed unit; its ExecStart, run under the unit's capability
#     bounding set and no_new_privs, serves the real libpcap client (tests/
#     rpcap/build-client.sh) a container-any capture whose PKTAP headers
#     name the sending process;
#  6. purge (and autoremove of what came with the packages) leaves no file,
#     group, statoverride or file capability behind.
# The chroot shares the host's kernel, network and /sys (bpffs, BTF); every
# mount lives in a private mount namespace and goes with it.
#   debian_packages.sh SUITE   (bookworm)
# Env: CTRCAP_SOURCE_DIR, COMPAT_DIR, RPCAP_BINDIR (where the libpcap client
# is built once, shared with the rpcap tests).
set -euo pipefail
suite=${1:?usage: debian_packages.sh SUITE}
: "${CTRCAP_SOURCE_DIR:?}" "${COMPAT_DIR:?}" "${RPCAP_BINDIR:?}"
SRC=$CTRCAP_SOURCE_DIR

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (debootstrap, chroot, mount namespace)"
	exit 77
fi
for t in dpkg-buildpackage dh lintian debootstrap unshare bpftool tshark getcap perl \
	systemd-analyze; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t not installed (scripts/install-deps installs it)"; exit 1; }
done
if [ -z "${PKG_IN_MNTNS:-}" ]; then
	export PKG_IN_MNTNS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

# shellcheck source=../lib/debian_chroot.sh
. "$SRC/tests/lib/debian_chroot.sh"

work=$COMPAT_DIR/packaging-$suite
base=$COMPAT_DIR/$suite-clean
root=$work/root
dpid=
spid=

fail() { echo "FAIL: $*"; exit 1; }
build_failed() {
	grep -E -B2 -A8 'error|Error' "$work/build.log" | head -60
	fail "dpkg-buildpackage for $suite (log: $work/build.log)"
}
in_root() { chroot_run "$root" "$@"; }

cleanup() {
	local rc=$?
	set +e
	for p in $dpid $spid; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	umount -R "$root" 2>/dev/null
	[ -n "${broot:-}" ] && umount -R "$broot" 2>/dev/null
	umount "$base/var/cache/apt/archives" 2>/dev/null
	rm -rf --one-file-system "$work/upper" "$work/ovl" "$root" "$work/bupper" "$work/bovl" "${broot:-}"
	exit $rc
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work/src"

# --- 1. build, lintian, the Wireshark dependency
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
git -C "$SRC" ls-files -z -co --exclude-standard |
	tar -C "$SRC" --null -T - -cf - | tar -C "$work/src" -xf -
if [ "$suite" = "$host_suite" ]; then
	echo "== [${SECONDS}s] dpkg-buildpackage on this machine ($suite)"
	archives=$COMPAT_DIR/apt-archives-$suite
	(cd "$work/src" && dpkg-buildpackage -b -uc -us -j2 >"$work/build.log" 2>&1) ||
		build_failed
else
	# The compat tests' chroot of this release (made here when they have
	# not yet), in an overlay so that it stays as they left it; the build
	# dependencies and debhelper come from its package cache.
	echo "== [${SECONDS}s] dpkg-buildpackage in the compat chroot of $suite"
	croot=$COMPAT_DIR/$suite
	archives=$croot/var/cache/apt/archives
	chroot_bootstrap "$suite" "$croot" "$COMPAT_DIR" || exit 1
	chroot_build_deps "$croot" "$suite" || exit 1
	broot=$work/build-root
	mkdir -p "$work/bupper" "$work/bovl" "$broot"
	mount -t overlay ctrcap-pkgbuild \
		-o "lowerdir=$croot,upperdir=$work/bupper,workdir=$work/bovl" "$broot"
	mount --bind "$archives" "$broot/var/cache/apt/archives"
	mv "$work/src" "$broot/src"
	chroot_run "$broot" apt-get install -y -qq --no-install-recommends debhelper po-debconf \
		>"$work/build.log" 2>&1 || build_failed
	chroot_run "$broot" sh -c 'cd /src && dpkg-buildpackage -b -uc -us -j2' \
		>>"$work/build.log" 2>&1 || build_failed
	cp "$broot"/*.deb "$broot"/*.changes "$broot"/*.buildinfo "$work/"
	umount -R "$broot"
	rm -rf --one-file-system "$work/bupper" "$work/bovl" "$broot"
fi
debs=()
for p in ctrcap wireshark-ctrcap ctrcap-rpcapd; do
	f=$(ls "$work/${p}"_*_amd64.deb 2>/dev/null) || fail "no $p package built"
	debs+=("$f")
done
echo "built: ${debs[*]##*/}"

echo "== [${SECONDS}s] lintian"
if ! lintian --fail-on error,warning "$work"/ctrcap_*.changes >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log"
	fail "lintian reports errors or warnings"
fi
grep -E '^[EW]:' "$work/lintian.log" && fail "lintian reports errors or warnings"
echo "ok: lintian: no error, no warning ($(grep -c '^[IPN]:' "$work/lintian.log" || true) notes)"

wsdep=$(dpkg-deb -f "${debs[1]}" Depends)
wspkg=$(grep -o 'libwireshark[0-9]* (<< [0-9]*\.[0-9]*~)' <<<"$wsdep" | cut -d' ' -f1) ||
	fail "wireshark-ctrcap has no upper bound on libwireshark: $wsdep"
grep -q "$wspkg (>= " <<<"$wsdep" || fail "wireshark-ctrcap: no lower bound on $wspkg: $wsdep"
echo "ok: wireshark-ctrcap depends on $(grep -o "$wspkg ([^)]*)" <<<"$wsdep" | paste -sd' ')"

# --- 2. a clean chroot, a fresh overlay on the cached one
chroot_bootstrap "$suite" "$base" "$COMPAT_DIR" "$archives" || exit 1
mkdir -p "$archives/partial"
# The cached chroot has the user's Wireshark (tshark) already, as a system
# that gets ctrcap would; ctrcap's packages go into a fresh overlay on it.
if [ "$(cat "$base/.ctrcap-packaging" 2>/dev/null)" != tshark ]; then
	echo "== $suite: apt-get install tshark into the cached chroot"
	cp /etc/resolv.conf "$base/etc/resolv.conf"
	# A mirror snapshot may be older than a release file's Valid-Until allows.
	mount --bind "$archives" "$base/var/cache/apt/archives"
	chroot_run "$base" apt-get -qq -o Acquire::Check-Valid-Until=false update
	chroot_run "$base" apt-get install -y -qq --no-install-recommends tshark \
		>"$COMPAT_DIR/$suite-tshark.log" 2>&1 ||
		{ tail -20 "$COMPAT_DIR/$suite-tshark.log"; fail "apt-get install tshark in $suite"; }
	umount "$base/var/cache/apt/archives"
	echo tshark >"$base/.ctrcap-packaging"
fi
mkdir -p "$work/upper" "$work/ovl" "$root"
mount -t overlay ctrcap-pkg -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl" "$root"
mount --bind "$archives" "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
cp "$SRC/tests/lib/tshark_live.sh" "$root/tmp/"

# What the system holds before ctrcap: files (not the package manager's own
# state and logs, not /run, a tmpfs on a booted system, where adduser keeps
# its lock, and not the "-" backups shadow's tools make of /etc/group and
# the like), groups, file capabilities.
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./tmp -o -path ./run -o -path ./var/cache -o -path ./var/log \
		-o -path ./var/lib/dpkg -o -path ./var/lib/apt \) -prune \
		-o ! -path './etc/*-' -print | sort) >"$1.files"
	cut -d: -f1 "$root/etc/group" | sort >"$1.groups"
	(cd "$root" && getcap -r usr etc var opt 2>/dev/null | sort) >"$1.caps"
}
snapshot "$work/before"

echo "== [${SECONDS}s] apt-get install ./ctrcap ./wireshark-ctrcap ./ctrcap-rpcapd (debconf default)"
# The cached lists may be older than the mirror's packages by now.
in_root apt-get -qq -o Acquire::Check-Valid-Until=false update >"$work/apt.log" 2>&1 ||
	{ tail -20 "$work/apt.log"; fail "apt-get update in $suite"; }
# shellcheck disable=SC2046
in_root apt-get install -y --no-install-recommends $(printf '/tmp/debs/%s ' "${debs[@]##*/}") \
	>>"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; fail "apt-get install of the packages"; }
have=$(in_root dpkg-query -W -f '${Package}\n' 'libwireshark[0-9]*' | grep -v -- -dev || true)
[ "$have" = "$wspkg" ] || fail "$suite installed libwireshark '$have', the plugin was built for $wspkg"
mode=$(in_root stat -c '%U:%G %a' /usr/sbin/ctrcap)
[ "$mode" = "root:root 755" ] || fail "default answer: ctrcap is $mode, want root:root 755"
[ -z "$(getcap "$root/usr/sbin/ctrcap")" ] || fail "default answer: ctrcap has capabilities"
grep -q '^ctrcap:' "$root/etc/group" && fail "default answer made group ctrcap"
unit=$(cd "$root" && ls lib/systemd/system/ctrcap-rpcapd.service usr/lib/systemd/system/ctrcap-rpcapd.service 2>/dev/null | head -1)
[ -n "$unit" ] || fail "ctrcap-rpcapd.service not installed"
[ -z "$(find "$root/etc/systemd" -name 'ctrcap-rpcapd*' 2>/dev/null)" ] ||
	fail "ctrcap-rpcapd.service is enabled after install"
echo "ok: default: ctrcap root:root 755, no capabilities, no group; /$unit installed, not enabled"

echo "== [${SECONDS}s] dpkg-reconfigure ctrcap: group ctrcap may capture"
in_root sh -c 'echo "ctrcap ctrcap/group-capture boolean true" | debconf-set-selections &&
	dpkg-reconfigure -f noninteractive ctrcap' >"$work/reconf.log" 2>&1 ||
	{ cat "$work/reconf.log"; fail "dpkg-reconfigure ctrcap"; }
mode=$(in_root stat -c '%U:%G %a' /usr/sbin/ctrcap)
[ "$mode" = "root:ctrcap 750" ] || fail "yes: ctrcap is $mode, want root:ctrcap 750"
caps=$(getcap "$root/usr/sbin/ctrcap")
# The list scripts/install-privileged sets (test_privilege.c keeps it equal
# to what ctrcap checks for).
want=$(sed -n 's/^CTRCAP_CAPS="\(.*\)"$/\1/p' "$SRC/scripts/install-privileged")
for c in ${want//,/ }; do
	grep -q "$c" <<<"$caps" || fail "yes: ctrcap lacks $c ($caps)"
done
in_root dpkg-statoverride --list /usr/sbin/ctrcap >/dev/null || fail "yes: no statoverride"
echo "ok: yes: ctrcap $mode, ${caps#* }"

# --- 4. a member of group ctrcap, through the installed files
echo "== [${SECONDS}s] as a member of group ctrcap: tshark -D, tshark -i container-any"
in_root useradd -m -G ctrcap -s /bin/bash cpkg
before=$(ctrcap_progs)
in_root setpriv --reuid=cpkg --regid=cpkg --init-groups env HOME=/home/cpkg \
	/tmp/tshark_live.sh /tmp/live.pcapng
ctrcap_progs_settle "$before"

# --- 5. the unit's ExecStart serves a real libpcap client
echo "== [${SECONDS}s] the unit's ExecStart and a libpcap client"
client=$("$SRC/tests/rpcap/build-client.sh" "$RPCAP_BINDIR" "$SRC/tests/rpcap")
exec_start=$(sed -n 's/^ExecStart=//p' "$root/$unit")
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$root/$unit")
grep -q -- "--listen 127.0.0.1" <<<"$exec_start" || fail "ExecStart does not listen on 127.0.0.1: $exec_start"
pwfile=$(grep -o -- '--passwd-file [^ ]*' <<<"$exec_start" | cut -d' ' -f2)
[ -n "$pwfile" ] || fail "ExecStart names no password file: $exec_start"
grep -qx 'NoNewPrivileges=yes' "$root/$unit" || fail "unit without NoNewPrivileges=yes"
grep -qx 'ProtectSystem=strict' "$root/$unit" || fail "unit without ProtectSystem=strict"
for c in ${want//,/ } cap_net_admin; do
	grep -qiw "$c" <<<"$bset" || fail "CapabilityBoundingSet lacks $c: $bset"
done
[ "$(wc -w <<<"$bset")" -eq 4 ] || fail "CapabilityBoundingSet is more than docs/security.md's four: $bset"
# systemd's own check of the unit (unknown keys, bad values), with ExecStart
# pointing at the installed binary (this machine has none of its own).
sed "s|^ExecStart=/|ExecStart=$root/|" "$root/$unit" >"$work/ctrcap-rpcapd.service"
systemd-analyze verify --man=no "$work/ctrcap-rpcapd.service" >"$work/verify.log" 2>&1 ||
	{ cat "$work/verify.log"; fail "systemd-analyze verify $unit"; }
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify $unit complains"; }
port=$(grep -o -- '--port [0-9]*' <<<"$exec_start" | cut -d' ' -f2)
(exec 3<>"/dev/tcp/127.0.0.1/${port:-2002}") 2>/dev/null &&
	fail "port ${port:-2002} on 127.0.0.1 is already in use on this machine"
mkdir -p "$root/$(dirname "$pwfile")"
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$cpkgsalt\$")' cpkg-secret)
echo "cpkg:$hash" >"$root/$pwfile"
# The unit's bounding set, in setpriv's spelling, and no_new_privs.
sp_caps=$(tr 'A-Z ' 'a-z\n' <<<"$bset" | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd,)
# shellcheck disable=SC2086
(chroot_exec "$root" setpriv --bounding-set "-all,$sp_caps" --no-new-privs $exec_start \
	>"$work/rpcapd.log" 2>&1) &
dpid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/${port:-2002}") 2>/dev/null && break
	kill -0 "$dpid" 2>/dev/null || { cat "$work/rpcapd.log"; fail "ExecStart exited: $exec_start"; }
	sleep 0.1
done
bash -c 'i=0; while [ $i -lt 600 ]; do echo "cpkg $i" >/dev/udp/127.0.0.1/9; i=$((i + 1)); sleep 0.05; done' &
spid=$!
"$client" -u "rpcap://127.0.0.1:${port:-2002}/" -U cpkg -P cpkg-secret -s container-any \
	-i -f "udp port 9" -c 10 -t 30 -w "$work/rpcap.pcap" >"$work/client.out" 2>&1 ||
	{ cat "$work/client.out" "$work/rpcapd.log"; fail "libpcap client on the unit's server"; }
got=$(tshark -r "$work/rpcap.pcap" -Y "udp.dstport == 9 && pktap.pid == $spid" \
	-T fields -e pktap.cmdname 2>/dev/null | sort | uniq -c | tr -s ' ')
case $got in
*" bash") echo "ok: ExecStart ($exec_start) served the libpcap client; sender in PKTAP:$got" ;;
*) fail "no packet of the sender (pid $spid, bash) in the rpcap capture: $(cat "$work/client.out")" ;;
esac
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=
kill -TERM "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=

# --- 6. purge
echo "== [${SECONDS}s] apt-get purge"
in_root userdel -r cpkg 2>/dev/null || true
rm -f "$root/$pwfile"
rmdir "$root/$(dirname "$pwfile")"
in_root apt-get purge -y ctrcap-rpcapd wireshark-ctrcap ctrcap >"$work/purge.log" 2>&1 ||
	{ tail -20 "$work/purge.log"; fail "apt-get purge"; }
in_root apt-get autoremove --purge -y >>"$work/purge.log" 2>&1 ||
	{ tail -20 "$work/purge.log"; fail "apt-get autoremove --purge"; }
snapshot "$work/after"
for k in groups caps; do
	if ! diff "$work/before.$k" "$work/after.$k" >"$work/diff.$k"; then
		cat "$work/diff.$k"
		fail "purge left $k behind (< before, > after)"
	fi
done
# Files: none may be gone, and a new one is fine only where a package that
# came as a dependency and that apt keeps installed owns it (trixie's apt
# keeps adduser after autoremove); a file no package owns is left behind.
comm -23 "$work/before.files" "$work/after.files" >"$work/gone"
[ ! -s "$work/gone" ] || { head "$work/gone"; fail "purge removed files that were there before"; }
comm -13 "$work/before.files" "$work/after.files" | sed 's|^\.||' >"$work/new"
kept=
while read -r f; do
	[ -d "$root$f" ] && [ ! -L "$root$f" ] && continue
	owner=$(in_root dpkg -S "$f" </dev/null 2>/dev/null | sed -n '1s/:.*//p')
	case $owner in
	"" | ctrcap | ctrcap-rpcapd | wireshark-ctrcap) fail "purge left $f behind (owner: ${owner:-none})" ;;
	esac
	kept="$kept $owner"
done <"$work/new"
while read -r d; do # and no new directory without an owner
	[ -d "$root$d" ] || continue
	[ -n "$(in_root dpkg -S "$d" </dev/null 2>/dev/null)" ] || fail "purge left directory $d behind"
done <"$work/new"
[ -z "$kept" ] || echo "note: kept by apt as installed packages: $(tr ' ' '\n' <<<"$kept" | grep . | sort -u | paste -sd' ')"
in_root dpkg-statoverride --list | grep -q ctrcap && fail "purge left a statoverride"
echo "ok: purge: no file, group or capability of the packages left"
echo "PASS: packages on $suite (${SECONDS}s)"
