# SPDX-License-Identifier: GPL-2.0-or-later
# Shell functions the capture benchmarks share (sourced, not run).

# prog_cost PID: average run time of ctrcap PID's tc and cgroup_skb programs
# (kernel.bpf_stats_enabled), found through the program fds it holds. The tc
# programs are the generated filters (ctrcap_filter, one per interface and
# direction); their time includes the capture program they tail-call, which
# the kernel does not count on its own.
prog_cost() {
	local id name out=
	for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' |
		    sort -un); do
		name=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\) .*/\1/p')
		case $name in
		ctrcap_filter|ctrcap_skb_egr*)
			out+=$(bpftool prog show id "$id" | awk -v n="$name" '
				{ for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1)
							      if ($i == "run_cnt") c = $(i + 1) } }
				END { if (c > 0) printf "%s=%dns/%dpkts ", n, t / c, c }')
			;;
		esac
	done
	echo "$out"
}
