#!/bin/sh
# The engine's VM tests, run as root inside the guest by tests/kmod/run.
# Prints TAP lines and "N passed, N failed"; exits non-zero on a failure.
# The fixtures' directory comes from tests/kmod/run (the guest sees the host's
# paths unchanged); no default: a stale path would test stale fixtures.
F=${KSPLICE_FIXTURES:?tests/kmod/guest-tests.sh: KSPLICE_FIXTURES not set (run tests/kmod/run)}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
[ -d /sys/kernel/debug/tracing ] || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/hold-sched-switch.sh"
contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
lacks() { ! contains "$1" "$2"; }
sysf() { cat /sys/module/ksplice_$1/ksplice/$2; }
stage() { echo "$2" > /sys/module/ksplice_$1/ksplice/stage; }

load() { # load ID T: core (debug on), new, old
	insmod $F/$1/ksplice-$1.ko || return 1
	echo 1 > /sys/module/ksplice_$1/ksplice/debug
	insmod $F/$1/ksplice-$1_$2-new.ko && insmod $F/$1/ksplice-$1_$2-old.ko
}
unload() { # unload ID T
	rmmod ksplice_$1_$2_old 2>/dev/null
	rmmod ksplice_$1_$2_new 2>/dev/null
	rmmod ksplice_$1
}
logged() { # logged PREFIX TEXT: a kernel log line starts with PREFIX, has TEXT
	dmesg | grep -F "$1" | grep -qF "$2"
}
busy() { # busy ID STAGE FILE FUNC NAME: with a reader of FILE asleep in
	# FUNC, writing STAGE gives code_busy and conflicts naming that reader
	cat $3 >/dev/null &
	sleeper=$!
	sleep 1
	stage $1 $2
	check "$5: code_busy" test "$(sysf $1 abort_cause)" = code_busy
	conf=$(sysf $1 conflicts)
	echo "# conflicts: $conf"
	check "$5: conflicts name cat $sleeper $4" test "$conf" = "cat $sleeper $4"
	kill $sleeper; wait $sleeper 2>/dev/null
}
possible_cpus() { # how many CPUs /sys/devices/system/cpu/possible lists
	n=0
	for r in $(tr ',' ' ' < /sys/devices/system/cpu/possible); do
		n=$((n + ${r#*-} - ${r%-*} + 1))
	done
	echo $n
}

dmesg -c >/dev/null

# --- 1. apply / undo of a vmlinux function (cmdline_proc_show) ---
orig=$(cat /proc/cmdline)
check "cmdline is unpatched before" lacks "$orig" ksplice_patched
check "kfix1 modules load" load kfix1 vmlinux
# Follow context switches whatever the thread count (the default, 256, is
# more than this guest has): this case checks the following, section 3 the
# visit of every thread.
echo 0 > /sys/module/ksplice_kfix1/parameters/follow_min
stage kfix1 applied
check "kfix1 apply: abort_cause ok" test "$(sysf kfix1 abort_cause)" = ok
check "kfix1 stage applied" test "$(sysf kfix1 stage)" = applied
now=$(cat /proc/cmdline)
check "cmdline patched after apply" test "$now" = "ksplice_patched $orig"
pause=$(sysf kfix1 pause_ns); stopns=$(sysf kfix1 stop_machine_ns)
check "pause measured ($pause ns in callback, $stopns ns stop_machine)" test "$pause" -gt 0
echo "# stop_machine pause: callback $pause ns, whole stop_machine $stopns ns"
match=$(sysf kfix1 match_ns)
check "matching measured ($match ns)" test "$match" -gt 0
log=$(cat /sys/kernel/debug/ksplice_kfix1)
check "debug log names the match" contains "$log" "matched at"
check "debug log gives the matching time" contains "$log" "run-pre matching of all changes: $match ns"
check "kernel log gives the matching time" sh -c 'dmesg | grep -q "update kfix1 applied (.*matching [0-9]* ns"'
check "stack pre-check proved threads" sh -c 'grep "stack pre-check:" /sys/kernel/debug/ksplice_kfix1 | grep -qv " 0 proven"'
check "stop_machine skipped the proven threads" sh -c 'grep "stack check: [0-9]* threads unchanged" /sys/kernel/debug/ksplice_kfix1 | grep -qv ": 0 threads"'
check "pre-check followed context switches" grep -q "stack pre-check: .*, following context switches" /sys/kernel/debug/ksplice_kfix1
check "stop_machine visited only the threads switched to since" grep -q "stack check: .* (.* visited: switched to since, or not proven)" /sys/kernel/debug/ksplice_kfix1
ncpu=$(possible_cpus)
check "stop_machine checked the $ncpu idle threads (swapper/N)" grep -q "stack check: .* checked, $ncpu of them idle, " /sys/kernel/debug/ksplice_kfix1
# No stack holds a word inside cmdline_proc_show: the scans clear them all.
check "stop_machine unwound no stack (scans found no word in the ranges)" grep -q "stack check: .* of them idle, 0 unwound (" /sys/kernel/debug/ksplice_kfix1
check "hooks and shadow data ran" sh -c 'dmesg | grep -q "post_apply hook (shadow count 1)"'
check "shadow data whose size overflows is refused" sh -c 'dmesg | grep -q "shadow data of SIZE_MAX - 8 bytes refused"'
check "applying again says ok" sh -c "echo applied > /sys/module/ksplice_kfix1/ksplice/stage && grep -qx ok /sys/module/ksplice_kfix1/ksplice/abort_cause"
check "new code module pinned while applied" sh -c '! rmmod ksplice_kfix1_vmlinux_new'
rmmod ksplice_kfix1_vmlinux_old

# --- 2. ftrace and kprobes on the patched function ---
if [ -w $T/set_ftrace_filter ]; then
	echo cmdline_proc_show > $T/set_ftrace_filter
	echo function > $T/current_tracer
	echo > $T/trace
	out=$(cat /proc/cmdline)
	tr=$(cat $T/trace)
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_filter
	check "function tracer sees cmdline_proc_show" contains "$tr" "cmdline_proc_show"
	check "patched code runs with the tracer on" contains "$out" ksplice_patched
	echo 'p:kspltest cmdline_proc_show' > $T/kprobe_events
	echo 1 > $T/events/kprobes/kspltest/enable
	echo > $T/trace
	out=$(cat /proc/cmdline)
	tr=$(cat $T/trace)
	echo 0 > $T/events/kprobes/kspltest/enable
	echo > $T/kprobe_events
	check "kprobe on the patched function fires" contains "$tr" "kspltest"
	check "patched code runs with the kprobe" contains "$out" ksplice_patched
else
	notok "tracefs not available"
fi

stage kfix1 reversed
check "kfix1 undo: abort_cause ok" test "$(sysf kfix1 abort_cause)" = ok
check "kfix1 stage reversed" test "$(sysf kfix1 stage)" = reversed
check "cmdline restored after undo" test "$(cat /proc/cmdline)" = "$orig"
stage kfix1 cleanup
check "kfix1 modules unload" unload kfix1 vmlinux

# --- 3. apply while ftrace traces the function (entry is a call) ---
echo cmdline_proc_show > $T/set_ftrace_filter
echo function > $T/current_tracer
load kfix1 vmlinux
stage kfix1 applied
check "apply matches with the __fentry__ site traced" test "$(sysf kfix1 abort_cause)" = ok
check "at most follow_min threads: context switches not followed" grep -q "stack pre-check: .*, not following context switches (at most follow_min threads)" /sys/kernel/debug/ksplice_kfix1
check "stop_machine visited every thread, skipped the proven ones" sh -c 'grep "stack check: " /sys/kernel/debug/ksplice_kfix1 | grep "visited: every thread, context switches not followed)" | grep -qv ": 0 threads unchanged"'
check "cmdline patched (traced)" contains "$(cat /proc/cmdline)" ksplice_patched
stage kfix1 reversed
echo nop > $T/current_tracer
echo > $T/set_ftrace_filter
check "cmdline restored (traced)" test "$(cat /proc/cmdline)" = "$orig"
unload kfix1 vmlinux

# --- 4. no_match ---
load kfix2 vmlinux
stage kfix2 applied
check "kfix2: abort_cause no_match" test "$(sysf kfix2 abort_cause)" = no_match
check "kfix2: stage preparing" test "$(sysf kfix2 stage)" = preparing
log=$(cat /sys/kernel/debug/ksplice_kfix2)
check "debug log names section and offset" contains "$log" "mismatch in section cmdline_proc_show/cmdline.c at offset 0x19"
detail=$(sysf kfix2 abort_detail)
echo "# abort_detail: $detail"
check "kfix2: abort_detail names section and offset" contains "$detail" "section cmdline_proc_show/cmdline.c of vmlinux: the running code differs at offset 0x19 (running "
check "cmdline untouched by no_match" test "$(cat /proc/cmdline)" = "$orig"
check "kfix2 modules unload" unload kfix2 vmlinux

# --- 4b. a special site under the jump; a symbol nobody has ---
load kfix4 vmlinux
stage kfix4 applied
check "kfix4: jump over a special site refused (unexpected)" test "$(sysf kfix4 abort_cause)" = unexpected
check "debug log says the special overlaps the jump" grep -q "overlaps the jump" /sys/kernel/debug/ksplice_kfix4
check "cmdline untouched by kfix4" test "$(cat /proc/cmdline)" = "$orig"
unload kfix4 vmlinux
load kfix5 vmlinux
stage kfix5 applied
check "kfix5: missing symbol gives failed_to_find" test "$(sysf kfix5 abort_cause)" = failed_to_find
check "kfix5: abort_detail names the symbol and the target" test "$(sysf kfix5 abort_detail)" = "symbol ksplice_no_such_symbol, needed by the new code for vmlinux: not in the running kernel's symbol table"
check "cmdline untouched by kfix5" test "$(cat /proc/cmdline)" = "$orig"
unload kfix5 vmlinux

# --- 4c. the idle threads: each one is in cpu_startup_entry for good ---
load kfix6 vmlinux
stage kfix6 applied
check "kfix6: cpu_startup_entry, where the idle threads are: code_busy" test "$(sysf kfix6 abort_cause)" = code_busy
conf=$(sysf kfix6 conflicts)
echo "# conflicts:" $conf
check "conflicts name swapper/0 0 cpu_startup_entry" contains "$conf" "swapper/0 0 cpu_startup_entry"
online=$(grep -c ^processor /proc/cpuinfo)
check "conflicts name the idle thread of each of the $online CPUs" test "$(echo "$conf" | grep -c '^swapper/[0-9]* 0 cpu_startup_entry$')" = "$online"
[ "$(sysf kfix6 stage)" = applied ] && stage kfix6 reversed
check "kfix6 modules unload" unload kfix6 vmlinux

# --- 5. module target: target_not_loaded, partial ---
M=ksplice_fixture_target
rmmod $M 2>/dev/null
load kfix3 $M
stage kfix3 applied
check "kfix3 without its target: target_not_loaded" test "$(sysf kfix3 abort_cause)" = target_not_loaded
echo 1 > /sys/module/ksplice_kfix3/ksplice/partial
stage kfix3 applied
check "kfix3 partial: applied with the change skipped" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/applied
check "target loaded after a partial apply" insmod $F/target/$M.ko
check "target patched as it loaded" test "$(cat /proc/ksplice_fixture)" = "fixture patched"
check "late-patched target pinned" sh -c "! rmmod $M"
stage kfix3 reversed
check "kfix3 partial undo: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/reversed
check "late-patched target back to original" test "$(cat /proc/ksplice_fixture)" = "fixture original"
check "kfix3 modules unload after partial undo" unload kfix3 $M
check "target unloads after partial undo" rmmod $M

# --- 5b. partial: a target whose init fails once, a target in its init ---
load kfix3 $M
echo 1 > /sys/module/ksplice_kfix3/ksplice/partial
stage kfix3 applied
check "kfix3 partial before the target loads: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/applied
check "target whose init fails does not load" sh -c "! insmod $F/target/$M.ko init_fail=1 2>/dev/null"
check "target loads again after its failed init" insmod $F/target/$M.ko
check "target patched on the load after the failed one" test "$(cat /proc/ksplice_fixture)" = "fixture patched"
stage kfix3 reversed
check "kfix3 undo after the failed init: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/reversed
check "target original after that undo" test "$(cat /proc/ksplice_fixture)" = "fixture original"
check "kfix3 modules unload" unload kfix3 $M
check "target unloads" rmmod $M
insmod $F/target/$M.ko init_delay_ms=8000 &
loader=$!
i=0
while [ "$(cat /sys/module/$M/initstate 2>/dev/null)" != coming ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
load kfix3 $M
echo 1 > /sys/module/ksplice_kfix3/ksplice/partial
stage kfix3 applied
check "kfix3 partial while the target runs its init: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/applied
check "the target was still in its init then" test "$(cat /sys/module/$M/initstate)" = coming
wait $loader
check "target patched though its init ran at apply" test "$(cat /proc/ksplice_fixture)" = "fixture patched"
stage kfix3 reversed
check "kfix3 undo: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/reversed
check "target original after undo" test "$(cat /proc/ksplice_fixture)" = "fixture original"
check "kfix3 modules unload" unload kfix3 $M
check "target unloads" rmmod $M

# --- 6. module target: code_busy, then apply, pin, undo busy ---
insmod $F/target/$M.ko
check "target module says original" test "$(cat /proc/ksplice_fixture)" = "fixture original"
load kfix3 $M
busy kfix3 applied /proc/ksplice_fixture_sleep fixture_wait "sleeper in fixture_wait"
check "target unchanged after code_busy" test "$(cat /proc/ksplice_fixture)" = "fixture original"
# A thread in the .cold piece of a replaced function is inside it too.
busy kfix3 applied /proc/ksplice_fixture_nap fixture_nap.cold "sleeper in fixture_nap.cold"
check "debug log lists the .cold piece" grep -q "fixture_nap.cold: piece of a replaced function" /sys/kernel/debug/ksplice_kfix3
check "conflicts readable by root only" test "$(stat -c %a /sys/module/ksplice_kfix3/ksplice/conflicts)" = 400
# The failed attempts wrote the new code's fields for this load of the
# target; the next attempt must write them for the one it finds.
base() { awk -v m=$M '$1 == m { print $6 }' /proc/modules; }
was=$(base)
rmmod $M && insmod $F/target/ksplice_fixture_filler.ko && insmod $F/target/$M.ko
rmmod ksplice_fixture_filler
echo "# target at $was, then at $(base)"
check "target reloaded elsewhere" test "$(base)" != "$was"
stage kfix3 applied
check "kfix3 apply once the sleeper left: ok" test "$(sysf kfix3 abort_cause)" = ok
check "its target (named ksplice_*) not taken for an update it depends on" sh -c '! grep -q "uses .* of ksplice_fixture_target" /sys/kernel/debug/ksplice_kfix3'
check "target module says patched" test "$(cat /proc/ksplice_fixture)" = "fixture patched"
check "target module pinned while applied" sh -c "! rmmod $M"
rmmod ksplice_kfix3_${M}_old
busy kfix3 reversed /proc/ksplice_fixture_sleep ksplice_fix_fixture_wait "sleeper in the replacement, undo"
busy kfix3 reversed /proc/ksplice_fixture_nap ksplice_fix_fixture_nap.cold "sleeper in the replacement's .cold piece, undo"
stage kfix3 reversed
check "kfix3 undo: ok" test "$(sysf kfix3 abort_cause)/$(sysf kfix3 stage)" = ok/reversed
check "target module says original again" test "$(cat /proc/ksplice_fixture)" = "fixture original"
unload kfix3 $M
check "target module unloads after undo" rmmod $M

# --- 6b. kfix8 calls a function that kfix1 added: kfix1 waits for it ---
insmod $F/target/$M.ko
load kfix1 vmlinux
stage kfix1 applied
load kfix8 $M
stage kfix8 applied
check "kfix8 (using kfix1's new function) applies" test "$(sysf kfix8 abort_cause)/$(sysf kfix8 stage)" = ok/applied
check "kfix8 calls kfix1's function" test "$(cat /proc/ksplice_fixture)" = "fixture patched by kfix1"
check "kfix8 pinned kfix1's new code and told kfix1" grep -q "uses ksplice_fix_helper of ksplice_kfix1_vmlinux_new: pinned, its update told" /sys/kernel/debug/ksplice_kfix8
stage kfix1 reversed
check "undo of kfix1 while kfix8 uses it: module_busy" test "$(sysf kfix1 abort_cause)/$(sysf kfix1 stage)" = module_busy/applied
conf=$(sysf kfix1 conflicts)
echo "# conflicts: $conf"
check "kfix1's conflicts name kfix8's module and the function" test "$conf" = "ksplice_kfix8_${M}_new ksplice_fix_helper"
stage kfix8 reversed
check "kfix8 undo: ok" test "$(sysf kfix8 abort_cause)/$(sysf kfix8 stage)" = ok/reversed
check "kfix8 modules unload" unload kfix8 $M
stage kfix1 reversed
check "kfix1 undo once kfix8 is gone: ok" test "$(sysf kfix1 abort_cause)/$(sysf kfix1 stage)" = ok/reversed
stage kfix1 cleanup
check "kfix1 modules unload" unload kfix1 vmlinux
check "target says original" test "$(cat /proc/ksplice_fixture)" = "fixture original"
check "target unloads" rmmod $M

# --- 6c. IBT kernels: a sealed endbr64 matches, the jump goes after it ---
# The kernel seals (66 0f 1f 00) every endbr64 that objtool listed in
# .ibt_endbr_seal as it loads the code, with or without IBT in the CPU
# (QEMU TCG has none): ksplice_fixture_direct, global and only called
# directly, is one.  Its old code has the endbr64 of the object.
if [ "${KSPLICE_IBT:?tests/kmod/run sets KSPLICE_IBT}" = 1 ]; then
	bytes() { python3 "$(dirname "$0")/textbytes.py" ksplice_fixture_direct 0 "$1"; }
	insmod $F/target/$M.ko
	check "direct: original" test "$(cat /proc/ksplice_fixture_direct)" = "direct original"
	before=$(bytes 14)
	echo "# ksplice_fixture_direct: $before"
	check "its endbr64 is sealed in the running module" test "$(echo "$before" | cut -d' ' -f1-4)" = "66 0f 1f 00"
	load kfix9 $M
	stage kfix9 applied
	check "kfix9 over the sealed endbr64: ok" test "$(sysf kfix9 abort_cause)/$(sysf kfix9 stage)" = ok/applied
	check "direct patched" test "$(cat /proc/ksplice_fixture_direct)" = "direct patched"
	after=$(bytes 14)
	echo "# applied: $after"
	check "jump at entry + 4 (endbr64) + 5 (__fentry__), the first 9 bytes kept" \
		test "$(echo "$after" | cut -d' ' -f1-10)" = "$(echo "$before" | cut -d' ' -f1-9) e9"
	stage kfix9 reversed
	check "kfix9 undo: ok" test "$(sysf kfix9 abort_cause)/$(sysf kfix9 stage)" = ok/reversed
	check "direct original after undo" test "$(cat /proc/ksplice_fixture_direct)" = "direct original"
	check "its bytes as before the apply" test "$(bytes 14)" = "$before"
	check "kfix9 modules unload" unload kfix9 $M
	check "target unloads" rmmod $M
fi

# --- 7. corrupt metadata: refused (unexpected), nothing followed ---
# The stage is written from a subshell: an engine that followed the
# metadata would oops, which must not take the rest of the report with it.
corrupt() { # corrupt ID PART WHY [load]: refused for WHY in PART (at its load)
	if [ "${4:-}" = load ]; then
		insmod $F/$1/ksplice-$1.ko
		echo 1 > /sys/module/ksplice_$1/ksplice/debug
		check "$1: $2 code module refused at load" sh -c "! insmod $F/$1/ksplice-$1_vmlinux-$2.ko 2>/dev/null"
		insmod $F/$1/ksplice-$1_vmlinux-old.ko
	else
		load $1 vmlinux
	fi
	(stage $1 applied)
	check "$1: refused with unexpected" test "$(sysf $1 abort_cause)/$(sysf $1 stage)" = unexpected/preparing
	check "$1: kernel log says $3" logged "ksplice: ksplice_$1_vmlinux_$2: corrupt metadata, " ": $3"
	check "$1: cmdline untouched" test "$(cat /proc/cmdline)" = "$orig"
	[ "$(sysf $1 stage)" = applied ] && (stage $1 reversed)
	check "$1: modules unload" unload $1 vmlinux
}
corrupt kfixwrap old "window outside its section"
corrupt kfixsize0 old "field neither 4 nor 8 bytes"
corrupt kfixhuge old "contents outside the module"
corrupt kfixfield new "field outside the module" load
corrupt kfixrepl new "replacement outside the module's code"

# --- 7b. NMIs while the jumps are written ---
# The target's NMIs run fixture_show, CPU after CPU, while kfix3 replaces
# it: every NMI must see the original or the patched output, never a
# half-written jump.  The jump sites get an int3 first; an NMI that runs one
# then is sent to the new code (the debug log counts those hits).  A hit
# needs an NMI inside a window of microseconds: up to 20 cycles.
insmod $F/target/$M.ko
load kfix3 $M
nmi_cycles=0 nmi_bad=0
while [ $nmi_cycles -lt 20 ]; do
	nmi_cycles=$((nmi_cycles + 1))
	echo 1000000 > /proc/ksplice_fixture_nmi
	stage kfix3 applied
	r1=$(sysf kfix3 abort_cause)/$(cat /proc/ksplice_fixture)/$(cat /proc/ksplice_fixture_nmi)
	stage kfix3 reversed
	r2=$(sysf kfix3 abort_cause)/$(cat /proc/ksplice_fixture)/$(cat /proc/ksplice_fixture_nmi)
	echo 0 > /proc/ksplice_fixture_nmi
	case $r1 in "ok/fixture patched/original "*" left 0") nmi_bad=1; echo "# NMIs ended before the apply: $r1" ;; "ok/fixture patched/"*) ;; *) nmi_bad=1; echo "# apply: $r1" ;; esac
	case $r2 in "ok/fixture original/"*" other 0 left 0") nmi_bad=1; echo "# NMIs ended before the undo: $r2" ;; "ok/fixture original/"*" other 0 "*) ;; *) nmi_bad=1; echo "# undo: $r2" ;; esac
	[ $nmi_bad = 0 ] || break
	grep -q "int3: [0-9]* hits" /sys/kernel/debug/ksplice_kfix3 && break
done
echo "# $nmi_cycles apply/undo cycles under NMIs; last: $r2"
grep "int3: " /sys/kernel/debug/ksplice_kfix3 | sed 's/^/# /'
check "NMIs running the function saw only the original or the patched code" test $nmi_bad = 0
check "NMIs patched and original both seen" sh -c "echo '$r2' | grep -q 'original [1-9][0-9]* patched [1-9][0-9]* other 0'"
check "an NMI hit a jump site while it was written and was sent to the new code" grep -q "int3: [1-9][0-9]* hits" /sys/kernel/debug/ksplice_kfix3
stage kfix3 cleanup
check "kfix3 modules unload" unload kfix3 $M
check "target unloads" rmmod $M

# --- 8. the kernel log ---
bad=$(dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection")
check "dmesg free of warnings and oopses" test -z "$bad"
[ -z "$bad" ] || echo "$bad" | sed 's/^/# /'

tap_end
