#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The privilege rules a group member meets when ctrcap has file
# capabilities (docs/security.md): engine path options are root's only;
# -r opens files with no capability; -w and its rotations are created as the
# invoking user and never through a symlink someone else planted; with fixed
# -i interfaces the drop removes cap_sys_admin and capture goes on; root's
# -Z USER acts as USER and only root may name another user; rotation keeps
# to the directory it opened when that is swapped for a symlink. Also:
# a process exec'ed through /proc/self/exe (busybox) shows its real exe.
# Exit 77 (skipped) only when not run as root; as root a missing tool or a
# failed setcap is a failure.
set -u
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (setcap, setpriv, netns)"
	exit 77
fi
for tool in setcap getcap setpriv; do
	command -v "$tool" >/dev/null ||
		{ echo "FAIL: $tool not found (Debian: libcap2-bin, util-linux)"; exit 1; }
done
. "$(dirname "$0")/common.sh" "$@"

NOBODY=65534
OTHER=1 # owns the planted symlinks: neither the invoker nor root
CAPS=$(sed -n 's/^CTRCAP_CAPS="\(.*\)"$/\1/p' "$SRC/scripts/install-privileged")
[ -n "$CAPS" ] || { echo "FAIL: no CTRCAP_CAPS in scripts/install-privileged"; exit 1; }

pair || { echo "FAIL: topology"; exit 1; }
IFS_ALL=(eth0@ccapA eth0@ccapB)

chmod 0711 "$TMP"
mkdir -m 0755 "$TMP/bin"
cp "$CTRCAP" "$TMP/bin/ctrcap"
chmod 0755 "$TMP/bin/ctrcap"
if ! setcap "$CAPS=ep" "$TMP/bin/ctrcap" ||
	! getcap "$TMP/bin/ctrcap" | grep -q cap_sys_admin; then
	echo "FAIL: setcap $CAPS=ep on $TMP/bin/ctrcap did not take"
	exit 1
fi
as_user() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$TMP/bin/ctrcap" "$@"
}

# refused CASE TEXT CMD...: exit 1, one line naming TEXT, nothing attached.
refused() {
	local name=$1 text=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	expect "$name: exit 1 ($rc)" [ "$rc" = 1 ]
	expect "$name: one line naming '$text'" \
		[ "$(grep -vc '^libbpf:' "$TMP/err")" = 1 -a "$(grep -c -F -- "$text" "$TMP/err")" = 1 ]
	expect "$name: nothing attached" [ "$(leftovers "${IFS_ALL[@]}")" = 0 ]
}

# 1. Engine paths: a group member may not point the helper at files.
for opt in --docker-sock --docker-root --containerd-state --crio-state --podman-state; do
	refused "group member $opt" "$opt is for root only" \
		as_user -i eth0@ccapA -w "$TMP/never.pcapng" "$opt" /etc
done
refused "relative --docker-sock" "needs an absolute path" \
	"$CTRCAP" -i eth0@ccapA --docker-sock docker.sock
# Root may: the capture starts with an unreachable socket (metadata just missing).
start_capture "$TMP/root.pcapng" -i eth0@ccapA --docker-sock "$TMP/no.sock" \
	--docker-root "$TMP" --containerd-state "$TMP" --crio-state "$TMP" --podman-state "$TMP" &&
	ok "root: engine path options accepted"
stop_capture

# 2. -r drops every capability first: a root-only file stays unreadable.
cp "$TMP/root.pcapng" "$TMP/secret.pcapng"
chmod 0600 "$TMP/secret.pcapng"
refused "group member -r of a root-only file" "Permission denied" \
	as_user -r "$TMP/secret.pcapng"
expect "root reads it" "$CTRCAP" -r "$TMP/secret.pcapng" >/dev/null

# 3. -w as the invoking user, no foreign symlinks (first file and rotations).
mkdir -m 0755 "$TMP/w"
chown $NOBODY "$TMP/w"
echo precious >"$TMP/victim"
chmod 0666 "$TMP/victim"
ln -s "$TMP/victim" "$TMP/w/planted.pcapng"
chown -h $OTHER "$TMP/w/planted.pcapng"
ln -s "$TMP/victim" "$TMP/w/.rot.pcapng.tmp"
chown -h $OTHER "$TMP/w/.rot.pcapng.tmp"
refused "-w through a symlink of another user" "refusing to follow symlink" \
	as_user -i eth0@ccapA -w "$TMP/w/planted.pcapng"
refused "-C: rotated file through a planted symlink" "refusing to follow symlink" \
	as_user -i eth0@ccapA -C 1 -w "$TMP/w/rot.pcapng"
expect "the symlinks' target is untouched" grep -qx precious "$TMP/victim"

# A group member's -- COMMAND runs with no capability (also not during
# execvp's PATH search), whatever ctrcap keeps.
as_user -i eth0@ccapA -w "$TMP/w/cmd.pcapng" -- grep -E '^Cap(Prm|Eff|Amb):' /proc/self/status \
	>"$TMP/cmdcaps.out" 2>"$TMP/cmdcaps.err"
expect "group member -- COMMAND: no capability in the command" \
	[ "$(grep -c '0000000000000000$' "$TMP/cmdcaps.out")" = 3 ]

tn_bg "" ccapB "$TRAFFIC" udp-serve 7002 100 >"$TMP/srv.out"
tn_wait_for 10 grep -q ready "$TMP/srv.out" || fail "server ready"
as_user -i eth0@ccapA -c 2 -C 1 -w "$TMP/w/mine.pcapng" 2>"$TMP/u.err" &
up=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/u.err" || fail "group member capture started"
for i in 1 2 3; do tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done
tn_wait_for 10 bash -c "! kill -0 $up 2>/dev/null"
wait "$up"
expect "group member -w -C: exit 0" [ $? = 0 ]
expect "the file belongs to the group member" [ "$(stat -c %u "$TMP/w/mine.pcapng")" = $NOBODY ]
expect "the file holds the packets" \
	bash -c "'$DUMP' '$TMP/w/mine.pcapng' | grep -c '^if=' | grep -qx 2"

# A group member's -z CMD runs as that member with no capability, though
# ctrcap keeps some: -G 1 rotates between datagrams sent 1.2 s apart.
printf '#!/bin/sh\n{ echo "file $1 uid $(id -u)"; grep -E "^Cap(Prm|Eff|Amb):" /proc/self/status; } >>%s\n' \
	"$TMP/w/z.log" >"$TMP/bin/zcaps"
chmod 0755 "$TMP/bin/zcaps"
as_user -i eth0@ccapA -c 5 -G 1 -z "$TMP/bin/zcaps" -w "$TMP/w/zrot.pcapng" 'udp port 7002' \
	2>"$TMP/z.err" &
up=$!
tn_wait_for 20 grep -q "capturing on" "$TMP/z.err" || fail "group member -z capture started"
for i in 1 2 3; do
	tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
	sleep 1.2
done
tn_wait_for 10 bash -c "! kill -0 $up 2>/dev/null" || kill -INT "$up"
wait "$up"
expect "group member -z: exit 0" [ $? = 0 ]
expect "group member -z: CMD ran on rotated files, as the member" \
	bash -c "[ \$(grep -c '^file $TMP/w/zrot.pcapng uid $NOBODY\$' '$TMP/w/z.log') -ge 1 ]"
expect "group member -z: no capability in CMD" bash -c "
	n=\$(grep -c '^Cap' '$TMP/w/z.log'); [ \$n -ge 3 ] &&
	[ \$(grep -c '^Cap.*:\s*0000000000000000\$' '$TMP/w/z.log') = \$n ]"
[ "$FAILS" = 0 ] || cat "$TMP/z.err" "$TMP/w/z.log" >&2

# 4. Fixed interfaces: cap_sys_admin (bit 21) is gone after the drop; -i any keeps it.
cap_prm_has() { # PID BIT
	local hex
	hex=$(sed -n 's/^CapPrm:\s*//p' "/proc/$1/status")
	[ $(( (16#$hex >> $2) & 1 )) = 1 ]
}
# Capabilities are per thread: the scanner thread (it enters namespaces)
# holds what the drop left the main thread, no more.
caps_of() { # TASK_STATUS_FILE
	sed -n 's/^Cap\(Inh\|Prm\|Eff\|Bnd\|Amb\):\s*/\1 /p' "$1" | tr '\n' ' '
}
threads_same_caps() { # PID
	local t main ok=0
	main=$(caps_of "/proc/$1/status")
	for t in /proc/"$1"/task/*/status; do
		[ "$(caps_of "$t")" = "$main" ] || { echo "thread $t: $(caps_of "$t") vs $main"; ok=1; }
	done
	return $ok
}
start_capture "$TMP/fixed.pcapng" -i eth0@ccapA || exit 1
cap_prm_lacks() { ! cap_prm_has "$@"; }
expect "fixed -i: cap_sys_admin dropped" cap_prm_lacks "$CC_PID" 21
expect "fixed -i: cap_sys_ptrace kept" cap_prm_has "$CC_PID" 19
expect "fixed -i: every thread has the dropped capability sets" threads_same_caps "$CC_PID"
sleep 1.2 # two rescan periods: the attached interface must stay attached
# The sender re-execs itself through /proc/self/exe, as busybox applets do:
# the packets name the real executable, not /proc/self/exe.
tn_run_in "" ccapA "$TRAFFIC" self-exec udp-send 10.99.1.2 7002 || fail "udp exchange"
stop_capture
"$DUMP" "$TMP/fixed.pcapng" >"$TMP/fixed.txt"
expect "fixed -i: packets after the drop" grep -q '^if=eth0 dir=out .*7002: UDP' "$TMP/fixed.txt"
expect "exec of /proc/self/exe: exe is the real file ($(readlink -f "$TRAFFIC"))" \
	grep -qF " exe=$(readlink -f "$TRAFFIC") " "$TMP/fixed.txt"
expect "exec of /proc/self/exe: never shown" bash -c "! grep -q 'exe=/proc/self/exe' '$TMP/fixed.txt'"
start_capture "$TMP/any.pcapng" -i any || exit 1
expect "-i any: cap_sys_admin kept" cap_prm_has "$CC_PID" 21
expect "-i any: a scanner thread (ctrcap-scan) runs beside the ring reader" \
	grep -qx ctrcap-scan /proc/"$CC_PID"/task/*/comm
expect "-i any: every thread has the dropped capability sets" threads_same_caps "$CC_PID"
stop_capture

# 5. -i IFACE@PATH is looked up as the group member: cap_dac_read_search must
# not tell whether a path in a directory they cannot search exists (both get
# the same refusal, though the first is a real namespace to root).
mkdir -m 0700 "$TMP/hidden"
ln -s /run/netns/ccapA "$TMP/hidden/ns"
refused "group member -i eth0@<netns in a root-only dir>" "Permission denied" \
	as_user -i "eth0@$TMP/hidden/ns" -w "$TMP/w/h.pcapng"
refused "group member -i eth0@<missing path in a root-only dir>" "Permission denied" \
	as_user -i "eth0@$TMP/hidden/none" -w "$TMP/w/h.pcapng"

# 6. --cleanup reaches every user's filters: root's only.
refused "group member --cleanup" "--cleanup is for root only" as_user --cleanup

# 7. -Z USER: root captures as USER (uid, groups, files), keeping only the
# capabilities; root-only options stay root's; nobody else may switch.
refused "-Z with an unknown user" "-Z ctrcap-no-such-user: no such user" \
	"$CTRCAP" -Z ctrcap-no-such-user -i eth0@ccapA -w "$TMP/w/z.pcapng"
refused "group member -Z root" "only root can capture as another user" \
	as_user -Z root -i eth0@ccapA -w "$TMP/w/z.pcapng"
quiet() { "$@" >/dev/null; }
expect "group member -Z naming themselves (uid): -r works" \
	quiet as_user -Z $NOBODY -r "$TMP/w/mine.pcapng"
start_capture "$TMP/w/z.pcapng" -Z nobody -i eth0@ccapA --docker-root "$TMP" || exit 1
expect "-Z nobody: real, effective, saved and fs uid are $NOBODY" \
	[ "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "/proc/$CC_PID/status")" = \
	"$NOBODY$NOBODY$NOBODY$NOBODY" ]
groups_of_pid() { awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$1/status" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' '; }
expect "-Z nobody: nobody's groups ($(id -G nobody)), not root's" \
	[ "$(groups_of_pid "$CC_PID")" = "$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')" ]
expect "-Z nobody: cap_sys_ptrace kept" cap_prm_has "$CC_PID" 19
expect "-Z nobody: cap_sys_admin dropped (fixed -i)" cap_prm_lacks "$CC_PID" 21
for i in 1 2; do tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002; done
stop_capture
expect "-Z nobody: the file belongs to nobody" [ "$(stat -c %u "$TMP/w/z.pcapng")" = $NOBODY ]
expect "-Z nobody: packets captured" \
	bash -c "'$DUMP' '$TMP/w/z.pcapng' | grep -q '^if=eth0 dir=out .*7002: UDP'"
refused "-Z nobody -w into a directory only root may write" "Permission denied" \
	"$CTRCAP" -Z nobody -i eth0@ccapA -w "$TMP/z-root-only.pcapng"
refused "-Z nobody -r of a root-only file" "Permission denied" \
	"$CTRCAP" -Z nobody -r "$TMP/secret.pcapng"

# 8. Rotation stays in the directory it opened at the start: under -G as
# -Z nobody, the directory is swapped for a symlink to another one (nobody
# may write there too) holding a file named like the hidden file being
# written. Looked up by path, the rotation would move that file into place
# and write the next file there; relative to the directory fd nothing
# there changes and capture goes on in the moved directory.
mkdir -m 0755 "$TMP/g" "$TMP/g-target"
chown $NOBODY "$TMP/g" "$TMP/g-target"
printf 'decoy\n' >"$TMP/g-target/.g.pcapng.tmp"
chown $NOBODY "$TMP/g-target/.g.pcapng.tmp"
start_capture "$TMP/g/g.pcapng" -Z nobody -i eth0@ccapA -G 1 -W 2 || exit 1
tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
sleep 1.1
tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
mv "$TMP/g" "$TMP/g.moved"
ln -s g-target "$TMP/g"
for i in 1 2 3; do
	sleep 1.1
	tn_run_in "" ccapA "$TRAFFIC" udp-send 10.99.1.2 7002
done
stop_capture
expect "-G after the swap: nothing new in the symlink's target" \
	[ "$(ls -A "$TMP/g-target")" = .g.pcapng.tmp ]
expect "-G after the swap: the file there is untouched" \
	[ "$(cat "$TMP/g-target/.g.pcapng.tmp")" = decoy ]
expect "-G after the swap: the rotated file is in the directory opened at start" \
	[ "$(ls -A "$TMP/g.moved")" = g.pcapng ]
expect "-G after the swap: it is nobody's and holds a packet sent after the swap" \
	bash -c "[ \"\$(stat -c %u '$TMP/g.moved/g.pcapng')\" = $NOBODY ] &&
		'$DUMP' '$TMP/g.moved/g.pcapng' | grep -q '^if=eth0 dir=out .*7002: UDP'"
rm -f "$TMP/g"

[ "$FAILS" = 0 ] || exit 1
echo "all privilege checks passed"
