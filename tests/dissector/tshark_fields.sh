#!/usr/bin/env bash
# The plugin inside the real tshark: display filters select exactly the
# right packets, every field prints right (-T fields, -T json, the tree),
# editcap/mergecap/tshark -w rewrites keep the identity, malformed records
# give expert info with exit 0, ptcpdump comments and PKTAP headers decode.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

C=$WORK/caps
mkdir -p "$C"
"$GEN" "$C"
chmod -R a+rX "$C"

# frames matching a display filter, space-separated
frames() { ts -r "$1" -Y "$2" -T fields -e frame.number | tr '\n' ' ' | sed 's/ $//'; }

# One tshark run per file dumps every field the checks read (tshark starts
# slowly; one start per check would take minutes).
DUMP_FIELDS=(frame.number ctrcap process.pid process.tid process.comm process.thread_name
	process.exe process.args process.start_time process.state process.uid process.gid
	process.user process.parent.pid process.parent.comm process.parent.exe process.parent.args
	container.name container.id container.image container.runtime container.label
	k8s.pod.name k8s.pod.namespace k8s.pod.uid k8s.container.name k8s.label
	k8s.pod.annotation node.name ctrcap.netns ctrcap.cgroup_id ctrcap.attribution ctrcap.source
	ctrcap.version ctrcap.pen ctrcap.tlv.type ctrcap.tlv.length ctrcap.unknown_version
	ctrcap.drop.reason ctrcap.drop.reason_code ctrcap.drop.location ip.src _ws.expert.severity)
dump() {
	local args=()
	for f in "${DUMP_FIELDS[@]}"; do args+=(-e "$f"); done
	# Wireshark 4.6 prints absolute times as ISO 8601 UTC: back to 4.0's form.
	ts -r "$1" -T fields -E header=y -E separator=/t "${args[@]}" | awk -F'\t' -v OFS='\t' '
		BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", mon, " ") }
		{
			for (i = 1; i <= NF; i++) {
				if ($i !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z$/)
					continue
				$i = sprintf("%s %2d, %s %s UTC", mon[substr($i, 6, 2) + 0],
					     substr($i, 9, 2) + 0, substr($i, 1, 4),
					     substr($i, 12, length($i) - 12))
			}
			print
		}' >"$1.fields"
}
# fields of one frame from the dump, '|'-separated (repeated values joined by ',')
fields_of() {
	local file=$1 frame=$2
	shift 2
	[ -f "$file.fields" ] || dump "$file"
	awk -F'\t' -v fr="$frame" -v want="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == fr {
			n = split(want, w, " ")
			out = ""
			for (i = 1; i <= n; i++) {
				if (!(w[i] in col)) { print "no such dumped field " w[i]; exit 1 }
				out = out (i > 1 ? "|" : "") $(col[w[i]])
			}
			print out
		}' "$file.fields"
}

ALL=(process.pid process.tid process.comm process.exe process.args process.start_time
	process.state process.uid process.gid process.user process.parent.pid process.parent.comm
	process.parent.exe process.parent.args container.name container.id container.image
	container.runtime container.label k8s.pod.name k8s.pod.namespace k8s.pod.uid
	k8s.container.name k8s.label node.name ctrcap.netns ctrcap.cgroup_id ctrcap.attribution
	ctrcap.source ctrcap.version ctrcap.pen)
WEB_ID=78f1713c7d0f5a6b9c1d2e3f40516273849506a7b8c9d0e1f2a3b4c5d6e7f809
WEB_ALL="241879|241880|wget|/usr/bin/wget|wget -T 10 10.99.3.1|Nov 14, 2023 22:13:20.123456789 UTC|1|1000|1001|alice|241858|containerd-shim|/usr/bin/containerd-shim-runc-v2|containerd-shim-runc-v2 -namespace moby|web|$WEB_ID|busybox:1|docker|app=web,tier=front|web-7d9f|shop|5f1c2d3e-aaaa-bbbb-cccc-0123456789ab|nginx|team=red|worker-1|4026532000|123456789012|1|1|1|32473"

echo "== plugin and field registration"
expect_match "plugin loaded from the personal dir" \
	"^ctrcap\.so.*$TS_HOME/\.local/lib/wireshark/plugins" "$(ts -G plugins)"
ts -G fields | grep -E '	(process|container|k8s|node|ctrcap)[.]' >"$WORK/fields.txt" || true
for f in process.pid process.tid process.comm process.exe process.args process.uid process.gid \
	process.user process.parent.pid process.parent.exe process.parent.args container.id \
	container.name container.image container.runtime container.label k8s.pod.name \
	k8s.pod.namespace k8s.pod.uid k8s.container.name k8s.label node.name ctrcap.netns \
	ctrcap.attribution; do
	expect "field $f registered under protocol ctrcap" "ctrcap" \
		"$(awk -F'\t' -v f="$f" '$1 == "F" && $3 == f { print $5 }' "$WORK/fields.txt")"
done
# 4.4 appends the enabled flags as more columns.
expect "protocol filter name is ctrcap" "Container Identity (ctrcap)	ctrcap	ctrcap" \
	"$(ts -G protocols | cut -f1-3 | grep -E '	ctrcap$' || true)"

echo "== files from the project's writer (ctrcap_common)"
W=$C/writer.pcapng
expect 'container.name == "web"' "1 4" "$(frames "$W" 'container.name == "web"')"
expect 'container.name == "db"' "2" "$(frames "$W" 'container.name == "db"')"
expect 'process.pid == 241999' "4" "$(frames "$W" 'process.pid == 241999')"
expect 'k8s.pod.namespace == "shop"' "2" "$(frames "$W" 'k8s.pod.namespace == "shop"')"
expect 'container.label == "app=web"' "1 4" "$(frames "$W" 'container.label == "app=web"')"
expect '!ctrcap (no identity)' "3" "$(frames "$W" '!ctrcap')"
expect 'ctrcap && !container.id (host process)' "5" \
	"$(frames "$W" 'ctrcap && !container.id')"
expect 'ctrcap.attribution == 5' "5" "$(frames "$W" 'ctrcap.attribution == 5')"
expect 'node.name == "node-a"' "1 4" "$(frames "$W" 'node.name == "node-a"')"
expect 'node.name == "node-b" && container.name == "db"' "2" \
	"$(frames "$W" 'node.name == "node-b" && container.name == "db"')"
expect 'ctrcap && !node.name (a record without node)' "5" "$(frames "$W" 'ctrcap && !node.name')"
expect "two-pass (-2) filter" "1 4" "$(ts -2 -r "$W" -Y 'container.name == "web"' \
	-T fields -e frame.number | tr '\n' ' ' | sed 's/ $//')"
expect "writer frame 1 fields" \
	"241879|wget|/usr/bin/wget|wget -T 10 10.99.3.1|0|241858|/usr/bin/containerd-shim-runc-v2|web|$WEB_ID|busybox:1|docker|app=web|4026532000|5555|1" \
	"$(fields_of "$W" 1 process.pid process.comm process.exe process.args process.uid \
		process.parent.pid process.parent.exe container.name container.id container.image \
		container.runtime container.label ctrcap.netns ctrcap.cgroup_id ctrcap.attribution)"
expect "writer frame 2 fields" "3100|postgres|db|db-0|shop|postgres|app=db|2" \
	"$(fields_of "$W" 2 process.pid process.comm container.name k8s.pod.name \
		k8s.pod.namespace k8s.container.name k8s.label ctrcap.attribution)"

echo "== hand-built records: every TLV, repeated options, unknown TLVs, other PEN, version"
R=$C/raw.pcapng
expect "every TLV of the contract" "$WEB_ALL" "$(fields_of "$R" 1 "${ALL[@]}")"
expect "big-endian section, same fields" "$WEB_ALL" "$(fields_of "$C/raw-be.pcapng" 1 "${ALL[@]}")"
expect "repeated option merges" "4242|curl|split|part=two|1,1" \
	"$(fields_of "$R" 2 process.pid process.comm container.name container.label ctrcap.version)"
expect "unknown TLVs skipped, known one read" "fwd|0x0e01,0x7fff|6,0" \
	"$(fields_of "$R" 3 container.name ctrcap.tlv.type ctrcap.tlv.length)"
expect "other PEN ignored" "" "$(fields_of "$R" 4 ctrcap)"
expect "unknown version shown as such" "2||1" \
	"$(fields_of "$R" 5 ctrcap.version container.name ctrcap.unknown_version)"
expect "no options, no identity" "" "$(fields_of "$R" 6 ctrcap)"
expect "a kernel drop: reason, code, location and a warning" \
	"4242|NETFILTER_DROP|77|nf_hook_slow+0x9c|6291456" \
	"$(fields_of "$R" 7 process.pid ctrcap.drop.reason ctrcap.drop.reason_code \
		ctrcap.drop.location _ws.expert.severity)"
expect "a drop without a reason: the location alone" "||0xffffffff8120009c|6291456" \
	"$(fields_of "$R" 8 ctrcap.drop.reason ctrcap.drop.reason_code ctrcap.drop.location \
		_ws.expert.severity)"
expect "ctrcap.drop marks both drops" "7 8" "$(frames "$R" 'ctrcap.drop')"
expect 'ctrcap.drop.reason == "NETFILTER_DROP"' "7" \
	"$(frames "$R" 'ctrcap.drop.reason == "NETFILTER_DROP"')"
expect_match "the drop's expert warning names reason and location" \
	'Dropped by the kernel: NETFILTER_DROP at nf_hook_slow\+0x9c' "$(ts -q -z expert -r "$R")"

echo "== -T json and the tree"
json=$(ts -r "$W" -Y 'frame.number == 1' -T json)
expect_match "json has container.name" '"container.name": "web"' "$json"
expect_match "json has process.pid" '"process.pid": "241879"' "$json"
expect_match "json has container.label" '"container.label": "app=web"' "$json"
tree=$(ts -r "$R" -Y 'frame.number == 1' -V)
expect_match "tree: Process line" \
	'^    Process \(pid 241879, tid 241880, cmd /usr/bin/wget, args wget -T 10 10\.99\.3\.1, state gone \(exited; its pid names another process now\)\)$' \
	"$tree"
expect_match "tree: User line" '^    User \(uid 1000, gid 1001, name alice\)$' "$tree"
expect_match "tree: ParentProc line" \
	'^    ParentProc \(pid 241858, cmd /usr/bin/containerd-shim-runc-v2, args containerd-shim-runc-v2 -namespace moby\)$' \
	"$tree"
expect_match "tree: Container line" \
	"^    Container \(name web, id $WEB_ID, image busybox:1, runtime docker, labels \{app=web, tier=front\}\)\$" \
	"$tree"
expect_match "tree: Node line" '^    Node \(name worker-1\)$' "$tree"
expect_match "tree: the node in the identity's summary" \
	'^Container Identity \(ctrcap\), Container web, Pod web-7d9f, Node worker-1, PID 241879, ' "$tree"
expect_match "tree: Kubernetes line" \
	'^    Kubernetes \(pod web-7d9f, namespace shop, container nginx, uid 5f1c2d3e-aaaa-bbbb-cccc-0123456789ab, labels \{team=red\}\)$' \
	"$tree"
expect "tree: identity right under Frame" "Container Identity (ctrcap)" \
	"$(printf '%s\n' "$tree" | grep -v '^ ' | sed -n 2p | cut -c1-27)"
# The one-line summary: from 4.2 on, -e _ws.col.info is taken before
# postdissectors run, so it never shows their additions.
info=$(ts -r "$W" | grep -c '\[container' || true)
expect "Info column untouched by default" "0" "$info"
info=$(ts -o ctrcap.info_column:TRUE -r "$W")
expect_match "Info column preference adds the name" '\[container web\]$' "$(printf '%s\n' "$info" | sed -n 1p)"
expect "Info column preference: 2 web packets" "2" "$(printf '%s\n' "$info" | grep -c '\[container web\]')"

echo "== rewrites keep every packet's identity"
O=$WORK/out
as_user editcap "$R" "$O/edit.pcapng"
expect "editcap copy" "$WEB_ALL" "$(fields_of "$O/edit.pcapng" 1 "${ALL[@]}")"
as_user editcap -r "$W" "$O/subset.pcapng" 4-5
expect "editcap -r subset" "241999|web 777|" "$(ts -r "$O/subset.pcapng" -T fields \
	-E separator='|' -e process.pid -e container.name | tr '\n' ' ' | sed 's/ $//')"
as_user mergecap -w "$O/merged.pcapng" "$W" "$R"
expect "mergecap: web packets from both files" "3" \
	"$(ts -r "$O/merged.pcapng" -Y 'container.name == "web"' -T fields -e frame.number | wc -l)"
ts -r "$W" -Y 'container.name == "web"' -w "$O/tsw.pcapng"
expect "tshark -w filtered export" "241879 241999" \
	"$(ts -r "$O/tsw.pcapng" -T fields -e process.pid | tr '\n' ' ' | sed 's/ $//')"
# ctrcap's own export: -r -w with an identity filter keeps each packet's identity.
as_user "$CTRCAP_BUILD_DIR/ctrcap" -r "$W" -w "$O/ctrcap-w.pcapng" --container-name web
expect "ctrcap -r -w --container-name web: the plugin reads the identities, node too" \
	"241879|web|node-a 241999|web|node-a" "$(ts -r "$O/ctrcap-w.pcapng" -T fields -E separator='|' \
	-e process.pid -e container.name -e node.name | tr '\n' ' ' | sed 's/ $//')"
# ptcpdump's identity rides in comments, which -r -w does not copy: it says so,
# and writes that identity as ctrcap's record, which the plugin reads.
as_user "$CTRCAP_BUILD_DIR/ctrcap" -r "$C/ptcpdump.pcapng" -w "$O/ptcpdump-w.pcapng" \
	2>"$O/ptcpdump-w.err"
expect "ctrcap -r -w of a ptcpdump file names the comments it does not copy" \
	"reading from file $C/ptcpdump.pcapng, link-type EN10MB (Ethernet), snapshot length 262144
ctrcap: the comments of 4 packets are not copied to -w (ptcpdump's identity in them is, as ctrcap's record); tshark -r IN -Y FILTER -w OUT keeps them" \
	"$(cat "$O/ptcpdump-w.err")"
expect "ctrcap -r -w of a ptcpdump file: its identity as ctrcap's record" \
	"241879|web 3100|db" "$(ts -r "$O/ptcpdump-w.pcapng" -Y process.pid \
	-T fields -E separator='|' -e process.pid -e container.name |
	tr '\n' ' ' | sed 's/ $//')"

echo "== malformed records: expert info, exit 0, good fields kept"
M=$C/malformed.pcapng
# 8388608 is PI_ERROR
set +e
ts -r "$M" -V >"$WORK/malformed.txt" 2>&1
rc=$?
set -e
expect "tshark exit code on malformed records" "0" "$rc"
expect "fields before a cut TLV header" "11||8388608" \
	"$(fields_of "$M" 1 process.pid container.name _ws.expert.severity)"
expect "fields before an overlong TLV" "|cut|8388608" \
	"$(fields_of "$M" 2 process.pid container.name _ws.expert.severity)"
expect "wrong-size pid ignored, comm kept" "|short|8388608" \
	"$(fields_of "$M" 3 process.pid process.comm _ws.expert.severity)"
expect "ctrcap.malformed" "1 2" "$(frames "$M" 'ctrcap.malformed')"
expect_match "expert tap (-z expert) sees the errors without a tree" \
	'Malformed ctrcap record: TLV length runs past the end' "$(ts -q -z expert -r "$M")"
expect "ctrcap.bad_length" "3" "$(frames "$M" 'ctrcap.bad_length')"
expect "ctrcap.empty" "4" "$(frames "$M" 'ctrcap.empty')"
expect "ctrcap.unknown_attribution" "5" "$(frames "$M" 'ctrcap.unknown_attribution')"
expect "invalid UTF-8 shown with replacement characters" "bad��" \
	"$(fields_of "$M" 6 container.name)"
expect "no dissector bug" "" "$(grep -i 'dissector bug\|exception' "$WORK/malformed.txt" || true)"
expect_match "expert text names the problem and offset" \
	'Malformed ctrcap record: truncated TLV header at offset 9' "$(cat "$WORK/malformed.txt")"

echo "== ptcpdump comments"
P=$C/ptcpdump.pcapng
expect 'ptcpdump: container.name == "web"' "1" "$(frames "$P" 'container.name == "web"')"
expect 'ptcpdump: process.pid == 3100' "2" "$(frames "$P" 'process.pid == 3100')"
expect "ptcpdump: every key" \
	"241879|241880|wget|1000|/usr/bin/wget|wget -T 10 10.99.3.1|241858|/usr/bin/containerd-shim-runc-v2|containerd-shim-runc-v2 -namespace moby|web|$WEB_ID|busybox:1|app=web,note=a<b \"q\"|web-7d9f|shop|5f1c2d3e-aaaa-bbbb-cccc-0123456789ab|team=red||3" \
	"$(fields_of "$P" 1 process.pid process.tid process.thread_name process.uid process.exe \
		process.args process.parent.pid process.parent.exe process.parent.args \
		container.name container.id container.image container.label k8s.pod.name \
		k8s.pod.namespace k8s.pod.uid k8s.label k8s.pod.annotation ctrcap.source)"
expect "ptcpdump: process.comm is Cmd's last component, as ptcpdump names a process" \
	"wget" "$(fields_of "$P" 1 process.comm)"
expect "ptcpdump: a human comment is not identity" "" "$(fields_of "$P" 4 ctrcap)"
expect "ptcpdump: bad number and labels flagged" "5" \
	"$(frames "$P" 'ctrcap.ptcpdump.bad_number && ctrcap.ptcpdump.bad_labels && process.exe == "/bin/sh"')"

echo "== PKTAP header extension (rpcap path)"
K=$C/pktap.pcapng
expect "pktap: record decoded" "241879|wget|web|app=web,tier=front|shop|2|32473" \
	"$(fields_of "$K" 1 process.pid process.comm container.name container.label \
		k8s.pod.namespace ctrcap.source ctrcap.pen)"
expect "pktap: inner frame still dissected" "10.99.3.2" "$(fields_of "$K" 1 ip.src)"
expect "pktap: standard header, no identity" "" "$(fields_of "$K" 2 ctrcap)"
expect "pktap: other PEN noted" "3" "$(frames "$K" 'ctrcap.pktap.other_pen && !container.name')"
expect "pktap: length beyond packet flagged" "4" "$(frames "$K" 'ctrcap.pktap.bad_length')"

echo "== journeys: the frames of one packet id (epb_packetid) across hops"
J=$C/journey.pcapng
JF=(-T fields -e frame.number -e ctrcap.hop -e ctrcap.hop.count -e ctrcap.hop.prev
	-e ctrcap.hop.next -e ctrcap.hop.delta)
expect "journey, two passes: position, count, prev, next and delay of every hop" \
	"1,1,3,,2,|2,2,3,1,3,0.000010000|3,3,3,2,,0.000015000|4,1,1,,,|5,1,1,,,|6,,,,,|7,1,2,,8,|8,2,2,7,,0.000010000" \
	"$(ts -2 -r "$J" "${JF[@]}" -E separator=, | tr '\n' '|' | sed 's/|$//')"
expect "journey, one pass: what was seen so far" \
	"1,1,1,,,|2,2,2,1,,0.000010000|3,3,3,2,,0.000015000" \
	"$(ts -r "$J" -c 3 "${JF[@]}" -E separator=, | tr '\n' '|' | sed 's/|$//')"
expect "ctrcap.hop.count == 3 (-2): the three hops, not the same id 2 s later" "1 2 3" \
	"$(ts -2 -r "$J" -Y 'ctrcap.hop.count == 3' -T fields -e frame.number | tr '\n' ' ' |
		sed 's/ $//')"
ts -2 -r "$J" -V -Y 'frame.number == 2' >"$WORK/journey.txt"
expect_match "journey tree: each hop's interface, netns/container, direction and delay" \
	'Hop 1: frame 1, eth0 \(netns 4026532000 \(web\)\), Out, \+0\.000000 s\]' \
	"$(cat "$WORK/journey.txt")"
expect_match "journey tree: this frame marked" \
	'Hop 2: frame 2, veth0a1b \(netns 4026531840\), In, \+0\.000010 s \(this frame\)\]' \
	"$(cat "$WORK/journey.txt")"
expect_match "journey tree: the last hop" \
	'Hop 3: frame 3, eth0 \(netns 4026532100 \(db\)\), In, \+0\.000015 s\]' \
	"$(cat "$WORK/journey.txt")"
expect "a packet id without identity: journey fields, and !ctrcap still matches" "4|4" \
	"$(ts -2 -r "$J" -Y 'ctrcap.hop == 1 && !ctrcap && ip' -T fields -e frame.number |
		tr '\n' ' ' | sed 's/ $//')|$(frames "$J" '!ctrcap && ctrcap.hop')"
expect "a journey that ends in a drop (-2): its other hop has ctrcap.hop.dropped" "7" \
	"$(ts -2 -r "$J" -Y 'ctrcap.hop.dropped' -T fields -e frame.number | tr '\n' ' ' |
		sed 's/ $//')"
expect_match "and its warning names the reason, the location and the hop" \
	'This packet is dropped by the kernel at hop 2 \(frame 8, veth0a1b \(netns 4026531840\)\): NETFILTER_DROP at nf_hook_slow\+0x9c' \
	"$(ts -2 -q -z expert -r "$J")"

# Without a tree shown (tshark -q, a tap's filter) the plugin adds only the
# fields asked for: each field is on as many frames as with the whole tree
# (-T fields shows it), in one pass and in two, expert infos included.
NOTREE_FIELDS=(container.name container.label k8s.label k8s.pod.annotation process.pid
	process.state process.parent.comm node.name ctrcap.pen ctrcap.version ctrcap.record_length
	ctrcap.source ctrcap.attribution ctrcap.identity_ref ctrcap.identity_key ctrcap.drop
	ctrcap.drop.reason ctrcap.drop.expert ctrcap.hop ctrcap.hop.count ctrcap.hop.prev
	ctrcap.hop.delta ctrcap.hop.next ctrcap.hop.dropped ctrcap.tlv.type ctrcap.malformed)
# counts_tree [-2] FILE: per field, the frames that have it, with the tree shown
counts_tree() {
	local args=() f
	for f in "${NOTREE_FIELDS[@]}"; do args+=(-e "$f"); done
	ts "$@" -T fields -E separator=/t "${args[@]}" |
		awk -F'\t' -v n=${#NOTREE_FIELDS[@]} '
			{ for (i = 1; i <= n; i++) if ($i != "") c[i]++ }
			END { for (i = 1; i <= n; i++) printf "%d ", c[i] }'
}
# counts_notree [-2] FILE: the same from io,stat's filters, no tree shown
counts_notree() {
	local flt
	flt=$(IFS=,; echo "${NOTREE_FIELDS[*]}")
	ts "$@" -q -z "io,stat,0,$flt" |
		awk -F'|' '/<>/ { for (i = 3; i < NF; i += 2) { gsub(/ /, "", $i); printf "%d ", $i } }'
}
for f in "$C"/*.pcapng; do
	for pass in "" -2; do
		expect "no tree shown, $(basename "$f")${pass:+ (-2)}: each field on as many frames" \
			"$(counts_tree $pass -r "$f")" "$(counts_notree $pass -r "$f")"
	done
done
echo "fields counted: ${NOTREE_FIELDS[*]}"
expect "the count checks see hop fields and a drop (journey.pcapng, -2)" \
	"7 7 7 7 7 3 3 3 1 1" \
	"$(counts_notree -2 -r "$J" | awk '{ print $1, $9, $12, $19, $20, $21, $22, $23, $24, $18 }')"

finish
