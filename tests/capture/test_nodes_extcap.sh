#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The extcap's `cluster` interface through tshark (issue 19.3), on the
# three ssh nodes of nodes_common.sh (real sshd per netns, this build's
# ctrcap on each). tshark runs as nobody with ctrcapdump in its personal
# extcap dir and the dissector in its plugin dir (root's Wireshark ignores
# both), so the whole path is the user's: tshark -> dumpcap ->
# ctrcapdump -> ctrcap --node -w - -U -> ssh (nobody's own client, the
# test's key) -> each node's ctrcap. Checked: `tshark -D` lists cluster;
# `tshark -i cluster` with the node list and settings as
# `-o extcap.cluster.*` preferences captures packets of all three nodes,
# each with its node's node.name, interface nN/eth0, address, and its
# sender's process.pid and process.comm; a bad node list, an empty one and
# a node that cannot be reached each give one clear error in tshark's
# output and capture nothing.
set -u
. "$(dirname "$0")/common.sh" "$@"
[ -n "${CTRCAPDUMP:-}" ] && [ -x "$CTRCAPDUMP" ] || { echo "SKIP: no CTRCAPDUMP"; exit 77; }
[ -n "${PLUGIN:-}" ] && [ -f "$PLUGIN" ] || { echo "SKIP: no dissector PLUGIN"; exit 77; }
# shellcheck source=nodes_common.sh
. "$(dirname "$0")/nodes_common.sh"

# nobody's home: ctrcapdump and the plugin where tshark looks for a user's.
H=$TMP/home
if [ "$(printf '%s\n' "$WS_VERSION_DIR" 4.4 | sort -V | head -1)" = 4.4 ]; then
	extcap_dir=$H/.local/lib/wireshark/extcap
else
	extcap_dir=$H/.config/wireshark/extcap
fi
mkdir -p "$extcap_dir" "$H/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan"
cp "$CTRCAPDUMP" "$extcap_dir/ctrcapdump"
cp "$PLUGIN" "$H/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/"
# nobody's ssh key (ssh refuses a key its user does not own alone).
cp "$TMP/userkey" "$TMP/nobodykey"
chown 65534:65534 "$TMP/nobodykey" "$H" -R
chmod 0600 "$TMP/nobodykey"
chmod 0755 "$TMP"
chmod 0644 "$TMP/known_hosts"

# ts ARGS...: tshark as nobody (at most 90 s), with that home and this build's ctrcap as the helper.
ts() {
	timeout 90 setpriv --reuid=65534 --regid=65534 --clear-groups -- env -i HOME="$H" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin CTRCAP_HELPER="$CTRCAP" \
		ASAN_OPTIONS=detect_leaks=0 tshark "$@"
}
NODELIST="n1=ssh://root@10.99.21.2, n2=ssh://root@10.99.22.2:22 n3=ssh://root@10.99.23.2"
SSHOPTS="IdentityFile=$TMP/nobodykey;IdentitiesOnly=yes;UserKnownHostsFile=$TMP/known_hosts"
SSHOPTS+=";GlobalKnownHostsFile=/dev/null;StrictHostKeyChecking=yes;LogLevel=ERROR"
PREFS=(-o "extcap.cluster.sshoptions:$SSHOPTS" -o "extcap.cluster.remotectrcap:$CTRCAP"
	-o extcap.cluster.interfaces:eth0)

# --- 1. the interface list
ts -D >"$TMP/D.txt" 2>&1
expect "tshark -D lists cluster ($(grep -c . "$TMP/D.txt") interfaces)" \
	grep -q "^[0-9]*\. cluster (Containers on several hosts (ctrcap --node))$" "$TMP/D.txt"

# --- 2. a capture of the three nodes: rounds of one datagram per node
# until tshark stops (a node that starts slowly must not miss them all).
rm -f "$TMP"/pids.*
ts -i cluster -o "extcap.cluster.nodes:$NODELIST" "${PREFS[@]}" -f 'udp dst portrange 7101-7103' \
	-a duration:12 -w "$H/cluster.pcapng" >"$TMP/cap.out" 2>&1 &
TS_PID=$!
rounds=0
while kill -0 "$TS_PID" 2>/dev/null && [ $rounds -lt 60 ]; do
	send 1
	rounds=$((rounds + 1))
	sleep 0.3
done
wait "$TS_PID"
rc=$?
cat "$TMP/cap.out"
expect "tshark -i cluster: exit 0 ($rc) after $rounds rounds" [ "$rc" = 0 ]
ts -r "$H/cluster.pcapng" -T fields -e node.name -e frame.interface_name -e ip.src \
	-e process.pid -e process.comm >"$TMP/rows.txt" 2>"$TMP/rows.err"
cat "$TMP/rows.err"
total=$(grep -c . "$TMP/rows.txt")
for n in 1 2 3; do
	mine=$(grep -c "^n$n	" "$TMP/rows.txt")
	bad=0
	while IFS=$'\t' read -r _ ifname src pid comm; do
		[ "$ifname" = "n$n/eth0" ] && [ "$src" = "10.99.2$n.2" ] && [ "$comm" = "n${n}send" ] &&
			grep -qx "$pid" "$TMP/pids.$n" || bad=$((bad + 1))
	done < <(grep "^n$n	" "$TMP/rows.txt")
	expect "node n$n: $mine packets, each on n$n/eth0 from 10.99.2$n.2, sent by an n${n}send pid ($bad bad)" \
		[ "$mine" -ge 3 -a "$bad" = 0 ]
done
expect "every one of the $total packets names one of the nodes" \
	[ "$total" -gt 0 -a "$(grep -c '^n[123]	' "$TMP/rows.txt")" = "$total" ]

# --- 3. errors: each one line in tshark's output, no packet.
# err_case NAME NODES WANT: tshark -i cluster with that node list must say WANT.
err_case() {
	local name=$1 nodes=$2 want=$3 rc list=()
	shift 3
	[ -z "$nodes" ] || list=(-o "extcap.cluster.nodes:$nodes")
	ts -i cluster "${list[@]}" "${PREFS[@]}" "$@" -a duration:10 -w "$H/$name.pcapng" \
		>"$TMP/$name.out" 2>&1
	rc=$?
	cat "$TMP/$name.out"
	expect "$name: tshark says '$want' (exit $rc)" grep -qF -- "$want" "$TMP/$name.out"
	expect "$name: no packet" bash -c "[ ! -s '$H/$name.pcapng' ] ||
		[ \$(tshark -r '$H/$name.pcapng' 2>/dev/null | wc -l) = 0 ]"
}
err_case badlist "n1=ssh://root@10.99.21.2 bad=ssh://root@host/path" \
	"ctrcapdump: cluster: node 'bad=ssh://root@host/path': an ssh:// node URI has no path or query"
err_case dupname "n1=ssh://root@10.99.21.2,n1=ssh://root@10.99.22.2" \
	"ctrcapdump: cluster: node name 'n1' given twice"
err_case nolist "" "ctrcapdump: cluster: no nodes given"
err_case gone "gone=ssh://root@10.99.21.9" \
	"ctrcapdump: ctrcap: node gone (ssh://root@10.99.21.9) lost: ssh failed: " \
	-o "extcap.cluster.sshoptions:$SSHOPTS;ConnectTimeout=2"

[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all checks passed"
