#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages of ctrcap-rpcapd and ctrcapdump: every long option of each
# program's option table is in its --help and in its man page, the pages
# render without groff warnings, and cmake --install puts them in place.
# Usage: manpages.sh RPCAPD CTRCAPDUMP SRCDIR BUILDDIR
set -u
rpcapd=$1 dump=$2 src=$3 build=$4

tmp=$(mktemp -d /tmp/crpc-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# check PROGRAM SOURCE PAGE: the option table's names against --help and the page.
check() {
	local prog=$1 c=$2 page=$3 name
	name=$(basename "$page")
	# '{ "name", required_argument, ...' lines of the struct option table
	sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", [a-z_]*_argument.*/\1/p' "$c" >"$tmp/longs"
	[ "$(wc -l <"$tmp/longs")" -ge 5 ] || { fail "no option table in $c"; return; }
	"$prog" --help >"$tmp/help" 2>&1 || fail "$prog --help exits $?"
	if ! groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff" || [ -s "$tmp/groff" ]; then
		fail "$name: groff warnings: $(cat "$tmp/groff")"
	fi
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page" >"$tmp/man"
	while read -r l; do
		grep -Eq -- "--$l([^a-z-]|$)" "$tmp/help" || fail "--$l is not in $prog --help"
		grep -Eq -- "--$l([^a-z-]|$)" "$tmp/man" || fail "--$l is not in $name"
	done <"$tmp/longs"
	echo "ok: $name and --help list the $(wc -l <"$tmp/longs") long options of $(basename "$c")"
}

check "$rpcapd" "$src/pcap-module/rpcap/rpcapd_main.c" "$src/pcap-module/rpcap/ctrcap-rpcapd.8"
check "$dump" "$src/pcap-module/extcap/ctrcapdump.c" "$src/pcap-module/extcap/ctrcapdump.1"

# cmake --install of the build tree into a scratch DESTDIR (absolute install
# directories, such as Wireshark's extcap one, stay under it too).
if DESTDIR=$tmp/root cmake --install "$build" >"$tmp/install.log" 2>&1; then
	for p in man8/ctrcap-rpcapd.8 man1/ctrcapdump.1; do
		found=$(find "$tmp/root" -path "*/man/$p" | head -n 1)
		[ -n "$found" ] && echo "ok: installed $p" || fail "$p not installed"
	done
else
	fail "cmake --install: $(tail -n 5 "$tmp/install.log")"
fi

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
