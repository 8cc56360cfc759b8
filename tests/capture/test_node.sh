#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The node every packet names (issue 19.1), in live captures of UDP from A
# to B: --node-name over $CTRCAP_NODE_NAME over the host name, on every
# packet's record and at the start of every IDB description ("node NAME,
# netns INODE (ccapA)"); -r prints it
# as a Node line and -r -w keeps it. A bad name from the environment is one
# error line before anything is attached. With --comments, every packet
# carries its identity also as ptcpdump's comments, the same pid as its record.
set -u
. "$(dirname "$0")/common.sh" "$@"

pair || { echo "FAIL: topology"; exit 1; }
HOST=$(uname -n)
INO_A=$(ns_ino ccapA)

# node_run NAME EXPECTED-NODE [ctrcap args...]: capture 5 datagrams A -> B
# with $NODE_ENV as CTRCAP_NODE_NAME ("-" = unset); every packet and IDB must
# name EXPECTED-NODE.
node_run() {
	local name=$1 want=$2 out=$TMP/$1.pcapng n
	shift 2
	if [ "$NODE_ENV" = - ]; then
		unset CTRCAP_NODE_NAME
	else
		export CTRCAP_NODE_NAME=$NODE_ENV
	fi
	start_capture "$out" -i eth0@ccapA "$@" 'udp dst port 7041' || return 1
	tn_bg "" ccapB "$TRAFFIC" udp-serve 7041 5 >"$TMP/$name.srv"
	tn_wait_for 10 grep -q ready "$TMP/$name.srv" || fail "$name: server"
	tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7041 5 || fail "$name: send"
	stop_capture >/dev/null
	unset CTRCAP_NODE_NAME
	"$DUMP" "$out" >"$TMP/$name.txt" || fail "$name: read the capture"
	n=$(grep -c 'UDP, length' "$TMP/$name.txt")
	expect "$name: 5 packets captured ($n)" [ "$n" = 5 ]
	expect "$name: every packet names node $want" \
		[ "$(grep -c " node=$want | IP 10\.99\.1\.1\.[0-9]* > 10\.99\.1\.2\.7041: UDP" \
			"$TMP/$name.txt")" = 5 ]
	"$DUMP" --idb "$out" >"$TMP/$name.idb" || fail "$name: read the IDBs"
	expect "$name: the IDB description starts with the node, then the netns" \
		[ "$(cat "$TMP/$name.idb")" = "idb if=eth0 desc=node $want, netns $INO_A (ccapA)" ]
}

NODE_ENV=node-env
node_run option node-opt --node-name node-opt
NODE_ENV=node-env
node_run env node-env
# The Downward API sets the variable empty when the field is missing.
NODE_ENV=
node_run empty-env "$HOST"
NODE_ENV=-
node_run hostname "$HOST"

# -r: the Node line under each packet (the last identity line); -r -w keeps it.
"$CTRCAP" -r "$TMP/option.pcapng" -v 2>/dev/null >"$TMP/option.v"
expect "-r -v: a Node line under every packet" \
	[ "$(grep -cx '    Node (name node-opt)' "$TMP/option.v")" = 5 ]
"$CTRCAP" -r "$TMP/option.pcapng" -w "$TMP/copy.pcapng" 2>/dev/null
expect "-r -w keeps the node and the IDB description" bash -c "
	[ \$('$DUMP' '$TMP/copy.pcapng' | grep -c ' node=node-opt | ') = 5 ] &&
	[ \"\$('$DUMP' --idb '$TMP/copy.pcapng')\" = 'idb if=eth0 desc=node node-opt, netns $INO_A (ccapA)' ]"

# --comments: ptcpdump's text on every packet (stock tshark shows it as frame.comment).
NODE_ENV=-
node_run comments "$HOST" --comments
pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$TMP/comments.txt" | sort -u)
HOME=$TMP WIRESHARK_PLUGIN_DIR=$TMP tshark -r "$TMP/comments.pcapng" -T fields \
	-e frame.comment 2>/dev/null >"$TMP/comments.fc"
expect "--comments: every packet's comments start with its record's pid ($pid)" bash -c "
	[ -n '$pid' ] && [ \$(grep -c '^PID: $pid\\\\nCmd: .*,ThreadId: ' '$TMP/comments.fc') = 5 ]"

# A bad name from the environment: one line naming it and what to do, nothing attached.
CTRCAP_NODE_NAME=$'bad\tname' "$CTRCAP" -i eth0@ccapA -w "$TMP/bad.pcapng" \
	>"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
expect "bad \$CTRCAP_NODE_NAME: exit 1 ($rc), one line naming it" bash -c "
	[ $rc = 1 ] && [ \"\$(grep -v '^libbpf:' '$TMP/bad.err')\" = \
	\"ctrcap: \\\$CTRCAP_NODE_NAME 'bad?name': control byte 0x09 at byte 3 of the node name; give --node-name\" ]"
expect "bad \$CTRCAP_NODE_NAME: nothing attached, no file" \
	[ "$(leftovers eth0@ccapA)" = 0 -a ! -e "$TMP/bad.pcapng" ]

[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all checks passed"
