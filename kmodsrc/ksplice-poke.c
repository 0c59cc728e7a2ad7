// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the jumps.  Every CPU is stopped, but NMIs still run, and an NMI
 * handler may run a function being replaced (perf's overflow path, the
 * hard-lockup watchdog, a backtrace...).  Five bytes are not written by one
 * store: an NMI between two stores would execute half an instruction.  So
 * every site is written in three steps, the protocol of the kernel's own
 * text_poke_bp() without the IPIs it sends (interrupts are off everywhere
 * inside stop_machine): an int3 on its first byte, then its other four
 * bytes, then its first byte.  Every CPU runs the stop_machine callback;
 * all but the one writing wait for each step and serialize themselves
 * after it, so none can execute a stale byte.  An int3 hit meanwhile, in
 * any context, goes where the jump goes: the new code, which in both
 * directions is what runs until the switch is complete.
 */
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/notifier.h>
#include <asm/sync_core.h>
#include <asm/text-patching.h>
#include "ksplice.h"

#define POKE_DONE	4	/* after the three steps, or instead of them */

static struct ksplice_poke *active_poke;

/* Any int3 in the kernel: one of ours is sent where its jump goes. */
static int notrace poke_int3(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct ksplice_poke *pk = READ_ONCE(active_poke);
	struct die_args *args = data;
	unsigned long site;
	int i;

	if (val != DIE_INT3 || !pk || !args->regs || user_mode(args->regs))
		return NOTIFY_DONE;
	site = args->regs->ip - INT3_INSN_SIZE;
	for (i = 0; i < pk->nr_jumps; i++) {
		if (pk->jumps[i].site != site)
			continue;
		args->regs->ip = pk->jumps[i].repl;
		atomic_inc(&pk->hits);
		return NOTIFY_STOP;
	}
	return NOTIFY_DONE;
}
NOKPROBE_SYMBOL(poke_int3);

static struct notifier_block poke_nb = {
	.notifier_call = poke_int3,
	.priority = INT_MAX,
};

/* Before stop_machine: the jumps to write, and the int3 handler. */
int ksplice_poke_begin(struct ksplice_poke *pk, const struct ksplice_jump *jumps,
		       int nr_jumps)
{
	int ret;

	memset(pk, 0, sizeof(*pk));
	pk->jumps = jumps;
	pk->nr_jumps = nr_jumps;
	WRITE_ONCE(active_poke, pk);
	ret = register_die_notifier(&poke_nb);
	if (ret)
		WRITE_ONCE(active_poke, NULL);	/* no pk left behind */
	return ret;
}

/*
 * After stop_machine and text_poke_sync(): no CPU can still see an int3 of
 * ours, and once the notifier is gone (after an RCU grace period) none
 * runs the handler.
 */
void ksplice_poke_end(struct ksplice_poke *pk)
{
	unregister_die_notifier(&poke_nb);
	WRITE_ONCE(active_poke, NULL);
	if (atomic_read(&pk->hits))
		ksplice_debug("int3: %d hits at the jump sites while they were written\n",
			      atomic_read(&pk->hits));
}

/* With every CPU in the callback: the first one there writes. */
bool ksplice_poke_lead(struct ksplice_poke *pk)
{
	if (atomic_inc_return(&pk->arrived) != 1)
		return false;
	pk->followers = num_online_cpus() - 1;
	return true;
}

/* The other CPUs: serialize after every step until the writer is done. */
void ksplice_poke_follow(struct ksplice_poke *pk)
{
	int seen = 0, now;

	for (;;) {
		now = atomic_read_acquire(&pk->step);
		if (now == seen) {
			cpu_relax();
			continue;
		}
		sync_core();
		if (now == POKE_DONE)
			return;
		seen = now;
		atomic_inc(&pk->acks);
	}
}

/* The writer: publish step @step and wait for every CPU to serialize. */
static void poke_step(struct ksplice_poke *pk, int step)
{
	sync_core();
	atomic_set(&pk->acks, 0);
	atomic_set_release(&pk->step, step);
	while (atomic_read(&pk->acks) < pk->followers)
		cpu_relax();
}

/*
 * Write the first @len bytes of every site with @reverse ? saved : jmp in
 * three steps (see the top), calling @sync after each.
 */
static void poke_sites(struct ksplice_poke *pk, size_t len, bool reverse,
		       void (*sync)(struct ksplice_poke *pk, int step))
{
	static const u8 int3 = INT3_INSN_OPCODE;
	const struct ksplice_jump *j;
	int i;

	for (i = 0, j = pk->jumps; i < pk->nr_jumps; i++, j++)
		ksplice_text_poke((void *)j->site, &int3, INT3_INSN_SIZE);
	sync(pk, 1);
	for (i = 0, j = pk->jumps; i < pk->nr_jumps; i++, j++)
		ksplice_text_poke((void *)(j->site + INT3_INSN_SIZE),
				  (reverse ? j->saved : j->jmp) + INT3_INSN_SIZE,
				  len - INT3_INSN_SIZE);
	sync(pk, 2);
	for (i = 0, j = pk->jumps; i < pk->nr_jumps; i++, j++)
		ksplice_text_poke((void *)j->site, reverse ? j->saved : j->jmp,
				  INT3_INSN_SIZE);
	sync(pk, 3);
}

/* The jumps, inside stop_machine: the other CPUs follow the steps. */
void ksplice_poke_write(struct ksplice_poke *pk, bool reverse)
{
	poke_sites(pk, KSPLICE_JMP_LEN, reverse, poke_step);
}

/* Outside stop_machine, other CPUs run on: an IPI serializes each of them. */
static void sync_every_cpu(struct ksplice_poke *pk, int step)
{
	ksplice_text_poke_sync();
}

/*
 * Sites of @len bytes that other CPUs may be running, written from
 * process context with text_mutex held; an int3 hit meanwhile goes to the
 * site's @repl.  Bracketed by ksplice_poke_begin() and ksplice_poke_end().
 */
void ksplice_poke_write_live(struct ksplice_poke *pk, size_t len)
{
	poke_sites(pk, len, false, sync_every_cpu);
}

/* The writer, on every way out: let the others go. */
void ksplice_poke_release(struct ksplice_poke *pk)
{
	atomic_set_release(&pk->step, POKE_DONE);
}
