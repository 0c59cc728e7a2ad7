// SPDX-License-Identifier: GPL-2.0
/*
 * Copying units into an output object, following their relocations.
 *
 * What a kept unit refers to is either copied with it (strings, jump
 * tables and other anonymous read-only data, new code and data, the
 * alternative replacements of its sites) or left as a relocation against
 * an undefined symbol whose name is the label of the running kernel's
 * copy: "name" for a global, "name/FILE" for a local.  finalize turns
 * those into ksplice relocations.  In the old object everything but
 * strings is referred to by label: the engine learns each address while
 * matching.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "carry.h"
#include "emit.h"
#include "meta.h"
#include "../kmodsrc/ksplice-meta.h"

void emit_init(struct emit *e, struct out *o, struct object *obj, bool old)
{
	memset(e, 0, sizeof(*e));
	e->o = o;
	e->obj = obj;
	e->old = old;
}

void emit_free(struct emit *e)
{
	free(e->queue);
}

char *unit_label(const struct unit *u)
{
	if (u->sym && u->sym->bind != STB_LOCAL)
		return xstrdup(u->name);
	if (u->sym)
		return xasprintf("%s/%s", u->name, u->obj->file);
	return xasprintf("%s+0x%llx/%s", u->sec->name,
			 (unsigned long long)u->start, u->obj->file);
}

/* The label of the running kernel's copy: the pre object names it. */
static char *run_label(struct emit *e, const struct unit *u)
{
	if (!e->old && u->counterpart)
		return unit_label(u->counterpart);
	return unit_label(u);
}

static bool should_copy(struct emit *e, const struct unit *u)
{
	if (u->keep || u->carried || u->kind == U_STRINGS ||
	    u->kind == U_MERGE)
		return true;
	if (!u->sym && u->kind != U_DATA)
		return true;		/* jump tables, .altinstr_aux chunks */
	if (e->old || u->sec->init)
		return false;
	return !u->counterpart;		/* new code or data */
}

static GElf_Xword unit_align(const struct unit *u)
{
	GElf_Xword a = u->sec->sh.sh_addralign ? u->sec->sh.sh_addralign : 1;

	while (a > 1 && u->start % a)
		a /= 2;
	return a;
}

void emit_keep(struct emit *e, struct unit *u)
{
	const unsigned char *data;
	GElf_Xword flags = u->sec->sh.sh_flags;

	if (u->out_sec >= 0)
		return;
	/*
	 * Old code is only ever read (run-pre matching), never run: keep it
	 * out of executable memory, and out of the objtool pass kbuild makes
	 * over linked modules on IBT kernels (its relocation fields hold
	 * canaries, which objtool would take for jump targets).
	 */
	if (e->old)
		flags &= ~(GElf_Xword)SHF_EXECINSTR;
	u->keep = true;
	u->out_sec = out_add_sec(e->o, u->sec->name, u->sec->sh.sh_type,
				 flags, unit_align(u), u->sec->sh.sh_entsize);
	data = u->sec->data ? u->sec->data + u->start : NULL;
	out_append(e->o, u->out_sec, data, u->size, 1);
	if (e->nq == e->qcap) {
		e->qcap = e->qcap * 2 + 16;
		e->queue = xrealloc(e->queue, e->qcap * sizeof(*e->queue));
	}
	e->queue[e->nq++] = u;
}

/* Re-emit relocation @r of section @from at @osec+@ooff. */
static void emit_reloc(struct emit *e, struct section *from,
		       const struct reloc *r, int osec, GElf_Addr ooff)
{
	struct target t;
	char *label;
	int sym;

	reloc_resolve(from, r, &t);
	if (!e->old && t.unit && !t.unit->keep && carry_wanted(from, r, &t))
		t.unit->carried = true;
	if (t.unit && should_copy(e, t.unit)) {
		emit_keep(e, t.unit);
		if (!e->old || t.unit->kind == U_STRINGS) {
			out_add_rela(e->o, osec, ooff, r->type,
				     out_secsym(e->o, t.unit->out_sec), t.off);
			return;
		}
	}
	if (!e->old && !t.unit && t.sec && !t.sec->size) {
		/* an empty struct: the update's own (see carry.c) */
		sym = out_find_sec(e->o, t.sec->name);
		if (sym < 0)
			sym = carry_empty(e->o, t.sec);
		if (sym >= 0) {
			out_add_rela(e->o, osec, ooff, r->type,
				     out_secsym(e->o, sym), t.off);
			return;
		}
	}
	if (!e->old && e->pre)
		carry_check_label(e->pre, e->obj, from, r, &t);
	if (t.unit)
		label = run_label(e, t.unit);
	else if (t.name)
		label = xstrdup(t.name);
	else
		label = xasprintf("%s/%s", t.sec->name, e->obj->file);
	sym = out_undef(e->o, label);
	free(label);
	out_add_rela(e->o, osec, ooff, r->type, sym, t.off);
}

static int special_out(struct emit *e, const struct section *src)
{
	int s = out_find_sec(e->o, src->name);

	if (s < 0)
		s = out_add_sec(e->o, src->name, src->sh.sh_type,
				src->sh.sh_flags, src->sh.sh_addralign,
				src->sh.sh_entsize);
	return s;
}

/* The entry, its relocations and its row of a parallel table (ORC). */
static void emit_entry(struct emit *e, struct sp_entry *ent)
{
	const struct special *sp = ent->sec->special;
	int osec = special_out(e, ent->sec);
	GElf_Addr base = out_append(e->o, osec, ent->sec->data + ent->off,
				    ent->size, 1);
	struct section *rows;
	size_t i;

	for (i = 0; i < ent->nrel; i++) {
		const struct reloc *r = &ent->sec->relocs[ent->first_rel + i];

		emit_reloc(e, ent->sec, r, osec, base + r->offset - ent->off);
	}
	if (!sp->parallel)
		return;
	rows = object_find_section(e->obj, sp->parallel);
	if (!rows || !rows->data ||
	    (ent->ordinal + 1) * sp->parallel_entsize > rows->size)
		die("%s: %s has no row %zu for %s", e->obj->path, sp->parallel,
		    ent->ordinal, ent->sec->name);
	out_append(e->o, special_out(e, rows),
		   rows->data + ent->ordinal * sp->parallel_entsize,
		   sp->parallel_entsize, 1);
}

/* The variable a runtime constant section is named after (the '*'). */
static const char *const_var_name(struct emit *e, const struct section *sp)
{
	const char *pat = sp->special->name, *star = strchr(pat, '*');

	if (!star || star[1] || strlen(sp->name) <= (size_t)(star - pat))
		die("%s: section %s: profile pattern %s does not end in '*' naming the variable",
		    e->obj->path, sp->name, pat);
	return sp->name + (star - pat);
}

/* The label of the running kernel's variable @name, or NULL if it has none. */
static char *const_var_label(struct emit *e, const char *name)
{
	size_t i;

	for (i = 1; i < e->obj->nsyms; i++) {
		const struct symbol *s = &e->obj->syms[i];

		if (!s->sec || strcmp(s->name, name))
			continue;
		if (!s->unit || (!s->unit->counterpart && s->bind == STB_LOCAL))
			return NULL;
		return run_label(e, s->unit);
	}
	return xstrdup(name);	/* defined elsewhere: a global */
}

/*
 * The kernel writes runtime constants into its own code once, at boot, and
 * only in vmlinux: in a module the placeholder would stay.  The engine
 * writes the running value instead (finalize makes the relocation).
 */
static void emit_value_site(struct emit *e, struct unit *u,
			    const struct sp_entry *ent)
{
	const char *var = const_var_name(e, ent->sec);
	struct value_site vs = { .len = ent->sec->special->fixed_len };
	char *label = const_var_label(e, var);
	int osec;
	GElf_Addr base;

	if (!label)
		refuse("%s: refusing: %s uses the runtime constant %s (section %s), a variable the running kernel does not have",
		       e->obj->path, u->name, var, ent->sec->name);
	osec = out_find_sec(e->o, VALUE_SITES_SEC);
	if (osec < 0)
		osec = out_add_sec(e->o, VALUE_SITES_SEC, SHT_PROGBITS, 0, 8, 0);
	base = out_append(e->o, osec, &vs, sizeof(vs), 8);
	out_add_rela(e->o, osec, base + offsetof(struct value_site, site),
		     R_X86_64_64, out_secsym(e->o, u->out_sec), ent->anchor_off);
	out_add_rela(e->o, osec, base + offsetof(struct value_site, var),
		     R_X86_64_64, out_undef(e->o, label), 0);
	free(label);
}

static void emit_unit_relocs(struct emit *e, struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nrel; i++) {
		const struct reloc *r = &u->sec->relocs[u->first_rel + i];

		emit_reloc(e, u->sec, r, u->out_sec, r->offset - u->start);
	}
	if (e->old || u->kind != U_TEXT)
		return;
	/*
	 * Call-depth tracking would put accounting thunks in the padding
	 * before each callee; new code is emitted without padding, so its
	 * calls stay plain (the counter then errs on the side of stuffing).
	 */
	for (i = 0; i < u->nents; i++) {
		const struct section *sp = u->ents[i]->sec;

		if (sp->special->kind == KSPLICE_SPECIAL_CONST)
			emit_value_site(e, u, u->ents[i]);
		else if (sp->special->kind != KSPLICE_SPECIAL_CALL)
			emit_entry(e, u->ents[i]);
	}
}

/*
 * Copy a whole section that has no units (the patch's .ksplice_hooks
 * records) with its relocations: what the entries point to is kept (a
 * hook function of the patch is new code) or referred to by label.
 */
void emit_section(struct emit *e, struct section *sec)
{
	int osec = out_find_sec(e->o, sec->name);
	GElf_Addr base;
	size_t i;

	if (osec < 0)
		osec = out_add_sec(e->o, sec->name, sec->sh.sh_type,
				   sec->sh.sh_flags, sec->sh.sh_addralign,
				   sec->sh.sh_entsize);
	base = out_append(e->o, osec, sec->data, sec->size,
			  sec->sh.sh_addralign ? sec->sh.sh_addralign : 1);
	for (i = 0; i < sec->nrelocs; i++) {
		const struct reloc *r = &sec->relocs[i];

		emit_reloc(e, sec, r, osec, base + r->offset);
	}
}

/* Symbols of kept units; the old object keeps them local (see above). */
static void emit_symbols(struct emit *e)
{
	struct object *obj = e->obj;
	size_t i;

	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];
		struct unit *u = s->unit;

		if (!u || u->out_sec < 0 || s->type == STT_SECTION ||
		    s->sec != u->sec)
			continue;
		/* the new code module has its own init_module/cleanup_module */
		if (!e->old && is_module_entry_alias(s->name))
			continue;
		out_add_sym(e->o, s->name, e->old ? STB_LOCAL : s->bind,
			    s->type, u->out_sec, s->sym.st_value - u->start,
			    s->sym.st_size);
	}
}

/* Copy everything the kept units need; returns once closed. */
void emit_run(struct emit *e)
{
	while (e->qhead < e->nq)
		emit_unit_relocs(e, e->queue[e->qhead++]);
	emit_symbols(e);
}
