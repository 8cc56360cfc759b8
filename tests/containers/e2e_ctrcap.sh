#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2e (issue 5): container identity on the packets of ctrcap's pcapng, with a
# private dockerd running "web" (HTTP, labels incl. kubelet's pod labels) and
# "db" (fetches from web); --container-name web captures only web's packets;
# --container-name late captures a container started after the capture began,
# from its first packet; with a Docker API that answers 0.8 s late, the
# ring reader does not stall while a new container's metadata is fetched
# (issue 14.11: its first packets wait in the park, not in the reader);
# renaming db to dbx mid-capture renames its later packets;
# -i eth0@web and -i eth0@pod:shop/shop-0 capture inside web's namespace;
# -D shows web's eth0 with its host-side veth peer, and that veth's bridge;
# a host user's cgroup named docker-<web's id>.scope does not make that user's
# packets web's (issue 14.6); no process shows as /proc/self/exe, db's wget
# shows as /bin/busybox (issue 20.0).
# containerd (ctr, with the CRI annotations kubelet's containerd writes) runs
# "api" (HTTP) and podman runs "pweb", which fetches from api.
# Usage: e2e_ctrcap.sh PATH/TO/ctrcap PATH/TO/ctr_pcapng_dump   (as root)
set -uo pipefail
CTRCAP=$1
DUMP=$2
SRC=${CTRCAP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ENG_PREFIX=cctr
ENG_SUBNET=10.99.3
ENG_TRAP=0
# shellcheck source=../lib/engines.sh
. "$SRC/tests/lib/engines.sh"

FAILS=0
CAP_PIDS=()
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
die() { echo "FATAL: $*" >&2; exit 1; }

cleanup()
{
	local p
	for p in "${CAP_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	# A SIGKILLed ctrcap leaves its tc filters behind.
	[ ${#CAP_PIDS[@]} -gt 0 ] && "$CTRCAP" --cleanup >/dev/null 2>&1
	[ -n "${SLOW_PID:-}" ] && pkill -9 -P "$SLOW_PID" 2>/dev/null
	[ -n "${SLOW_PID:-}" ] && kill -9 "$SLOW_PID" 2>/dev/null && wait "$SLOW_PID" 2>/dev/null
	[ -n "${SPOOF_PID:-}" ] && kill -9 "$SPOOF_PID" 2>/dev/null && wait "$SPOOF_PID" 2>/dev/null
	[ -n "${SPOOF_CG:-}" ] && rmdir "$SPOOF_CG/$SPOOF_SUB" "$SPOOF_CG/app.slice" \
		"$SPOOF_CG" "${SPOOF_CG%/*}" 2>/dev/null
	eng_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start ctrcap writing $ENG_DIR/$1.pcapng with the remaining options, on
# interface $CAP_IFACE (default any).
start_cap()
{
	local name=$1
	shift
	"$CTRCAP" -i "${CAP_IFACE:-any}" -U -w "$ENG_DIR/$name.pcapng" "${ENGINE_OPTS[@]}" "$@" \
		"tcp port 80 and net $ENG_SUBNET.0/24" \
		>"$ENG_DIR/$name.log" 2>&1 &
	CAP_PIDS+=($!)
}

capturing() { grep -q 'capturing on' "$ENG_DIR/$1.log"; }

# Stop every ctrcap with SIGINT (a clean end writes the statistics) within 15 s.
stop_caps()
{
	local p i
	for p in "${CAP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${CAP_PIDS[@]}"; do
		for ((i = 0; i < 150; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$p" 2>/dev/null && fail "ctrcap $p ignored SIGINT for 15 s"
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CAP_PIDS=()
}

# Lines of dump $1 matching the regex $2.
count() { grep -cE -- "$2" "$ENG_DIR/$1.txt" || true; }

eng_init || die "eng_init"
eng_docker_start || die "dockerd did not start"
eng_containerd_start || die "containerd did not start"
eng_podman_start || die "podman set-up failed"
# ctrcap's resolver finds the private engines' state through its options
# (the environment is not consulted for them: unset, to prove it).
unset DOCKER_HOST CTRCAP_CONTAINERD_STATE CTRCAP_PODMAN_STATE CTRCAP_CRIO_STATE
ENGINE_OPTS=(--docker-sock "$ENG_DOCKER_SOCK" --docker-root "$ENG_DOCKER_ROOT"
	--containerd-state "$ENG_CTD_STATE" --podman-state "$ENG_PODMAN_ROOT")

POD_UID=5f0c2d7e-3b1a-4c9e-9d7f-0a1b2c3d4e5f
eng_docker_web_db 0 "--label app=web --label io.kubernetes.pod.name=shop-0 \
	--label io.kubernetes.pod.namespace=shop --label io.kubernetes.pod.uid=$POD_UID \
	--label io.kubernetes.container.name=web" || die "web/db"
web_ip=$(eng_docker_ip web)
web_id=$(eng_docker inspect -f '{{.Id}}' web)
db_id=$(eng_docker inspect -f '{{.Id}}' db)

netns_api=$(eng_netns api 201) || die "netns"
eng_ctr_run capi "$netns_api" \
	--annotation io.kubernetes.cri.container-type=container \
	--annotation io.kubernetes.cri.container-name=api \
	--annotation io.kubernetes.cri.sandbox-name=pay-7 \
	--annotation io.kubernetes.cri.sandbox-namespace=pay \
	--annotation io.kubernetes.cri.image-name=docker.io/library/$ENG_IMAGE \
	-- httpd -f -p 80 -h /www || die "ctr run capi"
netns_pm=$(eng_netns pm 203) || die "netns"
eng_podman_run pweb "$netns_pm" --label app=pweb "localhost/$ENG_IMAGE" sleep 3600 ||
	die "podman run pweb"
pweb_id=$(eng_podman inspect -f '{{.Id}}' pweb)

# nobody's user@65534.service, delegated to it as systemd does, where it makes
# app.slice/docker-<web's id>.scope (as `systemd-run --user --scope` could).
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cg2" ] || die "no cgroup2 mount"
netns_sp=$(eng_netns spoof 205) || die "netns"
SPOOF_CG=$cg2/${ENG_PREFIX}-user.slice/user@65534.service
SPOOF_SUB=app.slice/docker-$web_id.scope
mkdir -p "$SPOOF_CG" && chown 65534:65534 "$SPOOF_CG" || die "mkdir $SPOOF_CG"
setpriv --reuid=65534 --regid=65534 --clear-groups mkdir -p "$SPOOF_CG/$SPOOF_SUB" ||
	die "nobody could not make a cgroup in $SPOOF_CG"

# A busy dockerd: its API answers each request 0.8 s late (a proxy in front
# of the private one). The capture "slow" asks it for late's metadata.
socat UNIX-LISTEN:"$ENG_DIR/slow.sock",fork \
	SYSTEM:"sleep 0.8; exec socat - UNIX-CONNECT:$ENG_DOCKER_SOCK" 2>/dev/null &
SLOW_PID=$!
start_cap all -v
start_cap web --container-name web
start_cap late --container-name late
CAP_IFACE=eth0@web start_cap ifweb
CAP_IFACE=eth0@pod:shop/shop-0 start_cap ifpod
saved_opts=("${ENGINE_OPTS[@]}")
ENGINE_OPTS=(--docker-sock "$ENG_DIR/slow.sock" "${ENGINE_OPTS[@]:2}")
start_cap slow -v
ENGINE_OPTS=("${saved_opts[@]}")
for c in all web late ifweb ifpod slow; do
	eng_wait_for 60 capturing "$c" || die "ctrcap ($c) did not start: $(cat "$ENG_DIR/$c.log")"
done

eng_docker exec db sh -c \
	"for i in 1 2 3 4 5 6 7 8; do wget -q -O /dev/null http://$web_ip/; sleep 0.2; done" ||
	fail "db could not fetch from web"
eng_podman exec pweb sh -c \
	"for i in 1 2 3 4 5 6 7 8; do wget -q -O /dev/null http://$ENG_SUBNET.201/; sleep 0.2; done" ||
	fail "pweb could not fetch from api"
# nobody, in the cgroup named after web, fetches from web four times (bounded).
(
	echo "$BASHPID" >"$SPOOF_CG/$SPOOF_SUB/cgroup.procs" || exit 1
	exec ip netns exec "${netns_sp##*/}" setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout 20 bash -c "for i in 1 2 3 4; do exec 3<>/dev/tcp/$web_ip/80 || exit 1
			printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3 >/dev/null; exec 3>&-
			sleep 0.2; done"
) &
SPOOF_PID=$!
wait "$SPOOF_PID" || fail "nobody's fetches from web (in the cgroup named after web) failed"
SPOOF_PID=
# web is listed once, under its own cgroup, whichever of the two the walk meets first.
"$CTRCAP" --list-containers "${ENGINE_OPTS[@]}" >"$ENG_DIR/list.txt" 2>&1 || fail "--list-containers"
n=$(grep -c "$web_id" "$ENG_DIR/list.txt")
[ "$n" -eq 1 ] || fail "--list-containers shows web $n times:"$'\n'"$(cat "$ENG_DIR/list.txt")"
eng_docker_run late --label stage=late "$ENG_IMAGE" sh -c \
	"for i in 1 2 3 4 5 6 7 8; do wget -q -O /dev/null http://$web_ip/; sleep 0.2; done;
	 touch /tmp/done; sleep 3600" >/dev/null || die "late"
eng_wait_for 30 eng_docker exec late test -f /tmp/done || fail "late did not finish its fetches"
late_id=$(eng_docker inspect -f '{{.Id}}' late)
# A rename during the capture reaches the packets (within ~1.5 s plus the event).
eng_docker rename db dbx || fail "docker rename db dbx"
sleep 2.5
eng_docker exec dbx sh -c \
	"for i in 1 2 3 4; do wget -q -O /dev/null http://$web_ip/; sleep 0.2; done" ||
	fail "dbx could not fetch from web"
sleep 0.5
stop_caps

for c in all web late ifweb ifpod slow; do
	"$DUMP" "$ENG_DIR/$c.pcapng" >"$ENG_DIR/$c.txt" || fail "$c.pcapng is not readable"
done

# The slow API held late's first packets back for up to 1 s, in the park:
# the ring was read all along (before, the reader waited in the resolver).
stall=$(grep -oP 'longest ring stall \K[0-9]+' "$ENG_DIR/slow.log")
[ -n "$stall" ] || fail "slow: no 'longest ring stall' line: $(tail -3 "$ENG_DIR/slow.log")"
[ "${stall:-9999}" -lt 500 ] || fail "slow: the ring went unread for $stall ms (a 0.8 s API)"
# ... and once the answer came, late's packets carry its name.
n=$(count slow $'\tctr_name=late\t')
[ "$n" -ge 4 ] || fail "slow: only $n packets of late named late (late's: $(grep -cF "$late_id" \
	"$ENG_DIR/slow.txt"); $(grep -F "$late_id" "$ENG_DIR/slow.txt" | head -1))"

# No identity names runc's re-exec of itself (/proc/self/exe) or busybox's
# (applets run as /proc/self/exe) as a process's or parent's exe or args
# (issue 20.0).
for c in all web late ifweb ifpod; do
	bad=$(grep -F /proc/self/exe "$ENG_DIR/$c.txt" | head -3)
	[ -z "$bad" ] || fail "$c: identities naming /proc/self/exe:"$'\n'"$bad"
done
# db's wget runs busybox: its exe is that file's path in the image, whatever
# name exec was given (the shell runs applets as /proc/self/exe).
n=$(count all $'\tctr_name=db\t.*\targs=wget -q -O /dev/null http://'"$web_ip"/$'\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of db's wget"
bad=$(grep -P "\tctr_name=db\t.*\targs=wget -q -O /dev/null http://$web_ip/\t" "$ENG_DIR/all.txt" |
	grep -vP "\texe=/bin/busybox\targs=wget " | head -3)
[ -z "$bad" ] || fail "all: db's wget packets without busybox's exe and wget's args:"$'\n'"$bad"

# Every packet of web carries its name, image, labels and pod fields.
n=$(count all $'\tctr_name=web\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of web"
bad=$(grep -P '\tctr_name=web\t' "$ENG_DIR/all.txt" | grep -vP \
	"\tctr_id=$web_id\tctr_name=web\timage=$ENG_IMAGE\truntime=docker\tlabels=[^\t]*app=web[^\t]*\tpod=shop-0\tpod_ns=shop\tpod_uid=$POD_UID\tk8s_ctr=web\t" |
	head -3)
[ -z "$bad" ] || fail "all: web packets with wrong identity:"$'\n'"$bad"
n=$(count all $'\tctr_name=db\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of db"
bad=$(grep -P '\tctr_name=db\t' "$ENG_DIR/all.txt" | grep -vP "\tctr_id=$db_id\tctr_name=db\timage=$ENG_IMAGE\t" | head -3)
[ -z "$bad" ] || fail "all: db packets with wrong identity:"$'\n'"$bad"
n=$(count all $'\tctr_name=dbx\t')
[ "$n" -ge 4 ] || fail "all: only $n packets of db under its new name dbx"
bad=$(grep -P '\tctr_name=dbx\t' "$ENG_DIR/all.txt" | grep -vP "\tctr_id=$db_id\tctr_name=dbx\t" | head -3)
[ -z "$bad" ] || fail "all: dbx packets with wrong identity:"$'\n'"$bad"
n=$(count all $'\tctr_name=late\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of late (started during the capture)"
bad=$(grep -P '\tctr_name=late\t' "$ENG_DIR/all.txt" | grep -vP "\tctr_id=$late_id\tctr_name=late\timage=$ENG_IMAGE\truntime=docker\tlabels=stage=late\t" | head -3)
[ -z "$bad" ] || fail "all: late packets with wrong identity:"$'\n'"$bad"
# containerd (CRI annotations) and podman containers.
n=$(count all $'\tctr_id=capi\tctr_name=api\timage=docker.io/library/'"$ENG_IMAGE"$'\truntime=containerd\t[^\t]*\tpod=pay-7\tpod_ns=pay\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of containerd's api with its identity"
n=$(count all $'\tctr_id='"$pweb_id"$'\tctr_name=pweb\timage=localhost/'"$ENG_IMAGE"$'\truntime=podman\tlabels=app=pweb\t')
[ "$n" -ge 8 ] || fail "all: only $n packets of podman's pweb with its identity"

# The packets nobody sends are not web's (web's replies are), and ctrcap -v says why.
n=$(count all $'^if=[^\t]*205[^\t]*\tsrc='"$ENG_SUBNET"$'.205\t')
[ "$n" -ge 4 ] || fail "all: only $n packets of nobody's fetches from web"
bad=$(grep -P "\tsrc=$ENG_SUBNET.205\t" "$ENG_DIR/all.txt" | grep -P "\tctr_id=$web_id\t" | head -3)
[ -z "$bad" ] || fail "all: nobody's packets named after web:"$'\n'"$bad"
grep -q "made by a user, is named after docker container $web_id" "$ENG_DIR/all.log" ||
	fail "all: no warning about the cgroup named after web"

# Only our containers talk on this subnet's port 80, and every packet carries the
# container id, even one seen before its metadata was fetched (nobody's aside).
bad=$(grep -vP "\tctr_id=($web_id|$db_id|$late_id|capi|$pweb_id)\t" "$ENG_DIR/all.txt" |
	grep -vF "$ENG_SUBNET.205" | head -3)
[ -z "$bad" ] || fail "all: packets without the id of one of our containers:"$'\n'"$bad"

# --container-name web: web's packets, nothing else (not db's, api's or pweb's).
n=$(wc -l <"$ENG_DIR/web.txt")
[ "$n" -ge 8 ] || fail "--container-name web: only $n packets"
bad=$(grep -vP '\tctr_name=web\t' "$ENG_DIR/web.txt" | head -3)
[ -z "$bad" ] || fail "--container-name web captured other packets:"$'\n'"$bad"

# --container-name late, for a container that did not exist when the capture started.
n=$(wc -l <"$ENG_DIR/late.txt")
[ "$n" -ge 8 ] || fail "--container-name late: only $n packets"
bad=$(grep -vP '\tctr_name=late\t' "$ENG_DIR/late.txt" | head -3)
[ -z "$bad" ] || fail "--container-name late captured other packets:"$'\n'"$bad"
# Its first connection too: a new container's first packet waits for the
# metadata that --container-name needs (else that connection went missing on
# every hop). Not the same packet for packet as -i any: each capture attaches
# the new namespace's eth0 on its own rescan, so their first eth0 packets differ.
first=$(grep -P '\tctr_name=late\t' "$ENG_DIR/all.txt" | head -1 | grep -oP '\tsport=[0-9]+\t')
[ -n "$first" ] || fail "all: no packet of late with a source port"
grep -qP -- "$first" "$ENG_DIR/late.txt" ||
	fail "--container-name late missed late's first connection (${first//$'\t'/})"

# -i eth0@web, -i eth0@pod:shop/shop-0: web's eth0 (docker makes no /run/netns name).
for c in ifweb ifpod; do
	n=$(wc -l <"$ENG_DIR/$c.txt")
	[ "$n" -ge 8 ] || fail "$c: only $n packets on web's eth0"
	bad=$(grep -vP "^if=eth0\t(.*\t)?(src|dst)=$web_ip\t" "$ENG_DIR/$c.txt" | head -3)
	[ -z "$bad" ] || fail "$c: packets not on web's eth0:"$'\n'"$bad"
done
"$CTRCAP" -i eth0@nosuch -c 1 "${ENGINE_OPTS[@]}" >/dev/null 2>"$ENG_DIR/nosuch.err"
grep -qx "ctrcap: -i eth0@nosuch: no network namespace or running container named 'nosuch'" \
	"$ENG_DIR/nosuch.err" || fail "-i eth0@nosuch: $(cat "$ENG_DIR/nosuch.err")"

# -D: web's eth0 names its host-side veth; that veth names its bridge and web.
"$CTRCAP" -D "${ENGINE_OPTS[@]}" >"$ENG_DIR/D.txt" 2>&1 || fail "-D: $(cat "$ENG_DIR/D.txt")"
web_peer=$(grep -P '^\d+\.eth0@.*, container web \(' "$ENG_DIR/D.txt" | grep -oP ', veth peer \K[^ \]@]+')
[ -n "$web_peer" ] || fail "-D: web's eth0 has no veth peer: $(grep -P 'container web ' "$ENG_DIR/D.txt")"
grep -qP "^\d+\.$web_peer \[netns host, .*, master $ENG_BRIDGE, veth peer eth0@.* in container web \(" \
	"$ENG_DIR/D.txt" || fail "-D: $web_peer does not name $ENG_BRIDGE and web: $(grep -F "$web_peer" "$ENG_DIR/D.txt")"

# CTR_E2E_KEEP=DIR keeps the dumps for a look after the run.
[ -n "${CTR_E2E_KEEP:-}" ] && mkdir -p "$CTR_E2E_KEEP" && cp "$ENG_DIR"/*.txt "$ENG_DIR"/*.log "$CTR_E2E_KEEP"/
if [ "$FAILS" -ne 0 ]; then
	for c in all web late ifweb ifpod slow; do
		echo "--- $c.log" >&2
		tail -n 5 "$ENG_DIR/$c.log" >&2
	done
	echo "e2e_ctrcap: $FAILS check(s) failed" >&2
	exit 1
fi
echo "e2e_ctrcap: all checks passed: $(wc -l <"$ENG_DIR/all.txt") packets, web $(count all \
	$'\tctr_name=web\t'), db $(count all $'\tctr_name=db\t'), late $(count all $'\tctr_name=late\t'),\
	no container $(count all $'\tctr_name=\t'); --container-name web $(wc -l <"$ENG_DIR/web.txt"),\
	late $(wc -l <"$ENG_DIR/late.txt")"
