# Guest side of tests/real/run (sourced by the generated guest script):
# "ok - ..." / "not ok - ..." lines, numbered by the host.  Output goes to
# files, never through a pipe the shell sleeps on while an update applies.
: "${REAL_TOP:?}" "${REAL_OUT:?}"
APPLY="$REAL_TOP/ksplice-apply"
UNDO="$REAL_TOP/ksplice-undo"
VIEW="$REAL_TOP/ksplice-view"
BAD='Oops|WARNING:|BUG:|Call Trace|general protection|unable to handle'

. "$REAL_TOP/tests/lib/guest.sh"
loaded() { # loaded MODULE
	[ -d "/sys/module/$(echo "$1" | tr -- '-,' '__')" ]
}
log_clean() { # log_clean FROM-LINE FILE: no oops/WARN/BUG in dmesg after line FROM
	dmesg | tail -n +"$(($1 + 1))" > "$2"
	! grep -qE "$BAD" "$2" || shows "$2"
}

# real_case NAME ID TARBALL "TARGET..." [UNLOADABLE]: load the target
# modules, apply, view, undo, and the kernel log clean meanwhile.  With
# UNLOADABLE (why the target cannot load here), the module must fail to
# load and ksplice-apply --partial keeps the change for it.
real_case() {
	local name=$1 id=$2 tar=$3 targets=$4 unloadable=${5:-} log=$REAL_OUT/$1 m from partial=
	mkdir -p "$log"
	for m in $targets; do
		modprobe "$m" >"$log/modprobe-$m.out" 2>&1
		if [ -n "$unloadable" ]; then
			t "$name: target module $m does not load here ($unloadable)" fails loaded "$m"
			partial=--partial
		else
			t "$name: target module $m loaded" loaded "$m"
		fi
	done
	from=$(dmesg | wc -l)
	"$APPLY" $partial "$tar" >"$log/apply.out" 2>&1
	t "$name: ksplice-apply succeeds" logged "$log/apply.out" "^Done!"
	"$VIEW" >"$log/view.out" 2>&1
	t "$name: ksplice-view lists the update" logged "$log/view.out" "^$id:"
	"$UNDO" "$id" >"$log/undo.out" 2>&1
	t "$name: ksplice-undo succeeds" test $? = 0
	t "$name: no module of the update left loaded" no_modules "$id"
	t "$name: kernel log clean during apply/view/undo" log_clean "$from" "$log/dmesg"
}
