#!/usr/bin/env bash
# A real ctrcap capture under a Debian release's own kernel, booted in qemu
# (see boot.sh and guest_capture.sh):
#   test_kernel.sh RELEASE CTRCAP TRAFFIC SRCDIR
# Checks, from the guest's console: ctrcap started; the capture has packets;
# the UDP and the TCP client's packets carry the client's pid and command on
# eth0 in the netns and on kv0 in the root netns; each of the UDP client's 5
# datagrams is there once on each; a netns made after the start is followed
# and its client named; the end-of-run summary reports 0 dropped; ctrcap
# ended with status 0 and no sanitizer report.
# Prints ok:/FAIL: lines; exit 1 on any FAIL.
# Environment: KERNEL_CACHE (default SRCDIR/build-test/kernels), and what
# boot.sh reads (KERNEL_TIMEOUT, KERNEL_APPEND).
set -euo pipefail
usage="usage: test_kernel.sh RELEASE CTRCAP TRAFFIC SRCDIR"
release=${1:?$usage}
ctrcap=${2:?$usage}
traffic=${3:?$usage}
src=${4:?$usage}
export KERNEL_CACHE=${KERNEL_CACHE:-$src/build-test/kernels}
here=$src/tests/kernel
fails=0

ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# expect DESCRIPTION CMD...: ok or FAIL by CMD's status.
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# iproute2's ip, for the netns in the guest (busybox's has none).
ip_binary() {
	local p
	for p in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
		[ -x "$p" ] && ! [ "$(readlink -f "$p")" = "$(readlink -f /bin/busybox 2>/dev/null)" ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}

# section NAME: the lines of the guest's "=== NAME" section.
section() {
	awk -v s="=== $1" '$0 == s { on = 1; next } on && /^=== end$/ { exit } on' "$console"
}

# packets: the -r -v output, one packet a line, its identity lines appended
# after " | " (a packet line starts with its HH:MM:SS.usec time stamp).
packets() {
	section "ctrcap -r -v" | awk '
		/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ / { if (r != "") print r; r = $0; next }
		/^    / { if (r != "") r = r " |" substr($0, 4) }
		END { if (r != "") print r }'
}

# attributed IFACE FLOW PID: a packet of FLOW (a regex on the summary) on
# IFACE whose Process line names PID and the traffic binary ($pkts holds
# packets' output).
attributed() {
	grep -E "^[^ ]+ $1 (In|Out|\?) .*$2" "$pkts" |
		grep -E "\| Process \(pid $3, cmd [^,)]*($name|$comm)[,)]" >/dev/null
}

# count IFACE DIR FLOW: how many packets of FLOW on IFACE in direction DIR.
count() { grep -cE "^[^ ]+ $1 $2 .*$3" "$pkts" || true; }

# has_packets: the summary counted some and ctrcap -r printed some.
has_packets() { [ "${captured:-0}" -gt 0 ] && [ "$npk" -gt 0 ]; }

for f in "$ctrcap" "$traffic"; do
	[ -x "$f" ] || { echo "FAIL: no executable $f"; exit 1; }
done
ipbin=$(ip_binary) || { echo "FAIL: iproute2's ip is not installed"; exit 1; }
# The command the identity lines show: the exe path, or the comm (15 chars).
name=$(basename "$traffic")
comm=${name:0:15}

rc=0
raw=$KERNEL_CACHE/$release/console.log
# Never judge an earlier run's console.
rm -f "$raw"
"$here/boot.sh" "$release" "$here/guest_capture.sh" "$ctrcap" "$traffic" "$ipbin" || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 1 ] || ! [ -f "$raw" ]; then
	echo "FAIL: the $release kernel did not run the scenario (status $rc: set-up or boot failure, or timeout)"
	exit 1
fi
console=$KERNEL_CACHE/$release/console.txt
tr -d '\r' <"$raw" >"$console"
echo "== $release: kernel $(sed -n 's/^uname -r: //p;T;q' "$console")," \
	"$(sed -n '/^=== ctrcap --version$/{n;p;}' "$console")"
expect "the guest scenario ran to its end (status $rc)" [ "$rc" = 0 ]
# The conntrack kfuncs (5.18+) come with nf_conntrack, which the guest loads.
want_ct=yes
[ "$release" = bullseye ] && want_ct=no
expect "ctrcap --version says conntrack $want_ct" \
	grep -Eq "^kernel .*, conntrack $want_ct(,|\$)" "$console"
# skb:kfree_skb passes the drop reason from 5.17 (--drops).
want_dr=yes
[ "$release" = bullseye ] && want_dr=no
expect "ctrcap --version says drop reasons $want_dr" \
	grep -Eq "^kernel .*, drop reasons $want_dr(,|\$)" "$console"

if grep -q '^CTRCAP-STARTED' "$console" && section "ctrcap stderr" | grep -q 'capturing on'; then
	ok "ctrcap started ($(section "ctrcap stderr" | grep -m1 'capturing on'))"
else
	# Without the verifier's instruction trace: its verdict, libbpf's and
	# ctrcap's lines (the whole log is in the console file).
	bad "ctrcap did not start on $release; it printed:"
	section "ctrcap stderr" | grep -Ev '^([0-9]+: |; )' | sed 's/^/    /' || true
fi

captured=$(section "ctrcap stderr" | sed -n 's/^\([0-9][0-9]*\) packets captured$/\1/p')
pkts=$KERNEL_CACHE/$release/packets.txt
packets >"$pkts"
npk=$(wc -l <"$pkts")
expect "the capture has packets (summary: ${captured:-none} captured; ctrcap -r: $npk)" has_packets

udp=$(sed -n 's/^SENDER udp \([0-9][0-9]*\)$/\1/p' "$console")
tcp=$(sed -n 's/^SENDER tcp \([0-9][0-9]*\)$/\1/p' "$console")
[ -n "$udp" ] || { bad "the guest printed no UDP sender pid"; udp=none; }
[ -n "$tcp" ] || { bad "the guest printed no TCP sender pid"; tcp=none; }
late=$(sed -n 's/^SENDER late \([0-9][0-9]*\)$/\1/p' "$console")
[ -n "$late" ] || { bad "the guest printed no late sender pid"; late=none; }
udpflow='10\.99\.60\.2\.[0-9]+ > 10\.99\.60\.1\.9999: UDP'
synflow='10\.99\.60\.2\.[0-9]+ > 10\.99\.60\.1\.9998: Flags \[S\]'
for ifc in eth0 kv0; do
	expect "UDP datagram on $ifc carries the sender (pid $udp, $name)" \
		attributed "$ifc" "$udpflow" "$udp"
	expect "TCP SYN on $ifc carries the sender (pid $tcp, $name)" \
		attributed "$ifc" "$synflow" "$tcp"
done
# The senders exec'd the traffic binary after ctrcap started: their exe is
# the file's path, as BPF read it from mm->exe_file at exec on this kernel;
# the late one ran it through the symlink /tmp/ccap-sender (its argv[0]).
exe="$(cd "$(dirname "$traffic")" && pwd)/$(basename "$traffic")"
for who in "udp $udp" "tcp $tcp"; do
	set -- $who
	expect "the $1 sender's exe is the file it runs ($exe)" \
		grep -qF "| Process (pid $2, cmd $exe," "$pkts"
done
expect "the late sender's exe is the file behind its symlink ($exe)" \
	grep -qF "| Process (pid $late, cmd $exe, args /tmp/ccap-sender udp-send" "$pkts"
n=$(count eth0 Out "$udpflow")
expect "all 5 UDP datagrams leave eth0 once each ($n)" [ "$n" = 5 ]
# --drops: the datagram to the closed port, dropped on kv0 in the root netns
# (with its reason where the kernel gives one), naming its sender.
drop=$(sed -n 's/^SENDER drop \([0-9][0-9]*\)$/\1/p' "$console")
dropflow='10\.99\.60\.2\.[0-9]+ > 10\.99\.60\.1\.9996: UDP'
expect "--drops: the datagram to a closed port is a drop on kv0, from its sender (pid ${drop:-none})" \
	bash -c "grep -E '^[^ ]+ kv0 Drop .*$dropflow' '$pkts' | grep -q '| Process (pid ${drop:-none},'"
if [ "$want_dr" = yes ]; then
	expect "--drops: with the reason NO_SOCKET" \
		grep -Eq "^[^ ]+ kv0 Drop .*$dropflow.*\| DROP NO_SOCKET at " "$pkts"
fi
dfl=$(section "ctrcap stderr" | grep -c 'runs on drops in user space only' || true)
expect "--drops: the pcap filter loaded for drops in the kernel ($dfl fallbacks)" [ "$dfl" = 0 ]
n=$(count kv0 In "$udpflow")
expect "all 5 UDP datagrams arrive on kv0 once each ($n)" [ "$n" = 5 ]
lateflow='10\.99\.61\.2\.[0-9]+ > 10\.99\.61\.1\.9997: UDP'
expect "-i any follows a netns made after the start (pid $late on its eth0)" \
	attributed eth0 "$lateflow" "$late"
n=$(count eth0 Out "$lateflow")
expect "all 3 datagrams of the late netns leave its eth0 ($n)" [ "$n" = 3 ]

if grep -q '^CTRCAP-STARTED' "$console"; then
	st=$(sed -n 's/^ctrcap exit status \([0-9]*\)$/\1/p;T;q' "$console")
	expect "ctrcap exited 0 after SIGINT (${st:-no status})" [ "${st:-x}" = 0 ]
fi
# A sanitizer build reports on the console (then exits non-zero).
san=$(grep -cE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$console" || true)
expect "no sanitizer reports in the guest ($san)" [ "$san" = 0 ]

dropped=$(section "ctrcap stderr" | sed -n 's/^\([0-9][0-9]*\) packets dropped by kernel$/\1/p')
expect "the end-of-run summary reports 0 dropped (${dropped:-no summary})" [ "${dropped:-x}" = 0 ]

if [ "$fails" -gt 0 ]; then
	echo "$fails checks failed on $release; console: $console"
	exit 1
fi
echo "ok: all checks on $release"
