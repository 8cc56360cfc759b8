#!/usr/bin/env bash
# Fetch the newest generic amd64 kernel of a Debian release from the mirror
# this machine's apt uses, and lay out what a qemu boot of it needs:
#   fetch_kernel.sh RELEASE CACHE_DIR
# CACHE_DIR/RELEASE/ keeps the .debs (downloaded once, checked against the
# SHA256 of the release's Packages.xz) and kernel/ with
#   vmlinuz        the kernel image
#   version        its `uname -r`
#   modules/*.ko   the modules a capture needs, decompressed (busybox insmod
#                  loads plain .ko only), with the modules they depend on
#   load-order     their file names, dependencies first
#   package        the package name, version and SHA256 it came from
# Prints the kernel version string on stdout; progress goes to stderr.
set -euo pipefail
release=${1:?usage: fetch_kernel.sh RELEASE CACHE_DIR}
cache=${2:?usage: fetch_kernel.sh RELEASE CACHE_DIR}

# Modules by name: missing ones are an error unless built in. veth for the
# netns pair, sch_ingress for clsact, cls_bpf for tc programs, bridge (with
# llc and stp, its dependencies) for bridged topologies.
REQUIRED=(veth sch_ingress cls_bpf bridge)
# Loaded when the kernel has them: act_bpf (older tc set-ups), 8021q (VLAN
# tests), the sock_diag modules ctrcap's start-up socket scan asks, and
# nf_conntrack, whose BTF holds the conntrack kfuncs (5.18+) ctrcap's ingress
# program calls where they are (crc32c_generic first: libcrc32c, which older
# nf_conntrack needs, asks the crypto API for crc32c at load, and a guest
# without modprobe cannot load it on demand).
OPTIONAL=(act_bpf 8021q inet_diag tcp_diag udp_diag crc32c_generic nf_conntrack)

log() { echo "fetch_kernel: $*" >&2; }

# The mirror this machine's apt already uses (tests reach nothing else); the
# same lookup as tests/compat/debian_release.sh, skipping the security archive.
host_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | awk '!/-security/ && !m { print; m = 1 }')
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ && $2 !~ /-security/ { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# need_tools: xz and zstd decompress modules (and Packages.xz), curl fetches;
# installed like scripts/install-deps does when this machine lacks them.
need_tools() {
	local missing=() t pkg
	for t in xz:xz-utils zstd:zstd curl:curl dpkg-deb:dpkg; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || { log "missing ${missing[*]}; run as root"; exit 1; }
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	for pkg in "${missing[@]}"; do
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$pkg" >/dev/null
	done
}

# candidates PACKAGES_FILE: "name version filename sha256" of the generic
# amd64 images (no cloud, rt or dbg flavours), signed and unsigned.
candidates() {
	awk '
		/^Package: / { p = $2 } /^Version: / { v = $2 }
		/^Filename: / { f = $2 } /^SHA256: / { s = $2 }
		/^$/ { if (p ~ /^linux-image-[0-9][^-]*(-[0-9]+)?-amd64(-unsigned)?$/) print p, v, f, s
		       p = v = f = s = "" }
		END { if (p ~ /^linux-image-[0-9][^-]*(-[0-9]+)?-amd64(-unsigned)?$/) print p, v, f, s }
	' "$1"
}

# pick: the newest by Debian version; of one kernel, the -unsigned package
# (the same image without the signature wrapper, and the same modules).
pick() {
	local best="" bv="" name ver rest
	while read -r name ver rest; do
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$bv" ||
			{ [ "$ver" = "$bv" ] && [ "${name%-unsigned}" != "$name" ] &&
				[ "${best%% *}" = "${name%-unsigned}" ]; }; then
			best="$name $ver $rest"
			bv=$ver
		fi
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# download URL FILE SHA256: reuse FILE when its checksum matches.
download() {
	local url=$1 file=$2 sum=$3
	if [ -f "$file" ] && echo "$sum  $file" | sha256sum -c --status; then
		return 0
	fi
	log "downloading $url"
	curl -fsSL --retry 3 --connect-timeout 20 --speed-limit 1000 --speed-time 60 \
		-o "$file.part" "$url"
	echo "$sum  $file.part" | sha256sum -c --status ||
		{ log "SHA256 mismatch for $url"; rm -f "$file.part"; exit 1; }
	mv "$file.part" "$file"
}

# modfile ROOT NAME: the path (under ROOT) of module NAME; - and _ are one.
# ROOT/.index (made by extract) lists "name path" for every module.
modfile() {
	awk -v n="${2//-/_}" '$1 == n && !found { print $2; found = 1 }' "$1/.index"
}

# builtin ROOT NAME: true when NAME is compiled into the kernel.
builtin() {
	local n=${2//-/_}
	[ -f "$1/modules.builtin" ] &&
		sed 's/-/_/g' "$1/modules.builtin" | grep -q "/$n\.ko$"
}

# unpack ROOT PATH OUTDIR: decompress module PATH into OUTDIR; prints its
# file name there.
unpack() {
	local f
	f=$(basename "$2")
	case $f in
	*.ko.xz) f=${f%.xz}; xz -dc "$1/$2" >"$3/$f" ;;
	*.ko.zst) f=${f%.zst}; zstd -qdc "$1/$2" >"$3/$f" ;;
	*.ko.gz) f=${f%.gz}; gzip -dc "$1/$2" >"$3/$f" ;;
	*) cp "$1/$2" "$3/$f" ;;
	esac
	echo "$f"
}

# depends KO: the module names from its .modinfo "depends=" string (the
# packages ship no modules.dep: depmod makes it when they are installed).
depends() {
	tr '\0' '\n' <"$1" | awk -F= '$1 == "depends" && !done { gsub(/,/, " ", $2); print $2; done = 1 }'
}

# load ROOT OUTDIR KIND NAME...: unpack the modules NAME and, first, what
# they depend on; appends each file name once to OUTDIR/../load-order. KIND
# is required (a missing module that is not built in is an error) or optional.
declare -A seen=()
load() {
	local root=$1 out=$2 kind=$3 name path f
	shift 3
	for name in "$@"; do
		name=${name//-/_}
		[ -n "${seen[$name]:-}" ] && continue
		seen[$name]=1
		path=$(modfile "$root" "$name")
		if [ -z "$path" ]; then
			builtin "$root" "$name" && { log "$name is built in"; continue; }
			if [ "$kind" = required ]; then
				log "no module $name in this kernel"
				exit 1
			fi
			log "no $name in this kernel (optional)"
			continue
		fi
		f=$(unpack "$root" "$path" "$out")
		# shellcheck disable=SC2046 # a space separated list of names
		load "$root" "$out" required $(depends "$out/$f")
		echo "$f" >>"$out/../load-order"
	done
}

# extract OUT DEB...: vmlinuz, version, the needed modules and load-order
# from the kernel's packages (one, or an image with its binary and modules
# packages).
extract() {
	local out=$1 tmp root deb vmlinuz
	shift
	tmp=$(mktemp -d "$out.tmp.XXXXXX")
	xtmp=$tmp
	for deb in "$@"; do
		dpkg-deb -x "$deb" "$tmp/pkg"
	done
	# lib/modules/KVER/kernel (usr/lib/ since Debian 13); the image is
	# boot/vmlinuz-KVER, or usr/lib/modules/KVER/vmlinuz since Debian 14.
	root=$(find "$tmp/pkg" -path '*/modules/*/kernel' -type d -printf '%h\n' -quit)
	vmlinuz=$(find "$tmp/pkg" \( -name 'vmlinuz-*' -o -name vmlinuz \) -type f -print -quit)
	if ! [ -d "$root/kernel" ] || [ -z "$vmlinuz" ]; then
		log "no kernel image or module tree in $*"
		exit 1
	fi
	(cd "$root" && find kernel -name '*.ko*') | awk '{ b = $0; sub(/.*\//, "", b)
		sub(/\.ko(\.(xz|zst|gz))?$/, "", b); gsub(/-/, "_", b); print b, $0 }' >"$root/.index"
	mkdir -p "$tmp/kernel/modules"
	: >"$tmp/kernel/load-order"
	load "$root" "$tmp/kernel/modules" required "${REQUIRED[@]}"
	load "$root" "$tmp/kernel/modules" optional "${OPTIONAL[@]}"
	cp "$vmlinuz" "$tmp/kernel/vmlinuz"
	basename "$root" >"$tmp/kernel/version"
	rm -rf "$out"
	mv "$tmp/kernel" "$out"
	rm -rf "$tmp"
}

# parts PACKAGES_FILE IMAGE: "name version filename sha256" of the packages
# that make the kernel IMAGE: itself and, since Debian 14 split it, the
# linux-binary-* and linux-modules-* packages it depends on.
parts() {
	awk -v img="$2" '
		/^Package: / { p = $2 } /^Version: / { v = $2 } /^Filename: / { f = $2 }
		/^SHA256: / { s = $2 } /^Depends: / { d = $0 }
		/^$/ { rec(); p = v = f = s = d = "" }
		END { rec() }
		function rec(  i, n, a, w) {
			if (p == "") return
			info[p] = p " " v " " f " " s
			if (p == img) deps = d
		}
		END {
			print info[img]
			n = split(deps, a, /[ ,|]+/)
			for (i = 1; i <= n; i++)
				if (a[i] ~ /^linux-(binary|modules)-/ && (a[i] in info)) print info[a[i]]
		}' "$1"
}

# A failed or killed extraction leaves nothing half-made behind.
xtmp=""
trap '[ -z "$xtmp" ] || rm -rf "$xtmp"' EXIT
need_tools
mkdir -p "$cache/$release"
dir=$(cd "$cache/$release" && pwd)
mirror=$(host_mirror)
url=$mirror/dists/$release/main/binary-amd64/Packages.xz
# A list that does not decompress (a transfer cut short) is fetched anew.
[ -f "$dir/Packages.xz" ] && ! xz -t "$dir/Packages.xz" 2>/dev/null && rm -f "$dir/Packages.xz"
# -z: fetched again only when the mirror has a newer one; into .part, kept once whole.
if curl -fsSL --retry 3 --connect-timeout 20 --speed-limit 1000 --speed-time 60 \
	-z "$dir/Packages.xz" -o "$dir/Packages.xz.part" "$url" &&
	{ ! [ -s "$dir/Packages.xz.part" ] || xz -t "$dir/Packages.xz.part"; }; then
	if [ -s "$dir/Packages.xz.part" ]; then
		mv "$dir/Packages.xz.part" "$dir/Packages.xz"
	fi
	rm -f "$dir/Packages.xz.part"
else
	rm -f "$dir/Packages.xz.part"
	# Offline with a kernel from an earlier run: use that one.
	if [ -f "$dir/kernel/version" ]; then
		log "cannot fetch $url; using the cached $(cat "$dir/kernel/package")"
		cat "$dir/kernel/version"
		exit 0
	fi
	log "cannot fetch $url"
	exit 1
fi
xz -dc "$dir/Packages.xz" >"$dir/Packages"
read -r pkg ver _ < <(candidates "$dir/Packages" | pick) ||
	{ log "no linux-image-*-amd64 in $release"; exit 1; }
debs=() stamp=""
while read -r name _ file sum; do
	debs+=("$dir/$(basename "$file")")
	download "$mirror/$file" "$dir/$(basename "$file")" "$sum"
	stamp="$stamp$name $sum "
done < <(parts "$dir/Packages" "$pkg")
# Older downloads of the release are superseded by these.
for f in "$dir"/linux-*.deb; do
	[[ " ${debs[*]} " == *" $f "* ]] || rm -f "$f"
done
# A new module list extracts the cached packages anew.
stamp="${stamp}modules ${REQUIRED[*]} ${OPTIONAL[*]}"
if [ "$(cat "$dir/kernel/package" 2>/dev/null)" != "$pkg $ver: $stamp" ]; then
	log "extracting $pkg $ver"
	extract "$dir/kernel" "${debs[@]}"
	echo "$pkg $ver: $stamp" >"$dir/kernel/package"
fi
log "$release: $pkg $ver, modules: $(tr '\n' ' ' <"$dir/kernel/load-order")"
cat "$dir/kernel/version"
