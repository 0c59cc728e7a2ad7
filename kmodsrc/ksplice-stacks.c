// SPDX-License-Identifier: GPL-2.0
/*
 * The stack check: no thread may be inside (have a return address in) a
 * function whose code is about to change.
 *
 * Unwinding every thread inside stop_machine makes the pause grow with the
 * number of threads (tens of ms for 10,000 threads under QEMU TCG), and so
 * does even visiting every thread there (a few ms).  So the full check runs
 * first while the system runs, and each thread that passes it gets a
 * proof: its context switch count at that time.  A thread that was off its
 * CPU then and has not been switched out since has not run since (it would
 * have been switched out again before stop_machine could stop its CPU), so
 * its stack is still the one we checked.  Meanwhile a probe on sched_switch
 * (ksplice-track.c) lists every thread the scheduler switches to, so that
 * inside stop_machine only the listed threads and those without a proof
 * are visited: the ones that ran since, the new ones, and those that were
 * running, busy or only scanned conservatively at pre-check time.  Without
 * the probe, or when its table is full, every thread is visited and the
 * proofs alone spare the unwinds.
 *
 * The probe is not free either: registering and removing it rewrites the
 * scheduler's hottest call site twice (text_poke_bp, three rounds of IPIs
 * to every CPU each time) and waits for RCU grace periods, on every
 * attempt; and QEMU's multi-threaded TCG cannot take that rewrite while
 * another vCPU runs the site (tests/vm/tracepoint-churn).  With a few
 * hundred threads, visiting them all inside costs the pause a few tens of
 * microseconds on hardware, so the probe is used only above follow_min
 * threads.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <asm/unwind.h>
#include "ksplice.h"

/* Threads pre-checked per RCU read section, between two cond_resched(). */
#define KSPLICE_PRECHECK_BATCH	64

static unsigned int follow_min = 256;
module_param(follow_min, uint, 0600);
MODULE_PARM_DESC(follow_min,
		 "follow context switches when more threads than this exist (0: always)");

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
 * Check @t's stack against the ranges.  *@unreliable tells that the
 * unwinder failed, so that a clean verdict comes from the conservative scan.
 *
 * Every return address of a thread, and the ip saved by an interrupt or
 * exception frame, is a word of its stack between its stack pointer and
 * the stack's end.  So a stack with no word in a range is clean without
 * an unwind: a scan of a few hundred words costs a small fraction of an
 * ORC walk.  A word in a range may be a stale local, not a return
 * address: the unwind decides.
 */
static enum stack_verdict check_stack(struct ksplice_stack_check *sc,
				      struct task_struct *t, bool *unreliable,
				      const char **name, unsigned long *addr)
{
	struct unwind_state state;

	*unreliable = false;
	if (!scan_stack(sc, t, name, addr))
		return STACK_CLEAN;
	sc->unwinds++;
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

static bool task_busy(struct ksplice_stack_check *sc, struct task_struct *t)
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

/* Does @t still have the stack the pre-check saw?  (CPUs stopped) */
static bool proof_holds(const struct ksplice_proof *pf,
			const struct task_struct *t)
{
	return pf && pf->proven && task_switches(t) == pf->switches;
}

/* Put @t in the table; false (overflow set) when it does not fit. */
static bool collect_one(struct ksplice_stack_check *sc, int max,
			struct task_struct *t)
{
	/*
	 * The probe may have added it already.  A thread that does not fit
	 * sets the overflow flag: every thread is visited inside then.
	 */
	if (sc->nr_tasks == max || !ksplice_threads_add(&sc->threads, t)) {
		WRITE_ONCE(sc->threads.overflow, true);
		return false;
	}
	sc->nr_tasks++;
	return true;
}

/*
 * Put every thread in the table, as many as it may hold.  The idle threads
 * (swapper/N) are on no thread list, yet each has a stack of its own: the
 * idle loop, switched out or interrupted, which may return into a replaced
 * function (do_idle, schedule_idle, a cpuidle driver...).  They never exit.
 */
static void collect_threads(struct ksplice_stack_check *sc, int max)
{
	struct task_struct *g, *t;
	int cpu;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		t = ksplice_idle_task(cpu);
		if (t && !collect_one(sc, max, t))
			goto out;
	}
	for_each_process_thread(g, t)
		if (!collect_one(sc, max, t))
			break;
out:
	rcu_read_unlock();
}

/*
 * Called under rcu_read_lock(): that keeps a dying thread's stack mapped.
 * True if @pf got a proof.
 */
static bool precheck_task(struct ksplice_stack_check *sc,
			  struct ksplice_proof *pf)
{
	struct task_struct *t = READ_ONCE(pf->task);
	unsigned long switches;
	const char *name;
	unsigned long addr;
	bool unreliable;

	if (t == current)
		return false;	/* it runs: checked inside */
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
		return false;
	}
	/*
	 * Stacks are freed after an RCU grace period (or kept in a cache,
	 * still mapped): a reference seen here keeps the memory readable
	 * until rcu_read_unlock() even if the thread exits meanwhile.
	 */
	if (!task_stack_page(t) || !refcount_read(&t->stack_refcount))
		return false;
	if (check_stack(sc, t, &unreliable, &name, &addr) != STACK_CLEAN) {
		sc->pre_busy++;
		return false;
	}
	if (unreliable) {
		/* Keep the conservative path for it: scan it again inside. */
		sc->pre_unreliable++;
		return false;
	}
	pf->switches = switches;
	pf->proven = true;
	sc->pre_proven++;
	return true;
}

/*
 * Before stop_machine, with the system running: follow context switches,
 * then check every thread and remember which ones passed.  Without memory,
 * there is simply no proof and every thread is unwound inside, as before.
 */
void ksplice_stacks_precheck(struct ksplice_stack_check *sc)
{
	struct ksplice_threads *th = &sc->threads;
	struct task_struct *g, *t;
	struct ksplice_proof *pf;
	unsigned long i;
	int n = 0, max, done, ret;
	u64 t0 = ktime_get_ns();

	sc->tracking = false;
	sc->nr_tasks = 0;
	sc->pre_proven = sc->pre_running = 0;
	sc->pre_busy = sc->pre_unreliable = 0;
	sc->unwinds = 0;
	rcu_read_lock();
	for_each_process_thread(g, t)
		n++;
	rcu_read_unlock();
	n += num_possible_cpus();
	/* Room for the threads created while we count and collect. */
	max = n + n / 8 + 64;
	if (ksplice_threads_init(th, max)) {
		ksplice_debug("stack pre-check: no memory for %d threads, every thread is checked with the CPUs stopped\n",
			      max);
		return;
	}
	/*
	 * Before the walk: a thread switched to after its check (or after
	 * the collection missed it) must be on the visit list.
	 */
	if (n > follow_min) {
		ret = ksplice_threads_track(th);
		if (ret)
			ksplice_debug("stack pre-check: cannot follow context switches (%d), every thread is visited with the CPUs stopped\n",
				      ret);
		sc->tracking = !ret;
	}
	collect_threads(sc, max);

	/*
	 * Every slot, those the probe fills meanwhile included: a thread
	 * without a proof goes on the visit list.  The probe lists those it
	 * adds behind this loop itself.
	 */
	done = 0;
	rcu_read_lock();
	for (i = 0; i < (1UL << th->bits); i++) {
		pf = &th->slots[i];
		if (!READ_ONCE(pf->task))
			continue;
		if (!precheck_task(sc, pf))
			ksplice_threads_mark(th, pf);
		if (++done % KSPLICE_PRECHECK_BATCH == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	sc->precheck_ns = ktime_get_ns() - t0;
	ksplice_debug("stack pre-check: %d threads, %d proven, %d running, %d busy, %d unwound (%d unreliably), %s (%llu ns)\n",
		      sc->nr_tasks, sc->pre_proven, sc->pre_running,
		      sc->pre_busy, sc->unwinds, sc->pre_unreliable,
		      sc->tracking ? "following context switches" :
		      n > follow_min ? "not following context switches" :
		      "not following context switches (at most follow_min threads)",
		      sc->precheck_ns);
}

/* After stop_machine: stop following, drop the references and the table. */
void ksplice_stacks_release(struct ksplice_stack_check *sc)
{
	ksplice_threads_untrack(&sc->threads);
	ksplice_threads_free(&sc->threads);
	sc->tracking = false;
}

/*
 * The full check of @t with the CPUs stopped, unless it cannot have a
 * stack of its own to check.  True if it is in the way.
 */
static bool stopped_task_busy(struct ksplice_stack_check *sc,
			      struct task_struct *t)
{
	/* The other CPUs are running their stopper threads. */
	if (t != current && READ_ONCE(t->on_cpu))
		return false;
	if (ksplice_is_worker(t))
		return false;
	/* An exited thread whose stack is gone: it never runs again. */
	if (!task_stack_page(t) || !refcount_read(&t->stack_refcount))
		return false;
	sc->checked++;
	if (is_idle_task(t))
		sc->idle_checked++;
	return task_busy(sc, t);
}

/*
 * Only the threads on the visit list: the others have a proof and were
 * not switched to since, or are too new to have run at all.
 */
static bool busy_visited(struct ksplice_stack_check *sc)
{
	struct ksplice_threads *th = &sc->threads;
	int i, n = atomic_read(&th->nr_visit);
	struct ksplice_proof *pf;
	bool busy = false;

	/* The probes ran before their CPUs stopped: the list is final. */
	sc->skipped = sc->pre_proven;
	for (i = 0; i < n; i++) {
		pf = &th->slots[READ_ONCE(th->visit[i])];
		sc->visited++;
		/* Switched out and back without running our code: fine. */
		if (proof_holds(pf, pf->task))
			continue;
		if (pf->proven)
			sc->skipped--;
		if (stopped_task_busy(sc, pf->task))
			busy = true;	/* go on: report every conflict */
	}
	ksplice_debug("stack check: %d threads unchanged since the pre-check, %d checked, %d of them idle, %d unwound (%d visited: switched to since, or not proven)\n",
		      sc->skipped, sc->checked, sc->idle_checked, sc->unwinds,
		      sc->visited);
	return busy;
}

static bool visit_busy(struct ksplice_stack_check *sc, struct task_struct *t)
{
	struct ksplice_threads *th = &sc->threads;

	sc->visited++;
	/*
	 * First, as it is all most threads need: a thread with a valid
	 * proof has not run since, so it still has its stack and is off
	 * its CPU (unless it is a stopper thread, which is skipped anyway).
	 */
	if (th->slots && proof_holds(ksplice_threads_find(th, t), t)) {
		sc->skipped++;
		return false;
	}
	return stopped_task_busy(sc, t);
}

/* Every thread: the task list cannot change with the CPUs stopped. */
static bool busy_every_thread(struct ksplice_stack_check *sc)
{
	struct ksplice_threads *th = &sc->threads;
	struct task_struct *g, *t;
	bool busy = false;
	int cpu;

	for_each_process_thread(g, t)
		if (visit_busy(sc, t))
			busy = true;	/* go on: report every conflict */
	for_each_possible_cpu(cpu) {
		t = ksplice_idle_task(cpu);
		if (t && visit_busy(sc, t))
			busy = true;
	}
	ksplice_debug("stack check: %d threads unchanged since the pre-check, %d checked, %d of them idle, %d unwound (%d visited: every thread, %s)\n",
		      sc->skipped, sc->checked, sc->idle_checked, sc->unwinds,
		      sc->visited,
		      !th->slots ? "no table" : !sc->tracking ?
		      "context switches not followed" : "table full");
	return busy;
}

/* With every CPU stopped: is a thread in the way? */
bool ksplice_stacks_busy(struct ksplice_stack_check *sc)
{
	sc->skipped = sc->checked = sc->visited = sc->idle_checked = 0;
	sc->unwinds = 0;
	if (sc->tracking && !READ_ONCE(sc->threads.overflow))
		return busy_visited(sc);
	return busy_every_thread(sc);
}
