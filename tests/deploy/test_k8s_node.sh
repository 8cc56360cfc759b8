#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ctrcap --node NAME=k8s://NODE end to end without a cluster (unit: no
# root, no BPF): a fake kubectl on PATH logs its argv, answers `get pods`
# as kubectl would (a pod for node-1 and node-2, none for node-3) and runs
# `exec ... -- CMD` here, stdin passed through, as the pod would; the
# "remote ctrcap" (--remote-ctrcap) writes make_capture's six packets.
# Checked: the exact kubectl commands, the merged file (12 packets, each
# naming its node), node-3 lost with one warning and exit 2, and the stop
# path: a remote ctrcap that keeps running ends when ctrcap is stopped
# (the node script's SIGTERM on kubectl's stdin EOF), its packets kept.
set -euo pipefail
ctrcap=${1:?usage: test_k8s_node.sh CTRCAP MAKE_CAPTURE}
make_capture=${2:?usage: test_k8s_node.sh CTRCAP MAKE_CAPTURE}
tmp=$(mktemp -d /tmp/ctrcap-k8s-node-XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	[ ! -s "$tmp/remote.pid" ] || kill "$(cat "$tmp/remote.pid")" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/bin"
"$make_capture" "$tmp/cap.pcapng"

cat >"$tmp/bin/kubectl" <<'FAKE'
#!/bin/bash
(IFS='|'; echo "$*") >>"$FAKE_DIR/kubectl.log"
case "$*" in
"get pods "* | *" get pods "*) ;;
*exec*)
	while [ "$1" != "--" ]; do shift; done
	shift
	exec "$@"
	;;
*) echo "fake kubectl: unexpected $*" >&2; exit 3 ;;
esac
[ -z "$FAKE_FAIL" ] || { echo "Error from server (Forbidden): pods is forbidden" >&2; exit 1; }
case "$*" in
*spec.nodeName=node-1,*) echo ctrcap-aaaaa ;;
*spec.nodeName=node-2,*) echo ctrcap-bbbbb ;;
*" --field-selector status.phase=Running "*) for n in $FAKE_NODES; do echo "$n"; done ;;
esac
FAKE
cat >"$tmp/remote" <<'FAKE'
#!/bin/sh
echo "$*" >>"$FAKE_DIR/remote.log"
cat "$FAKE_DIR/cap.pcapng"
[ -n "$FAKE_LINGER" ] || exit 0
# As ctrcap does: run until SIGTERM, then end with status 0.
echo $$ >"$FAKE_DIR/remote.pid"
trap 'kill $!; exit 0' TERM
sleep "$FAKE_LINGER" &
wait
FAKE
chmod +x "$tmp/bin/kubectl" "$tmp/remote"
export PATH="$tmp/bin:$PATH" FAKE_DIR=$tmp FAKE_LINGER='' FAKE_NODES='' FAKE_FAIL=''

fail() {
	echo "test_k8s_node: $*" >&2
	exit 1
}

rc=0
timeout 30 "$ctrcap" --node n1=k8s://node-1 --node n2=k8s://node-2 --node n3=k8s://node-3 \
	--remote-ctrcap "$tmp/remote" --kube-context prod --kubeconfig /k/cfg \
	-w "$tmp/merged.pcapng" --pod-name web-1 udp 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "exit status $rc, want 2 (a node lost): $(cat "$tmp/err")"
want_warn="ctrcap: node n3 (k8s://node-3) lost: no running ctrcap pod on Kubernetes node node-3 (namespace ctrcap, label app.kubernetes.io/name=ctrcap): is deploy/kubernetes/ applied and the node's pod ready?; the other nodes go on"
if [ "$(grep -c 'node n3 .*lost:' "$tmp/err")" -ne 1 ] || ! grep -qxF "$want_warn" "$tmp/err"; then
	fail "node-3's warning missing or repeated: $(cat "$tmp/err")"
fi

get='--context|prod|--kubeconfig|/k/cfg|get|pods|-n|ctrcap|-l|app.kubernetes.io/name=ctrcap|--field-selector|spec.nodeName=NODE,status.phase=Running|-o|jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}'
for n in 1 2 3; do
	grep -qxF -- "${get/NODE/node-$n}" "$tmp/kubectl.log" || fail "no exact get for node-$n: $(cat "$tmp/kubectl.log")"
done
for pod in n1:ctrcap-aaaaa n2:ctrcap-bbbbb; do
	grep -q -- "^--context|prod|--kubeconfig|/k/cfg|exec|-i|-n|ctrcap|${pod#*:}|--|sh|-c|exec 3<&0; " "$tmp/kubectl.log" ||
		fail "no exact exec into ${pod#*:}: $(cat "$tmp/kubectl.log")"
	grep -qxF -- "-w - -U --node-name ${pod%%:*} --pod-name web-1 udp" "$tmp/remote.log" ||
		fail "node ${pod%%:*}'s ctrcap got other words: $(cat "$tmp/remote.log")"
done
[ "$(grep -c exec "$tmp/kubectl.log")" -eq 2 ] || fail "an exec for the lost node"

"$ctrcap" -r "$tmp/merged.pcapng" -v >"$tmp/text" 2>/dev/null
for n in n1 n2; do
	got=$(grep -c "^    Node (name $n)" "$tmp/text" || true)
	[ "$got" -eq 6 ] || fail "$got packets name node $n, want 6"
	got=$(grep -c " $n/\(eth0\|lo\) " "$tmp/text" || true)
	[ "$got" -eq 6 ] || fail "$got packets on $n's interfaces, want 6"
done

# Stop path: the remote ctrcap lingers after its packets until SIGTERM.
: >"$tmp/err"
FAKE_LINGER=60 "$ctrcap" --node n1=k8s://node-1 --remote-ctrcap "$tmp/remote" \
	-w "$tmp/stopped.pcapng" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	grep -q "node n1 (k8s://node-1): capturing" "$tmp/err" && break
	sleep 0.1
done
grep -q "capturing" "$tmp/err" || fail "node n1 never started: $(cat "$tmp/err")"
start=$(date +%s)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ $(($(date +%s) - start)) -lt 10 ] || fail "stopping took $(($(date +%s) - start)) s"
[ "$rc" -eq 0 ] || fail "exit status $rc after a stop: $(cat "$tmp/err")"
# The pod's ctrcap got SIGTERM from the node script, not left running.
if kill -0 "$(cat "$tmp/remote.pid")" 2>/dev/null; then
	fail "the remote ctrcap outlived the capture"
fi
got=$("$ctrcap" -r "$tmp/stopped.pcapng" 2>/dev/null | wc -l)
[ "$got" -eq 6 ] || fail "$got packets after the stop, want 6"
# --nodes-from k8s:SELECTOR: a k8s:// node for each node of the DaemonSet's
# Running pods (node-2 listed twice, as during a rollout; node-1 given as
# --node n1 already), the list asked with the context and the selector.
: >"$tmp/kubectl.log"
: >"$tmp/remote.log"
rc=0
FAKE_NODES="node-2 node-1 node-2" timeout 30 "$ctrcap" --nodes-from k8s:pool=a \
	--node n1=k8s://node-1 --remote-ctrcap "$tmp/remote" --kube-context prod \
	-w "$tmp/from.pcapng" udp 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "--nodes-from: exit status $rc: $(cat "$tmp/err")"
list='--context|prod|get|pods|-n|ctrcap|-l|app.kubernetes.io/name=ctrcap,pool=a|--field-selector|status.phase=Running|-o|jsonpath={range .items[*]}{.spec.nodeName}{"\n"}{end}'
grep -qxF -- "$list" "$tmp/kubectl.log" || fail "--nodes-from: no exact list command: $(cat "$tmp/kubectl.log")"
[ "$(grep -c '|exec|' "$tmp/kubectl.log")" -eq 2 ] || fail "--nodes-from: want 2 execs: $(cat "$tmp/kubectl.log")"
grep -qxF -- "-w - -U --node-name node-2 udp" "$tmp/remote.log" ||
	fail "--nodes-from: node-2's ctrcap got other words: $(cat "$tmp/remote.log")"
"$ctrcap" -r "$tmp/from.pcapng" -v >"$tmp/text" 2>/dev/null
for n in n1 node-2; do
	got=$(grep -c "^    Node (name $n)$" "$tmp/text" || true)
	[ "$got" -eq 6 ] || fail "--nodes-from: $got packets name node $n, want 6"
done
[ "$(grep -c '^    Node (name' "$tmp/text")" -eq 12 ] || fail "--nodes-from: packets of other nodes"

# Its errors, each one line and exit 1 before anything runs: no pod,
# kubectl refused, no kubectl at all.
rc=0
FAKE_NODES='' "$ctrcap" --nodes-from k8s -w "$tmp/none.pcapng" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && [ "$(cat "$tmp/err")" = "ctrcap: --nodes-from k8s: no running ctrcap pod (namespace ctrcap, label app.kubernetes.io/name=ctrcap): is deploy/kubernetes/ applied and are its pods ready?" ] ||
	fail "--nodes-from without pods: exit $rc: $(cat "$tmp/err")"
rc=0
FAKE_FAIL=1 "$ctrcap" --nodes-from k8s -w "$tmp/none.pcapng" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	grep -q "^ctrcap: --nodes-from k8s: .*Error from server (Forbidden): pods is forbidden" "$tmp/err" ||
	fail "--nodes-from refused: exit $rc: $(cat "$tmp/err")"
mkdir "$tmp/empty"
rc=0
PATH=$tmp/empty "$ctrcap" --nodes-from k8s -w "$tmp/none.pcapng" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "^ctrcap: --nodes-from k8s needs kubectl: " "$tmp/err" ||
	fail "--nodes-from without kubectl: exit $rc: $(cat "$tmp/err")"
[ ! -e "$tmp/none.pcapng" ] || fail "--nodes-from: a failed lookup wrote a file"
echo "test_k8s_node: ok"
