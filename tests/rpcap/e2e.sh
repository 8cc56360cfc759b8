#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End to end, as root: ctrcap-rpcapd (password auth, loopback) running the
# real ctrcap helper, a real libpcap client (Debian's libpcap source built
# with --enable-remote), Docker containers "web" and "db" on the test bridge
# 10.99.5.0/24 (db fetches from web), then tshark with the dissector plugin
# on the file the client saved.
#
# Usage: e2e.sh DAEMON HELPER BINDIR SRCDIR
# Env (from ctest): PLUGIN, WS_VERSION_DIR (dissector plugin, optional).
set -euo pipefail

daemon=$1 helper=$2 bindir=$3 src=$4
root_src=$(cd "$src/../.." && pwd)

# shellcheck source=checks.sh
. "$src/checks.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (helper loads eBPF, test starts dockerd)"
[ -x "$helper" ] || die "capture helper $helper is not built"
command -v dockerd >/dev/null || die "dockerd not installed (scripts/install-deps)"
command -v tshark >/dev/null || die "tshark not installed"

# --- the real libpcap client (built once, cached in the build dir)
client=$("$src/build-client.sh" "$bindir" "$src")

work=$(mktemp -d /tmp/crpc-e2e.XXXXXX)
chmod 755 "$work"
dpid=

cleanup() {
	local rc=$?
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill -TERM "$dpid"
		for _ in $(seq 1 150); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$dpid" 2>/dev/null || true
	fi
	eng_cleanup || true
	if [ $rc -ne 0 ] && [ -f "$work/daemon.log" ]; then
		echo "--- daemon log"
		tail -n 40 "$work/daemon.log"
	fi
	if [ -n "${CRPC_KEEP:-}" ]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
	exit $rc
}

# shellcheck disable=SC2034 # read by engines.sh
ENG_PREFIX=crpc ENG_SUBNET=10.99.5 ENG_TRAP=0
# shellcheck source=../lib/engines.sh
. "$root_src/tests/lib/engines.sh"
trap cleanup EXIT
eng_init
eng_docker_start
eng_docker_web_db 400
web_ip=$(eng_docker_ip web)
web_id=$(eng_docker inspect -f '{{.Id}}' web)
db_id=$(eng_docker inspect -f '{{.Id}}' db)
echo "web $web_ip ${web_id:0:12}, db ${db_id:0:12}"

# --- the server, password auth only (hash made by libcrypt through perl)
hash=$(perl -e 'print crypt($ARGV[0], "\$6\$crpce2e\$")' crpc-secret)
echo "tester:$hash" >"$work/passwd"
# The daemon runs the helper as given: a wrapper points it at this test's
# private dockerd with ctrcap's engine options, so names resolve.
printf '#!/bin/sh\nexec "%s" --docker-sock "%s" --docker-root "%s" "$@"\n' \
	"$helper" "$ENG_DOCKER_SOCK" "$ENG_DOCKER_ROOT" >"$work/ctrcap-engines"
chmod 755 "$work/ctrcap-engines"
"$daemon" --port 0 --port-file "$work/port" --passwd-file "$work/passwd" \
	--helper "$work/ctrcap-engines" --max-clients 4 >"$work/daemon.log" 2>&1 &
dpid=$!
eng_wait_for 10 test -s "$work/port" || die "daemon did not start: $(cat "$work/daemon.log")"
port=$(cat "$work/port")
url="rpcap://127.0.0.1:$port/"
auth=(-U tester -P crpc-secret)

# --- findalldevs
if "$client" -u "$url" "${auth[@]}" -L >"$work/list" 2>"$work/list.err"; then
	grep -q "^rpcap://127.0.0.1:$port/container-any	" "$work/list" &&
		ok "findalldevs lists container-any" || bad "no container-any in: $(cat "$work/list")"
	web_src=$(awk -F'\t' -v id="${web_id:0:12}" 'index($2, id) { print $1; exit }' "$work/list")
	if [ -n "$web_src" ]; then
		ok "findalldevs lists the web container as ${web_src##*/}"
	else
		bad "web container (${web_id:0:12}) not listed: $(cat "$work/list")"
	fi
else
	bad "findalldevs failed: $(cat "$work/list.err")"
	web_src=
fi

# --- wrong password is refused with a clear error
if "$client" -u "$url" -U tester -P wrong -L >/dev/null 2>"$work/badpw"; then
	bad "wrong password accepted"
else
	grep -q "authentication failed" "$work/badpw" && ok "wrong password refused" ||
		bad "wrong password: unexpected error $(cat "$work/badpw")"
fi

# --- libpcap 1.10 cannot compile "host" for PKTAP: the reason for inner filters
set +e
"$client" -u "$url" "${auth[@]}" -s container-any -f "host $web_ip" -c 1 -t 5 \
	>/dev/null 2>"$work/pktapc"
rc=$?
set -e
if [ $rc -eq 3 ] && grep -q "PKTAP" "$work/pktapc"; then
	ok "libpcap refuses 'host' for DLT_PKTAP (inner filter needed): $(head -c 120 "$work/pktapc")"
else
	bad "expected libpcap to refuse 'host' on PKTAP, rc $rc: $(cat "$work/pktapc")"
fi

# --- container-any with an inner filter, updated mid-capture; a second client at once
"$client" -u "$url" "${auth[@]}" -s container-any -i -f "host $web_ip and tcp port 80" \
	-g "tcp port 80" -c 120 -t 90 -w "$work/any.pcap" >"$work/any.out" 2>"$work/any.err" &
c1=$!
sleep 0.5
c2_ok=1
if [ -n "$web_src" ]; then
	"$client" -u "$url" "${auth[@]}" -s "${web_src##*/}" -c 10 -t 60 -w "$work/web.pcap" \
		>"$work/web.out" 2>"$work/web.err" || c2_ok=0
fi
if wait $c1; then
	ok "container-any capture: $(grep captured "$work/any.out")"
else
	bad "container-any capture failed: $(cat "$work/any.out" "$work/any.err")"
fi
grep -q "^linktype 258" "$work/any.out" && ok "server announces LINKTYPE_PKTAP" ||
	bad "linktype: $(head -1 "$work/any.out")"
grep -q "filter updated" "$work/any.out" && ok "UPDATEFILTER accepted mid-capture" ||
	bad "filter update: $(cat "$work/any.out" "$work/any.err")"
stats=$(sed -n 's/^stats recv \([0-9]*\) .*/\1/p' "$work/any.out")
[ -n "$stats" ] && [ "$stats" -ge 120 ] && ok "stats: helper delivered $stats packets" ||
	bad "stats recv '$stats' below the 120 captured"

# --- what the client saved, with stock tshark (PKTAP) ...
ts_plain() { timeout 120 tshark -r "$@" 2>/dev/null; }
n=$(ts_plain "$work/any.pcap" -T fields -e frame.number | wc -l)
[ "$n" -eq 120 ] && ok "client saved 120 packets" || bad "client saved $n packets"
nonweb=$(ts_plain "$work/any.pcap" -Y "frame.number <= 60 && !(ip.addr == $web_ip && tcp.port == 80)" \
	-T fields -e frame.number | wc -l)
[ "$nonweb" -eq 0 ] && ok "inner filter 'host $web_ip and tcp port 80' held on the first 60" ||
	bad "$nonweb packets outside the filter"
withpid=$(ts_plain "$work/any.pcap" -Y "pktap.pid > 0 && pktap.pid < 4194305" -T fields \
	-e pktap.pid | wc -l)
[ "$withpid" -gt 0 ] && ok "stock tshark shows pktap.pid on $withpid packets" ||
	bad "no packet with a pktap.pid"
ts_plain "$work/any.pcap" -Y 'pktap.cmdname == "wget" || pktap.cmdname == "httpd"' \
	-T fields -e pktap.cmdname | grep -q . && ok "pktap.cmdname shows wget/httpd" ||
	bad "no wget/httpd in pktap.cmdname: $(ts_plain "$work/any.pcap" -T fields -e pktap.cmdname | sort | uniq -c)"

# --- ... and with the dissector plugin (as an unprivileged user: root ignores personal plugins)
if [ -n "${PLUGIN:-}" ] && [ -f "$PLUGIN" ]; then
	home=$work/home
	mkdir -p "$home/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan"
	cp "$PLUGIN" "$home/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/"
	chmod -R a+rX "$work"
	ts() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" \
		timeout 120 tshark -r "$@" 2>/dev/null; }
	ids=$(ts "$work/any.pcap" -Y "container.id" -T fields -e container.id | sort -u)
	if grep -q "^$web_id" <<<"$ids" || grep -q "^$db_id" <<<"$ids"; then
		ok "plugin shows container.id of web/db"
	else
		bad "plugin: no web/db container.id in: $ids"
	fi
	# The helper reaches this private dockerd (--docker-sock): web is listed by
	# name and its packets carry container.name.
	[ "${web_src##*/}" = web ] && ok "the helper lists web by name" ||
		bad "the helper lists web as '${web_src##*/}', not by name"
	nweb=$(ts "$work/any.pcap" -Y 'container.name == "web"' -T fields -e frame.number |
		wc -l)
	[ "$nweb" -gt 0 ] && ok "container.name == \"web\" matches $nweb packets" ||
		bad "container.name == \"web\" matches nothing"
	if [ -f "$work/web.pcap" ]; then
		other=$(ts "$work/web.pcap" -Y "!(container.name == \"web\")" -T fields \
			-e frame.number | wc -l)
		total=$(ts "$work/web.pcap" -T fields -e frame.number | wc -l)
		[ "$total" -gt 0 ] && [ "$other" -eq 0 ] &&
			ok "per-container source: $total packets, all of web" ||
			bad "per-container source: $other of $total packets not web's"
	fi
else
	bad "dissector plugin not built (PLUGIN unset): cannot check container fields"
fi
# --- ... and with ctrcap -r: the frames inside, with the identity their PKTAP header carries
if rweb=$("$helper" -r "$work/any.pcap" --count --container-name web 2>"$work/r.err"); then
	if [ "$rweb" = "0 packets" ]; then
		bad "ctrcap -r: no packet of web in the saved PKTAP file"
	elif [ -n "${nweb:-}" ] && [ "$rweb" != "$nweb packets" ] && [ "$rweb" != "$nweb packet" ]; then
		bad "ctrcap -r: $rweb of web, the plugin $nweb"
	else
		ok "ctrcap -r of the saved PKTAP file: $rweb of web"
	fi
else
	bad "ctrcap -r of the saved PKTAP file failed: $(cat "$work/r.err")"
fi
rtcp=$("$helper" -r "$work/any.pcap" --count 'tcp port 80' 2>"$work/r.err" || true)
[ "$rtcp" = "$n packets" ] && ok "ctrcap -r: the filter runs on the inner frames ($rtcp)" ||
	bad "ctrcap -r 'tcp port 80': '$rtcp' of $n: $(cat "$work/r.err")"

if [ -n "$web_src" ]; then
	[ $c2_ok -eq 1 ] && ok "second concurrent client on ${web_src##*/}: $(grep captured "$work/web.out")" ||
		bad "concurrent per-container capture failed: $(cat "$work/web.out" "$work/web.err")"
fi

# --- an unfiltered container-any capture never contains the server's own connections
if "$client" -u "$url" "${auth[@]}" -s container-any -c 200 -t 30 -w "$work/nofilter.pcap" \
	>"$work/nofilter.out" 2>&1; then
	self=$(ts_plain "$work/nofilter.pcap" -Y \
		'pktap.cmdname == "ctrcap-rpcapd" || pktap.cmdname == "rpcap_client"' \
		-T fields -e frame.number | wc -l)
	[ "$self" -eq 0 ] && ok "unfiltered capture: 200 packets, none of the rpcap connections" ||
		bad "unfiltered capture holds $self packets of the rpcap connections"
else
	bad "unfiltered capture failed: $(cat "$work/nofilter.out")"
fi

# --- the server survived all of it and shuts down cleanly
kill -0 "$dpid" && ok "server still running" || bad "server died"
kill -TERM "$dpid"
for _ in $(seq 1 150); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$dpid" 2>/dev/null; then
	bad "server did not stop on SIGTERM"
else
	dpid=
	pgrep -f "$helper -i any -w -" >/dev/null && bad "a helper outlived the server" ||
		ok "server and helpers stopped"
fi

if grep -q "Sanitizer" "$work/daemon.log"; then
	bad "sanitizer report in the daemon log: $(grep -m1 -A5 Sanitizer "$work/daemon.log")"
fi

checks_done
