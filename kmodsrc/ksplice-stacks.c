// SPDX-License-Identifier: GPL-2.0
/*
 * The stack check: no thread may be inside (have a return address in) a
 * function whose code is about to change.
 *
 * Unwinding every thread inside stop_machine makes the pause grow with the
 * number of threads (tens of ms for 10,000 threads under QEMU TCG).  So the
 * full check runs first while the system runs, and each thread that passes
 * it gets a proof: its context switch count at that time.  A thread that
 * was off its CPU then and has not been switched out since has not run
 * since (it would have been switched out again before stop_machine could
 * stop its CPU), so its stack is still the one we checked.  Inside
 * stop_machine only the threads without a valid proof are unwound: the
 * ones that ran since, the new ones, and those that were running, busy or
 * only scanned conservatively at pre-check time.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <asm/unwind.h>
#include "ksplice.h"

/* Threads pre-checked per RCU read section, between two cond_resched(). */
#define KSPLICE_PRECHECK_BATCH	64

/* One slot of the proof table (open addressing, keyed by task pointer). */
struct ksplice_proof {
	struct task_struct *task;	/* referenced; NULL: free slot */
	unsigned long switches;		/* nvcsw + nivcsw before the check */
	bool proven;			/* the check passed: @switches is valid */
};

enum stack_verdict {
	STACK_CLEAN,
	STACK_BUSY,		/* a return address in a range */
	STACK_SUSPECT,		/* unwind failed, the scan found a range */
};

static bool addr_in_ranges(const struct ksplice_stack_check *sc,
			   unsigned long addr, const char **name)
{
	int i;

	/*
	 * A return address may equal the end of a function whose last
	 * instruction is a call, and an interrupted ip its first byte.
	 */
	for (i = 0; i < sc->nr_ranges; i++) {
		if (addr >= sc->ranges[i].start && addr <= sc->ranges[i].end) {
			*name = sc->ranges[i].name;
			return true;
		}
	}
	return false;
}

static void add_conflict(struct task_struct *t, const char *name,
			 unsigned long addr)
{
	struct ksplice_update *u = &ksplice_update;
	size_t room = PAGE_SIZE - u->conflicts_len;
	char sym[KSYM_NAME_LEN + MODULE_NAME_LEN + 4], *p;

	if (!u->conflicts || room <= 1)
		return;
	if (!name) {
		/* "func [module]": keep one word per function */
		snprintf(sym, sizeof(sym), "%ps", (void *)addr);
		p = strchr(sym, ' ');
		if (p)
			*p = '\0';
		name = sym;
	}
	u->conflicts_len += scnprintf(u->conflicts + u->conflicts_len, room,
				      "%s %d %s\n", t->comm, task_pid_nr(t),
				      name);
}

/* When the unwinder gives up: every word of the live stack is suspect. */
static bool scan_stack(const struct ksplice_stack_check *sc,
		       struct task_struct *t, const char **name,
		       unsigned long *addr)
{
	unsigned long *begin = task_stack_page(t);
	unsigned long *end = begin + THREAD_SIZE / sizeof(*begin);
	unsigned long *p = t == current ? (unsigned long *)current_stack_pointer
					: (unsigned long *)t->thread.sp;

	if (p < begin || p >= end)
		p = begin;
	for (; p < end; p++) {
		*addr = READ_ONCE_NOCHECK(*p);
		if (addr_in_ranges(sc, *addr, name))
			return true;
	}
	return false;
}

/*
 * Unwind @t against the ranges.  *@unreliable tells that the unwinder
 * failed, so that a clean verdict comes from the conservative scan.
 */
static enum stack_verdict check_stack(const struct ksplice_stack_check *sc,
				      struct task_struct *t, bool *unreliable,
				      const char **name, unsigned long *addr)
{
	struct unwind_state state;

	*unreliable = false;
	for (unwind_start(&state, t, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		*addr = unwind_get_return_address(&state);
		if (*addr && addr_in_ranges(sc, *addr, name))
			return STACK_BUSY;
	}
	if (!unwind_error(&state))
		return STACK_CLEAN;
	*unreliable = true;
	return scan_stack(sc, t, name, addr) ? STACK_SUSPECT : STACK_CLEAN;
}

static bool task_busy(const struct ksplice_stack_check *sc,
		      struct task_struct *t)
{
	const char *name = NULL;
	unsigned long addr = 0;
	bool unreliable;

	switch (check_stack(sc, t, &unreliable, &name, &addr)) {
	case STACK_BUSY:
		ksplice_debug("stack check: %s %d at %pS\n",
			      t->comm, task_pid_nr(t), (void *)addr);
		break;
	case STACK_SUSPECT:
		ksplice_debug("stack check: %s %d may be at %pS (conservative scan)\n",
			      t->comm, task_pid_nr(t), (void *)addr);
		break;
	default:
		return false;
	}
	add_conflict(t, name, addr);
	return true;
}

/* ---- proofs ---- */

static unsigned long task_switches(const struct task_struct *t)
{
	return READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
}

static struct ksplice_proof *proof_slot(const struct ksplice_stack_check *sc,
					const struct task_struct *t)
{
	unsigned long mask = (1UL << sc->bits) - 1;
	unsigned long i = hash_ptr(t, sc->bits);

	/* The table is at most half full: the probe ends on a free slot. */
	while (sc->proofs[i].task && sc->proofs[i].task != t)
		i = (i + 1) & mask;
	return &sc->proofs[i];
}

/* Does @t still have the stack the pre-check saw?  (CPUs stopped) */
static bool proof_holds(const struct ksplice_stack_check *sc,
			const struct task_struct *t)
{
	const struct ksplice_proof *pf;

	if (!sc->proofs)
		return false;
	pf = proof_slot(sc, t);
	return pf->task == t && pf->proven &&
		task_switches(t) == pf->switches;
}

/* Take a reference on every thread, as many as the table may hold. */
static void collect_threads(struct ksplice_stack_check *sc, int max)
{
	struct task_struct *g, *t;
	struct ksplice_proof *pf;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (sc->nr_tasks == max)
			break;	/* the rest is checked inside stop_machine */
		pf = proof_slot(sc, t);
		if (pf->task)
			continue;
		get_task_struct(t);
		pf->task = t;
		sc->nr_tasks++;
	}
	rcu_read_unlock();
}

/* Called under rcu_read_lock(): that keeps a dying thread's stack mapped. */
static void precheck_task(struct ksplice_stack_check *sc,
			  struct ksplice_proof *pf)
{
	struct task_struct *t = pf->task;
	unsigned long switches;
	const char *name;
	unsigned long addr;
	bool unreliable;

	if (t == current)
		return;	/* it runs: checked inside */
	/*
	 * Count first, then see the thread off its CPU.  Any run after that
	 * ends in a switch-out (stop_machine preempts it at the latest),
	 * which moves the count past @switches.  The acquire pairs with the
	 * release of on_cpu at the end of the last switch-out: what it
	 * wrote to its stack and thread.sp is visible to the unwind below.
	 */
	switches = task_switches(t);
	smp_rmb();
	if (smp_load_acquire(&t->on_cpu) || task_is_running(t)) {
		sc->pre_running++;
		return;
	}
	/*
	 * Stacks are freed after an RCU grace period (or kept in a cache,
	 * still mapped): a reference seen here keeps the memory readable
	 * until rcu_read_unlock() even if the thread exits meanwhile.
	 */
	if (!task_stack_page(t) || !refcount_read(&t->stack_refcount))
		return;
	if (check_stack(sc, t, &unreliable, &name, &addr) != STACK_CLEAN) {
		sc->pre_busy++;
		return;
	}
	if (unreliable) {
		/* Keep the conservative path for it: scan it again inside. */
		sc->pre_unreliable++;
		return;
	}
	pf->switches = switches;
	pf->proven = true;
	sc->pre_proven++;
}

/*
 * Before stop_machine, with the system running: check every thread and
 * remember which ones passed.  Without memory, there is simply no proof
 * and every thread is unwound inside, as before.
 */
void ksplice_stacks_precheck(struct ksplice_stack_check *sc)
{
	struct task_struct *g, *t;
	unsigned long size, i;
	int n = 0, max, done;
	u64 t0 = ktime_get_ns();

	sc->proofs = NULL;
	sc->nr_tasks = 0;
	sc->pre_proven = sc->pre_running = 0;
	sc->pre_busy = sc->pre_unreliable = 0;
	rcu_read_lock();
	for_each_process_thread(g, t)
		n++;
	rcu_read_unlock();
	/* Room for the threads created while we count and collect. */
	max = n + n / 8 + 64;
	size = roundup_pow_of_two(2UL * max);
	sc->bits = ilog2(size);
	sc->proofs = kvcalloc(size, sizeof(*sc->proofs), GFP_KERNEL);
	if (!sc->proofs) {
		ksplice_debug("stack pre-check: no memory for %lu slots, every thread is checked with the CPUs stopped\n",
			      size);
		return;
	}
	collect_threads(sc, max);

	done = 0;
	rcu_read_lock();
	for (i = 0; i < size; i++) {
		if (!sc->proofs[i].task)
			continue;
		precheck_task(sc, &sc->proofs[i]);
		if (++done % KSPLICE_PRECHECK_BATCH == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	sc->precheck_ns = ktime_get_ns() - t0;
	ksplice_debug("stack pre-check: %d threads, %d proven, %d running, %d busy, %d unwound unreliably (%llu ns)\n",
		      sc->nr_tasks, sc->pre_proven, sc->pre_running,
		      sc->pre_busy, sc->pre_unreliable, sc->precheck_ns);
}

/* After stop_machine: drop the references and the table. */
void ksplice_stacks_release(struct ksplice_stack_check *sc)
{
	unsigned long i;

	if (!sc->proofs)
		return;
	for (i = 0; i < (1UL << sc->bits); i++)
		if (sc->proofs[i].task)
			put_task_struct(sc->proofs[i].task);
	kvfree(sc->proofs);
	sc->proofs = NULL;
}

/*
 * With every CPU stopped: the task list cannot change under us.  Threads
 * whose proof holds are skipped; all others get the full check.
 */
bool ksplice_stacks_busy(struct ksplice_stack_check *sc)
{
	struct task_struct *g, *t;
	bool busy = false;

	sc->skipped = sc->checked = 0;
	for_each_process_thread(g, t) {
		/*
		 * First, as it is all most threads need: a thread with a
		 * valid proof has not run since, so it still has its stack
		 * and is off its CPU (unless it is a stopper thread, which
		 * is skipped anyway).
		 */
		if (proof_holds(sc, t)) {
			sc->skipped++;
			continue;
		}
		/* The other CPUs are running their stopper threads. */
		if (t != current && READ_ONCE(t->on_cpu))
			continue;
		if (!task_stack_page(t) ||
		    !refcount_read(&t->stack_refcount))
			continue;
		sc->checked++;
		if (task_busy(sc, t))
			busy = true;	/* go on: report every conflict */
	}
	ksplice_debug("stack check: %d threads unchanged since the pre-check, %d unwound\n",
		      sc->skipped, sc->checked);
	return busy;
}
