#!/bin/bash
# The guest side of tests/stress/torture: CYCLES apply/undo cycles of an
# update of cmdline_proc_show while 4 readers of /proc/cmdline check every
# read against the old and the new output, with 10,000 sleeping threads.
# Prints "ok - ..." / "not ok - ..." lines and "# ..." figures.
#   torture-guest.sh OUTDIR ID TARBALL CYCLES
set -u
out=$1 id=$2 tar=$3 cycles=$4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
log=$out/guest
mkdir -p "$log"
rm -f "$log"/*

. "$top/tests/lib/guest.sh"
. "$top/tests/lib/hold-sched-switch.sh"

dmesg -c >/dev/null
cat /proc/cmdline > "$log/old"
{ printf 'ksplice-torture '; cat "$log/old"; } > "$log/new"
"$out/sleepers" 10000 "$log/asleep" &
sleepers=$!
i=0
while [ ! -e "$log/asleep" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
t "10,000 sleeping threads started" test "$(ls /proc/$sleepers/task | wc -l)" -ge 10000
readers=
for r in 1 2 3 4; do
	"$out/reader" /proc/cmdline "$log/old" "$log/new" "$log/stop" >"$log/reader$r" 2>&1 &
	readers="$readers $!"
done
sleep 1

start=$(date +%s)
done_cycles=0 busy=0 bad=0
for c in $(seq 1 "$cycles"); do
	ok=
	for try in 1 2 3; do
		"$top/ksplice-apply" "$tar" >"$log/apply.out" 2>&1
		if [ "$(cat "$log/apply.out")" = "Done!" ]; then ok=1; break; fi
		# A reader caught inside the function, every retry: the engine
		# says code_busy and leaves nothing; try again.
		if head -1 "$log/apply.out" | grep -q "^Aborted: a function to be changed was in use" &&
			[ -z "$(ksplice_modules)" ]; then
			busy=$((busy + 1))
			continue
		fi
		break
	done
	if [ -z "$ok" ]; then
		echo "# cycle $c: apply failed:"; sed 's/^/#   /' "$log/apply.out"
		bad=$((bad + 1)); break
	fi
	if [ "$(ksplice_modules)" != "ksplice_$id ksplice_${id}_vmlinux_new " ]; then
		echo "# cycle $c: modules after apply: $(ksplice_modules)"; bad=$((bad + 1)); break
	fi
	ok=
	for try in 1 2 3; do
		"$top/ksplice-undo" "$id" >"$log/undo.out" 2>&1 && { ok=1; break; }
		if head -1 "$log/undo.out" | grep -q "^Undo aborted: a function to be changed was in use"; then
			busy=$((busy + 1))
			continue
		fi
		break
	done
	if [ -z "$ok" ] || [ -n "$(ksplice_modules)" ]; then
		echo "# cycle $c: undo failed (modules: $(ksplice_modules)):"; sed 's/^/#   /' "$log/undo.out"
		bad=$((bad + 1)); break
	fi
	done_cycles=$c
done
secs=$(( $(date +%s) - start ))
touch "$log/stop"
rc=0
for p in $readers; do wait "$p" || rc=1; done
t "$cycles apply/undo cycles under load ($done_cycles done in ${secs}s, $busy code_busy retries)" \
	test "$done_cycles/$bad" = "$cycles/0"
echo "# $done_cycles cycles in ${secs}s ($((secs * 10 / (done_cycles > 0 ? done_cycles : 1))) tenths of a second per cycle), $busy code_busy retries"
tot_old=0 tot_new=0 tot_bad=0
for r in 1 2 3 4; do
	# (no process substitution: the guest has no /dev/fd)
	set -- $(grep '^reads ' "$log/reader$r")
	o=${2:-} n=${3:-} b=${4:-}
	echo "# reader $r: ${o:-?} old, ${n:-?} new, ${b:-?} bad reads"
	grep -v '^reads ' "$log/reader$r" | sed 's/^/#   /'
	tot_old=$((tot_old + ${o:-0})) tot_new=$((tot_new + ${n:-0})) tot_bad=$((tot_bad + ${b:-1}))
	t "reader $r: every read old or new, and both seen" \
		test "${b:-x}" = 0 -a "${o:-0}" -gt 0 -a "${n:-0}" -gt 0
done
t "readers exited cleanly" test $rc = 0
echo "# reads: $tot_old old, $tot_new new, $tot_bad bad"
# (not cmp: it takes /proc's zero st_size for a difference)
t "/proc/cmdline back to the original" test "$(cat /proc/cmdline)" = "$(cat "$log/old")"
t "no ksplice module left" test -z "$(ksplice_modules)"
t "no record left" test ! -e "/var/run/ksplice/updates/$id"
t "the 10,000 sleepers are still there" test "$(ls /proc/$sleepers/task | wc -l)" -ge 10000
kill $sleepers
bad_log=$(dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection")
t "kernel log free of oopses and warnings" test -z "$bad_log"
