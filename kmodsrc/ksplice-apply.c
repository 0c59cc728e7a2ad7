// SPDX-License-Identifier: GPL-2.0
/*
 * Apply and reverse: match, write the new code's relocations, then inside
 * stop_machine check every thread's stack and switch the jumps (written
 * int3 first, ksplice-poke.c).  The stack
 * check (ksplice-stacks.c) does most of its work before stop_machine.
 *
 * The jump goes after the function's endbr64 (IBT: indirect calls land on
 * it) and its 5-byte __fentry__ site when it has them, so that ftrace and
 * (ftrace-based) kprobes on the old function keep working: they run first,
 * return past the site and follow the jump.
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/uaccess.h>
#include "ksplice-compat.h"
#include "ksplice.h"

#define KSPLICE_TRIES		5
#define KSPLICE_RETRY_MS	200

struct ksplice_stop {
	struct ksplice_stack_check sc;
	struct ksplice_poke poke;
	struct ksplice_range *ranges;
	bool reverse;
	int result;			/* KSPLICE_* */
	u64 stacks_ns, jumps_ns;	/* parts of the callback, for the log */
};

/* ---- hooks ---- */

static bool hook_returns_int(int kind)
{
	return kind == KSPLICE_HOOK_PRE_APPLY ||
		kind == KSPLICE_HOOK_CHECK_APPLY ||
		kind == KSPLICE_HOOK_PRE_REVERSE ||
		kind == KSPLICE_HOOK_CHECK_REVERSE;
}

/* Run the hooks of @kind of every change; the first failing one stops it. */
int ksplice_call_hooks(int kind)
{
	struct ksplice_change *c;
	const struct ksplice_hook *h;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		if (c->skipped || !c->new)
			continue;
		for_each_table(h, c->new->hooks, c->new->hooks_end) {
			int ret;

			if (h->kind != kind || !h->func)
				continue;
			if (!hook_returns_int(kind)) {
				((void (*)(void))(unsigned long)h->func)();
				continue;
			}
			ret = ((int (*)(void))(unsigned long)h->func)();
			if (ret) {
				ksplice_debug("hook %ps (kind %d) failed: %d\n",
					      (void *)(unsigned long)h->func,
					      kind, ret);
				return ret;
			}
		}
	}
	return 0;
}

/* ---- writing the jumps ---- */

/* 0 if @j's site holds @bytes, -EBUSY if it holds others, -EFAULT. */
static int site_holds(const struct ksplice_jump *j, const u8 *bytes)
{
	u8 now[KSPLICE_JMP_LEN];

	if (copy_from_kernel_nofault(now, (void *)j->site, sizeof(now)))
		return -EFAULT;
	return memcmp(now, bytes, sizeof(now)) ? -EBUSY : 0;
}

/*
 * The CPU's own cycle counter times the callback, which runs on one CPU
 * with interrupts off.  ktime_get_ns() reads the clocksource, the HPET
 * where the TSC is not trusted (QEMU TCG guests): tens of us a read there,
 * so five reads were a good part of the pause they measured.  Nor
 * local_clock(): with the TSC unstable it is clamped to the last tick's
 * window, and no tick comes with interrupts off.
 */
static u64 cb_clock(void)
{
	return sched_clock();
}

/* Every CPU runs it; one checks and writes while the others wait. */
static int stop_cb(void *data)
{
	struct ksplice_stop *st = data;
	struct ksplice_update *u = &ksplice_update;
	u64 t0 = cb_clock(), t1;
	int i;

	if (!ksplice_poke_lead(&st->poke)) {
		ksplice_poke_follow(&st->poke);
		return 0;
	}

	/*
	 * Every other CPU spins with interrupts off, so a sleeping holder of
	 * text_mutex cannot finish here: treat it like a busy attempt and
	 * retry rather than take the mutex before stop_machine (which would
	 * invert the cpu hotplug lock -> text_mutex order).
	 */
	if (!mutex_trylock(ksplice_text_mutex)) {
		ksplice_debug("text_mutex held by someone else: retrying\n");
		st->result = KSPLICE_CODE_BUSY;
		goto out;
	}
	if (ksplice_stacks_busy(&st->sc)) {
		st->result = KSPLICE_CODE_BUSY;
		goto unlock;
	}
	st->stacks_ns = cb_clock() - t0;
	for (i = 0; i < u->nr_jumps; i++) {
		const struct ksplice_jump *j = &u->jumps[i];
		int ret = site_holds(j, st->reverse ? j->jmp : j->saved);

		if (!ret)
			continue;
		if (ret == -EFAULT) {
			/* Not a stacked update: nothing is known of the site. */
			ksplice_debug("%s: cannot read the jump site %lx\n",
				      j->name, j->site);
			st->result = KSPLICE_UNEXPECTED;
			goto unlock;
		}
		ksplice_debug("%s: jump site %lx changed since %s\n", j->name,
			      j->site, st->reverse ?
			      "apply (a later update is stacked on it)" :
			      "matching");
		st->result = st->reverse ? KSPLICE_MODULE_BUSY :
			KSPLICE_UNEXPECTED;
		goto unlock;
	}
	if (ksplice_call_hooks(st->reverse ? KSPLICE_HOOK_CHECK_REVERSE :
				KSPLICE_HOOK_CHECK_APPLY)) {
		st->result = KSPLICE_CALL_FAILED;
		goto unlock;
	}
	t1 = cb_clock();
	ksplice_poke_write(&st->poke, st->reverse);
	st->jumps_ns = cb_clock() - t1;
	ksplice_call_hooks(st->reverse ? KSPLICE_HOOK_REVERSE :
			   KSPLICE_HOOK_APPLY);
	st->result = KSPLICE_OK;
unlock:
	mutex_unlock(ksplice_text_mutex);
out:
	ksplice_poke_release(&st->poke);
	u->pause_ns = cb_clock() - t0;
	return 0;
}

/* stop_machine with retries while some thread is in the way. */
static int run_stopped(struct ksplice_stop *st)
{
	struct ksplice_update *u = &ksplice_update;
	u64 t0;
	int ret;

	for (u->attempts = 1; ; u->attempts++) {
		u->conflicts_len = 0;
		if (u->conflicts)
			u->conflicts[0] = '\0';
		st->result = KSPLICE_UNEXPECTED;
		st->stacks_ns = st->jumps_ns = 0;
		/*
		 * Again on every attempt: a thread that ran since the last
		 * one gets a fresh proof, and its stack check stays out of
		 * the pause.
		 */
		ksplice_stacks_precheck(&st->sc);
		ret = ksplice_poke_begin(&st->poke, u->jumps, u->nr_jumps);
		if (ret) {
			ksplice_stacks_release(&st->sc);
			ksplice_debug("cannot watch int3 hits: %d\n", ret);
			return KSPLICE_UNEXPECTED;
		}
		t0 = ktime_get_ns();
		ret = stop_machine(stop_cb, st, cpu_online_mask);
		u->stop_ns = ktime_get_ns() - t0;
		ksplice_stacks_release(&st->sc);
		/* Make every CPU discard what it may have prefetched. */
		if (st->result == KSPLICE_OK)
			ksplice_text_poke_sync();
		ksplice_poke_end(&st->poke);
		ksplice_debug("stop_machine attempt %d: result %d, CPUs stopped %llu ns (callback %llu ns: stack check %llu, jumps %llu)\n",
			      u->attempts, st->result, u->stop_ns, u->pause_ns,
			      st->stacks_ns, st->jumps_ns);
		if (ret) {
			ksplice_debug("stop_machine failed: %d\n", ret);
			return KSPLICE_UNEXPECTED;
		}
		if (st->result != KSPLICE_CODE_BUSY ||
		    u->attempts == KSPLICE_TRIES)
			break;
		msleep(KSPLICE_RETRY_MS);
	}
	return st->result;
}

/* ---- preparing ---- */

static void release_targets(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		if (c->target_mod)
			module_put(c->target_mod);
		c->target_mod = NULL;
	}
}

void ksplice_free_matching(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		kvfree(c->matches);
		c->matches = NULL;
		c->nr_matches = 0;
	}
	ksplice_labels_free();
}

static bool site_overlaps_special(const struct ksplice_change *c,
				  const struct ksplice_match *m,
				  unsigned long off)
{
	const struct ksplice_special *sp;

	for_each_table(sp, c->old->specials, c->old->specials_end) {
		if (sp->sect != m->sect->address)
			continue;
		if (sp->offset < off + KSPLICE_JMP_LEN &&
		    off < sp->offset + sp->len) {
			ksplice_debug("%s: a %u-byte special site (kind %u) at +0x%x overlaps the jump at +0x%lx: refusing\n",
				      ksplice_sym_name((void *)(unsigned long)m->sect->symbol),
				      sp->len, sp->kind, sp->offset, off);
			return true;
		}
	}
	return false;
}

static int plan_jump(struct ksplice_change *c, const struct ksplice_patch *p,
		     struct ksplice_jump *j)
{
	const struct ksplice_symbol *sym = (void *)(unsigned long)p->oldsym;
	const struct ksplice_match *m = ksplice_find_match(c, ksplice_sym_label(sym));
	unsigned long off;
	s64 rel;

	if (!m) {
		ksplice_debug("patched function %s (%s) was not matched\n",
			      ksplice_sym_name(sym), ksplice_sym_label(sym));
		return KSPLICE_NO_MATCH;
	}
	strscpy(j->name, ksplice_sym_name(sym), sizeof(j->name));
	j->old_addr = m->run;
	j->old_size = max_t(u64, p->size, m->sect->size);
	if (m->code != m->run) {
		j->prev_addr = m->code;
		j->prev_size = m->sect->size;
	}
	off = ksplice_match_jump_offset(c, m);
	if (off + KSPLICE_JMP_LEN > m->sect->size) {
		ksplice_debug("%s: %llu bytes, too short for a jump at +%lu\n",
			      j->name, m->sect->size, off);
		return KSPLICE_UNEXPECTED;
	}
	if (site_overlaps_special(c, m, off))
		return KSPLICE_UNEXPECTED;
	j->site = m->run + off;
	j->repl = p->repladdr;
	if (copy_from_kernel_nofault(j->saved, (void *)j->site, KSPLICE_JMP_LEN))
		return KSPLICE_UNEXPECTED;
	rel = (s64)j->repl - (s64)(j->site + KSPLICE_JMP_LEN);
	if (rel != (s32)rel) {
		ksplice_debug("%s: replacement %lx out of jmp range\n",
			      j->name, j->repl);
		return KSPLICE_UNEXPECTED;
	}
	j->jmp[0] = 0xe9;
	put_unaligned((s32)rel, (s32 *)(j->jmp + 1));
	ksplice_debug("%s: jump at %lx (entry %lx%s) -> %lx, saved %*ph\n",
		      j->name, j->site, j->old_addr,
		      j->prev_addr ? ", stacked" : "", j->repl,
		      KSPLICE_JMP_LEN, j->saved);
	return KSPLICE_OK;
}

/* Grow the jump arrays to hold @n more. */
static int reserve_jumps(int n)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_jump *j;
	struct ksplice_change **jc;
	int want = u->nr_jumps + max(n, 1);

	/* @n comes from the update: too many is a failure, not a warning. */
	j = krealloc_array(u->jumps, want, sizeof(*j),
			   GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!j)
		return KSPLICE_OUT_OF_MEMORY;
	u->jumps = j;
	jc = krealloc_array(u->jump_change, want, sizeof(*jc),
			    GFP_KERNEL | __GFP_NOWARN);
	if (!jc)
		return KSPLICE_OUT_OF_MEMORY;
	u->jump_change = jc;
	memset(u->jumps + u->nr_jumps, 0, (want - u->nr_jumps) * sizeof(*j));
	return KSPLICE_OK;
}

void ksplice_free_pieces(struct ksplice_change *c)
{
	kvfree(c->pieces);
	c->pieces = NULL;
	c->nr_pieces = 0;
}

/* Forget the jumps and pieces of every change (none is applied). */
void ksplice_free_plan(void)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_change *c;

	kfree(u->jumps);
	kfree(u->jump_change);
	u->jumps = NULL;
	u->jump_change = NULL;
	u->nr_jumps = 0;
	list_for_each_entry(c, &u->changes, list)
		ksplice_free_pieces(c);
}

static bool is_jumped(int first, unsigned long addr)
{
	struct ksplice_update *u = &ksplice_update;
	int i;

	for (i = first; i < u->nr_jumps; i++)
		if (u->jumps[i].old_addr == addr)
			return true;
	return false;
}

/*
 * The matched code of @c that no jump covers: the .cold and .part pieces
 * of the replaced functions.  A thread in one of them returns into the
 * replaced function, so the stack check treats them as part of it; the
 * jumps [@first, nr_jumps) are those of @c.
 */
static int record_pieces(struct ksplice_change *c, int first)
{
	const struct ksplice_match *m;
	struct ksplice_piece *pc;
	int n = 0;

	ksplice_free_pieces(c);
	c->pieces = kvcalloc(c->nr_matches, sizeof(*c->pieces), GFP_KERNEL);
	if (c->nr_matches && !c->pieces)
		return KSPLICE_OUT_OF_MEMORY;
	for (m = c->matches; m < c->matches + c->nr_matches; m++) {
		if (!(m->sect->flags & KSPLICE_SECT_TEXT) ||
		    is_jumped(first, m->run))
			continue;
		pc = &c->pieces[n++];
		pc->addr = m->run;
		pc->size = m->sect->size;
		pc->prev = m->code != m->run ? m->code : 0;
		strscpy(pc->name,
			ksplice_sym_name((void *)(unsigned long)m->sect->symbol),
			sizeof(pc->name));
		ksplice_debug("%s: piece of a replaced function at %lx (%lu bytes)\n",
			      pc->name, pc->addr, pc->size);
	}
	c->nr_pieces = n;
	return KSPLICE_OK;
}

/* Plan the jumps of @c, after those already planned, and note its pieces. */
int ksplice_plan_change_jumps(struct ksplice_change *c)
{
	struct ksplice_update *u = &ksplice_update;
	const struct ksplice_patch *p;
	int first = u->nr_jumps, i, ret;

	ret = reserve_jumps(c->new->patches_end - c->new->patches);
	if (ret != KSPLICE_OK)
		return ret;
	for_each_table(p, c->new->patches, c->new->patches_end) {
		struct ksplice_jump *j = &u->jumps[u->nr_jumps];

		if (p->type != KSPLICE_PATCH_TEXT)
			return KSPLICE_UNEXPECTED;
		ret = plan_jump(c, p, j);
		if (ret != KSPLICE_OK)
			return ret;
		for (i = 0; i < u->nr_jumps; i++) {
			if (u->jumps[i].site == j->site) {
				ksplice_debug("%s: patched twice\n", j->name);
				return KSPLICE_UNEXPECTED;
			}
		}
		u->jump_change[u->nr_jumps++] = c;
	}
	return record_pieces(c, first);
}

static int plan_jumps(void)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_change *c;
	int ret;

	u->nr_jumps = 0;
	list_for_each_entry(c, &u->changes, list) {
		if (c->skipped)
			continue;
		ret = ksplice_plan_change_jumps(c);
		if (ret != KSPLICE_OK)
			return ret;
	}
	return KSPLICE_OK;
}

/* Match @c's old code against its (loaded) target and write its relocs. */
int ksplice_match_and_relocate(struct ksplice_change *c)
{
	u64 t0;
	int ret;

	if (!c->old) {
		ksplice_debug("%s: old code module not loaded\n", c->target);
		return KSPLICE_UNEXPECTED;
	}
	ksplice_debug("%s: matching %ld sections\n", c->target,
		      (long)(c->old->sections_end - c->old->sections));
	t0 = ktime_get_ns();
	ret = ksplice_match_change(c);
	c->match_ns = ktime_get_ns() - t0;
	ksplice_debug("%s: run-pre matching took %llu ns\n", c->target,
		      c->match_ns);
	if (ret != KSPLICE_OK)
		return ret;
	return ksplice_write_relocs(c);
}

int ksplice_prepare_change(struct ksplice_change *c)
{
	int ret;

	c->skipped = false;
	if (!c->new) {
		ksplice_debug("%s: old code without new code\n", c->target);
		return KSPLICE_UNEXPECTED;
	}
	/* Skipped changes too: they are used when their target loads. */
	ret = ksplice_check_part(c->new);
	if (ret == KSPLICE_OK && c->old)
		ret = ksplice_check_part(c->old);
	if (ret != KSPLICE_OK)
		return ret;
	if (strcmp(c->target, "vmlinux")) {
		c->target_mod = ksplice_get_target(c->target);
		if (!c->target_mod) {
			if (ksplice_update.partial) {
				ksplice_debug("%s: not loaded, skipped (partial)\n",
					      c->target);
				c->skipped = true;
				return KSPLICE_OK;
			}
			ksplice_debug("%s: target module not loaded\n",
				      c->target);
			return KSPLICE_TARGET_NOT_LOADED;
		}
	}
	return ksplice_match_and_relocate(c);
}

/* The address ranges no thread may be inside, for st->reverse or apply. */
static int build_ranges(struct ksplice_stop *st)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_range *r;
	struct ksplice_change *c;
	const struct ksplice_piece *pc;
	int n = 0, max = 2 * u->nr_jumps + 1, i;

	list_for_each_entry(c, &u->changes, list)
		max += 1 + 2 * c->nr_pieces;
	r = kvcalloc(max, sizeof(*r), GFP_KERNEL);
	if (!r)
		return KSPLICE_OUT_OF_MEMORY;
	for (i = 0; i < u->nr_jumps; i++) {
		struct ksplice_jump *j = &u->jumps[i];

		r[n++] = (struct ksplice_range){ j->old_addr,
			j->old_addr + j->old_size, j->name };
		if (j->prev_addr)
			r[n++] = (struct ksplice_range){ j->prev_addr,
				j->prev_addr + j->prev_size, j->name };
	}
	/* The .cold/.part pieces, for undo as well: the original is restored. */
	list_for_each_entry(c, &u->changes, list) {
		if (c->skipped)
			continue;
		for (pc = c->pieces; pc < c->pieces + c->nr_pieces; pc++) {
			r[n++] = (struct ksplice_range){ pc->addr,
				pc->addr + pc->size, pc->name };
			if (pc->prev)
				r[n++] = (struct ksplice_range){ pc->prev,
					pc->prev + pc->size, pc->name };
		}
	}
	/* Undo unloads the new code: nothing may still return into it. */
	if (st->reverse) {
		list_for_each_entry(c, &u->changes, list) {
			struct module *m = c->new ? c->new->mod : NULL;
			unsigned long base, size;

			if (c->skipped || !m)
				continue;
			ksplice_module_text(m, &base, &size);
			r[n++] = (struct ksplice_range){ base, base + size, NULL };
		}
	}
	st->ranges = r;
	st->sc.ranges = r;
	st->sc.nr_ranges = n;
	return KSPLICE_OK;
}

/* Pin the new code modules while their code is live. */
static int get_new_modules(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		if (c->skipped)
			continue;
		if (!try_module_get(c->new->mod))
			goto undo;
	}
	return KSPLICE_OK;
undo:
	list_for_each_entry_continue_reverse(c, &ksplice_update.changes, list)
		if (!c->skipped)
			module_put(c->new->mod);
	return KSPLICE_MODULE_BUSY;
}

static void put_new_modules(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list)
		if (!c->skipped && c->new)
			module_put(c->new->mod);
}

int ksplice_apply(void)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_stop st = { .reverse = false };
	struct ksplice_change *c;
	int ret = KSPLICE_OK;

	if (list_empty(&u->changes)) {
		/* --partial may have left nothing to load. */
		ksplice_debug("apply: no change is registered\n");
		return u->partial ? KSPLICE_OK : KSPLICE_UNEXPECTED;
	}
	list_for_each_entry(c, &u->changes, list)
		c->match_ns = 0;
	list_for_each_entry(c, &u->changes, list) {
		ret = ksplice_prepare_change(c);
		if (ret != KSPLICE_OK)
			break;
	}
	/*
	 * The matching phase is the sum over the changes, without the
	 * relocation writing and target lookups in between: that is what
	 * grows with the size of the patch and of the kernel's symbol table.
	 * Kept on failure too, where it says how far matching got.
	 */
	u->match_ns = 0;
	list_for_each_entry(c, &u->changes, list)
		u->match_ns += c->match_ns;
	ksplice_debug("run-pre matching of all changes: %llu ns\n",
		      u->match_ns);
	if (ret != KSPLICE_OK)
		goto out;
	ret = plan_jumps();
	if (ret != KSPLICE_OK)
		goto out;
	ret = build_ranges(&st);
	if (ret != KSPLICE_OK)
		goto out;
	ret = get_new_modules();
	if (ret != KSPLICE_OK)
		goto out;
	if (ksplice_call_hooks(KSPLICE_HOOK_PRE_APPLY)) {
		ret = KSPLICE_CALL_FAILED;
		goto fail_hooks;
	}
	ret = run_stopped(&st);
	if (ret != KSPLICE_OK)
		goto fail_hooks;
	ksplice_call_hooks(KSPLICE_HOOK_POST_APPLY);
	ksplice_pin_pending();
	pr_info("ksplice: update %s applied (%d functions, matching %llu ns, CPUs stopped %llu ns, %llu ns in the callback)\n",
		ksplice_id, u->nr_jumps, u->match_ns, u->stop_ns,
		u->pause_ns);
	goto out_free;

fail_hooks:
	ksplice_call_hooks(KSPLICE_HOOK_FAIL_APPLY);
	put_new_modules();
out:
	/* The targets may go, or load elsewhere, before the next attempt. */
	list_for_each_entry(c, &u->changes, list)
		ksplice_unwrite_relocs(c);
	release_targets();
	ksplice_free_plan();
out_free:
	kvfree(st.ranges);
	/* Matching results are not needed once the jumps are planned. */
	ksplice_free_matching();
	return ret;
}

int ksplice_reverse(void)
{
	struct ksplice_stop st = { .reverse = true };
	struct ksplice_change *c;
	int ret;

	/* A later update calls code of ours: it must be undone first. */
	if (ksplice_held())
		return KSPLICE_MODULE_BUSY;
	if (ksplice_call_hooks(KSPLICE_HOOK_PRE_REVERSE)) {
		ret = KSPLICE_CALL_FAILED;
		goto fail;
	}
	ret = build_ranges(&st);
	if (ret != KSPLICE_OK)
		goto fail;
	ret = run_stopped(&st);
	kvfree(st.ranges);
	if (ret != KSPLICE_OK)
		goto fail;
	ksplice_call_hooks(KSPLICE_HOOK_POST_REVERSE);
	/* Our new code no longer runs: what it used of others may go. */
	list_for_each_entry(c, &ksplice_update.changes, list)
		ksplice_release_deps(c);
	ksplice_unpin_pending();
	put_new_modules();
	release_targets();
	pr_info("ksplice: update %s reversed (CPUs stopped %llu ns)\n",
		ksplice_id, ksplice_update.stop_ns);
	return KSPLICE_OK;
fail:
	ksplice_call_hooks(KSPLICE_HOOK_FAIL_REVERSE);
	return ret;
}
