# Guest side of `make bench` (run by tests/vm/run). Writes key=value lines to
# $BENCH_OUT/guest.results. Variables: BENCH_TOP BENCH_OUT BENCH_TAR BENCH_ID
# (the ip_vs_proto_name update), BENCH_SLEEP_TAR BENCH_SLEEP_ID (msleep's).
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

# Apply latency: from the command to every thread running the new code.
# ksplice: ksplice-apply returns once the jumps are in; a thread inside the
# function makes it fail (code_busy) and a sysadmin runs it again.
# livepatch: insmod, then its transition ends when every task was switched.
usecs() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
lp_wait_gone() { # lp_wait_gone NAME: disable the livepatch, unload it
	echo 0 > "/sys/kernel/livepatch/$1/enabled"
	while [ -e "/sys/kernel/livepatch/$1" ]; do sleep 0.05; done
	rmmod "$1"
}
lp_apply() { # lp_apply NAME: insmod, wait for the transition; prints us
	local t0
	t0=$(date +%s%N)
	insmod "$BENCH_OUT/kmod/$1.ko" || { echo "bench: insmod $1 failed" >&2; return 1; }
	while [ "$(cat "/sys/kernel/livepatch/$1/transition")" = 1 ]; do sleep 0.01; done
	usecs "$t0"
}
ks_apply() { # ks_apply TAR: ksplice-apply until it succeeds (10 at most); prints "us attempts"
	local t0 n=1
	t0=$(date +%s%N)
	until "$APPLY" "$1" >>"$log" 2>&1; do
		n=$((n + 1))
		[ "$n" -le 10 ] || { echo "bench: $1 not applied in 10 attempts" >&2; return 1; }
	done
	echo "$(usecs "$t0") $n"
}
sleeper() { # a thread sleeping 10 s inside msleep; waits until it is there
	cat "$dbg/sleep" > /dev/null &
	spid=$!
	for _ in $(seq 100); do
		grep -q '^\[<[0-9a-f]*>\] msleep+' "/proc/$spid/stack" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "bench: the sleeper never reached msleep" >&2
}
for r in 1 2 3; do
	v=$(ks_apply "$BENCH_TAR") || exit 1
	echo "latency_ksplice_idle=$v" >> "$res"
	"$UNDO" "$BENCH_ID" >>"$log" 2>&1 || exit 1
	v=$(lp_apply livepatch_call) || exit 1
	echo "latency_livepatch_idle=$v" >> "$res"
	lp_wait_gone livepatch_call
	sleeper
	v=$(ks_apply "$BENCH_SLEEP_TAR") || exit 1
	echo "latency_ksplice_sleeper=$v" >> "$res"
	wait "$spid"
	"$UNDO" "$BENCH_SLEEP_ID" >>"$log" 2>&1 || exit 1
	sleeper
	v=$(lp_apply livepatch_sleep) || exit 1
	echo "latency_livepatch_sleeper=$v" >> "$res"
	wait "$spid"
	lp_wait_gone livepatch_sleep
done
rmmod ksplice_bench
