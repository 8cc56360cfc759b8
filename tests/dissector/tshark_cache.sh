#!/usr/bin/env bash
# The plugin keeps, per file, what it made of each distinct record (parse,
# item and subtree texts; docs/dissector.md, Performance). On a file whose
# records differ from one another in a single byte, in turn
# (alternating.pcapng), every frame must still show its own record: its
# fields, its subtree texts and its expert info, with and without a tree,
# in one pass and with -2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

make_captures "$WORK/caps"
A=$WORK/caps/alternating.pcapng

# What each frame's record is (gen_captures.c, gen_alternating): A web, B
# container "wec", C pid 241878, D malformed attribution TLV, E version 2.
ORDER=ABACADDAEBCA
# want_fields LETTER -> container.name|process.pid|ctrcap.version|expert
want_fields() {
	case $1 in
	A) echo "web|241879|1|" ;;
	B) echo "wec|241879|1|" ;;
	C) echo "web|241878|1|" ;;
	D) echo "web|241879|1|malformed" ;;
	E) echo "||2|version" ;;
	esac
}
# want_texts LETTER -> top summary|Process subtree|Container subtree (their leading parts)
want_texts() {
	case $1 in
	A | D) echo "Container web, Pod web-7d9f, PID 241879|Process (pid 241879,|Container (name web," ;;
	B) echo "Container wec, Pod web-7d9f, PID 241879|Process (pid 241879,|Container (name wec," ;;
	C) echo "Container web, Pod web-7d9f, PID 241878|Process (pid 241878,|Container (name web," ;;
	E) echo "no identity||" ;;
	esac
}
expected() { # expected FUNCTION -> one line per frame: "N FUNCTION-OUTPUT"
	local i
	for ((i = 0; i < ${#ORDER}; i++)); do
		echo "$((i + 1)) $("$1" "${ORDER:i:1}")"
	done
}

# The expert message reduced to what kind of problem it names.
fields_seen() {
	ts -r "$A" "$@" -T fields -E separator='|' -e frame.number -e container.name \
		-e process.pid -e ctrcap.version -e _ws.expert.message |
		awk -F'|' '{
			kind = $5
			if ($5 ~ /^Malformed ctrcap record: TLV length runs past/)
				kind = "malformed"
			else if ($5 ~ /^Unknown ctrcap record version 2 /)
				kind = "version"
			print $1 " " $2 "|" $3 "|" $4 "|" kind
		}'
}
# From the tree (-V): the top item's summary, the Process and Container subtree texts.
texts_seen() {
	ts -r "$A" "$@" -V | awk '
		function flush() {
			if (f) print f " " top "|" proc "|" ctr
		}
		/^Frame [0-9]+:/ { flush(); f = $2; sub(":", "", f); top = proc = ctr = "" }
		/^Container Identity \(ctrcap\), / {
			top = $0; sub(/^Container Identity \(ctrcap\), /, "", top)
			sub(/(, Cmd .*)? \(from pcapng custom option\)$/, "", top)
		}
		/^    Process \(/ { proc = $0; sub(/^    /, "", proc); sub(/,.*/, ",", proc) }
		/^    Container \(/ { ctr = $0; sub(/^    /, "", ctr); sub(/,.*/, ",", ctr) }
		END { flush() }'
}

echo "== fields of every frame"
expect "fields, one pass" "$(expected want_fields)" "$(fields_seen)"
expect "fields, two passes" "$(expected want_fields)" "$(fields_seen -2)"

echo "== texts of every frame's tree"
expect "texts, one pass" "$(expected want_texts)" "$(texts_seen)"
expect "texts, two passes" "$(expected want_texts)" "$(texts_seen -2)"

echo "== filters (no tree shown)"
frames() { ts -r "$A" -Y "$1" -T fields -e frame.number | tr '\n' ' ' | sed 's/ $//'; }
expect 'container.name == "wec"' "2 10" "$(frames 'container.name == "wec"')"
expect "process.pid == 241878" "4 11" "$(frames 'process.pid == 241878')"
expect "ctrcap.malformed" "6 7" "$(frames ctrcap.malformed)"
expect "ctrcap.unknown_version" "9" "$(frames ctrcap.unknown_version)"
expect "ctrcap.attribution == 1 (socket)" "1 2 3 4 5 8 10 11 12" "$(frames 'ctrcap.attribution == 1')"

finish
