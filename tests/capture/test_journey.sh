#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where did it go: the journey table and folded hop lines on a real capture.
# On the topology of common.sh (A -- a0 R b0 (NAT) -- B), with an iptables
# DROP in R of TCP to port 7101 and a server in B on port 7102, A connects
# to both while ctrcap captures the four hops with --drops, writing the file
# and printing --hops fold -vv at once. Then:
#   --hops fold, live: one line per packet (each packet id once), the clean
#     SYN with its three later hops, the dropped SYN with a0 then its drop;
#     -r --hops fold prints the same lines from the file;
#   ctrcap -r --journey: the clean flow's four hops in order, no packet
#     vanished; the dropped flow's drops (NETFILTER_DROP) as many as its
#     packets, at a0 in R;
#   with the plugin (PLUGIN, WS_VERSION_DIR): tshark -z ctrcap,journey (one
#     pass and -2) prints the same table line by line, and every hop row's
#     packet count and every drop count is what tshark -T fields reads of
#     the file (a packet id's frames, grouped by its first frame's 5-tuple);
#     tshark -2 frame by frame: the clean flow's packets are hops 1..4 of 4 in
#     time order with deltas >= 0 and no expert warning, while every frame of
#     the dropped flow warns of NETFILTER_DROP.
# The capture is written with --compact-identity (identities by reference,
# docs/pcapng-format.md section 2.1), so all of the above reads references;
# besides, the identity lines ctrcap -r prints from the file are those the
# capture printed live, and tshark's identity fields of every frame are
# those of the file ctrcap -r -w writes back with whole records.
set -u
. "$(dirname "$0")/common.sh" "$@"

drop_topology
ns_r=$(ns_ino ccapR)
all=(-i eth0@ccapA -i a0@ccapR -i b0@ccapR -i eth0@ccapB)
f=$TMP/j.pcapng

tn_bg "" ccapB "$TRAFFIC" tcp-serve 7102 1 >"$TMP/srv.out"
tn_wait_for 10 grep -q ready "$TMP/srv.out" || fail "server in B ready"
start_capture "$f" --compact-identity --drops --print --hops fold -vv "${all[@]}" 'tcp port 7101 or tcp port 7102' \
	>"$TMP/live.txt" || exit 1
tn_run_in "" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7102 >/dev/null || fail "tcp A to B port 7102"
# The SYN is dropped: connect times out (3 s), after a retransmission.
tn_run_in "" ccapA "$TRAFFIC" tcp-send 10.99.11.2 7101 >/dev/null 2>&1
stop_capture >"$TMP/capture.err"
"$DUMP" "$f" >"$TMP/dump.txt" || fail "pcapng_dump reads the file"

# --- --hops fold
ids=$(grep -o 'pktid=[0-9]*' "$TMP/dump.txt" | sort -u | wc -l)
lines=$(grep -c '^[0-9]' "$TMP/live.txt")
expect "--hops fold live: one line per packet ($lines lines, $ids packet ids in the file)" \
	[ "$lines" = "$ids" ]
expect "--hops fold live: each packet id once" \
	[ "$(grep -o 'Capture (packet id [0-9]*' "$TMP/live.txt" | sort | uniq -d | wc -l)" = 0 ]
us='\+[0-9]+\.[0-9]{3}us'
expect "--hops fold live: the clean SYN on A's eth0, then a0, b0 and B's eth0 with their deltas" \
	grep -Eq "^[0-9:.]+ eth0 Out .* > 10\.99\.11\.2\.7102: Flags \[S\].*, hops \[a0 In $us, b0 Out $us, eth0 In $us\]$" \
	"$TMP/live.txt"
expect "--hops fold live: the dropped SYN on A's eth0, then a0, then its drop at a0" \
	grep -Eq "^[0-9:.]+ eth0 Out .* > 10\.99\.11\.2\.7101: Flags \[S\].*, hops \[a0 In $us, DROP NETFILTER_DROP at [^ ]+ on a0 $us\]$" \
	"$TMP/live.txt"
"$CTRCAP" -r "$f" --hops fold -vv >"$TMP/read-fold.txt" 2>"$TMP/read-fold.err" ||
	fail "ctrcap -r --hops fold: $(cat "$TMP/read-fold.err")"
expect "-r --hops fold: the same packet lines as live" \
	diff <(grep '^[0-9]' "$TMP/live.txt") <(grep '^[0-9]' "$TMP/read-fold.txt")
expect "--compact-identity: -r -vv prints the identities the capture printed live" \
	diff <(grep '^    ' "$TMP/live.txt") <(grep '^    ' "$TMP/read-fold.txt")
"$CTRCAP" -r "$f" -w "$TMP/whole.pcapng" 2>/dev/null || fail "ctrcap -r -w of the compact file"
expect "--compact-identity: the file is smaller than its copy with whole records" \
	[ "$(stat -c %s "$f")" -lt "$(stat -c %s "$TMP/whole.pcapng")" ]
"$CTRCAP" -r "$TMP/whole.pcapng" --hops fold -vv >"$TMP/read-whole.txt" 2>/dev/null
expect "--compact-identity: -r of the whole copy prints the same" \
	diff "$TMP/read-fold.txt" "$TMP/read-whole.txt"

# --- ctrcap -r --journey
"$CTRCAP" -r "$f" --journey >"$TMP/journey.txt" 2>"$TMP/journey.err" ||
	fail "ctrcap -r --journey: $(cat "$TMP/journey.err")"
cat "$TMP/journey.txt"
# flow PORT: the table's part for the flow from A to B's PORT.
flow() {
	awk -v p="> 10.99.11.2:$1" '/^Flow / { on = substr($0, length($0) - length(p) + 1) == p } on' \
		"$TMP/journey.txt"
}
clean=$(flow 7102)
expect "--journey: the clean flow's hops in order: A's eth0 Out, a0 In, b0 Out, B's eth0 In" \
	[ "$(awk '$1 ~ /^[0-9]+$/ { printf "%s %s %s;", $1, $2, $3 }' <<<"$clean")" = \
	"1 eth0 Out;2 a0 In;3 b0 Out;4 eth0 In;" ]
# At close, an end whose peer's FIN is still unread in its receive queue
# drops it (QUEUE_PURGE at sk_stream_kill_queues): which end, if either,
# depends on who closes first. That is the socket's teardown, not the path.
expect "--journey: no packet of the clean flow vanished or was dropped on the way" \
	bash -c "! grep -E 'vanished|dropped' <<<'$clean' | grep -vq 'QUEUE_PURGE at sk_stream_kill_queues'"
expect "--journey: latencies from hop 2 on, max >= median" \
	bash -c "awk '\$1 ~ /^[2-4]\$/ && !(\$5 + 0 <= \$6 + 0) { bad = 1 } END { exit bad }' <<<'$clean'"
dropped=$(flow 7101)
n=$(awk '$1 == "1" { print $4 }' <<<"$dropped")
expect "--journey: every packet of the dropped flow (${n:-none}) dropped by netfilter at a0 in R" \
	grep -Eq "^  dropped: $n packets?, NETFILTER_DROP at [^ ]+, on a0 in (node [^,]*, )?netns $ns_r " <<<"$dropped"
expect "--journey: and none vanished" bash -c "! grep -q vanished <<<'$dropped'"

# --- tshark -z ctrcap,journey, and both tables against the file
if [ -n "${PLUGIN:-}" ] && command -v tshark >/dev/null; then
	# Run as root, tshark ignores personal plugin dirs: as nobody, with one.
	h=$TMP/home
	mkdir -p "$h/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan"
	cp "$PLUGIN" "$h/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/"
	chmod -R a+rX "$TMP"
	ts() { (cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$h" \
		timeout 60 tshark "$@"); }
	ts -r "$f" -q -z ctrcap,journey >"$TMP/tap.txt" 2>"$TMP/tap.err" || fail "tshark -z: $(cat "$TMP/tap.err")"
	expect "tshark -z ctrcap,journey prints the table of ctrcap -r --journey, line by line" \
		diff "$TMP/tap.txt" "$TMP/journey.txt"
	ts -2 -r "$f" -q -z ctrcap,journey >"$TMP/tap2.txt" 2>&1
	expect "tshark -2 -z ctrcap,journey: the same" diff "$TMP/tap2.txt" "$TMP/journey.txt"
	# The file's frames: each packet id's hops, by its first frame's flow.
	ts -r "$f" -T fields -E separator='|' -e frame.packet_id -e frame.interface_name \
		-e frame.interface_description -e frame.packet_flags_direction -e ip.src \
		-e tcp.srcport -e ip.dst -e tcp.dstport -e ctrcap.drop.reason >"$TMP/fields.txt"
	awk -F'|' '
		!($1 in flow) { flow[$1] = "TCP " $5 ":" $6 " > " $7 ":" $8 }
		$9 != "" { drops[flow[$1] "|" $9 "|" $2 "|" $3]++; next }
		{ d = $4 == "0x00000001" ? "In" : $4 == "0x00000002" ? "Out" : "-"
		  hops[flow[$1] "|" $2 "|" d "|" $3]++ }
		END { for (k in hops) print "hop|" k "|" hops[k]
		      for (k in drops) print "drop|" k "|" drops[k] }' "$TMP/fields.txt" |
		sort >"$TMP/from-fields.txt"
	awk '
		/^Flow / { sub(/^Flow [0-9]+: /, ""); fl = $0; next }
		$1 ~ /^[0-9]+$/ { place = $7; for (i = 8; i <= NF; i++) place = place " " $i
			print "hop|" fl "|" $2 "|" $3 "|" place "|" $4; next }
		/^  dropped: / { line = $0
			sub(/^  dropped: /, "", line); n = line + 0
			sub(/^[0-9]+ packets?, /, "", line)
			reason = line; sub(/ at .*/, "", reason)
			rest = line; sub(/.*, on /, "", rest)
			ifn = rest; sub(/ in .*/, "", ifn); place = rest; sub(/^[^ ]+ in /, "", place)
			print "drop|" fl "|" reason "|" ifn "|" place "|" n }' "$TMP/journey.txt" |
		sort >"$TMP/from-table.txt"
	expect "every hop row's and drop's count is the file's (tshark -T fields)" \
		diff "$TMP/from-table.txt" "$TMP/from-fields.txt"

	# The clean flow (A to B port 7102) frame by frame, in tshark -2: each
	# packet id's frames in time order are hops 1..4 of 4, hop 1 without a
	# delta, the others with one >= 0, and no expert info of warning severity
	# or above (0x600000; TCP's sequence analysis is off: four copies of each
	# segment look like retransmissions to it). Every frame of the dropped
	# flow (port 7101) carries a warning naming NETFILTER_DROP. The clean
	# flow's FIN is left out: it may end in B's QUEUE_PURGE at close (above).
	ts -2 -r "$f" -o tcp.analyze_sequence_numbers:FALSE \
		-Y '(tcp.dstport == 7102 && tcp.flags.fin == 0) || tcp.dstport == 7101' \
		-T fields -E separator='|' -E aggregator='~' -e tcp.dstport -e frame.packet_id \
		-e frame.time_epoch -e ctrcap.hop -e ctrcap.hop.count -e ctrcap.hop.delta \
		-e _ws.expert.severity -e _ws.expert.message 2>"$TMP/hops.err" |
		sort -t'|' -k2,2n -k3,3n >"$TMP/hops.txt"
	awk -F'|' '
		{ nsev = split($7, sev, "~"); split($8, msg, "~"); warn = ""
		  for (i = 1; i <= nsev; i++) if (sev[i] + 0 >= 6291456) warn = warn msg[i] ";" }
		$1 == 7101 { drop++; if (warn !~ /NETFILTER_DROP/) print "no NETFILTER_DROP warning: " $0; next }
		$1 != 7102 { print "unexpected frame: " $0; next }
		{ clean++; want = $2 == id ? prev + 1 : 1; id = $2; prev = $4 }
		$4 != want { print "hop " $4 " where " want " was due (time order): " $0 }
		$5 != 4 { print "hop count not 4: " $0 }
		$4 == 1 && $6 != "" { print "a delta on hop 1: " $0 }
		$4 > 1 && ($6 == "" || $6 ~ /^-/) { print "no delta >= 0: " $0 }
		warn != "" { print "a warning on the clean flow: " $0 }
		END { if (clean < 12) print "only " clean + 0 " frames of the clean flow"
		      if (drop < 3) print "only " drop + 0 " frames of the dropped flow" }' \
		"$TMP/hops.txt" >"$TMP/hops-bad.txt"
	expect "tshark -2, clean flow: hops 1..4 of 4 in time order, deltas >= 0, no warning; every frame of the dropped flow warns of NETFILTER_DROP ($(grep -c '^7102' "$TMP/hops.txt") + $(grep -c '^7101' "$TMP/hops.txt") frames)" \
		[ ! -s "$TMP/hops-bad.txt" ]

	# --compact-identity: the plugin's resolution against the common reader's.
	refs=$(ts -r "$f" -Y ctrcap.identity_ref -T fields -e frame.number | wc -l)
	expect "--compact-identity: most frames refer to their identity ($refs)" [ "$refs" -ge 12 ]
	idf=(-e frame.number -e process.pid -e process.tid -e process.comm -e process.exe
		-e process.args -e process.uid -e process.parent.pid -e container.name
		-e ctrcap.netns -e ctrcap.cgroup_id -e ctrcap.attribution -e node.name
		-e ctrcap.drop.reason -e ctrcap.drop.location)
	ts -r "$TMP/whole.pcapng" -T fields "${idf[@]}" >"$TMP/id-whole.txt"
	ts -r "$f" -T fields "${idf[@]}" >"$TMP/id-compact.txt"
	ts -2 -r "$f" -T fields "${idf[@]}" >"$TMP/id-compact2.txt"
	expect "--compact-identity: tshark's identity fields of every frame as with whole records" \
		diff "$TMP/id-whole.txt" "$TMP/id-compact.txt"
	expect "--compact-identity: ... with tshark -2 too" \
		diff "$TMP/id-whole.txt" "$TMP/id-compact2.txt"
	expect "--compact-identity: a process's identity on most frames" \
		[ "$(awk -F'\t' '$2 != ""' "$TMP/id-compact.txt" | wc -l)" -ge 12 ]
fi

if [ "$FAILS" != 0 ]; then
	for x in "$TMP"/*.txt "$TMP"/*.err; do echo "--- $x"; cat "$x"; done
	exit 1
fi
echo "all journey checks passed"
