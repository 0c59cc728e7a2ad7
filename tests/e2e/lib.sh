# Shell library for the guest side of the e2e tests (sourced by the generated
# guest script). Output: TAP-like "ok - ..." / "not ok - ..." lines; the host
# numbers them. Command output goes to files, never through a pipe the shell
# sleeps on while an update is applied.
: "${E2E_TOP:?}" "${E2E_OUT:?}"
APPLY="$E2E_TOP/ksplice-apply"
UNDO="$E2E_TOP/ksplice-undo"
VIEW="$E2E_TOP/ksplice-view"

. "$E2E_TOP/tests/lib/guest.sh"

# The standard case: check fails, apply, check passes, view, undo, check fails.
e2e_case() { # e2e_case NAME ID TARBALL CASEDIR
	local name=$1 id=$2 tar=$3 dir=$4 log=$E2E_OUT/$1
	mkdir -p "$log"
	[ ! -x "$dir/setup" ] || "$dir/setup" >"$log/setup.out" 2>&1
	t "$name: check fails before apply" fails "$dir/check"
	"$APPLY" "$tar" >"$log/apply.out" 2>&1
	t "$name: ksplice-apply succeeds" logged "$log/apply.out" "^Done!"
	t "$name: check passes after apply" "$dir/check"
	"$VIEW" >"$log/view.out" 2>&1
	t "$name: ksplice-view lists the update" logged "$log/view.out" "^$id:"
	"$UNDO" "$id" >"$log/undo.out" 2>&1
	t "$name: ksplice-undo succeeds" test $? = 0
	t "$name: check fails after undo" fails "$dir/check"
	t "$name: no module left loaded" no_modules "$id"
}
