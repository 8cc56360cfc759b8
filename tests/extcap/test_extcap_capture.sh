#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ctrcapdump driving the real ctrcap, the way dumpcap drives an extcap (root,
# real eBPF, no stand-in). A talker process in a test cgroup and netns sends
# UDP to ports 9 and 7 across a veth pair the test creates (netns cextcapA
# 10.99.4.201 -> cextcapB 10.99.4.202). fifo_reader plays dumpcap's end of
# the fifo and checks the pcapng framing of every byte it got on its own.
#
#   test_extcap_capture.sh CTRCAP CTRCAPDUMP TCX_QUERY FIFO_READER SRC
#
# Cases: extcap-interfaces and filter-check mode; a capture stopped by
# SIGTERM with a real capture filter (complete blocks only, identity of the
# talker's pid and cgroup on its packets, only port 9, stderr empty although
# ctrcap prints its packet counts there, no ctrcap left, none of its BPF
# programs loaded or on the veths); the same stopped by the reader closing
# the fifo (EPIPE); a real helper error as one line; a bad filter runs
# nothing (counted in a private pid namespace); a missing helper; a helper
# the user may not run (install-privileged, user nobody); a helper ignoring
# SIGTERM (helper_ignores_sigterm.sh, fault injection) killed after 10 s.
# Everything it made (netns, veth, cgroup, group ctrcap if it created it,
# files, processes) is removed on exit, also on failure.
set -uo pipefail

CTRCAP=${1:?usage: test_extcap_capture.sh CTRCAP CTRCAPDUMP TCX_QUERY FIFO_READER SRC}
CTRCAPDUMP=${2:?}
TCX_QUERY=${3:?}
READER=${4:?}
SRC=${5:?}
STUBBORN=$SRC/tests/extcap/helper_ignores_sigterm.sh
SKIP=77

if [ "$(id -u)" -ne 0 ]; then
	echo "test_extcap_capture: skipped: needs root" >&2
	exit $SKIP
fi

FAILS=0
fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
ok() {
	echo "ok: $*"
}

# shellcheck source=../lib/netns.sh
. "$SRC/tests/lib/netns.sh"

W=$(mktemp -d /tmp/cext-cap.XXXXXX)
chmod 0755 "$W"
BG_PIDS=()
made_group=0

cleanup() {
	local p c
	set +e
	for p in "${BG_PIDS[@]}"; do
		for c in $(pgrep -P "$p"); do
			kill -KILL "$c" 2>/dev/null
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ "$made_group" = 1 ] && groupdel ctrcap 2>/dev/null
	tn_cleanup
	rm -rf "$W"
}
TN_TRAP=0
tn_init cext || exit 1
trap cleanup EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# ---- topology and the talker ----
tn_ns_add cextcapA && tn_ns_add cextcapB &&
	tn_veth cextcapA eth0 10.99.4.201/24 cextcapB eth0 10.99.4.202/24 &&
	tn_cgroup_add talker || { fail "cannot build the test topology"; exit 1; }
cg=$TN_CG
cgid=$(tn_cgroup_id "$cg")
# At most 1200 rounds (about 70 s), killed at cleanup.
tn_bg "$cg" cextcapA bash -c 'for i in $(seq 1 1200); do
	echo nine >/dev/udp/10.99.4.202/9; echo seven >/dev/udp/10.99.4.202/7; sleep 0.05; done'
talker=$TN_LAST_PID
BG_PIDS+=("$talker")

# ---- helpers ----

# wait_exit PID SECONDS: PID's exit code, or 124 (and PID killed) after SECONDS.
wait_exit() {
	local pid=$1 limit=$(($2 * 10)) i c
	for ((i = 0; i < limit; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		for c in $(pgrep -P "$pid"); do
			kill -KILL "$c" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# start_dump NAME HELPER ARGS...: ctrcapdump ARGS in the background with
# CTRCAP_HELPER=HELPER, stdout/stderr in $W/NAME.out and $W/NAME.err; DP = its pid.
start_dump() {
	local n=$1 h=$2
	shift 2
	CTRCAP_HELPER=$h "$CTRCAPDUMP" "$@" >"$W/$n.out" 2>"$W/$n.err" &
	DP=$!
	BG_PIDS+=("$DP")
}

# start_reader NAME MIN_EPB TIMEOUT_MS eof|close: fifo_reader on $W/NAME.fifo; RP = its pid.
start_reader() {
	local n=$1
	rm -f "$W/$n.fifo" "$W/$n.ready" "$W/$n.ready.close"
	mkfifo -m 0666 "$W/$n.fifo"
	"$READER" "$W/$n.fifo" "$W/$n.pcapng" "$2" "$3" "$W/$n.ready" "$4" >"$W/$n.sum" &
	RP=$!
	BG_PIDS+=("$RP")
}

# field NAME KEY: a value from fifo_reader's summary line.
field() {
	sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" "$W/$1.sum"
}

# words TEXT: TEXT's lines as one line of words.
words() {
	tr '\n' ' ' <<<"$1"
}

# one_line FILE: FILE holds exactly one non-empty line.
one_line() {
	[ "$(wc -l <"$1")" = 1 ] && [ -n "$(head -c1 "$1")" ]
}

# helper_of PID: the child ctrcapdump PID runs (waits up to 5 s).
helper_of() {
	local i c
	for ((i = 0; i < 50; i++)); do
		c=$(pgrep -P "$1" | head -1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.1
	done
	return 1
}

# progs_of PID: ids of the BPF programs PID holds open.
progs_of() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -un
}

# veth_links: tcx programs on both ends of the test veth.
veth_links() {
	ip netns exec cextcapA "$TCX_QUERY" eth0 | sed 's/^/A /'
	ip netns exec cextcapB "$TCX_QUERY" eth0 | sed 's/^/B /'
}

# gone_after_stop NAME HELPER_PID PROG_IDS: no helper process, no program of it loaded.
gone_after_stop() {
	local n=$1 hp=$2 progs=$3 left
	if kill -0 "$hp" 2>/dev/null; then
		fail "$n: ctrcap (pid $hp) still running after ctrcapdump ended"
	else
		ok "$n: no ctrcap process left"
	fi
	# shellcheck disable=SC2086 # one argument per id
	left=$("$TCX_QUERY" --loaded $progs)
	if [ -n "$left" ]; then
		fail "$n: BPF programs of the stopped helper still loaded: $(words "$left")"
	else
		ok "$n: none of its $(echo "$progs" | wc -w) BPF programs is loaded"
	fi
	left=$(veth_links | awk -v ids=" $(words "$progs")" 'index(ids, " " $3 " ")')
	[ -z "$left" ] || fail "$n: its programs still on the test veth: $left"
}

# capture_running NAME: wait for the reader's "ready", note helper, programs, links.
capture_running() {
	local n=$1 i
	for ((i = 0; i < 200; i++)); do
		[ -e "$W/$n.ready" ] && break
		kill -0 "$RP" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$W/$n.ready" ]; then
		fail "$n: no packets with identity within 20 s ($(cat "$W/$n.sum" "$W/$n.err"))"
		return 1
	fi
	HP=$(helper_of "$DP") || { fail "$n: no helper process under ctrcapdump"; return 1; }
	PROGS=$(progs_of "$HP")
	[ -n "$PROGS" ] || fail "$n: the helper holds no BPF program"
	# The helper's tc programs are on the test veth while it runs (so that
	# gone_after_stop has something to miss).
	LINKS=$(veth_links | awk -v ids=" $(words "$PROGS")" 'index(ids, " " $3 " ")')
	if [ "$(echo "$LINKS" | grep -c .)" -ge 4 ]; then
		ok "$n: helper $HP runs with $(echo "$PROGS" | wc -w) programs, 4 on the test veth"
	else
		fail "$n: the helper's programs are not on both ends of the veth: [$LINKS]"
	fi
}

# ---- extcap-interfaces and filter checks (no capture) ----
start_dump list "$CTRCAP" --extcap-interfaces --extcap-version=4.0
rc=0
wait_exit "$DP" 15 || rc=$?
if [ "$rc" = 0 ] && grep -q '{value=container-any}' "$W/list.out" && [ ! -s "$W/list.err" ]; then
	ok "--extcap-interfaces with the real helper: $(grep -c '^interface' "$W/list.out") interfaces"
else
	fail "--extcap-interfaces: rc $rc, out [$(cat "$W/list.out")], err [$(cat "$W/list.err")]"
fi
start_dump list2 /nonexistent/cext/ctrcap --extcap-interfaces
rc=0
wait_exit "$DP" 15 || rc=$?
# container-any, and cluster (it runs ctrcap --node, which captures elsewhere): no container.
if [ "$rc" = 0 ] && [ "$(grep -c '^interface' "$W/list2.out")" = 2 ] &&
	grep -q '{value=container-any}' "$W/list2.out" && grep -q '{value=cluster}' "$W/list2.out" &&
	[ ! -s "$W/list2.err" ]; then
	ok "--extcap-interfaces without a helper: container-any and cluster only"
else
	fail "--extcap-interfaces without helper: rc $rc [$(cat "$W/list2.out" "$W/list2.err")]"
fi
start_dump fok "$CTRCAP" --extcap-interface container-any \
	--extcap-capture-filter 'udp and host 10.99.4.202'
rc=0
wait_exit "$DP" 10 || rc=$?
[ "$rc" = 0 ] && [ ! -s "$W/fok.out" ] && ok "filter check: valid filter, empty stdout" ||
	fail "filter check of a valid filter: rc $rc [$(cat "$W/fok.out" "$W/fok.err")]"
start_dump fbad "$CTRCAP" --extcap-interface container-any \
	--extcap-capture-filter 'udp and hots 10.99.4.202'
rc=0
wait_exit "$DP" 10 || rc=$?
[ "$rc" = 1 ] && one_line "$W/fbad.out" && ok "filter check: bad filter, one line" ||
	fail "filter check of a bad filter: rc $rc [$(cat "$W/fbad.out" "$W/fbad.err")]"

# ---- SIGTERM: a real capture filter, identity, byte-exact blocks, nothing left ----
start_reader term 10 20000 eof
start_dump term "$CTRCAP" --capture --extcap-interface container-any --fifo "$W/term.fifo" \
	--extcap-capture-filter 'udp dst port 9 and net 10.99.4.0/24'
if capture_running term; then
	hp=$HP progs=$PROGS
	kill -TERM "$DP"
	rc=0
	wait_exit "$DP" 15 || rc=$?
	[ "$rc" = 0 ] && ok "SIGTERM: ctrcapdump exits 0" || fail "SIGTERM: ctrcapdump exit $rc"
	# ctrcap printed "N packets captured ..." on stop: Wireshark must see nothing.
	[ ! -s "$W/term.err" ] && ok "SIGTERM: nothing on stderr" ||
		fail "SIGTERM: stderr shown to the user: $(cat "$W/term.err")"
	rc=0
	wait_exit "$RP" 10 || rc=$?
	[ "$rc" = 0 ] || fail "SIGTERM: fifo reader exit $rc: $(cat "$W/term.sum")"
	gone_after_stop SIGTERM "$hp" "$progs"

	# What the reader got: one section, complete blocks up to EOF, identity on
	# every packet (only the talker's packets pass the filter), the talker's
	# process in an Apple process info block, no block of another type.
	sum=$(cat "$W/term.sum")
	if [ "$(field term eof)" = 1 ] && [ "$(field term partial)" = 0 ] &&
		[ "$(field term shb)" = 1 ] && [ "$(field term idb)" -ge 1 ] &&
		[ "$(field term other)" = 0 ] && [ "$(field term pib)" -ge 1 ] &&
		[ "$(field term epb)" = "$(field term epb_identity)" ]; then
		ok "SIGTERM: fifo stream is complete pcapng blocks to EOF: $sum"
	else
		fail "SIGTERM: fifo stream: $sum"
	fi
	"$CTRCAP" -r "$W/term.pcapng" -vv >"$W/term.txt" 2>"$W/term.rerr" ||
		fail "SIGTERM: ctrcap -r cannot read the stream: $(cat "$W/term.rerr")"
	npk=$(grep -c '^[0-9][0-9:.]* ' "$W/term.txt")
	[ "$npk" = "$(field term epb)" ] && ok "SIGTERM: ctrcap -r reads all $npk packets" ||
		fail "SIGTERM: ctrcap -r read $npk packets, the fifo carried $(field term epb)"
	if command -v tshark >/dev/null; then
		ntp=$(tshark -r "$W/term.pcapng" -T fields -e frame.number 2>"$W/term.terr" | grep -c .)
		[ "$ntp" = "$(field term epb)" ] && ok "SIGTERM: tshark reads all $ntp packets" ||
			fail "SIGTERM: tshark read $ntp packets: $(cat "$W/term.terr")"
	fi
	# The capture filter ran in the helper: port 9 only.
	other=$(grep '^[0-9][0-9:.]* ' "$W/term.txt" | grep -vc '10\.99\.4\.202\.9: UDP')
	[ "$other" = 0 ] && ok "SIGTERM: capture filter kept only UDP to port 9" ||
		fail "SIGTERM: $other packets the filter should have dropped"
	# Identity: the talker's pid and its cgroup, on every packet.
	np=$(grep -c "^    Process (pid $talker, " "$W/term.txt")
	nc=$(grep -c "^    Capture (.*, cgroup $cgid)" "$W/term.txt")
	[ "$np" = "$npk" ] && [ "$nc" = "$npk" ] &&
		ok "SIGTERM: all $npk packets name pid $talker and cgroup $cgid" ||
		fail "SIGTERM: of $npk packets $np name pid $talker, $nc cgroup $cgid"
fi

# ---- EPIPE: the reader closes the fifo ----
start_reader epipe 10 20000 close
start_dump epipe "$CTRCAP" --capture --extcap-interface container-any --fifo "$W/epipe.fifo" \
	--extcap-capture-filter 'udp and net 10.99.4.0/24'
if capture_running epipe; then
	hp=$HP progs=$PROGS
	touch "$W/epipe.ready.close" # the reader closes its end now
	rc=0
	wait_exit "$DP" 15 || rc=$?
	[ "$rc" = 0 ] && [ ! -s "$W/epipe.err" ] &&
		ok "EPIPE: ctrcapdump exits 0 with nothing on stderr" ||
		fail "EPIPE: ctrcapdump exit $rc, stderr [$(cat "$W/epipe.err")]"
	wait_exit "$RP" 5 >/dev/null
	gone_after_stop EPIPE "$hp" "$progs"
	"$CTRCAP" -r "$W/epipe.pcapng" >"$W/epipe.txt" 2>&1
	# Without "dst port 9" port 7 shows up: the SIGTERM case's filter did the work.
	grep -q '10\.99\.4\.202\.7: UDP' "$W/epipe.txt" &&
		ok "EPIPE: unfiltered by port, port 7 packets present" ||
		fail "EPIPE: no port 7 packet: $(head -5 "$W/epipe.txt")"
fi

# ---- the real helper fails: its last line, once ----
start_reader fails 0 15000 eof
start_dump fails "$CTRCAP" --capture --extcap-interface container-any --fifo "$W/fails.fifo" \
	--interfaces cextnosuch0
rc=0
wait_exit "$DP" 15 || rc=$?
if [ "$rc" = 1 ] && one_line "$W/fails.err" &&
	grep -q "^ctrcapdump: ctrcap: .*cextnosuch0" "$W/fails.err"; then
	ok "helper error: one line: $(cat "$W/fails.err")"
else
	fail "helper error: rc $rc, stderr [$(cat "$W/fails.err")]"
fi
rc=0
wait_exit "$RP" 10 || rc=$?
[ "$rc" = 0 ] && [ "$(field fails bytes)" = 0 ] && ok "helper error: the fifo reader sees EOF" ||
	fail "helper error: fifo reader exit $rc: $(cat "$W/fails.sum")"

# ---- bad filter, missing helper: counted in a private pid namespace ----
# In a new pid namespace bash is pid 1, ctrcapdump pid 2; a helper started
# (even one whose exec fails) takes pid 3, so the probe gets 3 or 4.
# LeakSanitizer's exit-time tracer is a process too: off here (the other
# cases run with it).
# dump_in_pidns NAME HELPER ARGS...: exit code in $W/NAME.rc, probe pid in $W/NAME.probe.
dump_in_pidns() {
	local n=$1 h=$2
	shift 2
	CTRCAP_HELPER=$h ASAN_OPTIONS=detect_leaks=0 timeout 20 unshare --pid --fork bash -c \
		'p=$1; shift; "$@" >"$p.out" 2>"$p.err"; echo $? >"$p.rc"; sh -c "echo \$\$" >"$p.probe"; :' \
		dump "$W/$n" "$CTRCAPDUMP" "$@" &
	DP=$!
	BG_PIDS+=("$DP")
}
start_reader badf 0 15000 eof
dump_in_pidns badf "$CTRCAP" --capture --extcap-interface container-any \
	--fifo "$W/badf.fifo" --extcap-capture-filter 'udp port eighty'
wait_exit "$DP" 20 >/dev/null
if [ "$(cat "$W/badf.rc")" = 1 ] && one_line "$W/badf.err" &&
	grep -q '^ctrcapdump: .*eighty' "$W/badf.err" && ! grep -q '^ctrcapdump: ctrcap' "$W/badf.err"; then
	ok "bad filter: one line: $(cat "$W/badf.err")"
else
	fail "bad filter: rc $(cat "$W/badf.rc"), stderr [$(cat "$W/badf.err")]"
fi
[ "$(cat "$W/badf.probe")" = 3 ] && ok "bad filter: no helper started" ||
	fail "bad filter: processes were started (probe pid $(cat "$W/badf.probe"), want 3)"
wait_exit "$RP" 10 >/dev/null
[ "$(field badf eof)" = 1 ] || fail "bad filter: fifo reader did not see EOF"

start_reader miss 0 15000 eof
dump_in_pidns miss /nonexistent/cext/ctrcap --capture \
	--extcap-interface container-any --fifo "$W/miss.fifo"
wait_exit "$DP" 20 >/dev/null
want="ctrcapdump: capture helper /nonexistent/cext/ctrcap not found: install ctrcap, or point CTRCAP_HELPER at it"
if [ "$(cat "$W/miss.rc")" = 1 ] && [ "$(cat "$W/miss.err")" = "$want" ]; then
	ok "missing helper: $want"
else
	fail "missing helper: rc $(cat "$W/miss.rc"), stderr [$(cat "$W/miss.err")]"
fi
# The control for the bad-filter count: here a helper start was tried.
[ "$(cat "$W/miss.probe")" = 4 ] && ok "missing helper: the pid count saw the attempt" ||
	fail "missing helper: probe pid $(cat "$W/miss.probe"), want 4"
wait_exit "$RP" 10 >/dev/null
[ "$(field miss eof)" = 1 ] || fail "missing helper: fifo reader did not see EOF"

# ---- refused: the privileged install, run by a user outside group ctrcap ----
getent group ctrcap >/dev/null || made_group=1
install -D -m 0755 "$CTRCAP" "$W/sbin/ctrcap"
install -D -m 0755 "$CTRCAPDUMP" "$W/bin/ctrcapdump"
if "$SRC/scripts/install-privileged" "$W/sbin/ctrcap" >"$W/priv.log" 2>&1; then
	start_reader refused 0 15000 eof
	setpriv --reuid=65534 --regid=65534 --clear-groups -- env CTRCAP_HELPER="$W/sbin/ctrcap" \
		"$W/bin/ctrcapdump" --capture --extcap-interface container-any \
		--fifo "$W/refused.fifo" >"$W/refused.out" 2>"$W/refused.err" &
	DP=$!
	BG_PIDS+=("$DP")
	rc=0
	wait_exit "$DP" 15 || rc=$?
	want="ctrcapdump: permission denied running capture helper $W/sbin/ctrcap (mode 0750, group ctrcap): only root and members of group ctrcap may capture; ask an administrator to add you (usermod -aG ctrcap USER) and log in again"
	[ "$rc" = 1 ] && [ "$(cat "$W/refused.err")" = "$want" ] &&
		ok "refused (uid 65534, not in group ctrcap): one line naming the group" ||
		fail "refused: rc $rc, stderr [$(cat "$W/refused.err")]"
	wait_exit "$RP" 10 >/dev/null
	[ "$(field refused eof)" = 1 ] || fail "refused: fifo reader did not see EOF"
else
	fail "install-privileged failed: $(cat "$W/priv.log")"
fi

# ---- fault injection: a helper ignoring SIGTERM is killed after 10 s ----
start_reader stub 0 25000 eof
export CEXT_STUBBORN_PIDFILE=$W/stub.pid
start_dump stub "$STUBBORN" --capture --extcap-interface container-any --fifo "$W/stub.fifo"
tn_wait_for 5 test -s "$W/stub.pid" || fail "stubborn helper did not start"
sp=$(cat "$W/stub.pid" 2>/dev/null)
t0=$(date +%s)
kill -TERM "$DP"
rc=0
wait_exit "$DP" 15 || rc=$?
t=$(($(date +%s) - t0))
if [ "$rc" = 1 ] && [ "$t" -ge 9 ] && one_line "$W/stub.err" &&
	grep -q "did not stop within 10000 ms and was killed" "$W/stub.err"; then
	ok "helper ignoring SIGTERM: killed after ${t} s: $(cat "$W/stub.err")"
else
	fail "helper ignoring SIGTERM: rc $rc after ${t} s, stderr [$(cat "$W/stub.err")]"
fi
[ -n "$sp" ] && ! kill -0 "$sp" 2>/dev/null || fail "stubborn helper $sp still running"
wait_exit "$RP" 5 >/dev/null
[ "$(field stub eof)" = 1 ] || fail "stubborn: fifo reader did not see EOF"

if [ "$FAILS" -ne 0 ]; then
	echo "test_extcap_capture: $FAILS failed" >&2
	exit 1
fi
echo "test_extcap_capture: all passed"
