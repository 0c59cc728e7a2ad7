# Helpers of the guest-side test scripts (source it): "ok - ..." and
# "not ok - ..." lines, which the host numbers.  Command output goes to
# files, never through a pipe the shell sleeps on while an update applies.
#   t DESCRIPTION COMMAND...   ok when COMMAND succeeds ($T_PREFIX first)
#   fails COMMAND...           COMMAND fails
#   shows FILE                 FILE as comments, then fail
#   logged FILE PATTERN        FILE has a line matching PATTERN
#   status_is FILE TEXT        FILE holds exactly TEXT
#   no_modules ID              no module of update ID is loaded
#   ksplice_modules            the loaded ksplice modules, on one line
t() {
	local d=$1
	shift
	if "$@"; then echo "ok - ${T_PREFIX:-}$d"; else echo "not ok - ${T_PREFIX:-}$d"; fi
}
fails() { ! "$@"; }
shows() { echo "# $1:"; sed 's/^/#   /' "$1"; false; }
logged() { grep -q -- "$2" "$1" || shows "$1"; }
status_is() { [ "$(cat "$1")" = "$2" ] || { echo "# $1: $(cat "$1") (want $2)"; false; }; }
no_modules() {
	! grep -q "^ksplice_$1[ _]" /proc/modules || { echo "# left loaded:"; grep "^ksplice_$1" /proc/modules | sed 's/^/#   /'; false; }
}
ksplice_modules() { grep "^ksplice_" /proc/modules | cut -d' ' -f1 | sort | tr '\n' ' '; }
