#!/bin/bash
# The guest side of tests/sign/run: one boot per kernel policy.
#   guest.sh enforce|lockdown|plain OUTDIR UNSIGNED_ID SIGNED_ID CERT.der
# Prints "ok - ..." / "not ok - ..." lines (the host numbers them).
set -u
mode=$1 out=$2 uid=$3 sid=$4 der=$5
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mkdir -p "$out/$mode"
log=$out/$mode

T_PREFIX="$mode: "
. "$top/tests/lib/guest.sh"
same() { # same FILE TEXT: FILE holds exactly the line TEXT
	[ "$(cat "$1")" = "$2" ] || { echo "# $1:"; sed 's/^/#   /' "$1"; echo "# wanted: $2"; false; }
}
nothing_left() { # nothing_left ID: no module, no record, no temporary dir
	! grep -q "^ksplice_$1" /proc/modules &&
		[ ! -e "/var/run/ksplice/updates/$1" ] &&
		[ -z "$(ls -d "${TMPDIR:-/tmp}"/ksplice-apply-* 2>/dev/null)" ]
}
kmsg() { dmesg | grep -qF -- "$1" || { echo "# kernel log lacks: $1"; false; }; }
refused() { # refused ID WHAT POLICY: ksplice-apply refuses with one line
	"$top/ksplice-apply" "$out/ksplice-$1.tar.gz" >"$log/$1.out" 2>&1
	t "$1: ksplice-apply exits 1" test $? = 1
	t "$1: one line: the module $2 ($3)" same "$log/$1.out" \
		"ksplice-apply: the kernel refused ksplice-$1.ko: it $2, and this kernel loads only modules signed with a trusted key ($3): build the update with ksplice-create --sign-key=KEY --sign-cert=CERT and enrol the certificate (mokutil --import CERT.der, then reboot and confirm it)"
	t "$1: nothing left behind (modules, record, temporary files)" nothing_left "$1"
}

mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
dmesg -c >/dev/null
case $mode in
enforce)
	t "module.sig_enforce is on" test "$(cat /sys/module/module/parameters/sig_enforce)" = Y
	refused "$uid" "is not signed" "module.sig_enforce=1"
	t "kernel log: unsigned module rejected" kmsg "Loading of unsigned module is rejected"
	refused "$sid" "is signed with a key the kernel does not trust" "module.sig_enforce=1"
	t "kernel log: module with unavailable key rejected" kmsg "Loading of module with unavailable key is rejected"
	# Where a key could be made trusted at run time: nowhere on this
	# kernel.  The secondary keyring takes only a certificate signed by a
	# key already trusted (the built-in one is Debian's build key); the
	# built-in, machine (MOK) and platform keyrings take none from user
	# space.
	for r in ".secondary_trusted_keys:Required key not available" \
		".builtin_trusted_keys:Permission denied" ".machine:Permission denied"; do
		python3 "$here/addkey.py" "${r%%:*}" "$der" >"$log/addkey.out" 2>&1
		t "the kernel refuses our certificate in ${r%%:*} (${r#*:})" \
			same "$log/addkey.out" "refused: ${r#*:}"
	done
	;;
lockdown)
	t "lockdown is integrity" grep -q '\[integrity\]' /sys/kernel/security/lockdown
	refused "$uid" "is not signed" "lockdown=integrity"
	t "kernel log: lockdown restricts unsigned modules" kmsg "unsigned module loading is restricted"
	refused "$sid" "is signed with a key the kernel does not trust" "lockdown=integrity"
	;;
plain)
	"$top/ksplice-apply" "$out/ksplice-$sid.tar.gz" >"$log/apply.out" 2>&1
	t "signed update applies without a policy" same "$log/apply.out" "Done!"
	t "the update works" grep -q "^Ksplice:        patched$" /proc/meminfo
	"$top/ksplice-undo" "$sid" >"$log/undo.out" 2>&1
	t "undo" test $? = 0
	t "meminfo back to the original" sh -c '! grep -q "^Ksplice:" /proc/meminfo'
	t "nothing left behind" sh -c "! grep -q '^ksplice_$sid' /proc/modules"
	;;
esac
