# Source it in a guest test script that registers sched_switch probes (the
# engine's, above its follow_min threads; the tracers' own): it calls
# hold_sched_switch, which keeps two probes on that tracepoint until the
# guest powers off.
#
# Under QEMU's multi-threaded TCG, the kernel rewriting __schedule's
# sched_switch call site while the other vCPU runs through it oopses the
# stock 6.12 kernel (int3) or hangs the stock 6.1 kernel (text_poke_bp's
# IPI): tests/vm/tracepoint-churn shows it with nothing of ours loaded.  The
# kernel rewrites that site only when the tracepoint goes from 0 to 1 or 1
# to 2 probes and back; with the sched_switch event on (its own probe and
# the comm recorder's) it has two, and every probe added or removed later
# leaves the text alone.
hold_sched_switch() {
	local t=/sys/kernel/tracing
	[ -d $t/events ] || mount -t tracefs nodev $t 2>/dev/null
	echo 1 > $t/events/sched/sched_switch/enable
}
hold_sched_switch
