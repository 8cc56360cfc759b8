# Shared set-up of the dissector test scripts (sourced, not run).
# Needs PLUGIN, GEN and WS_VERSION_DIR from ctest's environment.
# Creates $WORK (removed on exit), puts the plugin into the personal plugin
# dir of an unprivileged user's HOME there, and defines ts() to run tshark
# as that user: Wireshark ignores personal plugin dirs when run as root.

: "${PLUGIN:?PLUGIN (path of ctrcap.so) not set}"
: "${GEN:?GEN (path of dissector_gen_captures) not set}"
: "${WS_VERSION_DIR:?WS_VERSION_DIR (e.g. 4.0) not set}"

WORK=$(mktemp -d /tmp/ctrcap-dissector.XXXXXX)
cleanup_work() { rm -rf "$WORK"; }
trap cleanup_work EXIT
chmod 755 "$WORK"
TS_HOME=$WORK/home
mkdir -p "$TS_HOME/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan" "$WORK/out"
cp "$PLUGIN" "$TS_HOME/.local/lib/wireshark/plugins/$WS_VERSION_DIR/epan/"
chmod -R a+rX "$TS_HOME"
chmod 777 "$WORK/out"

if [ "$(id -u)" -eq 0 ]; then
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$TS_HOME" "$@"; }
else
	as_user() { env HOME="$TS_HOME" "$@"; }
fi

# tshark with the plugin, bounded in time.
ts() { as_user timeout 120 tshark "$@"; }

# make_captures DIR: gen_captures' test files in DIR, readable by the tshark user.
make_captures() {
	mkdir -p "$1"
	"$GEN" "$1"
	chmod -R a+rX "$1"
}

FAILS=0
# expect NAME EXPECTED ACTUAL
expect() {
	if [ "$2" == "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  expected: $(printf '%q' "$2")"
		echo "  actual:   $(printf '%q' "$3")"
		FAILS=$((FAILS + 1))
	fi
}

# expect_match NAME REGEX TEXT
expect_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: no match for /$2/ in:"
		sed -n '1,20s/^/  /p' <<<"$3"
		FAILS=$((FAILS + 1))
	fi
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
}
