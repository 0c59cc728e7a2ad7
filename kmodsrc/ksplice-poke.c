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
 *
 * The bytes are stored through a writable alias of each site's page(s),
 * mapped before stop_machine: text_poke() would switch to its poking mm and
 * back for each of the three steps, which is most of the pause (under QEMU
 * TCG every mm switch also empties the vCPU's soft TLB).  A site whose
 * alias could not be made is written with text_poke() as before.
 */
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
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

static struct page *text_page(unsigned long addr)
{
	/* Module text is mapped page by page; the kernel's is linear. */
	if ((addr >= MODULES_VADDR && addr < MODULES_END) ||
	    is_vmalloc_addr((void *)addr))
		return vmalloc_to_page((void *)addr);
	return virt_to_page((void *)addr);
}

/* A writable alias of the @len bytes at @site, or NULL. */
static u8 *map_site(unsigned long site, size_t len, void **area)
{
	unsigned long first = site & PAGE_MASK;
	struct page *pages[2];
	unsigned int n = 1;

	pages[0] = text_page(first);
	if (((site + len - 1) & PAGE_MASK) != first) {
		pages[1] = text_page(first + PAGE_SIZE);
		n = 2;
	}
	if (!pages[0] || !pages[n - 1])
		return NULL;
	*area = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	return *area ? (u8 *)*area + (site & ~PAGE_MASK) : NULL;
}

/* Best effort: a site left without an alias gets text_poke(). */
static void map_sites(struct ksplice_poke *pk)
{
	int i;

	pk->maps = kcalloc(pk->nr_jumps, sizeof(*pk->maps), GFP_KERNEL);
	if (!pk->maps)
		return;
	for (i = 0; i < pk->nr_jumps; i++)
		pk->maps[i].bytes = map_site(pk->jumps[i].site,
					     KSPLICE_POKE_MAX,
					     &pk->maps[i].area);
}

static void unmap_sites(struct ksplice_poke *pk)
{
	int i;

	if (!pk->maps)
		return;
	for (i = 0; i < pk->nr_jumps; i++)
		if (pk->maps[i].area)
			vunmap(pk->maps[i].area);
	kfree(pk->maps);
	pk->maps = NULL;
}

/* Before stop_machine: the jumps to write, their aliases, the int3 handler. */
int ksplice_poke_begin(struct ksplice_poke *pk, const struct ksplice_jump *jumps,
		       int nr_jumps)
{
	int ret;

	memset(pk, 0, sizeof(*pk));
	pk->jumps = jumps;
	pk->nr_jumps = nr_jumps;
	map_sites(pk);
	WRITE_ONCE(active_poke, pk);
	ret = register_die_notifier(&poke_nb);
	if (ret) {
		WRITE_ONCE(active_poke, NULL);	/* no pk left behind */
		unmap_sites(pk);
	}
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
	unmap_sites(pk);
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

/* @len bytes at @off into jump @i's site, through its alias if it has one. */
static void store(struct ksplice_poke *pk, int i, size_t off, const u8 *src,
		  size_t len)
{
	if (pk->maps && pk->maps[i].bytes) {
		memcpy(pk->maps[i].bytes + off, src, len);
		return;
	}
	ksplice_text_poke((void *)(pk->jumps[i].site + off), src, len);
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

	if (WARN_ON_ONCE(len > KSPLICE_POKE_MAX))
		return;
	for (i = 0; i < pk->nr_jumps; i++)
		store(pk, i, 0, &int3, INT3_INSN_SIZE);
	sync(pk, 1);
	for (i = 0, j = pk->jumps; i < pk->nr_jumps; i++, j++)
		store(pk, i, INT3_INSN_SIZE,
		      (reverse ? j->saved : j->jmp) + INT3_INSN_SIZE,
		      len - INT3_INSN_SIZE);
	sync(pk, 2);
	for (i = 0, j = pk->jumps; i < pk->nr_jumps; i++, j++)
		store(pk, i, 0, reverse ? j->saved : j->jmp, INT3_INSN_SIZE);
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
