# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the rpcap shell tests: ok/bad record one check each, die ends
# the test at once, checks_done exits with the verdict. For the tests with
# background processes: stop_pid, wait_for, and work_cleanup (the EXIT trap:
# stops the pids in $pids, shows the tails of $work/*.log on failure,
# removes $work).
fails=0
ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
die() {
	echo "FAIL: $*" >&2
	exit 1
}
checks_done() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "all checks passed"
}

# stop_pid PID: TERM it (and its children: socat's per-connection ones), KILL after 10 s.
stop_pid() {
	local p=$1
	kill -0 "$p" 2>/dev/null || return 0
	pkill -TERM -P "$p" 2>/dev/null || true
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null || true
}

work_cleanup() {
	local rc=$?
	for p in "${pids[@]}"; do stop_pid "$p"; done
	if [ $rc -ne 0 ] || [ $fails -ne 0 ]; then
		for f in "$work"/*.log; do
			[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
		done
	fi
	rm -rf "$work"
	exit $rc
}

# wait_for TRIES COMMAND...: run COMMAND every 0.1 s until it succeeds, TRIES times at most.
wait_for() {
	local tries=$1
	shift
	for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
	return 1
}
