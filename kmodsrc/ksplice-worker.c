// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's own thread.  Apply and reverse run in the writer of the
 * stage file by default, and then the writer's stack is in the write path
 * (ksys_write, vfs_write, kernfs_fop_write_iter...): an update replacing
 * any function there would always find its own driver in the way.  With
 * "async" set, a stage write starts this thread and returns at once; the
 * writer (the driver) waits in user mode and is told the end by SIGCONT.
 *
 * The thread itself is left out of the stack check: below the engine's own
 * frames it is only inside stop_machine(), which returns to the engine once
 * the jumps are written, and it ends with kthread_exit() without returning
 * into kthread().  Nothing it runs after the switch depends on the code of
 * a replaced function being old or new.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include "ksplice.h"

/* With u->lock held: apply or reverse, and note the stage reached. */
void ksplice_run_stage(bool reverse)
{
	struct ksplice_update *u = &ksplice_update;

	if (reverse) {
		u->abort = ksplice_reverse();
		if (u->abort == KSPLICE_OK)
			u->stage = STAGE_REVERSED;
	} else {
		u->abort = ksplice_apply();
		if (u->abort == KSPLICE_OK)
			u->stage = STAGE_APPLIED;
	}
}

static int worker_fn(void *data)
{
	struct ksplice_update *u = &ksplice_update;
	struct pid *waiter;

	mutex_lock(&u->lock);
	ksplice_run_stage(u->work_reverse);
	waiter = u->waiter;
	u->waiter = NULL;
	WRITE_ONCE(u->worker, NULL);
	mutex_unlock(&u->lock);
	if (waiter) {
		kill_pid(waiter, SIGCONT, 1);
		put_pid(waiter);
	}
	module_put_and_kthread_exit(0);
}

/*
 * With u->lock held: run the stage change in the writer, or start the
 * worker for it (which waits for the lock) and tell the writer later.
 */
int ksplice_start_stage(bool reverse)
{
	struct ksplice_update *u = &ksplice_update;
	struct task_struct *t;

	if (u->worker)
		return -EBUSY;
	if (!u->async) {
		ksplice_run_stage(reverse);
		return 0;
	}
	t = kthread_create(worker_fn, NULL, "ksplice_%s",
			   ksplice_id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	__module_get(THIS_MODULE);	/* put by the worker as it exits */
	u->work_reverse = reverse;
	u->waiter = get_task_pid(current, PIDTYPE_PID);
	WRITE_ONCE(u->worker, t);
	wake_up_process(t);
	return 0;
}

/* Is @t the worker?  It is not checked (see above). */
bool ksplice_is_worker(const struct task_struct *t)
{
	return t == READ_ONCE(ksplice_update.worker);
}
