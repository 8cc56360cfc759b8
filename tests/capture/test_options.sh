#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tcpdump user's first minutes, on saved files (no root, no BPF): a
# missing or bad option value names the option, every long option is in
# --help and ctrcap.8, --count counts as tcpdump's does, the tcpdump and
# ptcpdump long names work, -r -w writes the selected packets with their
# identities, -r -c stops, and what does not apply to -r is refused. -r as
# tcpdump -r: a filter expression, classic pcap files, ptcpdump's identity.
# Usage: test_options.sh CTRCAP MAKE_CAPTURE PCAPNG_DUMP SOURCE_DIR GEN_CAPTURES
set -u
CTRCAP=$1
MAKE=$2
DUMP=$3
SRC=$4
GEN=$5

TMP=$(mktemp -d /tmp/ccap-options.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# expect DESCRIPTION COMMAND...: the command must succeed.
expect() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

# refused NAME EXPECTED-LINE CTRCAP-ARGS...: exit 1, stderr is exactly that line, no stdout.
refused() {
	local name=$1 line=$2 rc
	shift 2
	"$CTRCAP" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(cat "$TMP/err")" = "$line" ] && [ ! -s "$TMP/out" ]; then
		echo "ok: $name"
	else
		fail "$name: exit $rc, stderr: $(head -c 300 "$TMP/err")"
	fi
}

# same NAME FILE1 FILE2: equal and not empty.
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		echo "ok: $1"
	else
		fail "$1"
		diff "$2" "$3" | head -20 >&2
	fi
}

IN=$TMP/in.pcapng
"$MAKE" "$IN" || { echo "FAIL: make_capture"; exit 1; }
# reading FILE: tcpdump's first line on stderr for -r FILE of Ethernet packets.
reading() { echo "reading from file $1, link-type EN10MB (Ethernet), snapshot length 262144"; }

# --- the option parser
refused "-c without a value names -c" "ctrcap: option -c needs a value" -r "$IN" -c
refused "--pid without a value names --pid" "ctrcap: option --pid needs a value" --pid
refused "-w without a value names -w" "ctrcap: option -w needs a value" -i lo -w
refused "--receive-count without a value names it" \
	"ctrcap: option --receive-count needs a value" --receive-count
refused "-B abc: one line naming -B and the value" \
	"ctrcap: invalid value 'abc' for -B (a whole number from 1024 to 2097152)" -B abc
refused "-C 0: one line naming -C and the value" \
	"ctrcap: invalid value '0' for -C (a whole number from 1 to 1000000)" -C 0 -w x
refused "-c -5: one line naming -c and the value" \
	"ctrcap: invalid value '-5' for -c (a whole number from 1 to 18446744073709551615)" -c -5
refused "--pid 0 names --pid and the value" \
	"ctrcap: invalid value '0' for --pid (a whole number from 1 to 2147483647)" --pid 0
refused "--hops names the accepted values" \
	"ctrcap: invalid value 'every' for --hops (all, first, container or fold)" --hops every
refused "--journey needs -r" \
	"ctrcap: --journey prints a table of a file read with -r; give -r FILE" --journey
refused "--journey takes no -w" \
	"ctrcap: --journey prints a table of a file read with -r; it takes no -w, --count, --print or --hops fold" \
	-r "$IN" --journey -w "$TMP/x.pcapng"
refused "--hops fold shapes printed packets: not with --count" \
	"ctrcap: --hops fold shapes printed packets; --count prints none" -r "$IN" --hops fold --count
refused "--hops first is for a live capture" \
	"ctrcap: --hops does not apply to -r (reading a file)" -r "$IN" --hops first
refused "--count=3: --count takes no value" "ctrcap: option --count takes no value" --count=3

# Every long option ctrcap parses is in --help and in the man page.
"$CTRCAP" --help >"$TMP/help" || fail "--help exits 0"
sed -n '/long_opts\[\] = {/,/^};/s/^\t{ "\([a-z-]*\)".*/\1/p' "$SRC/capture-helper/options.c" \
	>"$TMP/longs"
[ "$(wc -l <"$TMP/longs")" -ge 30 ] || { echo "FAIL: no long option list in options.c"; exit 1; }
# The man page's text without roff's escapes and font changes.
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$SRC/capture-helper/ctrcap.8" >"$TMP/man"
while read -r l; do
	grep -Eq -- "--$l([^a-z-]|$)" "$TMP/help" || fail "--$l is not in --help"
	grep -Eq -- "--$l([^a-z-]|$)" "$TMP/man" || fail "--$l is not in ctrcap.8"
done <"$TMP/longs"

# --- tcpdump's "reading from file" line on stderr, whatever is printed
"$CTRCAP" -r "$IN" -c 1 2>"$TMP/err" >/dev/null
expect "-r: tcpdump's reading-from line on stderr" [ "$(cat "$TMP/err")" = "$(reading "$IN")" ]
"$CTRCAP" -r - --count <"$IN" 2>"$TMP/err" >/dev/null
expect "-r - --count: the line names the file '-'" [ "$(cat "$TMP/err")" = "$(reading -)" ]

# --- -r with --count, -c and the tcpdump/ptcpdump long names
expect "--count prints only the count" [ "$("$CTRCAP" -r "$IN" --count)" = "6 packets" ]
expect "--journey: a table of the file's 6 frames, no packet lines" \
	[ "$("$CTRCAP" -r "$IN" --journey 2>/dev/null | head -1 | cut -d, -f1)" = "Journeys: 6 frames" ]
"$CTRCAP" -r "$IN" -v >"$TMP/plain" 2>/dev/null
"$CTRCAP" -r "$IN" -v --hops fold >"$TMP/fold" 2>/dev/null
same "--hops fold: packets of one hop each are printed as without it" "$TMP/plain" "$TMP/fold"
expect "--count counts only the selected packets" \
	[ "$("$CTRCAP" -r "$IN" --container-name web --count)" = "2 packets" ]
expect "--count with -c stops at N" [ "$("$CTRCAP" -r "$IN" --count -c 3)" = "3 packets" ]
expect "--count of one packet says 'packet'" \
	[ "$("$CTRCAP" -r "$IN" --comm psql -c 1 --count)" = "1 packet" ]
"$CTRCAP" -r "$IN" -v -c 2 --comm psql >"$TMP/short"
"$CTRCAP" --read-file "$IN" --verbose --receive-count 2 --pname psql >"$TMP/long"
same "--read-file --verbose --receive-count --pname act as -r -v -c --comm" "$TMP/short" "$TMP/long"
"$CTRCAP" -r "$IN" -# >"$TMP/num"
"$CTRCAP" -r "$IN" --number >"$TMP/num2"
expect "-# numbers the lines from 1" \
	bash -c "[ \"\$(cut -c1-7 '$TMP/num' | tr '\n' ,)\" = '    1  ,    2  ,    3  ,    4  ,    5  ,    6  ,' ]"
same "--number acts as -#" "$TMP/num" "$TMP/num2"

# --- -r -w: the selected packets, identities kept
"$CTRCAP" -r "$IN" -w "$TMP/web.pcapng" --container-name web >"$TMP/out" 2>"$TMP/err"
expect "-r -w exits 0, prints only tcpdump's 'reading from' line and writes the file" \
	[ $? = 0 -a ! -s "$TMP/out" -a "$(cat "$TMP/err")" = "$(reading "$IN")" -a -s "$TMP/web.pcapng" ]
"$CTRCAP" -r "$IN" -v --container-name web >"$TMP/want"
"$CTRCAP" -r "$TMP/web.pcapng" -v >"$TMP/got"
same "-r -w keeps the selected packets with interface, direction and identity" \
	"$TMP/want" "$TMP/got"
"$DUMP" "$IN" | grep ' pid=100 ' >"$TMP/want.dump"
"$DUMP" "$TMP/web.pcapng" >"$TMP/got.dump"
same "-r -w keeps packet ids, directions and process fields (common reader)" \
	"$TMP/want.dump" "$TMP/got.dump"
"$CTRCAP" -r "$IN" --write-file "$TMP/db.pcapng" --comm psql -c 1
expect "--write-file with -c 1 writes one packet" \
	[ "$("$CTRCAP" -r "$TMP/db.pcapng" --count)" = "1 packet" ]
"$CTRCAP" -r "$IN" -w - --container-id 9c2e | "$CTRCAP" -r - -v >"$TMP/got"
"$CTRCAP" -r "$IN" -v --container-id 9c2e >"$TMP/want"
same "-r -w - streams the selected packets to a reader" "$TMP/want" "$TMP/got"
"$CTRCAP" -r "$IN" -w "$TMP/p.pcapng" --print --pid 200 >"$TMP/printed"
"$CTRCAP" -r "$IN" --pid 200 >"$TMP/want"
same "--print prints what -w writes" "$TMP/want" "$TMP/printed"
expect "--print still writes the file" [ "$("$CTRCAP" -r "$TMP/p.pcapng" --count)" = "2 packets" ]
# Two sections (a concatenation): interface ids start again in the second.
cat "$IN" "$IN" >"$TMP/two.pcapng"
"$CTRCAP" -r "$TMP/two.pcapng" -w "$TMP/two-web.pcapng" --container-name web
"$CTRCAP" -r "$TMP/two.pcapng" -v --container-name web >"$TMP/want"
"$CTRCAP" -r "$TMP/two-web.pcapng" -v >"$TMP/got"
same "-r -w of a two-section file keeps each packet's interface" "$TMP/want" "$TMP/got"
cp "$IN" "$TMP/keep.pcapng"
"$CTRCAP" -r "$TMP/keep.pcapng" -w "$TMP/keep.pcapng" 2>"$TMP/err"
rc=$?
expect "-w the file -r reads is refused, the file left as it was" \
	bash -c "[ $rc = 1 ] && cmp -s '$IN' '$TMP/keep.pcapng' &&
		[ \"\$(cat '$TMP/err')\" = 'ctrcap: -w $TMP/keep.pcapng is the file -r reads' ]"

# --- identity on the packet line (ptcpdump's form), -q, --context
"$CTRCAP" -r "$IN" >"$TMP/lines"
expect "a packet line ends with its process, container and pod" \
	grep -qx '.* 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process \[wget.100\], Container \[web\], Pod \[web-1.shop\]' "$TMP/lines"
expect "a packet without identity keeps the plain line" \
	grep -qx '.* 10.99.2.1.5003 > 10.99.2.2.7000: UDP, length 4' "$TMP/lines"
"$CTRCAP" -r "$IN" -q >"$TMP/quiet"
expect "-q: plain tcpdump lines" bash -c "[ \$(wc -l <'$TMP/quiet') = 6 ] &&
	! grep -q 'Process\|Container' '$TMP/quiet' && [ \$(grep -c ', length 4\$' '$TMP/quiet') = 6 ]"
"$CTRCAP" -r "$IN" --quiet >"$TMP/quiet2"
same "--quiet is -q" "$TMP/quiet" "$TMP/quiet2"
"$CTRCAP" -r "$IN" --context user,container >"$TMP/ctx"
expect "--context user,container chooses the parts on the line" \
	grep -qx '.* 10.99.2.1.5001 > .*length 4, User \[uid 0\], Container \[web\]' "$TMP/ctx"
"$CTRCAP" -r "$IN" -v --context=pod >"$TMP/ctxv"
expect "-v --context pod: only Pod lines under the packets" bash -c "
	grep -q '^    Pod (name web-1, namespace shop' '$TMP/ctxv' &&
	! grep -q '^    \(Process\|User\|ParentProc\|Container\) ' '$TMP/ctxv' &&
	! grep -q 'length 4, ' '$TMP/ctxv'"
refused "--context with an unknown part names it" \
	"ctrcap: --context: unknown context 'cmd' (process, thread, parentproc, user, container, pod, node)" \
	-r "$IN" --context process,cmd

# --- -r with a pcap filter expression, run in user space
# ports FILE: the source ports of FILE's packet lines, comma-separated.
ports() {
	sed -n 's/.* 10\.99\.2\.1\.\(50[0-9][0-9]\) > .*/\1/p' "$1" | tr '\n' , | sed 's/,$//'
}
"$CTRCAP" -r "$IN" 'udp src port 5002 or udp src port 5004' >"$TMP/f" 2>"$TMP/err"
rc=$?
expect "-r FILTER prints only the packets it selects" \
	[ "$rc" = 0 -a "$(cat "$TMP/err")" = "$(reading "$IN")" -a "$(ports "$TMP/f")" = 5002,5004 ]
"$CTRCAP" -r "$IN" --container-name web 'udp' >"$TMP/f"
expect "-r FILTER with --container-name: both select" [ "$(ports "$TMP/f")" = 5001,5004 ]
"$CTRCAP" -r "$IN" --container-name web 'src port 5004' >"$TMP/f"
expect "-r FILTER and an identity filter: only what both select" [ "$(ports "$TMP/f")" = 5004 ]
"$CTRCAP" -r "$IN" -c 2 'not src port 5001' >"$TMP/f"
expect "-r -c N FILTER: the first N selected" [ "$(ports "$TMP/f")" = 5002,5003 ]
expect "-r --count FILTER counts the selected" \
	[ "$("$CTRCAP" -r "$IN" --count 'src port 5003 or src port 5005')" = "2 packets" ]
"$CTRCAP" -r "$IN" -w "$TMP/flt.pcapng" 'src port 5001 or src port 5002'
"$CTRCAP" -r "$IN" -v 'src port 5001 or src port 5002' >"$TMP/want"
"$CTRCAP" -r "$TMP/flt.pcapng" -v >"$TMP/got"
same "-r -w FILTER writes the selected packets, identity kept" "$TMP/want" "$TMP/got"
expect "-r -w FILTER wrote two packets" [ "$("$CTRCAP" -r "$TMP/flt.pcapng" --count)" = "2 packets" ]
refused "-r with a filter that does not compile: one line naming it, before any output" \
	"ctrcap: invalid filter expression 'udp port': can't parse filter expression: syntax error" \
	-r "$IN" udp port
"$CTRCAP" -r "$IN" 'wlan type mgt' >"$TMP/out" 2>"$TMP/err"
rc=$?
expect "a filter for another link type selects nothing here and says so once" bash -c "
	[ $rc = 0 ] && [ ! -s '$TMP/out' ] && [ \$(wc -l <'$TMP/err') = 2 ] &&
	grep -q \"^ctrcap: filter 'wlan type mgt' does not apply to link type 1 \" '$TMP/err'"

# -F FILE: the expression from a file, '#' to the end of a line a comment.
printf '# the web packets\nsrc port 5001 # first\n  or src port 5004\n' >"$TMP/expr"
"$CTRCAP" -r "$IN" -F "$TMP/expr" >"$TMP/f" 2>"$TMP/err"
rc=$?
expect "-F FILE: the expression read from the file, comments skipped" \
	[ "$rc" = 0 -a "$(cat "$TMP/err")" = "$(reading "$IN")" -a "$(ports "$TMP/f")" = 5001,5004 ]
"$CTRCAP" -r "$IN" --expression-file "$TMP/expr" >"$TMP/f2"
same "--expression-file is -F" "$TMP/f" "$TMP/f2"
printf '# nothing but a comment\n' >"$TMP/empty-expr"
expect "-F of a file with no expression selects every packet" \
	[ "$("$CTRCAP" -r "$IN" -F "$TMP/empty-expr" --count)" = "6 packets" ]
refused "-F and an expression on the command line: refused, naming both" \
	"ctrcap: -F $TMP/expr gives the expression; remove the one on the command line ('udp')" \
	-r "$IN" -F "$TMP/expr" udp
refused "-F of a missing file names -F and the file" \
	"ctrcap: -F $TMP/no-such: No such file or directory" -r "$IN" -F "$TMP/no-such"
printf 'udp\0port 1\n' >"$TMP/bin-expr"
refused "-F of a file with a NUL byte" \
	"ctrcap: -F $TMP/bin-expr: not a text file (it holds a NUL byte)" -r "$IN" -F "$TMP/bin-expr"

# --uid: the packets of processes of that user id (psql runs as 999 in the file).
"$CTRCAP" -r "$IN" --uid 999 >"$TMP/f"
expect "--uid 999: psql's packets only" [ "$(ports "$TMP/f")" = 5002,5005 ]
"$CTRCAP" -r "$IN" --uid 0 --uid 999 >"$TMP/f"
expect "--uid repeated: either user" [ "$(ports "$TMP/f")" = 5001,5002,5004,5005 ]
refused "--uid takes a number" \
	"ctrcap: invalid value 'root' for --uid (a whole number from 0 to 4294967294)" \
	-r "$IN" --uid root

# -q, --oneline and -v: the identity on the line or under it, never both.
"$CTRCAP" -r "$IN" -q -v >"$TMP/qv"
expect "-q -v: IP detail, no identity, neither on the line nor under it" bash -c "
	[ \$(wc -l <'$TMP/qv') = 6 ] && grep -q 'ttl 64' '$TMP/qv' &&
	! grep -q 'Process\|Container\|^    ' '$TMP/qv'"
"$CTRCAP" -r "$IN" --oneline -v >"$TMP/ov"
expect "--oneline -v: IP detail, the identity at the end of the line, no line under it" bash -c "
	[ \$(wc -l <'$TMP/ov') = 6 ] &&
	grep -qx '.* IP (tos 0x0, ttl 64, .* 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process \[wget.100\], Container \[web\], Pod \[web-1.shop\]' '$TMP/ov'"
"$CTRCAP" -r "$IN" --oneline >"$TMP/ol"
same "--oneline without -v is the default output" "$TMP/lines" "$TMP/ol"

# -z CMD: run on each file -C rotation finishes (as tcpdump: not the last), with
# the file's path, at the lowest priority, in parallel to the capture.
while [ "$(stat -c %s "$TMP/big.pcapng" 2>/dev/null || echo 0)" -lt 2500000 ]; do
	cat "$IN" "$IN" "$IN" "$IN" "$IN" "$IN" "$IN" "$IN" >>"$TMP/big.pcapng"
done
mkdir "$TMP/rot" "$TMP/bin"
printf '#!/bin/sh\necho "$# $1 $(id -u) $(nice)" >>%s/zlog\n' "$TMP" >"$TMP/bin/ccap-z"
chmod 755 "$TMP/bin/ccap-z"
PATH=$TMP/bin:$PATH "$CTRCAP" -r "$TMP/big.pcapng" -w "$TMP/rot/out.pcapng" -C 1 -z ccap-z \
	2>"$TMP/err"
rc=$?
ls "$TMP/rot" >"$TMP/rot.ls"
expect "-z: ctrcap exits 0, three files written" [ "$rc" = 0 -a "$(wc -l <"$TMP/rot.ls")" = 3 ]
printf '%s\n' "1 $TMP/rot/out.pcapng $(id -u) 19" "1 $TMP/rot/out.pcapng1 $(id -u) 19" \
	>"$TMP/zwant"
sort "$TMP/zlog" >"$TMP/zgot" 2>/dev/null
same "-z: CMD FILE for each rotated file, not the last, at nice 19, as the user" \
	"$TMP/zwant" "$TMP/zgot"
expect "-z: each file it was given is a complete capture" bash -c "
	'$CTRCAP' -r '$TMP/rot/out.pcapng' --count | grep -q '^[0-9]* packets\$' &&
	'$CTRCAP' -r '$TMP/rot/out.pcapng1' --count | grep -q '^[0-9]* packets\$'"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	rm -rf "$TMP/rot" "$TMP/zlog"
	mkdir "$TMP/rot" && chmod 777 "$TMP/rot" "$TMP" && chmod 755 "$TMP/bin"
	touch "$TMP/zlog" && chmod 666 "$TMP/zlog"
	"$CTRCAP" -Z nobody -r "$TMP/big.pcapng" -w "$TMP/rot/out.pcapng" -C 1 \
		-z "$TMP/bin/ccap-z"
	expect "-z with -Z nobody: CMD runs as nobody" \
		[ "$(cut -d' ' -f3 "$TMP/zlog" | sort -u)" = "$(id -u nobody)" ]
	chmod 700 "$TMP"
fi
refused "-z without -C or -G" \
	"ctrcap: -z runs a command on each rotated file: it needs -C or -G" \
	-r "$IN" -w "$TMP/x.pcapng" -z gzip
refused "-z of a program not in PATH" "ctrcap: -z ccap-no-such-program: no such program in \$PATH" \
	-r "$IN" -w "$TMP/x.pcapng" -C 1 -z ccap-no-such-program

# --- -r of classic pcap (tcpdump -w's format): every magic and byte order
"$CTRCAP" -r "$IN" -q | sed 's/ \(eth0\|lo\) \(In\|Out\) / /' >"$TMP/want"
for fmt in us ns us-swapped ns-swapped kuz; do
	"$MAKE" --pcap "$fmt" "$TMP/$fmt.pcap" || fail "make_capture --pcap $fmt"
	"$CTRCAP" -r "$TMP/$fmt.pcap" >"$TMP/got"
	same "-r reads classic pcap ($fmt): the same lines as the pcapng file" "$TMP/want" "$TMP/got"
done
cat "$TMP/ns-swapped.pcap" | "$CTRCAP" -r - >"$TMP/got"
same "-r - tells classic pcap from pcapng by its magic on a pipe" "$TMP/want" "$TMP/got"
if command -v tcpdump >/dev/null; then
	tcpdump -r "$TMP/ns.pcap" -w "$TMP/tcpdump.pcap" 2>/dev/null
	"$CTRCAP" -r "$TMP/tcpdump.pcap" >"$TMP/got"
	same "-r reads a file tcpdump -w wrote" "$TMP/want" "$TMP/got"
fi
"$CTRCAP" -r "$TMP/us.pcap" -w "$TMP/from-pcap.pcapng" 'src port 5003 or src port 5006'
expect "-r classic -w FILTER writes pcapng with the selected packets" bash -c "
	head -c 4 '$TMP/from-pcap.pcapng' | od -An -tx1 | grep -q '0a 0d 0d 0a' &&
	[ \"\$('$CTRCAP' -r '$TMP/from-pcap.pcapng' --count)\" = '2 packets' ]"
"$CTRCAP" -r "$TMP/from-pcap.pcapng" >"$TMP/got"
grep -E '5003|5006' "$TMP/want" >"$TMP/want2"
same "... and the same packet lines" "$TMP/want2" "$TMP/got"
# A torn file: the packets before the tear, then the file name and offset.
head -c 100 "$TMP/us.pcap" >"$TMP/torn.pcap"
"$CTRCAP" -r "$TMP/torn.pcap" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect "-r of a torn pcap keeps what was read, names the offset, exits 1" bash -c "
	[ $rc = 1 ] && [ \$(wc -l <'$TMP/out') = 1 ] &&
	[ \"\$(cat '$TMP/err')\" = \"$(reading "$TMP/torn.pcap")
ctrcap: $TMP/torn.pcap: offset 86: file ends inside a packet header (14 of 16 bytes)\" ]"
head -c 60 "$TMP/ns.pcap" >"$TMP/torn2.pcap"
"$CTRCAP" -r "$TMP/torn2.pcap" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect "-r of a pcap torn inside a packet names its offset" bash -c "
	[ $rc = 1 ] && [ ! -s '$TMP/out' ] && [ \"\$(cat '$TMP/err')\" = \"$(reading "$TMP/torn2.pcap")
ctrcap: $TMP/torn2.pcap: offset 24: file ends inside a packet (20 of 46 captured bytes)\" ]"
printf 'no capture here\n' >"$TMP/garbage"
refused "-r of garbage names the file and offset" \
	"ctrcap: $TMP/garbage: offset 0: not a pcapng or pcap file: it starts with 0x63206f6e, no section header or pcap magic" \
	-r "$TMP/garbage"
refused "-r DIR: Is a directory" "ctrcap: $TMP: Is a directory" -r "$TMP"

# --- ptcpdump's identity (its opt_comment text) printed and filtered as ctrcap's
mkdir -p "$TMP/gen"
"$GEN" "$TMP/gen" || fail "gen_captures"
P=$TMP/gen/ptcpdump.pcapng
"$CTRCAP" -r "$P" >"$TMP/p"
expect "ptcpdump's identity ends the packet line" grep -q \
	'UDP, length 18, Process \[wget\.241879\], Container \[web\], Pod \[web-7d9f\.shop\]$' "$TMP/p"
expect "a human comment is no identity" bash -c "[ \$(grep -c 'length 18\$' '$TMP/p') = 2 ]"
"$CTRCAP" -r "$P" -v -c 1 >"$TMP/pv"
expect "-v: ptcpdump's identity as ctrcap's lines" bash -c "
	grep -qx '    Process (pid 241879, cmd /usr/bin/wget, args wget -T 10 10.99.3.1, tid 241880)' '$TMP/pv' &&
	grep -qx '    User (uid 1000)' '$TMP/pv' &&
	grep -qx '    ParentProc (pid 241858, cmd /usr/bin/containerd-shim-runc-v2, args containerd-shim-runc-v2 -namespace moby)' '$TMP/pv' &&
	grep -qx '    Container (name web, id 78f1713c7d0f5a6b9c1d2e3f40516273849506a7b8c9d0e1f2a3b4c5d6e7f809, image busybox:1, labels {app=web, note=a<b \"q\"})' '$TMP/pv' &&
	grep -qx '    Pod (name web-7d9f, namespace shop, uid 5f1c2d3e-aaaa-bbbb-cccc-0123456789ab, labels {team=red})' '$TMP/pv'"
for f in "--comm wget" "--pid 241879" "--container-name web" "--container-id 78f1713c" \
	"--pod-name web-7d9f" "--pod-namespace shop"; do
	# shellcheck disable=SC2086
	expect "$f selects ptcpdump's web packet" \
		[ "$("$CTRCAP" -r "$P" $f --count)" = "1 packet" ]
done
expect "--comm postgres (Cmd's name) selects the db packet" \
	[ "$("$CTRCAP" -r "$P" --comm postgres -v | grep -c '^    Container (name db,')" = 1 ]
"$CTRCAP" -r "$P" -w "$TMP/p-web.pcapng" --container-name web 2>/dev/null
"$CTRCAP" -r "$P" -v --container-name web >"$TMP/want"
"$CTRCAP" -r "$TMP/p-web.pcapng" -v >"$TMP/got"
same "-r -w of ptcpdump's packets keeps their identity (as ctrcap's record)" "$TMP/want" "$TMP/got"

# --- the other carriers when ctrcap's record is gone (make_capture --strip drops
# only ctrcap's custom options, as a tool that does not keep them would)
"$CTRCAP" -r "$IN" >"$TMP/rec.txt" 2>/dev/null
"$CTRCAP" -r "$IN" --comments -w "$TMP/cmt.pcapng" 2>/dev/null || fail "-r --comments -w"
"$MAKE" --strip "$TMP/cmt.pcapng" "$TMP/cmt-s.pcapng" || fail "make_capture --strip"
"$CTRCAP" -r "$TMP/cmt-s.pcapng" >"$TMP/cmt-s.txt" 2>/dev/null
same "--comments: without ctrcap's record the comments give the same packet lines" \
	"$TMP/rec.txt" "$TMP/cmt-s.txt"
"$CTRCAP" -r "$TMP/cmt-s.pcapng" -v -c 1 >"$TMP/cmt-v.txt" 2>/dev/null
expect "--comments: -v shows the comments' process, container and pod" bash -c "
	grep -qx '    Process (pid 100, cmd /usr/bin/wget, args wget http://10.99.2.2/)' '$TMP/cmt-v.txt' &&
	grep -qx '    Container (name web, id 78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d, image busybox:1)' '$TMP/cmt-v.txt' &&
	grep -qx '    Pod (name web-1, namespace shop)' '$TMP/cmt-v.txt'"
expect "--comments: the identity filters select on the comments" \
	[ "$("$CTRCAP" -r "$TMP/cmt-s.pcapng" --container-name db --count)" = "2 packets" ]
# --process-blocks: Wireshark's Process Information Block after each Apple
# block, 40 bytes for a comm of 4 (the file's two processes, wget and psql);
# the packets read back the same.
refused "--process-blocks without -w" \
	"ctrcap: --process-blocks writes blocks into the -w file: it needs -w" -r "$IN" --process-blocks
"$CTRCAP" -r "$IN" -w "$TMP/plain.pcapng" 2>/dev/null || fail "-r -w"
"$CTRCAP" -r "$IN" --process-blocks -w "$TMP/pib.pcapng" 2>/dev/null || fail "-r --process-blocks -w"
expect "--process-blocks: two blocks of 40 bytes more" \
	[ $(($(stat -c %s "$TMP/pib.pcapng") - $(stat -c %s "$TMP/plain.pcapng"))) = 80 ]
"$CTRCAP" -r "$TMP/pib.pcapng" >"$TMP/pib.txt" 2>/dev/null
same "--process-blocks: ctrcap -r reads the same packets" "$TMP/rec.txt" "$TMP/pib.txt"
"$CTRCAP" -r "$IN" -w "$TMP/std.pcapng" 2>/dev/null || fail "-r -w"
"$MAKE" --strip "$TMP/std.pcapng" "$TMP/std-s.pcapng" || fail "make_capture --strip"
"$CTRCAP" -r "$TMP/std-s.pcapng" >"$TMP/std-s.txt" 2>/dev/null
expect "no record, no comments: option 8's pid and the Apple block's name" bash -c "
	[ \$(grep -c 'UDP, length 4, Process \[wget\.100\]\$' '$TMP/std-s.txt') = 2 ] &&
	[ \$(grep -c 'UDP, length 4, Process \[psql\.200\]\$' '$TMP/std-s.txt') = 2 ] &&
	[ \$(grep -c 'UDP, length 4\$' '$TMP/std-s.txt') = 2 ]"
expect "no record: --pid and --comm select on option 8 and the Apple block" bash -c "
	[ \"\$('$CTRCAP' -r '$TMP/std-s.pcapng' --pid 200 --count)\" = '2 packets' ] &&
	[ \"\$('$CTRCAP' -r '$TMP/std-s.pcapng' --comm wget --count)\" = '2 packets' ]"
refused "--comments needs -w" "ctrcap: --comments writes comments into the -w file: it needs -w" \
	-r "$IN" --comments

# --- --write-thread: the same file whoever write()s it; refused where it cannot apply
"$CTRCAP" -r "$IN" --write-thread off -w "$TMP/wt-off.pcapng" 2>/dev/null || fail "--write-thread off"
"$CTRCAP" -r "$IN" --write-thread on -w "$TMP/wt-on.pcapng" 2>/dev/null || fail "--write-thread on"
expect "--write-thread on writes the same bytes as off" cmp -s "$TMP/wt-off.pcapng" "$TMP/wt-on.pcapng"
refused "--write-thread on without -w" \
	"ctrcap: --write-thread on writes the -w file in a thread; it needs -w" -r "$IN" --write-thread on
refused "--write-thread on with -U" \
	"ctrcap: --write-thread on writes the -w file in a thread; -U writes each packet at once, which the thread would only delay" \
	-r "$IN" --write-thread on -U -w "$TMP/wt-u.pcapng"
refused "-Q with a bad value" "ctrcap: -Q takes in, out or inout, not 'bogus'" -i lo -Q bogus
refused "--write-thread with a bad value" \
	"ctrcap: --write-thread takes auto, on or off, not 'yes'" -r "$IN" --write-thread yes -w "$TMP/wt-y.pcapng"

# --- --compact-identity on -r -w: identities by reference, read back the same
refused "--compact-identity without -w" \
	"ctrcap: --compact-identity shapes the -w file: it needs -w" -r "$IN" --compact-identity
"$CTRCAP" -r "$IN" -vv >"$TMP/vv.txt" 2>/dev/null
"$CTRCAP" -r "$IN" --compact-identity -w "$TMP/cid.pcapng" 2>/dev/null ||
	fail "-r --compact-identity -w"
"$CTRCAP" -r "$TMP/cid.pcapng" -vv >"$TMP/cid.txt" 2>/dev/null
same "--compact-identity: -r -vv prints the same packets and identities" "$TMP/vv.txt" "$TMP/cid.txt"
# Each identity of in.pcapng is on one packet per interface: all definitions, 8 bytes more each.
expect "--compact-identity: a file of definitions only: 8 bytes more per identity" \
	[ "$(stat -c %s "$TMP/cid.pcapng")" = "$(($(stat -c %s "$TMP/std.pcapng") + 4 * 8))" ]
if command -v mergecap >/dev/null; then
	# Three times the packets on the same interfaces (mergecap merges equal IDBs): references.
	mergecap -a -w "$TMP/in3.pcapng" "$IN" "$IN" "$IN"
	"$CTRCAP" -r "$TMP/in3.pcapng" -vv >"$TMP/vv3.txt" 2>/dev/null
	"$CTRCAP" -r "$TMP/in3.pcapng" -w "$TMP/std3.pcapng" 2>/dev/null
	"$CTRCAP" -r "$TMP/in3.pcapng" --compact-identity -w "$TMP/cid3.pcapng" 2>/dev/null
	"$CTRCAP" -r "$TMP/cid3.pcapng" -vv >"$TMP/cid3.txt" 2>/dev/null
	same "--compact-identity: repeated identities read back the same" "$TMP/vv3.txt" "$TMP/cid3.txt"
	expect "--compact-identity: repeated identities make the file smaller" \
		[ "$(stat -c %s "$TMP/cid3.pcapng")" -lt "$(stat -c %s "$TMP/std3.pcapng")" ]
	# Cut out the first copy, the packets that define the identities: the rest
	# read on, each reference named as missing, its packet shown without identity.
	if command -v editcap >/dev/null; then
		editcap -r "$TMP/cid3.pcapng" "$TMP/cut.pcapng" 7-18 >/dev/null
		"$CTRCAP" -r "$TMP/cut.pcapng" -v >"$TMP/cut.txt" 2>"$TMP/cut.err"
		expect "--compact-identity cut: exit 0" [ $? = 0 ]
		expect "--compact-identity cut: every packet read" \
			[ "$(grep -c '^[0-9]' "$TMP/cut.txt")" = 12 ]
		# in.pcapng has 4 packets with an identity: 8 in the two copies left
		expect "--compact-identity cut: each dangling reference named with its interface and key" \
			[ "$(grep -Ec '^    \[bad identity record: interface [0-9]+ \([a-z0-9]+\): identity-ref [0-9]+ names no identity defined earlier in this section' "$TMP/cut.txt")" = 8 ]
		expect "--compact-identity cut: no container shown for them" \
			[ "$(grep -c '^    Container' "$TMP/cut.txt")" = 0 ]
	fi
fi
expect "--compact-identity: the identity filters select the same packets" \
	[ "$("$CTRCAP" -r "$TMP/cid.pcapng" --container-name db --count)" = \
	  "$("$CTRCAP" -r "$IN" --container-name db --count)" ]
"$CTRCAP" -r "$TMP/cid.pcapng" -w "$TMP/cid-whole.pcapng" 2>/dev/null || fail "-r -w of a compact file"
"$CTRCAP" -r "$TMP/cid-whole.pcapng" -vv >"$TMP/cid-whole.txt" 2>/dev/null
same "--compact-identity: -r -w writes whole records that read the same" \
	"$TMP/vv.txt" "$TMP/cid-whole.txt"
expect "--compact-identity: ... as large as the original's" \
	[ "$(stat -c %s "$TMP/cid-whole.pcapng")" = "$(stat -c %s "$TMP/std.pcapng")" ]

# --- PKTAP frames (a file saved from ctrcap-rpcapd; macOS tcpdump -k): the inner
# frame with the identity its header carries, selected and filtered as ctrcap's
K=$TMP/gen/pktap.pcapng
"$CTRCAP" -r "$K" >"$TMP/k" 2>"$TMP/k.err"
expect "PKTAP: the inner frame, its interface and direction, ctrcap's identity" grep -qx \
	'00:00:04.000001 veth0a1b Out IP 10.99.3.2.40001 > 10.99.3.1.8080: UDP, length 18, Process \[wget\.241879\], Container \[web\], Pod \[web-7d9f\.shop\]' "$TMP/k"
expect "PKTAP: a stock header's pid and command name, another PEN skipped" \
	[ "$(grep -c 'UDP, length 18, Process \[wget\.241879\]$' "$TMP/k")" = 2 ]
expect "PKTAP: a header length past the frame is named, the frame kept" bash -c "
	grep -qx '    \[bad PKTAP frame: PKTAP header length 5000 outside \[108, 615\] (the frame)\]' '$TMP/k' &&
	[ \$(wc -l <'$TMP/k') = 5 ]"
# The description is libpcap's own ("Apple DLT_PKTAP" in 1.10, another in 1.11).
expect "PKTAP: stderr is tcpdump's reading line, naming the link type PKTAP" bash -c "
	[ \$(wc -l <'$TMP/k.err') = 1 ] &&
	grep -qx 'reading from file $K, link-type PKTAP ([^()]*), snapshot length 262144' '$TMP/k.err'"
"$CTRCAP" -r "$K" -v -c 1 >"$TMP/kv"
expect "PKTAP -v: the record's full lines" bash -c "
	grep -q '^    Process (pid 241879, cmd /usr/bin/wget, args wget -T 10 10.99.3.1, tid 241880' '$TMP/kv' &&
	grep -q '^    Container (name web, id 78f1713c' '$TMP/kv'"
expect "PKTAP: --container-name selects by the header's record" \
	[ "$("$CTRCAP" -r "$K" --container-name web --count)" = "1 packet" ]
expect "PKTAP: a filter runs on the inner frame" \
	[ "$("$CTRCAP" -r "$K" --count 'udp dst port 8080 and src host 10.99.3.2' 2>/dev/null)" = "3 packets" ]
expect "PKTAP: a filter that matches no inner frame selects none" \
	[ "$("$CTRCAP" -r "$K" --count 'udp port 9' 2>/dev/null)" = "0 packets" ]
"$CTRCAP" -r "$K" -w "$TMP/k-web.pcapng" --container-name web
"$CTRCAP" -r "$K" -v --container-name web >"$TMP/want"
"$CTRCAP" -r "$TMP/k-web.pcapng" -v >"$TMP/got"
same "-r -w of PKTAP frames keeps them and their identity" "$TMP/want" "$TMP/got"
expect "-r -w of PKTAP frames adds no second identity" \
	[ "$("$DUMP" "$TMP/k-web.pcapng")" = "if= dir=? pktid=0 | linktype 258, length 615" ]

# --- epb_processid_threadid (pcapng option 8): written with every known process,
# shown by -r when a packet has nothing else, kept by -r -w
G=$TMP/gen/writer.pcapng
expect "option 8 alone: -r shows its pid" \
	[ "$("$CTRCAP" -r "$G" -c 3 | tail -1 | sed 's/.*, //')" = "Process [4242]" ]
"$CTRCAP" -r "$G" -w "$TMP/g8.pcapng"
expect "-r -w keeps option 8 (pid and tid)" \
	[ "$("$CTRCAP" -r "$TMP/g8.pcapng" -v -c 3 | tail -1)" = "    Process (pid 4242, tid 4243)" ]

# --- the node (TLV 0x0701): packets 1 and 4 of node-a, 2 of node-b, 5 without
"$CTRCAP" -r "$G" -v >"$TMP/gv"
expect "-v: a Node line under the packets of a node, last" bash -c "
	[ \$(grep -cx '    Node (name node-a)' '$TMP/gv') = 2 ] &&
	[ \$(grep -cx '    Node (name node-b)' '$TMP/gv') = 1 ] &&
	[ \$(grep -c '^    Node ' '$TMP/gv') = 3 ] &&
	grep -A1 '^    Pod (name db-0' '$TMP/gv' | grep -qx '    Node (name node-b)'"
expect "--context container,node: the node on the packet line" bash -c "
	[ \"\$('$CTRCAP' -r '$G' --context container,node -c 2 | sed 's/.*length 18//' | tr '\n' '|')\" = \
	', Container [web], Node [node-a]|, Container [db], Node [node-b]|' ]"
expect "without --context node, the packet line names no node" bash -c "
	! '$CTRCAP' -r '$G' | grep -q Node"
"$CTRCAP" -r "$G" -w "$TMP/gn.pcapng" --container-name db
expect "-r -w keeps the node" \
	[ "$("$CTRCAP" -r "$TMP/gn.pcapng" -v | grep '^    Node')" = "    Node (name node-b)" ]
refused "--node-name with -r: a live capture's option" \
	"ctrcap: --node-name does not apply to -r (reading a file)" -r "$G" --node-name x
refused "--node-name with a '/': refused, the byte named" \
	"ctrcap: invalid value for --node-name: '/' at byte 4 of the node name" --node-name node/1
refused "--node-name given twice" "ctrcap: --node-name given twice" --node-name a --node-name b

# --- tcpdump's text flags; identities stay at the end of packet lines
"$CTRCAP" -r "$IN" -c 2 -tt >"$TMP/tt"
expect "-tt: seconds since 1970 first, identity last" bash -c "[ \"\$(cut -d' ' -f1-3 '$TMP/tt' | tr '\n' ,)\" = '1700000000.001000 eth0 Out,1700000000.002000 lo In,' ] &&
	grep -q 'length 4, Process \[psql.200\], Container \[db\]\$' '$TMP/tt'"
"$CTRCAP" -r "$IN" -c 2 -tt --nano -q >"$TMP/nano"
"$CTRCAP" -r "$IN" -c 2 -tt --time-stamp-precision=nano -q >"$TMP/nano2"
expect "--nano: nine digits" [ "$(cut -d' ' -f1 "$TMP/nano" | tr '\n' ,)" = '1700000000.001000000,1700000000.002000000,' ]
same "--time-stamp-precision=nano is --nano" "$TMP/nano" "$TMP/nano2"
"$CTRCAP" -r "$IN" -c 2 -tt --nano --micro -q | cut -d' ' -f1 >"$TMP/micro"
expect "--micro after --nano: six digits again" [ "$(tr '\n' , <"$TMP/micro")" = '1700000000.001000,1700000000.002000,' ]
"$CTRCAP" -r "$IN" -t -c 1 >"$TMP/t"
expect "-t: no time stamp, the line starts with the interface" \
	grep -qx 'eth0 Out IP 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process \[wget.100\], Container \[web\], Pod \[web-1.shop\]' "$TMP/t"
expect "-ttt: time since the previous printed packet" \
	[ "$("$CTRCAP" -r "$IN" -ttt --comm wget | cut -d' ' -f1 | tr '\n' ,)" = '00:00:00.000000,00:00:00.003000,' ]
expect "-ttttt: time since the first printed packet" \
	[ "$("$CTRCAP" -r "$IN" -ttttt -c 3 | cut -d' ' -f1 | tr '\n' ,)" = '00:00:00.000000,00:00:00.001000,00:00:00.002000,' ]
expect "-tttt: date and time (local; here TZ=UTC)" \
	[ "$(TZ=UTC "$CTRCAP" -r "$IN" -tttt -c 1 | cut -d' ' -f1-3)" = '2023-11-14 22:13:20.001000 eth0' ]
"$CTRCAP" -r "$IN" -e -t -c 1 >"$TMP/e"
expect "-e: MACs, ethertype and length before the IP summary" \
	grep -qx 'eth0 Out 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 46: IP 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process \[wget.100\], Container \[web\], Pod \[web-1.shop\]' "$TMP/e"
printf '%s\n' 'eth0 Out IP 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process [wget.100], Container [web], Pod [web-1.shop]' \
	'	0x0000:  4500 0020 0001 0000 4011 0000 0a63 0201' \
	'	0x0010:  0a63 0202 1389 1b58 000c 0000 7069 6e67' >"$TMP/want"
"$CTRCAP" -r "$IN" -t -c 1 -x >"$TMP/got"
same "-x: the packet from the IP header in hex under its line" "$TMP/want" "$TMP/got"
printf '%s\n' 'eth0 Out IP 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4, Process [wget.100], Container [web], Pod [web-1.shop]' \
	'	0x0000:  0200 0000 0002 0200 0000 0001 0800 4500  ..............E.' \
	'	0x0010:  0020 0001 0000 4011 0000 0a63 0201 0a63  . ....@....c...c' \
	'	0x0020:  0202 1389 1b58 000c 0000 7069 6e67       .....X....ping' >"$TMP/want"
"$CTRCAP" -r "$IN" -t -c 1 -XX >"$TMP/got"
same "-XX: hex and ASCII from the Ethernet header" "$TMP/want" "$TMP/got"
"$CTRCAP" -r "$IN" -t -c 1 -xx | sed -n 2p >"$TMP/got"
expect "-xx: hex from the Ethernet header" \
	[ "$(cat "$TMP/got")" = '	0x0000:  0200 0000 0002 0200 0000 0001 0800 4500' ]
"$CTRCAP" -r "$IN" -t -c 1 -X | sed -n 2p >"$TMP/got"
expect "-X: hex and ASCII from the IP header" \
	[ "$(cat "$TMP/got")" = '	0x0000:  4500 0020 0001 0000 4011 0000 0a63 0201  E.. ....@....c..' ]
"$CTRCAP" -r "$IN" -c 1 -A -q | tail -1 >"$TMP/got"
expect "-A: the bytes as text, 'ping' last" [ "$(cat "$TMP/got")" = 'c.....X....ping' ]
"$CTRCAP" -r "$IN" -# -tt -e -X -c 2 >"$TMP/all"
expect "-# -tt -e -X together: numbered lines, identity last, dump under each" bash -c "
	[ \$(wc -l <'$TMP/all') = 6 ] &&
	grep -qx '    2  1700000000.002000 lo In 02:00:00:00:00:01 > .*: UDP, length 4, Process \[psql.200\], Container \[db\]' '$TMP/all' &&
	[ \$(grep -c '^	0x00[0-9]0:  ' '$TMP/all') = 4 ]"
"$CTRCAP" -r "$IN" -v -c 1 >"$TMP/v"
expect "-v: the IP header's fields, then the identity lines" bash -c "
	head -1 '$TMP/v' | grep -q ' eth0 Out IP (tos 0x0, ttl 64, id 1, offset 0, flags \[none\], proto UDP (17), length 32) 10.99.2.1.5001 > 10.99.2.2.7000: UDP, length 4\$' &&
	sed -n 2p '$TMP/v' | grep -q '^    Process (pid 100, '"

# TCP: relative sequence numbers per connection unless -S.
TCP=$TMP/tcp.pcapng
"$MAKE" "$TCP" tcp || { echo "FAIL: make_capture tcp"; exit 1; }
"$CTRCAP" -r "$TCP" -t -q | sed 's/, win 65535.*//' >"$TMP/rel"
printf '%s\n' 'eth0 Out IP 10.99.2.1.40000 > 10.99.2.2.80: Flags [S], seq 0' \
	'eth0 In IP 10.99.2.2.80 > 10.99.2.1.40000: Flags [S.], seq 0, ack 1' \
	'eth0 Out IP 10.99.2.1.40000 > 10.99.2.2.80: Flags [.], ack 1' \
	'eth0 Out IP 10.99.2.1.40000 > 10.99.2.2.80: Flags [P.], seq 1:6, ack 1' \
	'eth0 In IP 10.99.2.2.80 > 10.99.2.1.40000: Flags [.], ack 6' >"$TMP/want"
same "TCP seq/ack count from 0 per direction by default" "$TMP/want" "$TMP/rel"
"$CTRCAP" -r "$TCP" -t -q -S | sed 's/, win 65535.*//' >"$TMP/abs"
"$CTRCAP" -r "$TCP" -t -q --absolute-tcp-sequence-numbers | sed 's/, win 65535.*//' >"$TMP/abs2"
expect "-S: the numbers as sent" bash -c "
	sed -n 2p '$TMP/abs' | grep -qx '.*Flags \[S.\], seq 5000000, ack 1000001' &&
	sed -n 4p '$TMP/abs' | grep -qx '.*Flags \[P.\], seq 1000001:1000006, ack 5000001'"
same "--absolute-tcp-sequence-numbers is -S" "$TMP/abs" "$TMP/abs2"
"$CTRCAP" -r "$TCP" -v -c 1 -q | head -1 >"$TMP/v"
expect "-v on TCP: id, DF, proto TCP" \
	grep -q ' IP (tos 0x0, ttl 64, id 54321, offset 0, flags \[DF\], proto TCP (6), length 40) 10.99.2.1.40000 > ' "$TMP/v"

# -l: each line reaches a file at once, while the input is still open.
{
	cat "$IN"
	sleep 3
} | "$CTRCAP" -r - -l >"$TMP/lbuf" &
lpid=$!
for _ in $(seq 1 20); do
	[ "$(wc -l <"$TMP/lbuf")" = 6 ] && break
	sleep 0.1
done
expect "-l: the 6 lines are out before the input ends" [ "$(wc -l <"$TMP/lbuf")" = 6 ]
wait "$lpid"

refused "-xxx is refused" "ctrcap: -x at most twice (-xx: with the link header)" -r "$IN" -xxx
refused "-tttttt is refused" \
	"ctrcap: -t at most five times (-t, -tt, -ttt, -tttt, -ttttt)" -r "$IN" -tttttt
refused "--time-stamp-precision names the values" \
	"ctrcap: invalid value 'milli' for --time-stamp-precision (micro or nano)" \
	-r "$IN" --time-stamp-precision milli
refused "-X with -w but no --print" \
	"ctrcap: -X shapes printed packets; with -w add --print to print them" \
	-r "$IN" -X -w "$TMP/x.pcapng"
refused "-e with --count" "ctrcap: -e shapes printed packets; --count prints none" \
	-r "$IN" --count -e

# --- what does not apply to -r, or to each other
for o in "-i lo" "-Q in" "-B 2048" "-s 100" "-D" "--list-containers" "--cleanup" \
	"--docker-sock /run/docker.sock" "-f --pid 1" "--netns all"; do
	# shellcheck disable=SC2086
	refused "-r refuses $o" "ctrcap: ${o%% *} does not apply to -r (reading a file)" \
		-r "$IN" $o
done
refused "-r refuses -- COMMAND" "ctrcap: -- COMMAND does not apply to -r (reading a file)" \
	-r "$IN" -- true
refused "--count refuses -w" \
	"ctrcap: --count prints only the number of packets; it takes no -w" \
	-r "$IN" --count -w "$TMP/x.pcapng"
refused "-f without --pid" "ctrcap: -f follows the children of --pid PID: give --pid" -f
refused "--netns twice" "ctrcap: --netns given twice (one namespace, or all)" \
	--netns a --netns b
refused "--netns with -i any and -i IFACE" \
	"ctrcap: --netns with -i any and -i IFACE: give one of them" -i any -i eth0 --netns x
refused "--print refuses -w -" \
	"ctrcap: --print and -w - would both write to standard output" -r "$IN" --print -w -

[ "$FAILS" = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all option checks passed"
