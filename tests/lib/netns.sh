# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Network test topologies with guaranteed cleanup: network namespaces,
# veth pairs, cgroup-v2 groups and background processes, all recorded and
# removed on exit (also on failure). Source from a bash test run as root:
#
#   . "$SRC/tests/lib/netns.sh"
#   tn_init ccap                           # your prefix; installs "trap tn_cleanup EXIT"
#   tn_ns_add ccapA                        # netns (lo up)
#   tn_veth ccapA eth0 10.99.1.1/24 ccapR a0 10.99.1.254/24   # "" = host netns
#   tn_cgroup_add cli; cg=$TN_CG           # $TN_CGROOT/<prefix>-<pid>-cli (not in $(...):
#                                          # a subshell could not record it for cleanup)
#   tn_run_in "$cg" ccapA cmd args...      # run in cgroup + netns (cgroup first)
#   tn_bg "$cg" ccapB cmd args...          # same, in the background, killed at exit
#   tn_cgroup_id "$cg"                     # the cgroup id BPF reports (its inode)
#
# Set TN_TRAP=0 before tn_init to call tn_cleanup from your own trap.
# Every loop here is bounded in count and time.

TN_PREFIX=
TN_CGROOT=
TN_NS=()
TN_HOST_LINKS=()
TN_CGROUPS=()
TN_PIDS=()

# tn_init PREFIX: remember the prefix, find the cgroup-v2 root, arm cleanup.
tn_init() {
	TN_PREFIX=$1
	TN_CGROOT=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
	if [ -z "$TN_CGROOT" ]; then
		echo "netns.sh: no cgroup2 mount in /proc/self/mountinfo" >&2
		return 1
	fi
	if [ "${TN_TRAP:-1}" = 1 ]; then
		trap tn_cleanup EXIT
	fi
}

# tn_ns_add NAME: create a network namespace with lo up.
tn_ns_add() {
	# A killed earlier run may have left a namespace of that name behind.
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	TN_NS+=("$1")
	ip -n "$1" link set lo up
}

# tn_veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth pair; "" NS = host, "" ADDR = none.
tn_veth() {
	local nsa=$1 ifa=$2 adda=$3 nsb=$4 ifb=$5 addb=$6 tmpa tmpb
	tmpa="${TN_PREFIX}t$$a${RANDOM}"
	tmpb="${TN_PREFIX}t$$b${RANDOM}"
	tmpa=${tmpa:0:15}
	tmpb=${tmpb:0:15}
	ip link add "$tmpa" type veth peer name "$tmpb" || return 1
	if ! _tn_place "$tmpa" "$nsa" "$ifa" "$adda" || ! _tn_place "$tmpb" "$nsb" "$ifb" "$addb"; then
		# Not yet tracked for cleanup: remove the pair here (either end takes both).
		ip link del "$tmpa" 2>/dev/null || ip link del "$tmpb" 2>/dev/null
		return 1
	fi
}

_tn_place() {
	local tmp=$1 ns=$2 name=$3 addr=$4
	if [ -n "$ns" ]; then
		ip link set "$tmp" netns "$ns" name "$name" || return 1
		if [[ $addr == *:* ]]; then
			ip -n "$ns" addr add "$addr" dev "$name" nodad
		elif [ -n "$addr" ]; then
			ip -n "$ns" addr add "$addr" dev "$name"
		fi
		ip -n "$ns" link set "$name" up
	else
		ip link set "$tmp" name "$name" || return 1
		TN_HOST_LINKS+=("$name")
		[ -n "$addr" ] && ip addr add "$addr" dev "$name"
		ip link set "$name" up
	fi
	return 0
}

# tn_cgroup_add NAME: create a cgroup under the v2 root; its path in TN_CG.
tn_cgroup_add() {
	TN_CG="$TN_CGROOT/${TN_PREFIX}-$$-$1"
	mkdir "$TN_CG" || return 1
	TN_CGROUPS+=("$TN_CG")
}

# tn_cgroup_id PATH: the cgroup id (directory inode) BPF helpers return.
tn_cgroup_id() {
	stat -c %i "$1"
}

# tn_run_in CGROUP NETNS CMD...: run CMD in CGROUP ("" = ours) and NETNS ("" = host).
# The cgroup is joined before entering the netns: `ip netns exec` remounts /sys.
tn_run_in() {
	( _tn_exec "$@" )
}

# Replace the current (sub)shell by CMD in CGROUP and NETNS: the pid stays the same.
_tn_exec() {
	local cg=$1 ns=$2
	shift 2
	if [ -n "$ns" ]; then
		exec bash -c '[ -n "$1" ] && echo $$ > "$1/cgroup.procs"; shift; exec ip netns exec "$@"' \
			tn "$cg" "$ns" "$@"
	fi
	exec bash -c '[ -n "$1" ] && echo $$ > "$1/cgroup.procs"; shift; exec "$@"' tn "$cg" "$@"
}

# tn_bg CGROUP NETNS CMD...: tn_run_in in the background, killed at cleanup.
# TN_LAST_PID is the pid CMD itself runs as.
tn_bg() {
	_tn_exec "$@" &
	TN_LAST_PID=$!
	TN_PIDS+=("$TN_LAST_PID")
}

# tn_wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds or TIMEOUT_S passes.
tn_wait_for() {
	local limit=$(( $1 * 10 )) i
	shift
	for (( i = 0; i < limit; i++ )); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# tn_cleanup: kill recorded processes, remove cgroups, links and namespaces.
tn_cleanup() {
	local p i
	for p in "${TN_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${TN_PIDS[@]}"; do
		for (( i = 0; i < 30; i++ )); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	for p in "${TN_NS[@]}"; do
		# Processes still inside the namespace would keep it (and our cgroups) alive.
		ip netns pids "$p" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$p" 2>/dev/null
	done
	for p in "${TN_HOST_LINKS[@]}"; do
		ip link del "$p" 2>/dev/null
	done
	for p in "${TN_CGROUPS[@]}"; do
		for (( i = 0; i < 30; i++ )); do
			rmdir "$p" 2>/dev/null && break
			xargs -r kill -9 < "$p/cgroup.procs" 2>/dev/null
			sleep 0.1
		done
	done
	TN_PIDS=() TN_NS=() TN_HOST_LINKS=() TN_CGROUPS=()
}
