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

# Build dependencies by their names in Debian 13 and later (scripts/packages
# pins names of Debian 12, such as libclang-rt-14-dev).
PKGS=(build-essential clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libpcap-dev
	libglib2.0-dev libcmocka-dev libjson-c-dev libcurl4-openssl-dev libssl-dev
	libcrypt-dev flex bison cmake pkg-config dpkg-dev tshark libwireshark-dev
	wireshark-dev iproute2 libcap2-bin util-linux mount ca-certificates groff-base)

root=$COMPAT_DIR/$suite
marker=$root/.ctrcap-packages

# The mirror this machine's apt already uses (tests reach nothing else).
host_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# in_root CMD...: run CMD in the chroot, with /proc, /sys and /dev mounted in a
# private mount namespace. The chroot is bind-mounted onto itself first so
# that its / is a mount point (tests there make private namespaces too).
in_root() {
	unshare --mount --propagation private -- sh -ec '
		r=$1; shift
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /sys "$r/sys"
		mount --rbind /dev "$r/dev"
		exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' in_root "$root" "$@"
}

# Written once debootstrap has finished: a run killed half-way starts over.
if [ ! -e "$root/.ctrcap-debootstrap-ok" ]; then
	rm -rf "$root"
	mkdir -p "$COMPAT_DIR"
	script=/usr/share/debootstrap/scripts/$suite
	# Releases newer than this debootstrap bootstrap like sid.
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	mirror=$(host_mirror)
	echo "== debootstrap $suite from $mirror"
	if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script" \
		>"$COMPAT_DIR/$suite-debootstrap.log" 2>&1; then
		tail -20 "$COMPAT_DIR/$suite-debootstrap.log"
		echo "FAIL: debootstrap $suite (log: $COMPAT_DIR/$suite-debootstrap.log)"
		rm -rf "$root"
		exit 1
	fi
	touch "$root/.ctrcap-debootstrap-ok"
fi
if [ "$(cat "$marker" 2>/dev/null)" != "${PKGS[*]}" ]; then
	echo "== installing the build dependencies in $suite"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# A mirror snapshot may be older than a release file's Valid-Until allows.
	in_root apt-get -qq -o Acquire::Check-Valid-Until=false update
	in_root apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
	echo "${PKGS[*]}" >"$marker"
fi

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
	ctest --output-on-failure -R "^dissector_(tshark|plugin_load)$"'

# The whole path on this release: its tshark runs the installed extcap
# (Wireshark's extcap dir differs between releases), which runs the real
# ctrcap; the sender's identity must come back through the installed plugin.
echo "== live capture: tshark -i container-any"
in_root bash -c '
	set -u
	trap "xargs -r rm -f </build/install_manifest.txt" EXIT
	cmake --install /build >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
	tshark -D 2>/dev/null | grep -q "container-any" ||
		{ echo "FAIL: tshark -D does not list container-any"; exit 1; }
	progs() { # ctrcap programs loaded on the whole host
		local out
		out=$(bpftool prog show) || { echo "FAIL: bpftool prog show" >&2; return 1; }
		grep -c "name ctrcap" <<<"$out" || true
	}
	before=$(progs) || exit 1
	rm -f /tmp/live.pcapng
	timeout 60 tshark -i container-any -a duration:8 -w /tmp/live.pcapng >/tmp/live.err 2>&1 &
	ts=$!
	# Send until tshark stops: a slow start of ctrcap must not miss them all.
	i=0
	while kill -0 $ts 2>/dev/null && [ $i -lt 300 ]; do
		echo "ctrcap-compat $i" >/dev/udp/127.0.0.1/9 2>/dev/null
		i=$((i + 1))
		sleep 0.2
	done
	wait $ts || { cat /tmp/live.err; echo "FAIL: tshark -i container-any"; exit 1; }
	got=$(tshark -r /tmp/live.pcapng -Y "udp.dstport == 9 && process.pid == $$" \
		-T fields -e process.comm 2>/dev/null | sort | uniq -c | tr -s " ")
	echo "sender packets by command:$got"
	case $got in
	*" bash") ;;
	*) echo "FAIL: no packet to port 9 names this shell (pid $$, bash)"; exit 1 ;;
	esac
	# ctrcap detaches after the extcap stops it: give it a few seconds.
	for i in $(seq 50); do
		left=$(progs) || exit 1
		[ "$left" -le "$before" ] && break
		sleep 0.1
	done
	[ "$left" -le "$before" ] ||
		{ echo "FAIL: $((left - before)) ctrcap BPF programs left loaded"; exit 1; }
	echo "ok: live capture on $(tshark --version 2>/dev/null | head -1)"
'
