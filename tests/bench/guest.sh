# Guest side of `make bench` (run by tests/vm/run). Writes key=value lines to
# $BENCH_OUT/guest.results. Variables: BENCH_TOP BENCH_OUT BENCH_TAR BENCH_ID.
set -u
res=$BENCH_OUT/guest.results
: > "$res"
dbg=/sys/kernel/debug/ksplice_bench
sysfs=/sys/module/ksplice_$BENCH_ID/ksplice
APPLY="$BENCH_TOP/ksplice-apply"
UNDO="$BENCH_TOP/ksplice-undo"
RUNS=${BENCH_RUNS:-5}
log=$BENCH_OUT/guest.log
: > "$log"

modprobe ip_vs
insmod "$BENCH_OUT/kmod/ksplice_bench.ko" || { echo "bench: cannot load ksplice_bench.ko"; exit 1; }
echo "kernel=$(uname -r)" >> "$res"
echo "smp=$(nproc)" >> "$res"

apply_once() { # apply, record "stop_ns pause_ns match_ns", undo
	"$APPLY" "$BENCH_TAR" >>"$log" 2>&1 || { echo "bench: apply failed"; cat "$log"; exit 1; }
	echo "$(cat $sysfs/stop_machine_ns) $(cat $sysfs/pause_ns) $(cat $sysfs/match_ns 2>/dev/null || echo -)"
	"$UNDO" "$BENCH_ID" >>"$log" 2>&1 || { echo "bench: undo failed"; cat "$log"; exit 1; }
}

for n in 100 1000 10000; do
	rm -f "$BENCH_OUT/ready"
	"$BENCH_OUT/sleepers" "$n" "$BENCH_OUT/ready" &
	spid=$!
	while [ ! -e "$BENCH_OUT/ready" ]; do sleep 0.2; done
	echo "threads_$n=$(ls /proc/*/task 2>/dev/null | grep -c '^[0-9]')" >> "$res"
	echo "empty_stop_$n=$(cat $dbg/stop)" >> "$res"
	for r in $(seq "$RUNS"); do
		echo "apply_$n=$(apply_once)" >> "$res"
	done
	kill "$spid"
	wait "$spid" 2>/dev/null
done

# Run-pre matching time of each corpus update.
while read -r c cid tar dir; do
	[ ! -x "$dir/setup" ] || "$dir/setup" >>"$log" 2>&1
	"$APPLY" "$tar" >>"$log" 2>&1 || { echo "bench: apply of $c failed"; continue; }
	echo "corpus_match=$c $(cat /sys/module/ksplice_$cid/ksplice/match_ns)" >> "$res"
	"$UNDO" "$cid" >>"$log" 2>&1 || { echo "bench: undo of $c failed"; exit 1; }
done < "$BENCH_OUT/corpus/list"

call() { # three loops, each "ps_per_call checksum"
	for r in 1 2 3; do echo "$1=$(cat $dbg/call)" >> "$res"; done
}
call call_unpatched
"$APPLY" "$BENCH_TAR" >>"$log" 2>&1 || exit 1
call call_ksplice
"$UNDO" "$BENCH_ID" >>"$log" 2>&1 || exit 1
call call_undone
insmod "$BENCH_OUT/kmod/livepatch_call.ko" || exit 1
lp=/sys/kernel/livepatch/livepatch_call
while [ "$(cat $lp/transition)" = 1 ]; do sleep 0.2; done
call call_livepatch
echo 0 > $lp/enabled
while [ -e $lp ]; do sleep 0.2; done
rmmod livepatch_call
call call_after_livepatch
rmmod ksplice_bench
