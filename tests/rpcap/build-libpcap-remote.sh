#!/usr/bin/env bash
# Build a libpcap with remote capture (--enable-remote) from Debian's own
# source package, as a static library, into a cache directory, so tests have
# a real rpcap client. Debian's libpcap is built without remote capture and
# its symbol map hides pcap_open()/pcap_findalldevs_ex() in the .so.
#
# Usage: build-libpcap-remote.sh CACHE_DIR
# Leaves CACHE_DIR/libpcap.a, CACHE_DIR/include/pcap.h (+ pcap/), and
# CACHE_DIR/libs (extra link flags). Does nothing when the cache is complete
# and was built the way this script builds it now (the stamp holds the
# configuration: a change rebuilds). Needs root only the first time, for
# apt-get (with a private configuration).
# The client must speak rpcaps:// (TLS): configure finds OpenSSL by itself
# (libssl-dev) and the build fails here when it did not.
set -euo pipefail

cache=${1:?usage: build-libpcap-remote.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
stamp=$cache/.complete

# Only what the rpcap client needs: no D-Bus, RDMA, Bluetooth, netfilter.
config=(--enable-remote --disable-shared --disable-dbus --disable-rdma
	--disable-bluetooth --disable-usb --disable-netmap --without-libnl
	--without-dag --without-septel --without-snf --without-turbocap)
want="configure ${config[*]}; requires HAVE_OPENSSL"

if [ -f "$stamp" ] && [ -f "$cache/libpcap.a" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

log() { echo "build-libpcap-remote: $*" >&2; }

# apt-get source needs a deb-src entry for the mirror this machine uses: a
# private apt configuration under the cache holds it (its own sources list
# and package lists), so the machine's /etc/apt is never changed.
APT_OPTS=()
ensure_deb_src() {
	local dir=$cache/apt uris suites signed
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
		suites=$(awk '/^Suites:/ {$1=""; print; exit}' /etc/apt/sources.list.d/debian.sources)
		signed=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	else
		uris=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list)
		suites=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $3; exit}' /etc/apt/sources.list)
		signed=/usr/share/keyrings/debian-archive-keyring.gpg
	fi
	if [ -z "$uris" ] || [ -z "$suites" ]; then
		log "cannot find the Debian mirror in the apt sources"
		return 1
	fi
	mkdir -p "$dir/lists/partial" "$dir/sources.list.d" "$dir/cache/archives/partial"
	{
		echo "Types: deb-src"
		echo "URIs: $uris"
		echo "Suites:$suites"
		echo "Components: main"
		[ -n "$signed" ] && echo "Signed-By: $signed"
	} >"$dir/sources.list.d/deb-src.sources"
	APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
	log "private apt configuration in $dir (deb-src for $uris$suites)"
	timeout 300 apt-get "${APT_OPTS[@]}" update -qq
}

ensure_deb_src

work=$cache/src
rm -rf "$work"
mkdir -p "$work"
cd "$work"
log "fetching the libpcap source package"
timeout 300 apt-get "${APT_OPTS[@]}" source -qq libpcap >/dev/null
srcdir=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'libpcap-*' | head -n 1)
if [ -z "$srcdir" ]; then
	log "apt-get source libpcap left no libpcap-* directory in $work"
	exit 1
fi

cd "$srcdir"
log "configuring $(basename "$srcdir") with --enable-remote"
timeout 300 ./configure -q "${config[@]}" >configure.log 2>&1 || {
	tail -n 30 configure.log >&2
	log "configure failed in $srcdir"
	exit 1
}
if ! grep -q '^#define HAVE_OPENSSL 1' config.h; then
	log "configure did not find OpenSSL: the client could not speak rpcaps:// (install libssl-dev)"
	exit 1
fi
log "building libpcap.a"
timeout 600 make -s -j2 libpcap.a >make.log 2>&1 || {
	tail -n 30 make.log >&2
	log "make failed in $srcdir"
	exit 1
}
# (not nm | grep -q: grep's early exit would fail the pipeline under pipefail)
if ! nm libpcap.a 2>/dev/null | grep -c ' T pcap_findalldevs_ex$' >/dev/null; then
	log "libpcap.a has no pcap_findalldevs_ex: remote capture was not enabled"
	exit 1
fi

rm -rf "$cache/include"
mkdir -p "$cache/include/pcap"
cp pcap.h "$cache/include/"
cp pcap/*.h "$cache/include/pcap/"
cp libpcap.a "$cache/libpcap.a"
# Link flags the static library needs (OpenSSL when rpcap-over-TLS was found).
libs=$(sed -n 's/^LIBS *= *//p' Makefile)
echo "$libs -lpthread" >"$cache/libs"
rm -rf "$work"
echo "$want" >"$stamp"
log "done: $cache/libpcap.a ($libs)"
