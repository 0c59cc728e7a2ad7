// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark helper for `make bench`, in debugfs ksplice_bench/:
 *   call  reading it calls ip_vs_proto_name() in a tight loop and reports
 *         "<ps per call> <letter>" (the letter shows which version ran)
 *   stop  reading it runs empty stop_machine()s and reports
 *         "<median ns> <max ns>" of the time every CPU was stopped
 *   sleep reading it sleeps SLEEP_MS inside msleep(): the sleeper that an
 *         update of msleep must wait for (apply latency)
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <net/ip_vs.h>
#include <linux/stop_machine.h>
#include <linux/ktime.h>
#include <linux/sort.h>
#include <linux/seq_file.h>
#include <linux/delay.h>

#define CALL_LOOPS	2000000
#define STOP_RUNS	11
#define SLEEP_MS	10000	/* longer than ksplice-apply takes under TCG */

static struct dentry *bench_dir;

/* Through a volatile pointer so the compiler cannot hoist or fold the call. */
static const char *(*volatile bench_fn)(unsigned int) = ip_vs_proto_name;

static int call_show(struct seq_file *m, void *v)
{
	const char *name = "";
	u64 t0, dt;
	long i;

	t0 = ktime_get_ns();
	for (i = 0; i < CALL_LOOPS; i++)
		name = bench_fn(IPPROTO_TCP);
	dt = ktime_get_ns() - t0;
	seq_printf(m, "%llu %s\n", div_u64(dt * 1000, CALL_LOOPS), name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(call);

/* A call, not an inlined copy: the thread must be inside msleep itself. */
static void (*volatile bench_sleep)(unsigned int) = msleep;

static int sleep_show(struct seq_file *m, void *v)
{
	bench_sleep(SLEEP_MS);
	seq_puts(m, "slept\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sleep);

static int empty_stop(void *unused)
{
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int stop_show(struct seq_file *m, void *v)
{
	u64 ns[STOP_RUNS], t0;
	int i;

	for (i = 0; i < STOP_RUNS; i++) {
		t0 = ktime_get_ns();
		stop_machine(empty_stop, NULL, NULL);
		ns[i] = ktime_get_ns() - t0;
	}
	sort(ns, STOP_RUNS, sizeof(ns[0]), cmp_u64, NULL);
	seq_printf(m, "%llu %llu\n", ns[STOP_RUNS / 2], ns[STOP_RUNS - 1]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stop);

static int __init bench_init(void)
{
	bench_dir = debugfs_create_dir("ksplice_bench", NULL);
	debugfs_create_file("call", 0400, bench_dir, NULL, &call_fops);
	debugfs_create_file("stop", 0400, bench_dir, NULL, &stop_fops);
	debugfs_create_file("sleep", 0400, bench_dir, NULL, &sleep_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
