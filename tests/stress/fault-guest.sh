#!/bin/bash
# The guest side of tests/stress/fault: every call of the engine's that can
# fail (tests/stress/faultinj) fails once, at each call site, in an apply
# and in an undo of a real update.  Prints "ok - ..." / "not ok - ..."
# lines and "# fault STAGE FUNC CALLER COMM OUTCOME" records.
#   fault-guest.sh OUTDIR ID TARBALL FUNCS FUNCTION...
set -u
out=$1 id=$2 tar=$3 funcs=$4
shift 4
targets="$*"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
P=/sys/module/kfaultinj/parameters
log=$out/guest
mkdir -p "$log"
max=${KSPLICE_FAULT_MAX:-300}

. "$top/tests/lib/guest.sh"
sums() { python3 "$here/kbytes.py" $targets; }
patched() { grep -q "^Ksplice:        hooks 42$" /proc/meminfo; }
# The abort code whose explanation (with PREFIX for undo) is the first line
# of FILE, followed at most by the engine's "(what it is about)" line;
# empty if none.
code_of() { # code_of FILE PREFIX
	perl -I"$top" -MKsplice -e '
		my ($f, $prefix) = @ARGV;
		open(my $fh, "<", $f) or exit 1;
		my @l = <$fh>;
		exit 1 unless @l == 1 || (@l == 2 && $l[1] =~ /^\(.+\)$/);
		chomp $l[0];
		for my $c (sort keys %Ksplice::ABORT) {
			(my $m = Ksplice::abort_message($c)) =~ s/^Aborted:/$prefix/;
			print "$c\n" if $l[0] eq $m;
		}' "$1" "$2"
}

dmesg -c >/dev/null
insmod "$out/kfaultinj.ko" funcs="$funcs"
t "fault injector probes $(echo "$funcs" | tr ',' '\n' | wc -l) functions" test -d $P
base=$(sums)
t "target functions read from /proc/kcore" test -n "$base"
echo "# before: $base"

# ---- apply: each call site fails once ----
n=0 faults=0 tolerated=0
while [ $n -lt $max ]; do
	n=$((n + 1))
	echo 1 > $P/arm
	"$top/ksplice-apply" "$tar" >"$log/apply.out" 2>&1
	rc=$?
	if [ "$(cat $P/arm)" = 1 ]; then
		echo 0 > $P/arm
		t "apply with no call site left to fail succeeds (after $faults faults)" \
			test "$(cat "$log/apply.out")" = "Done!"
		break
	fi
	faults=$((faults + 1))
	f=$(cat $P/fired)
	if [ "$rc" = 0 ] && [ "$(cat "$log/apply.out")" = "Done!" ]; then
		# The engine got around the failure (e.g. retried): the update
		# must then be whole, and undo cleanly.
		tolerated=$((tolerated + 1))
		echo "# fault apply $f tolerated"
		t "apply fault $faults ($f): tolerated, update applied" patched
		"$top/ksplice-undo" "$id" >"$log/undo.out" 2>&1
		t "apply fault $faults: then undone" test $? = 0
		continue
	fi
	code=$(code_of "$log/apply.out" "Aborted:")
	echo "# fault apply $f ${code:-NOT-ONE-ABORT-LINE}"
	now=$(sums)
	left=$(ksplice_modules)
	if [ "$rc" = 1 ] && [ -n "$code" ] && [ "$now" = "$base" ] && [ -z "$left" ] &&
		[ ! -e /var/run/ksplice/updates/$id ] && ! patched; then
		echo "ok - apply fault $faults ($f): one line, $code; functions unchanged, no module, no record"
	else
		echo "not ok - apply fault $faults ($f): exit $rc, code '${code}', modules '$left'"
		sed 's/^/#   /' "$log/apply.out"
		[ "$now" = "$base" ] || echo "#   target bytes changed: $now"
		for m in $left; do rmmod "$m" 2>/dev/null; done
	fi
done
t "apply: the sweep ended within $max runs" test $n -lt $max
applied=$(sums)
t "applied: the target functions changed" test "$applied" != "$base"
echo "# apply: $faults faults, $tolerated tolerated"
apply_faults=$faults

# ---- undo: each call site fails once ----
echo 1 > $P/forget
n=0 faults=0 tolerated=0
while [ $n -lt $max ]; do
	n=$((n + 1))
	echo 1 > $P/arm
	"$top/ksplice-undo" "$id" >"$log/undo.out" 2>&1
	rc=$?
	if [ "$(cat $P/arm)" = 1 ]; then
		echo 0 > $P/arm
		t "undo with no call site left to fail succeeds (after $faults faults)" \
			test "$rc/$(cat "$log/undo.out")" = "0/Done!"
		break
	fi
	faults=$((faults + 1))
	f=$(cat $P/fired)
	if [ "$rc" = 0 ]; then
		tolerated=$((tolerated + 1))
		echo "# fault undo $f tolerated"
		t "undo fault $faults ($f): tolerated, functions restored" test "$(sums)" = "$base"
		"$top/ksplice-apply" "$tar" >"$log/apply.out" 2>&1
		t "undo fault $faults: applied again" test "$(cat "$log/apply.out")" = "Done!"
		continue
	fi
	code=$(code_of "$log/undo.out" "Undo aborted:")
	echo "# fault undo $f ${code:-NOT-ONE-ABORT-LINE}"
	now=$(sums)
	left=$(ksplice_modules)
	if [ "$rc" = 1 ] && [ -n "$code" ] && [ "$now" = "$applied" ] &&
		[ "$left" = "ksplice_$id ksplice_${id}_vmlinux_new " ] &&
		[ "$(cat /sys/module/ksplice_$id/ksplice/stage)" = applied ] && patched; then
		echo "ok - undo fault $faults ($f): one line, $code; update applied as before"
	else
		echo "not ok - undo fault $faults ($f): exit $rc, code '${code}', modules '$left'"
		sed 's/^/#   /' "$log/undo.out"
	fi
done
t "undo: the sweep ended within $max runs" test $n -lt $max
t "after the sweeps: functions as before" test "$(sums)" = "$base"
t "after the sweeps: no ksplice module" test -z "$(ksplice_modules)"
echo "# undo: $faults faults, $tolerated tolerated"
echo "# total: $((apply_faults + faults)) faults injected"
rmmod kfaultinj
