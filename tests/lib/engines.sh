# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # ENG_* variables are for the sourcing script
#
# Private container engines for tests: a dockerd, a containerd and podman that
# live entirely under one temp dir (data root, exec root, sockets, config), an
# offline busybox image, containers on a test bridge, and cleanup of all of it.
# Source this file from a bash test that runs as root:
#
#   . "$SRC/tests/lib/engines.sh"
#   ENG_PREFIX=cext ENG_SUBNET=10.99.5 eng_init   # your prefix (<= 5 chars) and /24; eng_init
#                                                  # makes these settings global
#   eng_docker_start && eng_docker_web_db 20       # "web" (httpd) and "db" (20 GETs to web)
#   eng_docker ps                                  # the docker CLI bound to this dockerd
#
# Settings (environment, read by eng_init; defaults in brackets):
#   ENG_PREFIX [cctr]      prefix of every name created on the host (bridge, netns, veths)
#   ENG_SUBNET [10.99.3]   the test /24; the bridge ${ENG_PREFIX}br0 gets .1
#   ENG_IMAGE  [ctrcap-busybox:1]  tag of the offline busybox image (all engines)
#   ENG_TRAP   [1]         eng_init installs "trap eng_cleanup EXIT"; set 0 and call
#                          eng_cleanup from your own trap instead
#   ENG_TIMEOUT [30]       seconds any wait (daemon ready, container up) may take
# Set by eng_init / the start functions:
#   ENG_DIR                the temp dir holding everything (removed by eng_cleanup)
#   ENG_BRIDGE             ${ENG_PREFIX}br0
#   ENG_DOCKER_SOCK        dockerd's API socket (unix path)
#   ENG_DOCKER_ROOT        dockerd's --data-root
#   ENG_CTD_SOCK           containerd's gRPC socket
#   ENG_CTD_STATE          containerd's state dir (bundles under io.containerd.runtime.v2.task)
#   ENG_CTD_NS [cctr]      the containerd namespace the helpers use (cgroup /<ns>/<id>)
#   ENG_PODMAN_ROOT        podman's storage root (overlay-containers/containers.json)
#   ENG_PODMAN_RUNROOT     podman's run root
#
# Functions (all return non-zero with a message on stderr on failure):
#   eng_init                      create ENG_DIR and the bridge; install the EXIT trap
#   eng_cleanup                   remove containers, stop daemons, netns, veths, bridge, ENG_DIR
#   eng_rootfs DIR                write a busybox-static root filesystem into DIR
#   eng_bridge                    create ${ENG_PREFIX}br0 with ${ENG_SUBNET}.1/24 (idempotent)
#   eng_netns NAME IP             netns ${ENG_PREFIX}NAME with a veth on the bridge, address
#                                 ${ENG_SUBNET}.IP/24; prints the netns path (/run/netns/...)
#   eng_wait_for SECS CMD...      run CMD every 0.1 s until it succeeds, at most SECS seconds
#   eng_cgroup_id PID             the cgroup-v2 id (inode of the cgroup dir) of PID
#   eng_cgroup_path PID           PID's cgroup-v2 path ("0::" line of /proc/PID/cgroup)
#
#   eng_docker_start              start dockerd (bridge ENG_BRIDGE, no iptables), import ENG_IMAGE
#   eng_docker ARGS...            the docker CLI for this dockerd
#   eng_docker_run NAME ARGS...   docker run -d --pull never --name NAME ARGS... (ARGS ends with
#                                 image and command); prints the container id
#   eng_docker_ip NAME            the container's address on the bridge
#   eng_docker_pid NAME           the container's init pid (host pid ns)
#   eng_docker_default_root       bind the dockerd's data root on /var/lib/docker, over a tmpfs
#                                 /var/lib (call only in a private mount namespace): where
#                                 ctrcap looks when run without engine options (tshark, extcap)
#   eng_docker_web_db [N] [ARGS]  run "web" (busybox httpd on :80) and "db" (N wget's of web, one
#                                 every 0.2 s, then sleeps); ARGS (one string, word-split) are
#                                 extra docker run options for web (e.g. labels)
#   eng_docker_stop               remove all containers, stop dockerd
#
#   eng_containerd_start          start containerd (no CRI plugin), import ENG_IMAGE
#   eng_ctr ARGS...               ctr bound to this containerd and namespace ENG_CTD_NS
#   eng_ctr_run NAME NETNS ARGS... ctr run -d in netns path NETNS; ARGS = ctr options, then
#                                 "--", then the command (image is ENG_IMAGE)
#   eng_ctr_pid NAME              the task's init pid
#   eng_containerd_stop           kill and delete tasks/containers, stop containerd
#
#   eng_podman_start              write containers.conf/storage.conf, import ENG_IMAGE
#   eng_podman ARGS...            podman bound to the private root/runroot/config
#   eng_podman_run NAME NETNS ARGS... podman run -d --network ns:NETNS --name NAME ARGS...
#   eng_podman_pid NAME           the container's init pid
#   eng_podman_stop               remove all podman containers
#
# Containers only reach the test bridge/netns; nothing is routed or NATed outside.

ENG_PREFIX=${ENG_PREFIX:-cctr}
ENG_SUBNET=${ENG_SUBNET:-10.99.3}
ENG_IMAGE=${ENG_IMAGE:-ctrcap-busybox:1}
ENG_TRAP=${ENG_TRAP:-1}
ENG_TIMEOUT=${ENG_TIMEOUT:-30}
ENG_CTD_NS=${ENG_CTD_NS:-cctr}
ENG_DIR=${ENG_DIR:-}
ENG_BRIDGE=${ENG_BRIDGE:-}
ENG_DOCKER_PID=
ENG_CTD_PID=
ENG_PODMAN_ON=0

eng_log() { echo "engines: $*" >&2; }

# Run a command every 0.1 s until it succeeds, for at most $1 seconds.
eng_wait_for()
{
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	eng_log "timed out after ${secs}s waiting for: $*"
	return 1
}

# Create ENG_DIR and the test bridge; install the cleanup trap.
eng_init()
{
	# Settings may come as "ENG_PREFIX=x eng_init" (bash drops such assignments when the
	# function returns): make them global so every later helper sees the same ones.
	declare -g ENG_PREFIX="${ENG_PREFIX:-cctr}" ENG_SUBNET="${ENG_SUBNET:-10.99.3}" \
		ENG_IMAGE="${ENG_IMAGE:-ctrcap-busybox:1}" ENG_TRAP="${ENG_TRAP:-1}" \
		ENG_TIMEOUT="${ENG_TIMEOUT:-30}" ENG_CTD_NS="${ENG_CTD_NS:-cctr}"
	declare -g ENG_BRIDGE="${ENG_PREFIX}br0"
	if [ "$(id -u)" -ne 0 ]; then
		eng_log "must run as root"
		return 1
	fi
	ENG_DIR=$(mktemp -d "/tmp/${ENG_PREFIX}-eng.XXXXXX") || return 1
	if [ "$ENG_TRAP" = 1 ]; then
		trap eng_cleanup EXIT
		# Make INT/TERM run the EXIT trap too.
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
	eng_bridge
}

# Create the test bridge ${ENG_PREFIX}br0 with ${ENG_SUBNET}.1/24 if it is missing.
eng_bridge()
{
	ip link show "$ENG_BRIDGE" >/dev/null 2>&1 && return 0
	ip link add "$ENG_BRIDGE" type bridge || return 1
	ip addr add "$ENG_SUBNET.1/24" dev "$ENG_BRIDGE" || return 1
	ip link set "$ENG_BRIDGE" up || return 1
	# A system dockerd (Debian's docker.io starts one under systemd) sets the FORWARD
	# policy to DROP, and br_netfilter then drops traffic between our bridge's ports.
	if command -v iptables >/dev/null 2>&1 &&
	    iptables -w 5 -I FORWARD -i "$ENG_BRIDGE" -o "$ENG_BRIDGE" -j ACCEPT 2>/dev/null; then
		echo "$ENG_BRIDGE" >>"$ENG_DIR/iptables.list"
	fi
	return 0
}

# Create netns ${ENG_PREFIX}$1 wired to the bridge with address ${ENG_SUBNET}.$2; print its path.
eng_netns()
{
	local name=$ENG_PREFIX$1 ip=$2 host=${ENG_PREFIX}h$2 peer=${ENG_PREFIX}p$2
	eng_bridge || return 1
	# A netns of ours left by a killed run would block the name.
	ip netns del "$name" 2>/dev/null
	ip netns add "$name" || return 1
	# A file, not a variable: callers run this in $(...).
	echo "$name" >>"$ENG_DIR/netns.list"
	ip link add "$host" type veth peer name "$peer" || return 1
	ip link set "$peer" netns "$name" || return 1
	ip link set "$host" master "$ENG_BRIDGE" up || return 1
	ip -n "$name" addr add "$ENG_SUBNET.$ip/24" dev "$peer" || return 1
	ip -n "$name" link set "$peer" up || return 1
	ip -n "$name" link set lo up || return 1
	echo "/run/netns/$name"
}

# Print the cgroup-v2 path of a pid.
eng_cgroup_path()
{
	sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# Print the cgroup-v2 id (inode of the cgroup directory) of a pid.
eng_cgroup_id()
{
	local root path
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	path=$(eng_cgroup_path "$1")
	[ -n "$root" ] && [ -n "$path" ] || return 1
	stat -c %i "$root$path"
}

# Write a busybox-static root filesystem into $1.
eng_rootfs()
{
	local dir=$1
	mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,www,root} || return 1
	cp /bin/busybox "$dir/bin/busybox" || return 1
	"$dir/bin/busybox" --install -s "$dir/bin" 2>/dev/null
	# --install links to the running binary's absolute path; make them relative.
	local l
	for l in "$dir"/bin/*; do
		[ -L "$l" ] && ln -sf busybox "$l"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
	echo 'root:x:0:' >"$dir/etc/group"
	echo 'ctrcap test page' >"$dir/www/index.html"
}

# Tar of the busybox rootfs, made once per ENG_DIR; prints its path.
eng_rootfs_tar()
{
	local tar=$ENG_DIR/rootfs.tar
	if [ ! -f "$tar" ]; then
		eng_rootfs "$ENG_DIR/rootfs" || return 1
		tar -C "$ENG_DIR/rootfs" -cf "$tar" . || return 1
	fi
	echo "$tar"
}

# Kill by id every process whose command line names our ENG_DIR (shims, conmon).
eng_kill_leftovers()
{
	local pids p
	[ -n "$ENG_DIR" ] || return 0
	pids=$(pgrep -f -- "$ENG_DIR" || true)
	for p in $pids; do
		[ "$p" != $$ ] && kill -9 "$p" 2>/dev/null
	done
	return 0
}

# Lazily unmount everything mounted under ENG_DIR.
eng_umount_all()
{
	local m
	[ -n "$ENG_DIR" ] || return 0
	awk -v d="$ENG_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	return 0
}

# ---- docker ----

# The docker CLI bound to the private dockerd.
eng_docker()
{
	DOCKER_CONFIG=$ENG_DIR/docker-cli docker -H "unix://$ENG_DOCKER_SOCK" "$@"
}

# Start a private dockerd on the test bridge and import ENG_IMAGE.
eng_docker_start()
{
	local d=$ENG_DIR/docker
	ENG_DOCKER_ROOT=$d/data
	ENG_DOCKER_SOCK=$d/docker.sock
	mkdir -p "$d/data" "$d/exec" "$ENG_DIR/docker-cli" || return 1
	eng_bridge || return 1
	dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
		-H "unix://$ENG_DOCKER_SOCK" --bridge "$ENG_BRIDGE" \
		--iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
		--userland-proxy=false --log-level warn \
		>"$d/dockerd.log" 2>&1 &
	ENG_DOCKER_PID=$!
	if ! eng_wait_for "$ENG_TIMEOUT" eng_docker version; then
		eng_log "dockerd did not come up; log:"
		tail -n 20 "$d/dockerd.log" >&2
		return 1
	fi
	if ! eng_docker image inspect "$ENG_IMAGE" >/dev/null 2>&1; then
		eng_docker import -c 'CMD ["/bin/sh"]' "$(eng_rootfs_tar)" "$ENG_IMAGE" >/dev/null ||
			return 1
	fi
}

# docker run -d --pull never --name NAME ARGS...; prints the id.
eng_docker_run()
{
	local name=$1
	shift
	eng_docker run -d --pull never --name "$name" "$@"
}

# The address of container $1 on the bridge.
eng_docker_ip()
{
	eng_docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

# The init pid of container $1.
eng_docker_pid()
{
	eng_docker inspect -f '{{.State.Pid}}' "$1"
}

# "web" serves HTTP on :80; "db" fetches from web N times (0.2 s apart), then idles.
eng_docker_default_root()
{
	mount -t tmpfs -o mode=0755 "${ENG_PREFIX}-varlib" /var/lib &&
		mkdir /var/lib/docker &&
		mount --bind "$ENG_DOCKER_ROOT" /var/lib/docker
}

eng_docker_web_db()
{
	local n=${1:-20} extra=${2:-} ip
	# shellcheck disable=SC2086
	eng_docker_run web $extra "$ENG_IMAGE" httpd -f -p 80 -h /www >/dev/null || return 1
	ip=$(eng_docker_ip web) || return 1
	[ -n "$ip" ] || { eng_log "web has no address"; return 1; }
	eng_wait_for "$ENG_TIMEOUT" eng_docker exec web wget -q -O /dev/null "http://127.0.0.1/" ||
		return 1
	eng_docker_run db "$ENG_IMAGE" sh -c \
		"for i in \$(seq 1 $n); do wget -q -O /dev/null http://$ip/; sleep 0.2; done; sleep 3600" \
		>/dev/null
}

# Remove every container of the private dockerd and stop it.
eng_docker_stop()
{
	local ids
	[ -n "$ENG_DOCKER_PID" ] || return 0
	ids=$(eng_docker ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$ids" ] && eng_docker rm -f -t 0 $ids >/dev/null 2>&1
	kill "$ENG_DOCKER_PID" 2>/dev/null
	local i
	for ((i = 0; i < ENG_TIMEOUT * 10; i++)); do
		kill -0 "$ENG_DOCKER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$ENG_DOCKER_PID" 2>/dev/null
	wait "$ENG_DOCKER_PID" 2>/dev/null
	ENG_DOCKER_PID=
	return 0
}

# ---- containerd ----

# ctr bound to the private containerd and namespace ENG_CTD_NS.
eng_ctr()
{
	ctr --address "$ENG_CTD_SOCK" -n "$ENG_CTD_NS" "$@"
}

# Write ENG_IMAGE as an OCI image layout archive; prints its path.
eng_oci_archive()
{
	local o=$ENG_DIR/oci b layer lsum csum msum lsize csize msize
	local tag=${ENG_IMAGE##*:}
	[ -f "$ENG_DIR/oci.tar" ] && { echo "$ENG_DIR/oci.tar"; return 0; }
	b=$o/blobs/sha256
	mkdir -p "$b" || return 1
	layer=$(eng_rootfs_tar) || return 1
	lsum=$(sha256sum "$layer" | cut -d' ' -f1)
	lsize=$(stat -c %s "$layer")
	cp "$layer" "$b/$lsum"
	local mt=application/vnd.oci.image fmt
	fmt='{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},'
	fmt+='"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}'
	# shellcheck disable=SC2059
	printf "$fmt" "$lsum" >"$o/cfg"
	csum=$(sha256sum "$o/cfg" | cut -d' ' -f1)
	csize=$(stat -c %s "$o/cfg")
	mv "$o/cfg" "$b/$csum"
	fmt='{"schemaVersion":2,"mediaType":"%s.manifest.v1+json",'
	fmt+='"config":{"mediaType":"%s.config.v1+json","digest":"sha256:%s","size":%s},'
	fmt+='"layers":[{"mediaType":"%s.layer.v1.tar","digest":"sha256:%s","size":%s}]}'
	# shellcheck disable=SC2059
	printf "$fmt" "$mt" "$mt" "$csum" "$csize" "$mt" "$lsum" "$lsize" >"$o/man"
	msum=$(sha256sum "$o/man" | cut -d' ' -f1)
	msize=$(stat -c %s "$o/man")
	mv "$o/man" "$b/$msum"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
	fmt='{"schemaVersion":2,"manifests":[{"mediaType":"%s.manifest.v1+json",'
	fmt+='"digest":"sha256:%s","size":%s,'
	fmt+='"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}'
	# shellcheck disable=SC2059
	printf "$fmt" "$mt" "$msum" "$msize" "$tag" >"$o/index.json"
	tar -C "$o" -cf "$ENG_DIR/oci.tar" oci-layout index.json blobs || return 1
	echo "$ENG_DIR/oci.tar"
}

# Start a private containerd (CRI plugin off) and import ENG_IMAGE.
eng_containerd_start()
{
	local d=$ENG_DIR/ctd archive
	mkdir -p "$d/root" "$d/state" || return 1
	ENG_CTD_SOCK=$d/ctd.sock
	ENG_CTD_STATE=$d/state
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$ENG_CTD_SOCK"
		[ttrpc]
		  address = "$d/ctd.ttrpc.sock"
		[debug]
		  address = "$d/ctd.debug.sock"
		  level = "warn"
		[metrics]
		  address = ""
	EOF
	containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
	ENG_CTD_PID=$!
	if ! eng_wait_for "$ENG_TIMEOUT" eng_ctr version; then
		eng_log "containerd did not come up; log:"
		tail -n 20 "$d/containerd.log" >&2
		return 1
	fi
	archive=$(eng_oci_archive) || return 1
	eng_ctr images import --base-name "docker.io/library/${ENG_IMAGE%%:*}" \
		"$archive" >/dev/null || return 1
}

# ctr run -d NAME in netns path $2; options, then "--", then the command.
eng_ctr_run()
{
	local name=$1 netns=$2 opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	eng_ctr run -d --with-ns "network:$netns" "${opts[@]}" \
		"docker.io/library/$ENG_IMAGE" "$name" "$@" >/dev/null
}

# The init pid of containerd task $1.
eng_ctr_pid()
{
	eng_ctr task ls | awk -v n="$1" '$1 == n { print $2 }'
}

# Kill and delete every task and container, then stop containerd.
eng_containerd_stop()
{
	local c i
	[ -n "$ENG_CTD_PID" ] || return 0
	for c in $(eng_ctr containers ls -q 2>/dev/null); do
		eng_ctr task kill -s KILL "$c" >/dev/null 2>&1
		for ((i = 0; i < 50; i++)); do
			eng_ctr task delete "$c" >/dev/null 2>&1 && break
			sleep 0.1
		done
		eng_ctr containers delete "$c" >/dev/null 2>&1
	done
	kill "$ENG_CTD_PID" 2>/dev/null
	for ((i = 0; i < ENG_TIMEOUT * 10; i++)); do
		kill -0 "$ENG_CTD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$ENG_CTD_PID" 2>/dev/null
	wait "$ENG_CTD_PID" 2>/dev/null
	ENG_CTD_PID=
	return 0
}

# ---- podman ----

# podman bound to the private root, runroot and configuration.
eng_podman()
{
	CONTAINERS_CONF=$ENG_DIR/pm/containers.conf \
		CONTAINERS_STORAGE_CONF=$ENG_DIR/pm/storage.conf \
		CONTAINERS_REGISTRIES_CONF=$ENG_DIR/pm/registries.conf \
		podman --root "$ENG_PODMAN_ROOT" --runroot "$ENG_PODMAN_RUNROOT" \
		--tmpdir "$ENG_DIR/pm/tmp" "$@"
}

# Write podman's private configuration and import ENG_IMAGE.
eng_podman_start()
{
	local d=$ENG_DIR/pm
	ENG_PODMAN_ROOT=$d/root
	ENG_PODMAN_RUNROOT=$d/run
	mkdir -p "$d/root" "$d/run" "$d/tmp" "$d/net" || return 1
	cat >"$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		[network]
		network_config_dir = "$d/net"
	EOF
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$d/run"
	EOF
	: >"$d/registries.conf"
	ENG_PODMAN_ON=1
	eng_podman import -q -c 'CMD ["/bin/sh"]' "$(eng_rootfs_tar)" "localhost/$ENG_IMAGE" \
		>/dev/null || return 1
}

# podman run -d in netns path $2 named $1; remaining args are options, image and command.
eng_podman_run()
{
	local name=$1 netns=$2
	shift 2
	eng_podman run -d --pull never --network "ns:$netns" --name "$name" "$@" >/dev/null
}

# The init pid of podman container $1.
eng_podman_pid()
{
	eng_podman inspect -f '{{.State.Pid}}' "$1"
}

# Remove every podman container of the private root.
eng_podman_stop()
{
	[ "$ENG_PODMAN_ON" = 1 ] || return 0
	eng_podman rm -f -a -t 0 >/dev/null 2>&1
	ENG_PODMAN_ON=0
	return 0
}

# Remove everything the helpers created. Safe to call twice.
eng_cleanup()
{
	# Best effort to the end: a caller's `set -e` must not stop the cleanup at the
	# first thing that is already gone (`local -` keeps the option change here).
	local - n
	set +e
	eng_podman_stop
	eng_docker_stop
	eng_containerd_stop
	eng_kill_leftovers
	if [ -n "$ENG_DIR" ] && [ -f "$ENG_DIR/netns.list" ]; then
		while read -r n; do
			ip netns del "$n" 2>/dev/null
		done <"$ENG_DIR/netns.list"
	fi
	# veth host ends vanish with their netns; the bridge is ours by name.
	[ -n "${ENG_BRIDGE:-}" ] && ip link del "$ENG_BRIDGE" 2>/dev/null
	if [ -n "$ENG_DIR" ] && [ -f "$ENG_DIR/iptables.list" ]; then
		while read -r n; do
			iptables -w 5 -D FORWARD -i "$n" -o "$n" -j ACCEPT 2>/dev/null
		done <"$ENG_DIR/iptables.list"
	fi
	if [ -n "$ENG_DIR" ] && [ -d "$ENG_DIR" ]; then
		eng_umount_all
		rm -rf "$ENG_DIR"
	fi
	ENG_DIR=
	eng_rmdir_cgroups
	return 0
}

# Remove the runtimes' parent cgroups if they are empty (rmdir fails on a cgroup in use,
# so another test's containers are never touched).
eng_rmdir_cgroups()
{
	local m c
	for m in $(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo); do
		for c in "$ENG_CTD_NS" docker libpod_parent; do
			[ -d "$m/$c" ] && rmdir "$m/$c" 2>/dev/null
		done
	done
	return 0
}
