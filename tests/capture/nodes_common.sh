# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Three ssh "nodes" for the --node tests (test_nodes.sh, test_nodes_extcap.sh),
# sourced after common.sh: each node N is a network namespace ccapN<N> with
# its own sshd (the test's host key and authorized key, listening on
# 10.99.2N.2) reached from the host over a veth (host side ccaph<N>
# 10.99.2N.1), its own sender (a copy of the traffic helper named nNsend,
# so its comm names its node) and a UDP server on the host at port 710N.
# Sets: SSHO (the --ssh-option words for the test's key and known_hosts),
# NODES (the three --node words and --remote-ctrcap), SEL (each node's
# ctrcap captures its own eth0, only the test's datagrams), LIVE (the
# nodes send() sends from). Provides: sshd_in N, send ROUNDS, stop_nodes.

for t in ssh ssh-keygen /usr/sbin/sshd tshark nsenter; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing (scripts/install-deps)"; exit 77; }
done
# sshd's privilege separation directory; removed again when the test made it.
if [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd && MADE_RUN_SSHD=1
fi
nodes_cleanup() {
	cc_cleanup
	[ "${MADE_RUN_SSHD:-0}" = 1 ] && rmdir /run/sshd 2>/dev/null
}
trap nodes_cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" &&
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/userkey" &&
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/otherkey" || { echo "FAIL: ssh-keygen"; exit 1; }
cp "$TMP/userkey.pub" "$TMP/authorized_keys"
: >"$TMP/known_hosts"

# sshd_in N: node N's sshd, in its netns only: nsenter, not `ip netns exec`,
# whose private /sys hides the cgroup2 mount the remote ctrcap needs.
sshd_in() {
	nsenter --net="/run/netns/ccapN$1" /usr/sbin/sshd -D -e -f "$TMP/sshd$1.conf" \
		2>>"$TMP/sshd$1.log" &
	TN_PIDS+=("$!")
}

# node_up N: netns ccapN<N>, veth host h<N> 10.99.2N.1 <-> eth0 10.99.2N.2, sshd there.
node_up() {
	local n=$1 ns=ccapN$1 addr=10.99.2$1.2
	tn_ns_add "$ns" && tn_veth "" "ccaph$n" "10.99.2$n.1/24" "$ns" eth0 "$addr/24" || return 1
	cat >"$TMP/sshd$n.conf" <<EOC
ListenAddress $addr
Port 22
HostKey $TMP/hostkey
PidFile $TMP/sshd$n.pid
AuthorizedKeysFile $TMP/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
PermitTTY no
EOC
	sshd_in "$n"
	echo "$addr $(cut -d' ' -f1,2 "$TMP/hostkey.pub")" >>"$TMP/known_hosts"
	cp "$TRAFFIC" "$TMP/n${n}send"
	tn_wait_for 10 bash -c "ip netns exec $ns ss -Htln 'sport = :22' | grep -q ." ||
		{ cat "$TMP/sshd$n.log" >&2; return 1; }
}
for n in 1 2 3; do
	node_up "$n" || { echo "FAIL: node $n topology/sshd"; exit 1; }
done

# shellcheck disable=SC2034 # SSHO, NODES, SEL: for the tests that source this
SSHO=(--ssh-option "IdentityFile=$TMP/userkey" --ssh-option IdentitiesOnly=yes
	--ssh-option "UserKnownHostsFile=$TMP/known_hosts" --ssh-option GlobalKnownHostsFile=/dev/null
	--ssh-option StrictHostKeyChecking=yes --ssh-option LogLevel=ERROR)
# shellcheck disable=SC2034
NODES=(--node n1=ssh://root@10.99.21.2 --node n2=ssh://root@10.99.22.2:22
	--node n3=ssh://10.99.23.2 --remote-ctrcap "$CTRCAP")
# Each node's ctrcap captures its own eth0 (-i without @NETNS: the netns it runs in, its sshd's).
# shellcheck disable=SC2034
SEL=(-i eth0 'udp dst portrange 7101-7103')
LIVE=(1 2 3)

# send ROUNDS: in every round each node in LIVE sends one datagram to its
# host-side server; rounds interleave the nodes' timestamps. The senders'
# pids go to $TMP/pids.N.
send() {
	local r n
	for (( r = 0; r < $1; r++ )); do
		for n in "${LIVE[@]}"; do
			tn_bg "" "ccapN$n" "$TMP/n${n}send" udp-send "10.99.2$n.1" "710$n" 1
			echo "$TN_LAST_PID" >>"$TMP/pids.$n"
			wait "$TN_LAST_PID" || fail "node $n: sender failed"
			sleep 0.05
		done
	done
}

# stop_nodes: after the last packets had time to arrive, SIGINT; its exit status in rc.
stop_nodes() {
	sleep 1.5
	kill -INT "$CC_PID"
	wait "$CC_PID"
	rc=$?
	CC_PID=
	cat "$TMP/nodes.err"
}

# The host-side servers of ports 7101-7103.
for n in 1 2 3; do
	tn_bg "" "" "$TRAFFIC" udp-serve "710$n" 100 >"$TMP/srv$n"
done
for n in 1 2 3; do
	tn_wait_for 10 grep -q ready "$TMP/srv$n" || { echo "FAIL: server $n"; exit 1; }
done
