#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kubectl-ctrcap with a fake kubectl (answers as kubectl would, logs its
# argv) and a fake ctrcap (logs its argv) on PATH: the exact commands the
# plugin runs for a pod, a deployment and a selector, and its errors.
set -euo pipefail
src=${1:?usage: test_kubectl_plugin.sh SOURCE_DIR}
plugin=$src/deploy/kubernetes/kubectl-ctrcap
tmp=$(mktemp -d /tmp/ctrcap-plugin-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"

# One log line per call: the argv words joined by '|'.
cat >"$tmp/bin/kubectl" <<'FAKE'
#!/bin/bash
(IFS='|'; echo "$*") >>"$FAKE_LOG/kubectl"
case "$*" in
*"get deployment web "*) printf 'app=web,tier=front,' ;;
*"get deployment empty "*) printf '' ;;
*"get pod web-0 "*) printf 'web-0 shop node-a\n' ;;
*"get pod gone "*) echo 'Error from server (NotFound): pods "gone" not found' >&2; exit 1 ;;
*"-l app=web,tier=front "*) printf 'web-1 shop node-b\nweb-2 shop node-a\nweb-3 shop \nweb-4 shop node-b\n' ;;
*"-l app=db "*) ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 3 ;;
esac
FAKE
cat >"$tmp/bin/ctrcap" <<'FAKE'
#!/bin/bash
(IFS='|'; echo "$*") >>"$FAKE_LOG/ctrcap"
FAKE
chmod +x "$tmp/bin/kubectl" "$tmp/bin/ctrcap"
export PATH="$tmp/bin:$PATH" FAKE_LOG=$tmp
unset CTRCAP KUBECTL

fails=0
# run NAME EXPECTED_STATUS EXPECTED_KUBECTL EXPECTED_CTRCAP EXPECTED_STDERR -- ARGS...
# shellcheck disable=SC2034 # the got_/want_ variables are read through ${!g} and ${!w}
run() {
	local name=$1 want_rc=$2 want_k=$3 want_c=$4 want_err=$5 rc=0 got_k got_c got_err
	shift 6
	rm -f "$tmp/kubectl" "$tmp/ctrcap"
	"$plugin" "$@" 2>"$tmp/err" || rc=$?
	got_k=$(cat "$tmp/kubectl" 2>/dev/null || true)
	got_c=$(cat "$tmp/ctrcap" 2>/dev/null || true)
	got_err=$(cat "$tmp/err")
	for what in rc k c err; do
		local g="got_$what" w="want_$what"
		[ "$what" = rc ] && g=rc
		if [ "${!g}" != "${!w}" ]; then
			printf '%s: %s\n  got:  %s\n  want: %s\n' "$name" "$what" "${!g}" "${!w}" >&2
			fails=$((fails + 1))
		fi
	done
}

list='jsonpath={range .items[*]}{.metadata.name}{" "}{.metadata.namespace}{" "}{.spec.nodeName}{"\n"}{end}'
one='jsonpath={.metadata.name}{" "}{.metadata.namespace}{" "}{.spec.nodeName}{"\n"}'

run "pod" 0 \
	"get|pod|web-0|-n|shop|-o|$one" \
	"--node|node-a=k8s://node-a|--pod-name|web-0|--pod-namespace|shop|-w|out.pcapng|-c|10|tcp port 80" \
	"" -- pod web-0 -n shop -w out.pcapng -c 10 "tcp port 80"

run "deployment" 0 \
	"--context|prod|--kubeconfig|/k/c|get|deployment|web|-n|shop|-o|go-template={{range \$k, \$v := .spec.selector.matchLabels}}{{\$k}}={{\$v}},{{end}}
--context|prod|--kubeconfig|/k/c|get|pods|-n|shop|-l|app=web,tier=front|-o|$list" \
	"--kube-context|prod|--kubeconfig|/k/c|--node|node-b=k8s://node-b|--node|node-a=k8s://node-a|--pod-name|web-1|--pod-name|web-2|--pod-name|web-4|--pod-namespace|shop|-w|-" \
	"kubectl-ctrcap: pod shop/web-3 is not scheduled on a node yet; skipped" \
	-- deploy web --context prod -n shop --kubeconfig /k/c -w -

run "selector, namespace from the pods" 0 \
	"get|pods|-l|app=web,tier=front|-o|$list" \
	"--node|node-b=k8s://node-b|--node|node-a=k8s://node-a|--pod-name|web-1|--pod-name|web-2|--pod-name|web-4|--pod-namespace|shop|-v" \
	"kubectl-ctrcap: pod shop/web-3 is not scheduled on a node yet; skipped" \
	-- -l app=web,tier=front -v

run "no pods" 1 "get|pods|-n|db|-l|app=db|-o|$list" "" \
	"kubectl-ctrcap: no pod of app=db runs on a node in namespace db" -- -l app=db -n db

run "missing pod" 1 "get|pod|gone|-o|$one" "" \
	"Error from server (NotFound): pods \"gone\" not found
kubectl-ctrcap: cannot read pod gone" -- pod gone

run "deployment without labels" 1 \
	"get|deployment|empty|-o|go-template={{range \$k, \$v := .spec.selector.matchLabels}}{{\$k}}={{\$v}},{{end}}" "" \
	"kubectl-ctrcap: deployment empty has no matchLabels selector" -- deployment empty

run "bad kind" 1 "" "" "kubectl-ctrcap: 'svc': give pod NAME, deployment NAME or -l SELECTOR" -- svc web
run "pod without name" 1 "" "" "kubectl-ctrcap: pod needs a name" -- pod -n x
run "namespace without value" 1 "" "" "kubectl-ctrcap: -n needs a namespace" -- pod web-0 -n

if [ "$fails" -ne 0 ]; then
	echo "test_kubectl_plugin: $fails mismatches" >&2
	exit 1
fi
echo "test_kubectl_plugin: 9 cases ok"
