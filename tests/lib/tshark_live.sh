#!/usr/bin/env bash
# tshark_live.sh OUT: the whole Wireshark path of an installed ctrcap, run
# by whoever should be able to capture (root, or a member of group ctrcap):
# `tshark -D` must list container-any; then tshark captures container-any
# for 8 s into OUT (its extcap runs the real ctrcap) while this shell sends
# UDP datagrams to 127.0.0.1:9, and reading OUT back the plugin must name
# this shell as their sender (process.pid and process.comm). Exit 0 and one
# "ok" line, or a FAIL line.
set -u
out=${1:?usage: tshark_live.sh OUT}

tshark -D 2>/dev/null | grep -q "container-any" ||
	{ echo "FAIL: tshark -D does not list container-any (as $(id -un))"; exit 1; }
rm -f "$out"
timeout 60 tshark -i container-any -a duration:8 -w "$out" >"$out.err" 2>&1 &
ts=$!
# Send until tshark stops: a slow start of ctrcap must not miss them all.
i=0
while kill -0 $ts 2>/dev/null && [ $i -lt 300 ]; do
	echo "ctrcap-live $i" >/dev/udp/127.0.0.1/9 2>/dev/null
	i=$((i + 1))
	sleep 0.2
done
wait $ts || { cat "$out.err"; echo "FAIL: tshark -i container-any (as $(id -un))"; exit 1; }
comm=$(cat /proc/$$/comm)
got=$(tshark -r "$out" -Y "udp.dstport == 9 && process.pid == $$" \
	-T fields -e process.comm 2>/dev/null | sort | uniq -c | tr -s " ")
echo "sender packets by command:$got"
case $got in
*" $comm") ;;
*) echo "FAIL: no packet to port 9 names this shell (pid $$, $comm)"; exit 1 ;;
esac
echo "ok: live capture as $(id -un) on $(tshark --version 2>/dev/null | head -1)"
