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

# thread_cpu PID: CPU seconds (user + system) of each thread of PID so far,
# summed by thread name: "ctrcap=0.41s pcapng-writer=0.09s ...". The ring
# reader is the thread named ctrcap that has the most.
thread_cpu() {
	local t hz
	hz=$(getconf CLK_TCK)
	for t in /proc/"$1"/task/*; do
		# Fields after the ") " that ends the name: utime and stime are the 12th and 13th.
		printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" \
			"$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
	done | awk -v hz="$hz" 'NF == 2 { s[$1] += $2 }
		END { for (n in s) printf "%s=%.2fs ", n, s[n] / hz }'
}

# run_ns PID: nanoseconds all of PID's threads have run on a CPU so far
# (/proc/PID/task/*/schedstat); finer than the 10 ms ticks of utime and stime.
run_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'
}

# median_min_max: of the numbers on stdin, one per line ("- - -" for none).
median_min_max() {
	sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "- - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}
