# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the rpcap shell tests: ok/bad record one check each, die ends
# the test at once, checks_done exits with the verdict.
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
