#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2e: the container resolver against real engines this test starts (a private
# dockerd, containerd through ctr, podman), asserting name, image, labels and
# pod fields for the cgroup ids of their processes; renames and stops seen
# through Docker's event stream; one warning for unreachable runtime state.
# Usage: e2e_resolver.sh PATH/TO/ctr_resolve_probe   (as root; CTRCAP_SRC = source tree)
set -uo pipefail
PROBE_BIN=$1
SRC=${CTRCAP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ENG_PREFIX=cctr
ENG_SUBNET=10.99.3
ENG_TRAP=0
# shellcheck source=../lib/engines.sh
. "$SRC/tests/lib/engines.sh"

FAILS=0
OUT=
PROBE_PID=

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
die() { echo "FATAL: $*" >&2; exit 1; }

cleanup()
{
	if [ -n "${PROBE_PID:-}" ]; then
		kill "$PROBE_PID" 2>/dev/null
		wait "$PROBE_PID" 2>/dev/null
	fi
	eng_cleanup
}
trap cleanup EXIT

# Send one command to the probe; its answer (up to "end") lands in OUT.
q()
{
	local l n=0
	OUT=
	echo "$*" >&"${PROBE[1]}" || die "probe is gone"
	while IFS= read -r -t 20 l <&"${PROBE[0]}"; do
		[ "$l" = end ] && return 0
		OUT+="$l"$'\n'
		n=$((n + 1))
		[ $n -gt 5000 ] && break
	done
	die "no answer from the probe to: $*"
}

# OUT must hold the line $2; $1 names the check.
has()
{
	grep -qxF -- "$2" <<<"$OUT" || fail "$1: expected '$2' in:"$'\n'"$OUT"
}

hasnt()
{
	grep -qxF -- "$2" <<<"$OUT" && fail "$1: did not expect '$2'"
	return 0
}

start_probe()
{
	coproc PROBE { "$PROBE_BIN" "$@" 2>&1; }
}

stop_probe()
{
	echo quit >&"${PROBE[1]}"
	wait "$PROBE_PID" 2>/dev/null
	PROBE_PID=
}

eng_init || die "eng_init"
eng_docker_start || die "dockerd did not start"
eng_containerd_start || die "containerd did not start"
eng_podman_start || die "podman set-up failed"

# ---- docker: a pod sandbox and "web" in it (labels as kubelet's dockershim sets them), "db" plain.
POD_UID=5f0c2d7e-3b1a-4c9e-9d7f-0a1b2c3d4e5f
sandbox=$(eng_docker_run k8s_POD_shop-0_shop_${POD_UID}_0 \
	--label io.kubernetes.docker.type=podsandbox --label io.kubernetes.pod.name=shop-0 \
	--label io.kubernetes.pod.namespace=shop --label io.kubernetes.pod.uid=$POD_UID \
	--label app=shop --label tier=front "$ENG_IMAGE" sleep 3600) || die "sandbox"
eng_docker_web_db 10 "--label app=web --label com.docker.compose.service=web \
	--label io.kubernetes.pod.name=shop-0 --label io.kubernetes.pod.namespace=shop \
	--label io.kubernetes.pod.uid=$POD_UID --label io.kubernetes.container.name=web \
	--label io.kubernetes.sandbox.id=$sandbox --label io.kubernetes.docker.type=container" ||
	die "web/db"
web_id=$(eng_docker inspect -f '{{.Id}}' web)
web_cg=$(eng_cgroup_id "$(eng_docker_pid web)") || die "web cgroup"
db_cg=$(eng_cgroup_id "$(eng_docker_pid db)") || die "db cgroup"

# ---- containerd: one container with the CRI annotations kubelet's containerd sets, one nerdctl-style.
netns_a=$(eng_netns ca 201) || die "netns"
netns_b=$(eng_netns cb 202) || die "netns"
eng_ctr_run capi "$netns_a" --label team=pay \
	--annotation io.kubernetes.cri.container-type=container \
	--annotation io.kubernetes.cri.container-name=api \
	--annotation io.kubernetes.cri.sandbox-name=pay-7 \
	--annotation io.kubernetes.cri.sandbox-namespace=pay \
	--annotation io.kubernetes.cri.sandbox-uid=11112222-3333-4444-5555-666677778888 \
	--annotation io.kubernetes.cri.image-name=docker.io/library/$ENG_IMAGE \
	-- httpd -f -p 8080 -h /www || die "ctr run capi"
eng_ctr_run cnerd "$netns_b" --annotation nerdctl/name=cache --annotation owner=ops \
	-- sleep 3600 || die "ctr run cnerd"
capi_cg=$(eng_cgroup_id "$(eng_ctr_pid capi)") || die "capi cgroup"
cnerd_cg=$(eng_cgroup_id "$(eng_ctr_pid cnerd)") || die "cnerd cgroup"

# ---- podman
netns_c=$(eng_netns pm 203) || die "netns"
eng_podman_run pweb "$netns_c" --label app=pweb --label io.kubernetes.pod.name=pm-pod \
	"localhost/$ENG_IMAGE" httpd -f -p 80 -h /www || die "podman run"
pweb_cg=$(eng_cgroup_id "$(eng_podman_pid pweb)") || die "pweb cgroup"
host_cg=$(eng_cgroup_id $$) || die "own cgroup"

start_probe --docker-sock "$ENG_DOCKER_SOCK" --docker-root "$ENG_DOCKER_ROOT" \
	--containerd-state "$ENG_CTD_STATE" --podman-state "$ENG_PODMAN_ROOT"

# A first lookup never blocks: not known yet, or already the id.
q lookup "$web_cg"
grep -qE '^result=(-1|1)$' <<<"$OUT" || fail "first lookup: $OUT"

q wait "$web_cg" 5000
has web "result=1"
has web "runtime=docker"
has web "complete=1"
has web "running=1"
has web "id=$web_id"
has web "name=web"
has web "image=$ENG_IMAGE"
has web "label=app=web"
has web "label=com.docker.compose.service=web"
has web "pod_name=shop-0"
has web "pod_namespace=shop"
has web "pod_uid=$POD_UID"
has web "k8s_ctr_name=web"
has web "pod_label=app=shop"
has web "pod_label=tier=front"
hasnt web "pod_label=io.kubernetes.pod.name=shop-0"
has web "pid=$(eng_docker_pid web)"

q wait "$db_cg" 5000
has db "name=db"
has db "image=$ENG_IMAGE"
has db "pod_name="

q wait "$capi_cg" 5000
has capi "runtime=containerd"
has capi "complete=1"
has capi "id=capi"
has capi "name=api"
has capi "image=docker.io/library/$ENG_IMAGE"
has capi "pod_name=pay-7"
has capi "pod_namespace=pay"
has capi "pod_uid=11112222-3333-4444-5555-666677778888"
has capi "k8s_ctr_name=api"
has capi "pid=$(eng_ctr_pid capi)"
has capi "cgroup_path=/$ENG_CTD_NS/capi"

q wait "$cnerd_cg" 5000
has cnerd "runtime=containerd"
has cnerd "name=cache"
has cnerd "label=owner=ops"

q wait "$pweb_cg" 5000
has pweb "runtime=podman"
has pweb "complete=1"
has pweb "name=pweb"
has pweb "image=localhost/$ENG_IMAGE"
has pweb "label=app=pweb"
has pweb "pod_name=pm-pod"
has pweb "id=$(eng_podman inspect -f '{{.Id}}' pweb)"

q wait "$host_cg" 2000
has host "result=0"

q list 5000
for n in web db api cache pweb k8s_POD_shop-0_shop_${POD_UID}_0; do
	has list "name=$n"
done

# A container started after the resolver: found by a rescan.
eng_docker_run late --label stage=late "$ENG_IMAGE" sleep 3600 >/dev/null || die "late"
late_cg=$(eng_cgroup_id "$(eng_docker_pid late)")
# Its first lookup already has the id (from the kernel's cgroup path, no runtime I/O).
q lookup "$late_cg"
has late-first "result=1"
has late-first "id=$(eng_docker inspect -f '{{.Id}}' late)"
q wait "$late_cg" 5000
has late "name=late"
has late "label=stage=late"

# Rename and stop through the event stream; a stopped container keeps its identity.
eng_docker rename db db2 || die "rename"
q until "$db_cg" name db2 5000
has rename "name=db2"
eng_docker kill db2 >/dev/null || die "kill"
q until "$db_cg" running 0 5000
has stopped "running=0"
has stopped "name=db2"
has stopped "image=$ENG_IMAGE"
stop_probe

# Unreachable Docker API and state: ids only, exactly one warning naming runtime and path.
start_probe --docker-sock "$ENG_DIR/absent.sock" --docker-root "$ENG_DIR/absent" --no-events
all=
q wait "$web_cg" 5000
all+=$OUT
has down "result=1"
has down "complete=0"
has down "id=$web_id"
q wait "$late_cg" 5000
all+=$OUT
has down2 "id=$(eng_docker inspect -f '{{.Id}}' late)"
q lookup "$web_cg"
all+=$OUT
stop_probe
# (The start-up walk also meets the podman/containerd containers, whose state is not at the
# default paths here: they may add their own warnings, one each.)
warns=$(grep -c '^warning=.*docker metadata' <<<"$all" || true)
[ "$warns" = 1 ] || fail "expected exactly one docker warning, got $warns:"$'\n'"$all"
grep -q "^warning=.*docker.*$ENG_DIR/absent.sock" <<<"$all" || fail "warning must name docker and the socket: $all"

# Corrupt containerd state: a warning naming the file, capture goes on with the id.
cfg="$ENG_CTD_STATE/io.containerd.runtime.v2.task/$ENG_CTD_NS/cnerd/config.json"
cp "$cfg" "$ENG_DIR/cnerd-config.json"
printf '{"ociVersion": "1.0.2", "process": {' >"$cfg"
start_probe --docker-sock "$ENG_DOCKER_SOCK" --containerd-state "$ENG_CTD_STATE" --no-events
q wait "$cnerd_cg" 5000
cp "$ENG_DIR/cnerd-config.json" "$cfg"
stop_probe
has corrupt "result=1"
has corrupt "id=cnerd"
has corrupt "complete=0"
grep -q "^warning=.*containerd.*cnerd/config.json.*JSON" <<<"$OUT" || fail "corrupt warning: $OUT"

if [ "$FAILS" -ne 0 ]; then
	echo "e2e_resolver: $FAILS check(s) failed" >&2
	exit 1
fi
echo "e2e_resolver: all checks passed"
