# TAP helpers shared by the shell suites (source it):
#   ok DESC | notok DESC [LOGFILE] | skipt DESC WHY | t DESC SHELL-EXPR |
#   check DESC COMMAND... (its output discarded) | tap_end
# Plain sh: the guest suites source it too.
# tap_end prints "N passed, N failed" and returns non-zero on a failure.
n=0 pass=0 fail=0 skip=0
LOG=/dev/null
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	[ -z "${2:-}" ] || sed 's/^/#   /' "$2"
}
skipt() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
t() { local d=$1; shift; if eval "$*"; then ok "$d"; else notok "$d" "$LOG"; fi; }
check() {
	local d=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi
}
tap_end() {
	echo "1..$n"
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" = 0 ]
}
