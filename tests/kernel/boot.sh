#!/usr/bin/env bash
# Boot a Debian release's own kernel in qemu (TCG, no KVM needed) with an
# initramfs holding busybox, the capture's modules and FILES, and run
# GUEST_SCRIPT there with busybox sh:
#   boot.sh RELEASE GUEST_SCRIPT [FILES...]
# FILES are copied into the initramfs at their own absolute paths, each with
# the shared libraries ldd names (and the dynamic loader); the guest script
# gets those paths as its arguments, in the same order.
# The serial console goes to stdout and to $KERNEL_CACHE/RELEASE/console.log.
# Exit status: the guest script's, from the `KERNEL-TEST-EXIT N` line the
# guest's /init prints; 2 when that line never came (boot failure, panic,
# timeout).
# Environment: KERNEL_CACHE (default build-test/kernels in the source tree;
# downloads are reused), KERNEL_TIMEOUT (seconds for the whole boot, 300),
# KERNEL_APPEND (extra kernel command line words); ASAN_OPTIONS, UBSAN_OPTIONS
# and LSAN_OPTIONS, when set, are set for the guest script too.
set -euo pipefail
usage="usage: boot.sh RELEASE GUEST_SCRIPT [FILES...]"
release=${1:?$usage}
guest=${2:?$usage}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
cache=${KERNEL_CACHE:-$(cd "$here/../.." && pwd)/build-test/kernels}
limit=${KERNEL_TIMEOUT:-300}

log() { echo "boot.sh: $*" >&2; }

[ -f "$guest" ] || { log "no guest script $guest"; exit 2; }

# need_packages: qemu to boot, busybox-static for the guest's userland (a
# dynamic busybox would need its libraries in the initramfs too).
need_packages() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
		missing+=(busybox-static)
	command -v gzip >/dev/null 2>&1 || missing+=(gzip)
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || { log "missing ${missing[*]}; run as root"; exit 2; }
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# abspath PATH: PATH made absolute without resolving symlinks (the guest
# sees /usr/sbin/ip where the caller named /usr/sbin/ip).
abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
	esac
}

# put SRC DEST: copy SRC's content (following symlinks) to DEST in the stage.
put() {
	mkdir -p "$stage$(dirname "$2")"
	cp -L "$1" "$stage$2"
}

# libs FILE: the absolute paths of the shared objects FILE loads (the loader
# included); nothing for static binaries and non-ELF files.
libs() {
	ldd "$1" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' || true
}

# add_file PATH: PATH and its libraries, at the same paths in the guest.
add_file() {
	local f=$1 l
	[ -e "$f" ] || { log "no file $f"; exit 2; }
	put "$f" "$f"
	for l in $(libs "$f"); do
		[ -e "$stage$l" ] || put "$l" "$l"
	done
}

# sq WORD: WORD quoted for sh.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# write_init KVER ARGS...: the guest's /init. Everything the guest prints goes
# to the serial console; the exit marker is what this script waits for.
write_init() {
	local kver=$1 args="" env="" a v
	shift
	for a in "$@"; do args="$args $(sq "$a")"; done
	# A sanitizer build under test behaves in the guest as on the host.
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -z "${!v:-}" ] || env="${env}export $v=$(sq "${!v}")
"
	done
	cat >"$stage/init" <<EOF
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
${env}mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs stays writable: nothing is mounted over /tmp or /run, where
# FILES may live.
mkdir -p /dev/pts /dev/shm /sys/fs/bpf /sys/fs/cgroup /run /tmp
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t bpf bpf /sys/fs/bpf || echo "init: no bpffs"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || echo "init: no cgroup2"
# Tracing is optional: kernels built without it still run the scenario.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# BPF maps on kernels before 5.11 are charged to RLIMIT_MEMLOCK.
ulimit -l unlimited 2>/dev/null
while read -r m; do
	insmod "/lib/modules/$kver/\$m" || echo "init: insmod \$m failed"
done <"/lib/modules/$kver/load-order"
ip link set lo up
echo "KERNEL-TEST-BOOTED \$(uname -r) uptime \$(cut -d' ' -f1 /proc/uptime)"
cd /
sh /guest.sh$args
rc=\$?
echo "KERNEL-TEST-EXIT \$rc"
# Let the serial port drain before the power goes.
sleep 1
poweroff -f
EOF
	chmod 755 "$stage/init"
}

# build_initrd KVER MODDIR OUT FILE...: the gzip'd newc cpio.
build_initrd() {
	local kver=$1 moddir=$2 out=$3 a
	shift 3
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc}
	mkdir -p "$stage/lib/modules/$kver"
	cp /bin/busybox "$stage/bin/busybox"
	for a in $("$stage/bin/busybox" --list-full); do
		[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
	# A user and group for the tools that name them.
	echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
	echo 'root:x:0:' >"$stage/etc/group"
	# The kernel's built-in initramfs has /dev/console too; this is in case not.
	mknod "$stage/dev/console" c 5 1 2>/dev/null || true
	cp "$moddir"/modules/*.ko "$moddir/load-order" "$stage/lib/modules/$kver/"
	for a in "$@"; do
		# FILES replace busybox applets of the same path (iproute2's ip).
		rm -f "$stage$a"
		add_file "$a"
	done
	cp "$guest" "$stage/guest.sh"
	write_init "$kver" "$@"
	# busybox cpio: one tool less to install (it reports its block count on
	# stderr).
	(cd "$stage" && find . | "$stage/bin/busybox" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$out" || { log "cannot make the initramfs"; exit 2; }
}

# run_qemu KERNEL INITRD LOG: boots, copies the console to LOG and stdout;
# returns qemu's status (124 on timeout).
run_qemu() {
	local rc=0
	# -nic none: the guest's only interfaces are lo and what the script makes.
	# thread=single: both vCPUs on one host thread. With a thread per vCPU,
	# a CI run saw forky's kernel oops on an int3 in bprm_execve while
	# ctrcap's exec tracepoint was being patched out (the other vCPU ran
	# code the patch had already replaced); the run takes as long either way.
	timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 2048 -smp 2 \
		-nographic -no-reboot -nic none -kernel "$1" -initrd "$2" \
		-append "console=ttyS0 panic=-1 quiet ${KERNEL_APPEND:-}" </dev/null >"$3" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$3" &
	tpid=$!
	wait "$qpid" || rc=$?
	qpid=""
	wait "$tpid" || true
	tpid=""
	return "$rc"
}

qpid="" tpid="" tmp=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	# timeout passes the TERM on to qemu.
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_packages
kver=$("$here/fetch_kernel.sh" "$release" "$cache") || { log "cannot fetch the $release kernel"; exit 2; }
kdir=$(cd "$cache/$release/kernel" && pwd)
files=()
for f in "$@"; do files+=("$(abspath "$f")"); done
tmp=$(mktemp -d /tmp/ctrcap-kernel.XXXXXX)
stage=$tmp/root
build_initrd "$kver" "$kdir" "$tmp/initrd.gz" "${files[@]}"
consolelog=$(cd "$cache/$release" && pwd)/console.log
log "booting $release ($kver, initramfs $(du -k "$tmp/initrd.gz" | cut -f1) KiB, timeout ${limit}s)"
start=$(date +%s)
qrc=0
run_qemu "$kdir/vmlinuz" "$tmp/initrd.gz" "$consolelog" || qrc=$?
# A kernel that died before it ran the test's init is no result of the
# test: under TCG, Debian's 6.12 once oopsed at 2.4 s of boot (int3 in
# sched_clock_cpu, text patching). Boot once more; a timeout is not retried.
if [ "$qrc" != 124 ] && ! tr -d '\r' <"$consolelog" | grep -q 'KERNEL-TEST-BOOTED '; then
	log "the kernel died before the test began (status $qrc); booting once more"
	qrc=0
	run_qemu "$kdir/vmlinuz" "$tmp/initrd.gz" "$consolelog" || qrc=$?
fi
log "qemu ran $(($(date +%s) - start)) s (status $qrc); console log: $consolelog"
status=$(tr -d '\r' <"$consolelog" | sed -n 's/^KERNEL-TEST-EXIT \([0-9][0-9]*\)$/\1/p' | tail -n 1)
if [ -z "$status" ]; then
	[ "$qrc" = 124 ] && log "timed out after ${limit}s"
	log "the guest never printed KERNEL-TEST-EXIT: boot failure, panic or timeout"
	exit 2
fi
exit "$status"
