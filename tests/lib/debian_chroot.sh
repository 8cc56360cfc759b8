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

# chroot_bootstrap SUITE ROOT LOGDIR: a minbase debootstrap of SUITE in
# ROOT unless one finished there before (.ctrcap-debootstrap-ok is written
# last, so a run killed half-way starts over). Returns 1 with the log's
# tail on failure.
chroot_bootstrap() {
	local suite=$1 root=$2 logdir=$3 script mirror
	[ -e "$root/.ctrcap-debootstrap-ok" ] && return 0
	rm -rf "$root"
	mkdir -p "$logdir"
	script=/usr/share/debootstrap/scripts/$suite
	# Releases newer than this debootstrap bootstrap like sid.
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	mirror=$(chroot_mirror)
	echo "== debootstrap $suite from $mirror"
	if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script" \
		>"$logdir/$suite-debootstrap.log" 2>&1; then
		tail -20 "$logdir/$suite-debootstrap.log"
		echo "FAIL: debootstrap $suite (log: $logdir/$suite-debootstrap.log)"
		rm -rf "$root"
		return 1
	fi
	touch "$root/.ctrcap-debootstrap-ok"
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
	local before=$1 left i
	for i in $(seq 50); do
		left=$(ctrcap_progs) || return 1
		[ "$left" -le "$before" ] && return 0
		sleep 0.1
	done
	echo "FAIL: $((left - before)) ctrcap BPF programs left loaded"
	return 1
}
