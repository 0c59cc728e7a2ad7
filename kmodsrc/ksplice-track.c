// SPDX-License-Identifier: GPL-2.0
/*
 * Following context switches between the stack pre-check and stop_machine,
 * so that with the CPUs stopped only the threads that may have a new stack
 * are visited, however many threads sleep.
 *
 * A thread's kernel stack only changes while it runs, and a thread that
 * was off its CPU only runs again after the scheduler switches to it, which
 * fires the sched_switch tracepoint with it as "next".  A probe on that
 * tracepoint, registered before the pre-check starts, puts every thread it
 * sees (next, and prev for good measure) on the visit list.  The pre-check
 * adds every thread it could not prove.  So a thread that exists when the
 * CPUs stop and is on neither list was proven off its CPU and has not been
 * switched to since: its stack is the one checked.  A thread that is not
 * in the table at all was created after the table was filled and never
 * switched to (its first run would have gone through the probe): its stack
 * is still the fork frame, nothing of ours is on it.  The probe therefore
 * needs no fork tracepoint (which create_io_thread() would miss anyway).
 *
 * The probe runs with the runqueue lock held and interrupts off: it takes
 * no lock and allocates nothing.  The table (open addressing, keyed by task
 * pointer) only grows, by cmpxchg on a free slot, and each slot is put on
 * the visit list at most once, so the list never overflows.  When the
 * table is full, the overflow flag makes the check inside visit every
 * thread, as without tracking.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>
#include "ksplice.h"

int ksplice_threads_init(struct ksplice_threads *th, int max)
{
	unsigned long size = roundup_pow_of_two(2UL * max);

	memset(th, 0, sizeof(*th));
	th->slots = kvcalloc(size, sizeof(*th->slots), GFP_KERNEL);
	th->visit = kvcalloc(size, sizeof(*th->visit), GFP_KERNEL);
	if (!th->slots || !th->visit) {
		kvfree(th->slots);
		kvfree(th->visit);
		th->slots = NULL;
		th->visit = NULL;
		return -ENOMEM;
	}
	th->bits = ilog2(size);
	/* A quarter of the slots stays free: every probe ends on one. */
	th->limit = size - size / 4;
	atomic_set(&th->used, 0);
	atomic_set(&th->nr_visit, 0);
	return 0;
}

/* The slot of @t, or NULL.  Safe against concurrent additions. */
struct ksplice_proof *ksplice_threads_find(const struct ksplice_threads *th,
					   const struct task_struct *t)
{
	unsigned long mask = (1UL << th->bits) - 1;
	unsigned long i = hash_ptr(t, th->bits);
	const struct task_struct *slot;

	/*
	 * Slots are never emptied, so a thread added before this call lies
	 * between its hash and the first free slot.
	 */
	for (;; i = (i + 1) & mask) {
		slot = READ_ONCE(th->slots[i].task);
		if (slot == t)
			return &th->slots[i];
		if (!slot)
			return NULL;
	}
}

/*
 * The slot of @t, added (with a reference) if it was not there; NULL when
 * the table is full, which sets the overflow flag.  Lock-free: the probe
 * and the pre-check's collection may add the same thread at once; both
 * follow the same probe sequence and the cmpxchg on the first free slot
 * picks one winner, the loser sees @t there.
 */
struct ksplice_proof *ksplice_threads_add(struct ksplice_threads *th,
					  struct task_struct *t)
{
	unsigned long mask = (1UL << th->bits) - 1;
	unsigned long i = hash_ptr(t, th->bits);
	struct task_struct *slot;
	bool reserved = false;

	for (;; i = (i + 1) & mask) {
		slot = READ_ONCE(th->slots[i].task);
		if (!slot) {
			/*
			 * Count the slot before taking it, so that the
			 * limit bounds the slots in use at any time.
			 */
			if (!reserved) {
				if (atomic_inc_return(&th->used) > th->limit) {
					atomic_dec(&th->used);
					WRITE_ONCE(th->overflow, true);
					return NULL;
				}
				reserved = true;
			}
			slot = cmpxchg(&th->slots[i].task, NULL, t);
			if (!slot) {
				/*
				 * @t cannot go away under us: the caller
				 * holds the RCU read lock over a task found
				 * on the task list, or is the probe, with
				 * @t being switched.
				 */
				get_task_struct(t);
				return &th->slots[i];
			}
		}
		if (slot == t)
			break;
	}
	if (reserved)
		atomic_dec(&th->used);
	return &th->slots[i];
}

/* Put @pf on the visit list, once. */
void ksplice_threads_mark(struct ksplice_threads *th, struct ksplice_proof *pf)
{
	int n;

	if (atomic_xchg(&pf->marked, 1))
		return;
	n = atomic_inc_return(&th->nr_visit) - 1;
	WRITE_ONCE(th->visit[n], pf - th->slots);
}

static void note_switch(struct ksplice_threads *th, struct task_struct *t)
{
	struct ksplice_proof *pf;

	pf = ksplice_threads_add(th, t);
	if (pf)
		ksplice_threads_mark(th, pf);
}

static void switch_probe(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
	struct ksplice_threads *th = data;

	note_switch(th, next);
	note_switch(th, prev);
}

static void find_sched_switch(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "sched_switch"))
		*found = tp;
}

/* Start following context switches; nothing is visited inside without it. */
int ksplice_threads_track(struct ksplice_threads *th)
{
	struct tracepoint *tp = NULL;
	int ret;

	/* The probe must have the tracepoint's prototype: checked here. */
	check_trace_callback_type_sched_switch(switch_probe);
	for_each_kernel_tracepoint(find_sched_switch, &tp);
	if (!tp)
		return -ENOENT;
	ret = tracepoint_probe_register(tp, (void *)switch_probe, th);
	if (ret)
		return ret;
	th->tp = tp;
	/*
	 * A switch in progress may have read the tracepoint's probe list
	 * before ours was added.  The tracepoint runs with preemption off,
	 * so after a grace period every switch sees the probe: from here on
	 * (the pre-check starts after this), no switch is missed.
	 */
	synchronize_rcu();
	return 0;
}

/* Stop following; after this the probe no longer runs on the table. */
void ksplice_threads_untrack(struct ksplice_threads *th)
{
	if (!th->tp)
		return;
	/* Removal cannot fail for want of memory: a stub replaces us. */
	WARN_ON_ONCE(tracepoint_probe_unregister(th->tp, (void *)switch_probe,
						 th));
	tracepoint_synchronize_unregister();
	th->tp = NULL;
}

/* Drop the references and the table (not tracking any more). */
void ksplice_threads_free(struct ksplice_threads *th)
{
	unsigned long i;

	if (!th->slots)
		return;
	for (i = 0; i < (1UL << th->bits); i++)
		if (th->slots[i].task)
			put_task_struct(th->slots[i].task);
	kvfree(th->slots);
	kvfree(th->visit);
	th->slots = NULL;
	th->visit = NULL;
}
