# shellcheck shell=bash
# Debian chroots for the tests that need another release or a clean system
# (tests/compat, tests/packaging): made once with debootstrap from the
# mirror this machine's apt already uses, kept under the build dir and
# reused. Source this file; the functions need root.

# chroot_mirror: the mirror this machine's apt already uses (tests reach
# nothing else).
chroot_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# chroot_bootstrap SUITE ROOT LOGDIR [CACHE]: a minbase debootstrap of
# SUITE in ROOT unless one finished there before (.ctrcap-debootstrap-ok is
# written last, so a run killed half-way starts over). With CACHE (a
# directory of .debs, such as another chroot's /var/cache/apt/archives)
# debootstrap takes the packages it holds from there and adds the ones it
# downloads. Returns 1 with the log's tail on failure.
chroot_bootstrap() {
	local suite=$1 root=$2 logdir=$3 cache=${4:-} script mirror
	local opts=(--variant=minbase)
	[ -e "$root/.ctrcap-debootstrap-ok" ] && return 0
	rm -rf "$root"
	mkdir -p "$logdir"
	script=/usr/share/debootstrap/scripts/$suite
	# Releases newer than this debootstrap bootstrap like sid.
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	mirror=$(chroot_mirror)
	echo "== debootstrap $suite from $mirror"
	[ -z "$cache" ] || { mkdir -p "$cache"; opts+=(--cache-dir="$cache"); }
	if ! debootstrap "${opts[@]}" "$suite" "$root" "$mirror" "$script" \
		>"$logdir/$suite-debootstrap.log" 2>&1; then
		tail -20 "$logdir/$suite-debootstrap.log"
		echo "FAIL: debootstrap $suite (log: $logdir/$suite-debootstrap.log)"
		rm -rf "$root"
		return 1
	fi
	touch "$root/.ctrcap-debootstrap-ok"
}

# Build dependencies of the project (tests included) by their names in
# Debian 13 and later (scripts/packages pins names of Debian 12, such as
# libclang-rt-14-dev).
CHROOT_BUILD_DEPS=(build-essential clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libpcap-dev libglib2.0-dev libcmocka-dev libjson-c-dev libcurl4-openssl-dev libssl-dev
	libcrypt-dev flex bison cmake pkg-config dpkg-dev tshark libwireshark-dev
	wireshark-dev iproute2 libcap2-bin util-linux mount ca-certificates groff-base
	python3-yaml)

# chroot_build_deps ROOT SUITE: install CHROOT_BUILD_DEPS into the chroot
# ROOT unless this list was installed there before (.ctrcap-packages).
chroot_build_deps() {
	local root=$1 suite=$2 marker=$1/.ctrcap-packages
	[ "$(cat "$marker" 2>/dev/null)" = "${CHROOT_BUILD_DEPS[*]}" ] && return 0
	echo "== installing the build dependencies in $suite"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# A mirror snapshot may be older than a release file's Valid-Until allows.
	chroot_run "$root" apt-get -qq -o Acquire::Check-Valid-Until=false update || return 1
	chroot_run "$root" apt-get install -y -qq --no-install-recommends \
		"${CHROOT_BUILD_DEPS[@]}" >/dev/null || return 1
	echo "${CHROOT_BUILD_DEPS[*]}" >"$marker"
}

# chroot_run ROOT CMD...: run CMD in the chroot ROOT with /proc, /sys (and
# so bpffs and the kernel's BTF) and /dev mounted, in a private mount
# namespace that takes the mounts with it. ROOT is bind-mounted onto itself
# first so that its / is a mount point (tests there make private namespaces
# too).
CHROOT_RUN_SH='
	r=$1; shift
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --rbind /dev "$r/dev"
	exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
'
chroot_run() {
	unshare --mount --propagation private -- sh -ec "$CHROOT_RUN_SH" chroot_run "$@"
}

# chroot_exec ROOT CMD...: chroot_run in place of this (sub)shell, so that
# $! of "(chroot_exec ...) &" is CMD's own pid (every step execs).
chroot_exec() {
	exec unshare --mount --propagation private -- sh -ec "$CHROOT_RUN_SH" chroot_run "$@"
}

# ctrcap_progs: how many ctrcap BPF programs are loaded on the whole host
# (chroots share the kernel, so this runs outside them, with the host's
# bpftool).
ctrcap_progs() {
	local out
	out=$(bpftool prog show) || { echo "FAIL: bpftool prog show" >&2; return 1; }
	grep -c "name ctrcap" <<<"$out" || true
}

# ctrcap_progs_settle BEFORE: wait up to 5 s for the count to fall back to
# BEFORE (ctrcap detaches after the extcap stops it); 1 with a FAIL line if
# programs stay loaded.
ctrcap_progs_settle() {
	local before=$1 left
	for _ in $(seq 50); do
		left=$(ctrcap_progs) || return 1
		[ "$left" -le "$before" ] && return 0
		sleep 0.1
	done
	echo "FAIL: $((left - before)) ctrcap BPF programs left loaded"
	return 1
}
