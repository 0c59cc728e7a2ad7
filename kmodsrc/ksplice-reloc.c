// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the new code's ksplice relocations: the fields the module loader
 * left alone (references to non-exported and local symbols of the target)
 * get the run addresses that matching learnt, or that kallsyms knows by name
 * for global symbols.  The new code module's text and rodata are read-only
 * once it is loaded, so fields are written with text_poke under text_mutex,
 * the way the kernel patches its own text.
 */
#include <linux/elf.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/static_call.h>
#include <linux/uaccess.h>
#include "ksplice-compat.h"
#include "ksplice.h"

/* Symbols the engine itself provides to replacement code (ksplice-patch.h). */
static const struct {
	const char *name;
	void *addr;
} engine_syms[] = {
	{ "ksplice_shadow_get", ksplice_shadow_get },
	{ "ksplice_shadow_alloc", ksplice_shadow_alloc },
	{ "ksplice_shadow_free", ksplice_shadow_free },
};

int ksplice_resolve_symbol(const char *target,
			   const struct ksplice_symbol *sym, unsigned long *val)
{
	const char *name = ksplice_sym_name(sym), *label = ksplice_sym_label(sym);
	struct ksplice_label *l;
	struct ksplice_cands cands = {};
	char *qualified;
	int i;

	for (i = 0; i < ARRAY_SIZE(engine_syms); i++) {
		if (!strcmp(name, engine_syms[i].name)) {
			*val = (unsigned long)engine_syms[i].addr;
			return KSPLICE_OK;
		}
	}

	l = ksplice_label_find(label, NULL);
	if (l) {
		*val = l->addr;
		return KSPLICE_OK;
	}

	if (!(sym->flags & KSPLICE_SYM_LOCAL)) {
		if (strcmp(target, "vmlinux")) {
			/* A module's own global wins over a same-named one. */
			qualified = kasprintf(GFP_KERNEL, "%s:%s", target, name);
			if (!qualified)
				return KSPLICE_OUT_OF_MEMORY;
			*val = ksplice_lookup_name(qualified);
			kfree(qualified);
			if (*val)
				return KSPLICE_OK;
		}
		*val = ksplice_lookup_name(name);
		if (*val)
			return KSPLICE_OK;
		ksplice_debug("symbol %s: not found by kallsyms\n", name);
		ksplice_abort_detail(KSPLICE_FAILED_TO_FIND,
				     "symbol %s, needed by the new code for %s: not in the running kernel's symbol table",
				     name, target);
		return KSPLICE_FAILED_TO_FIND;
	}

	/*
	 * A local that the old code never referred to, so matching did not
	 * bind it: acceptable only if the target has exactly one such name.
	 */
	if (ksplice_find_candidates(name, target, &cands) < 0)
		return KSPLICE_OUT_OF_MEMORY;
	i = cands.nr;
	if (i == 1)
		*val = cands.addr[0];
	ksplice_cands_free(&cands);
	if (i == 1) {
		ksplice_debug("local %s: unique in %s, at %lx\n", label,
			      target, *val);
		return KSPLICE_OK;
	}
	ksplice_debug("local %s: not bound by matching, %d candidates in %s\n",
		      label, i, target);
	ksplice_abort_detail(KSPLICE_FAILED_TO_FIND,
			     "local symbol %s, needed by the new code for %s: %d candidates in %s and none proven by matching",
			     label, target, i, target);
	return KSPLICE_FAILED_TO_FIND;
}

static bool canary_ok(const struct ksplice_reloc *r)
{
	u64 v;

	if (r->size == 1)
		return *(u8 *)(unsigned long)r->blank_addr == (u8)KSPLICE_CANARY;
	if (r->size == 4)
		return get_unaligned((u32 *)(unsigned long)r->blank_addr) ==
			KSPLICE_CANARY;
	v = get_unaligned((u64 *)(unsigned long)r->blank_addr);
	return (u32)v == KSPLICE_CANARY &&
		(v >> 32 == 0 || v >> 32 == KSPLICE_CANARY);
}

/*
 * Encode S + A (- P) into the field's width, or refuse if it does not fit;
 * for a runtime constant, the bytes the variable at S holds now (written
 * once at boot, so they hold still).
 */
static int reloc_value(const struct ksplice_reloc *r, unsigned long S, u8 *out)
{
	u64 v = S + r->addend;

	if (r->flags & KSPLICE_RELOC_VALUE)
		return copy_from_kernel_nofault(out, (void *)S, r->size);

	if (r->flags & KSPLICE_RELOC_PCREL)
		v -= r->blank_addr;
	switch (r->size) {
	case 8:
		put_unaligned(v, (u64 *)out);
		return 0;
	case 4:
		if (r->type == R_X86_64_32 ? v != (u32)v : (s64)v != (s32)v)
			return -ERANGE;
		put_unaligned((u32)v, (u32 *)out);
		return 0;
	default:
		return -EINVAL;
	}
}

#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
/* Is @a the rel32 of the call at one of @mod's static call sites? */
static bool static_call_site_field(const struct module *mod, unsigned long a)
{
	struct static_call_site *site = mod->static_call_sites;
	unsigned int i;

	for (i = 0; site && i < mod->num_static_call_sites; i++, site++)
		if ((unsigned long)&site->addr + site->addr + 1 == a)
			return true;
	return false;
}
#endif

/*
 * Fields the kernel uses while it loads the new code module, before its
 * init registers it with us: the static key of a __jump_table entry and
 * the key of a .static_call_sites entry (jump_label_module_notify() and
 * static_call_module_notify() follow them at MODULE_STATE_COMING), and the
 * call at a static call site, which static_call then rewrites itself.
 * They are written at MODULE_STATE_COMING (ksplice-early.c); the rest at
 * apply time.
 */
bool ksplice_reloc_is_early(const struct module *mod,
			    const struct ksplice_reloc *r)
{
	unsigned long a = r->blank_addr;

#ifdef CONFIG_JUMP_LABEL
	if (mod->jump_entries &&
	    a >= (unsigned long)mod->jump_entries &&
	    a < (unsigned long)(mod->jump_entries + mod->num_jump_entries))
		return true;
#endif
#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
	if (mod->static_call_sites &&
	    a >= (unsigned long)mod->static_call_sites &&
	    a < (unsigned long)(mod->static_call_sites +
				mod->num_static_call_sites))
		return true;
	if (static_call_site_field(mod, a))
		return true;
#endif
	return false;
}

/*
 * Write the relocations of [@start, @end) of the new code module @mod for
 * @target: those of change @c, or with @c NULL the early ones only.  The
 * table passed ksplice_check_relocs(): every field lies in @mod.  What
 * they resolve to in another update's code, @c depends on (ksplice-deps.c).
 */
int ksplice_write_reloc_table(struct module *mod, const char *target,
			      const struct ksplice_reloc *start,
			      const struct ksplice_reloc *end,
			      struct ksplice_change *c)
{
	const struct ksplice_reloc *r;
	bool early = !c;
	int ret = KSPLICE_OK, i, n = 0;
	struct ksplice_seals seals = { .max = end - start };
	u64 *vals;

	if (!start || start >= end)
		return KSPLICE_OK;
	vals = kvcalloc(end - start, sizeof(*vals), GFP_KERNEL);
	seals.addr = kvcalloc(end - start, sizeof(*seals.addr), GFP_KERNEL);
	if (!vals || !seals.addr) {
		ret = KSPLICE_OUT_OF_MEMORY;
		goto out;
	}

	/*
	 * Resolve everything first: kallsyms walks take module_mutex, which
	 * must not nest inside text_mutex.
	 */
	for_each_table(r, start, end) {
		const struct ksplice_symbol *sym = (void *)(unsigned long)r->symbol;
		unsigned long S;

		if (ksplice_reloc_is_early(mod, r) != early)
			continue;
		if (!canary_ok(r)) {
			ksplice_debug("reloc at %llx (+0x%x, %s): field does not hold the canary\n",
				      r->blank_addr, r->blank_offset,
				      ksplice_sym_label(sym));
			ret = KSPLICE_UNEXPECTED;
			goto out;
		}
		ret = ksplice_resolve_symbol(target, sym, &S);
		if (ret == KSPLICE_OK && c)
			ret = ksplice_depend(c, S, ksplice_sym_name(sym));
		if (ret != KSPLICE_OK)
			goto out;
		if (reloc_value(r, S, (u8 *)&vals[r - start])) {
			ksplice_debug("reloc at %llx: %s=%lx %s (type %u)\n",
				      r->blank_addr, ksplice_sym_label(sym), S,
				      r->flags & KSPLICE_RELOC_VALUE ?
				      "cannot be read" : "out of range",
				      r->type);
			ret = KSPLICE_UNEXPECTED;
			goto out;
		}
		if (!early)
			ksplice_seals_note(&seals, r, S);
		n++;
	}

	mutex_lock(ksplice_text_mutex);
	for (i = 0, r = start; n && r < end; i++, r++)
		if (ksplice_reloc_is_early(mod, r) == early)
			ksplice_text_poke((void *)(unsigned long)r->blank_addr,
					  &vals[i], r->size);
	ret = ksplice_seals_open(&seals);
	mutex_unlock(ksplice_text_mutex);
out:
	kvfree(seals.addr);
	kvfree(vals);
	return ret;
}

/*
 * Put the canaries back into the fields written for @c, and let go of
 * what they used of other updates: its target went away, or the apply
 * failed and the target may load elsewhere before the next attempt.  The
 * next match writes them afresh.  The early fields (static keys and
 * calls), written once when the new code module loaded, stay.
 */
void ksplice_unwrite_relocs(struct ksplice_change *c)
{
	const u64 canary = KSPLICE_CANARY64;	/* its first 4 bytes too */
	const struct ksplice_reloc *r;

	ksplice_release_deps(c);
	if (!c->relocs_done)
		return;
	mutex_lock(ksplice_text_mutex);
	for_each_table(r, c->new->relocs, c->new->relocs_end)
		if (!ksplice_reloc_is_early(c->new->mod, r))
			ksplice_text_poke((void *)(unsigned long)r->blank_addr,
					  &canary, r->size);
	mutex_unlock(ksplice_text_mutex);
	c->relocs_done = false;
}

int ksplice_write_relocs(struct ksplice_change *c)
{
	int ret;

	if (c->relocs_done)
		return KSPLICE_OK;
	ret = ksplice_write_reloc_table(c->new->mod, c->target, c->new->relocs,
					c->new->relocs_end, c);
	if (ret == KSPLICE_OK)
		c->relocs_done = true;
	else
		ksplice_release_deps(c);
	return ret;
}
