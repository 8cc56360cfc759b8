#!/usr/bin/env bash
# --compact-identity files in the real tshark with the plugin: every
# identity field of a compact file equals that of the same packets written
# whole, in one pass and with -2, through mergecap too; a subset cut out by
# editcap gives expert info on each reference whose definition was cut,
# shows those packets without identity and loses nothing else.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

C=$WORK/caps
O=$WORK/out
mkdir -p "$C"
"$GEN" "$C"
chmod -R a+rX "$C"
K=$C/compact.pcapng
F=$C/compact-full.pcapng

# Every identity field the plugin has, not the record's own bytes (they differ by design).
FIELDS=(frame.number process.pid process.tid process.comm process.exe process.args
	process.start_time process.state process.uid process.gid process.user process.parent.pid
	process.parent.comm process.parent.exe process.parent.args container.name container.id
	container.image container.runtime container.label k8s.pod.name k8s.pod.namespace
	k8s.pod.uid k8s.container.name k8s.label node.name ctrcap.netns ctrcap.cgroup_id
	ctrcap.attribution ctrcap.source ctrcap.version ctrcap.pen ctrcap.drop.reason
	ctrcap.drop.reason_code ctrcap.drop.location ctrcap.drop)
fields() {
	local file=$1 args=()
	shift
	for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
	ts -r "$file" "$@" -T fields -E separator=/t "${args[@]}"
}
frames() { ts -r "$1" "${@:3}" -Y "$2" -T fields -e frame.number | tr '\n' ' ' | sed 's/ $//'; }

echo "== the compact file is smaller and written as defined"
full_size=$(stat -c %s "$F")
compact_size=$(stat -c %s "$K")
echo "compact $compact_size bytes, whole $full_size bytes"
expect "compact file is smaller" yes "$([ "$compact_size" -lt "$full_size" ] && echo yes)"
expect "definitions: each identity's first packet per interface" "1 2 3 10" \
	"$(frames "$K" ctrcap.identity_key)"
expect "references: the rest of the packets with an identity" "4 5 6 7 9 11 12" \
	"$(frames "$K" ctrcap.identity_ref)"

echo "== the same fields as the whole records"
want=$(fields "$F")
expect "one pass: every field as in the whole file" "$want" "$(fields "$K")"
expect "tshark -2: every field as in the whole file" "$(fields "$F" -2)" "$(fields "$K" -2)"
expect "-Y container.name == web, one pass" "$(frames "$F" 'container.name == "web"')" \
	"$(frames "$K" 'container.name == "web"')"
expect "-Y k8s.pod.name == db-0 with -2" "$(frames "$F" 'k8s.pod.name == "db-0"' -2)" \
	"$(frames "$K" 'k8s.pod.name == "db-0"' -2)"
expect "no dangling reference in a whole compact file" "" \
	"$(frames "$K" ctrcap.identity_ref.missing)"
# The per-packet TLVs stay the packet's own: frame 9's tid and attribution, frame 6's drop.
expect "per-packet TLVs of a reference" "241881|4|web" \
	"$(fields "$K" | awk -F'\t' '$1 == 9 { print $3 "|" $29 "|" $16 }')"
expect "a drop's TLVs on its packet only" "6" "$(frames "$K" ctrcap.drop)"

echo "== mergecap of two compact files (the same interfaces, keys defined twice)"
as_user mergecap -a -w "$O/merged.pcapng" "$K" "$K"
as_user mergecap -a -w "$O/merged-full.pcapng" "$F" "$F"
expect "merged compact files: every field as merged whole files" \
	"$(fields "$O/merged-full.pcapng")" "$(fields "$O/merged.pcapng")"

echo "== a subset without the definitions"
as_user editcap -r "$K" "$O/cut.pcapng" 4-12
# Original frames 4-12 are 1-9 now; 10 (now 7) defines db on veth0a1b again.
expect "expert info on each reference whose definition was cut" "1 2 3 4 6 8" \
	"$(frames "$O/cut.pcapng" ctrcap.identity_ref.missing)"
# The tree's text (-V): 4.6's -T fields leaves _ws.expert.message empty here.
msg=$(ts -r "$O/cut.pcapng" -Y 'frame.number == 1' -V)
expect_match "the message names key and interface" \
	"Identity reference [0-9]+ on interface 1 names no identity defined earlier" "$msg"
expect "such packets show no identity" "" \
	"$(ts -r "$O/cut.pcapng" -Y 'frame.number <= 4' -T fields -e container.name | tr -d '\n')"
expect "... but keep their own TLVs (tid, attribution)" "241881|4" \
	"$(ts -r "$O/cut.pcapng" -Y 'frame.number == 6' -T fields -E separator='|' \
		-e process.tid -e ctrcap.attribution)"
expect "a reference after its definition still resolves" "db|db" \
	"$(ts -r "$O/cut.pcapng" -Y 'frame.number >= 7 && container.name' -T fields \
		-e container.name | tr '\n' '|' | sed 's/|$//')"
expect "nothing else lost: every frame still there" "9" \
	"$(ts -r "$O/cut.pcapng" -T fields -e frame.number | wc -l)"
expect "... with -2 too" "1 2 3 4 6 8" "$(frames "$O/cut.pcapng" ctrcap.identity_ref.missing -2)"

finish
