#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the tests' real rpcap client (rpcap_client.c against a libpcap with
# --enable-remote, see build-libpcap-remote.sh) into BINDIR, once: it is
# rebuilt only when its sources are newer. Prints the client's path.
# Usage: build-client.sh BINDIR SRCDIR
set -euo pipefail

bindir=$1 src=$2
root_src=$(cd "$src/../.." && pwd)

timeout 900 "$src/build-libpcap-remote.sh" "$bindir/libpcap-remote" >&2
client=$bindir/rpcap_client
if [ ! -x "$client" ] || [ "$src/rpcap_client.c" -nt "$client" ] ||
	[ "$root_src/common/include/ctrcap/pktap.h" -nt "$client" ]; then
	read -ra libs <"$bindir/libpcap-remote/libs"
	cc -std=gnu11 -Wall -Wextra -Werror -O1 -I"$bindir/libpcap-remote/include" \
		-I"$root_src/common/include" "$src/rpcap_client.c" \
		"$bindir/libpcap-remote/libpcap.a" "${libs[@]}" -o "$client"
fi
echo "$client"
