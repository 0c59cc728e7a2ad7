// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own livepatch doing the change of make bench's msleep update
 * (a cond_resched() first), to compare apply latency with a thread sleeping in the
 * function: livepatch waits for that thread to leave it.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/sched.h>
#include <linux/jiffies.h>

static void lp_msleep(unsigned int msecs)
{
	unsigned long timeout = msecs_to_jiffies(msecs) + 1;

	cond_resched();
	while (timeout)
		timeout = schedule_timeout_uninterruptible(timeout);
}

static struct klp_func funcs[] = {
	{ .old_name = "msleep", .new_func = lp_msleep, },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = funcs, },	/* vmlinux */
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init livepatch_sleep_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit livepatch_sleep_exit(void)
{
}

module_init(livepatch_sleep_init);
module_exit(livepatch_sleep_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
