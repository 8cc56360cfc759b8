#!/usr/bin/env bash
# A bounded batch of corrupted captures through tshark with the plugin:
# records, ptcpdump comments and PKTAP headers with random bytes overwritten
# (gen_captures --mutate), and editcap -E bit errors on top. Passes when no
# run dies from a signal and no dissector bug is reported; malformed-packet
# expert info is the expected outcome. FUZZ_SECONDS bounds the batch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SECONDS_MAX=${FUZZ_SECONDS:-60}
COPIES=40
C=$WORK/caps
M=$WORK/out
mkdir -p "$C"
"$GEN" "$C"
chmod -R a+rX "$C"

# Dissector bugs abort instead of becoming an expert item, so they count as crashes.
export WIRESHARK_ABORT_ON_DISSECTOR_BUG=1

# run_one FILE: tshark over every tree path (-V) and a filter pass on our fields
run_one() {
	local f=$1 rc out
	for mode in "-V" "-Y ctrcap||container.name||process.pid -T fields -e container.label"; do
		set +e
		# shellcheck disable=SC2086
		out=$(as_user env WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 timeout 120 tshark -r "$f" $mode 2>&1 >/dev/null)
		rc=$?
		set -e
		if [ "$rc" -ge 124 ] || grep -qi 'dissector bug' <<<"$out"; then
			echo "FAIL: tshark $mode on $f: exit $rc"
			sed -n '1,10s/^/  /p' <<<"$out"
			cp "$f" "$WORK/../ctrcap-fuzz-crash-$(basename "$f")" 2>/dev/null || true
			FAILS=$((FAILS + 1))
		elif [ "$rc" -ne 0 ]; then
			# a corrupted file wiretap rejects is not a crash, but say so
			echo "note: tshark exit $rc on $(basename "$f"): $(head -1 <<<"$out")"
		fi
	done
}

rounds=0
packets=0
start=$SECONDS
while [ $((SECONDS - start)) -lt "$SECONDS_MAX" ] && [ "$rounds" -lt 1000 ]; do
	rounds=$((rounds + 1))
	parts=()
	for f in writer raw raw-be malformed ptcpdump pktap; do
		"$GEN" --mutate "$((rounds * 100 + ${#parts[@]}))" "$COPIES" "$C/$f.pcapng" \
			"$M/$f-$rounds.pcapng"
		parts+=("$M/$f-$rounds.pcapng")
	done
	as_user mergecap -F pcapng -w "$M/round-$rounds.pcapng" "${parts[@]}"
	as_user editcap -E 0.01 "$M/round-$rounds.pcapng" "$M/round-$rounds-E.pcapng"
	for f in "$M/round-$rounds.pcapng" "$M/round-$rounds-E.pcapng"; do
		run_one "$f"
		packets=$((packets + $(as_user capinfos -c -M "$f" | awk '/Number of packets/ { print $NF }')))
	done
	rm -f "${parts[@]}" "$M"/round-"$rounds"*.pcapng
	[ "$FAILS" -eq 0 ] || break
done
echo "fuzz batch: $rounds rounds, $packets corrupted packets through tshark, $FAILS failure(s)"
expect "at least one round ran" "yes" "$([ "$rounds" -ge 1 ] && [ "$packets" -gt 0 ] && echo yes)"
finish
