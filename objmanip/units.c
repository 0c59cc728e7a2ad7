// SPDX-License-Identifier: GPL-2.0
/*
 * Cutting sections into units.  With -ffunction-sections most sections
 * hold one function, but section attributes win over the option:
 * .sched.text, .init.text, .data..percpu, .data..read_mostly hold many
 * symbols, and a hot-patch replaces one function, not a section.
 */
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"

static bool unit_section(const struct section *sec)
{
	if (!(sec->sh.sh_flags & SHF_ALLOC) || !sec->size)
		return false;
	if (sec->sh.sh_type != SHT_PROGBITS && sec->sh.sh_type != SHT_NOBITS)
		return false;
	return !sec->special && !sec->parallel_table && !sec->ignored;
}

static enum unit_kind section_kind(const struct section *sec)
{
	GElf_Xword f = sec->sh.sh_flags;

	if (f & SHF_EXECINSTR)
		return U_TEXT;
	if ((f & SHF_MERGE) && (f & SHF_STRINGS))
		return U_STRINGS;
	if ((f & SHF_MERGE) && sec->sh.sh_entsize)
		return U_MERGE;
	if ((f & SHF_WRITE) || sec->sh.sh_type == SHT_NOBITS)
		return U_DATA;
	return U_RODATA;
}

static struct unit *unit_new(struct object *obj, struct section *sec,
			     GElf_Addr start, GElf_Addr size,
			     struct symbol *sym)
{
	struct unit *u = xcalloc(1, sizeof(*u));

	u->obj = obj;
	u->sec = sec;
	u->start = start;
	u->size = size;
	u->sym = sym;
	u->name = sym ? sym->name : sec->name;
	u->canon = canon_name(u->name);
	u->kind = section_kind(sec);
	u->out_sec = -1;
	sec->units = xrealloc(sec->units, (sec->nunits + 1) * sizeof(u));
	sec->units[sec->nunits++] = u;
	obj->units = xrealloc(obj->units, (obj->nunits + 1) * sizeof(u));
	u->seq = obj->nunits;
	obj->units[obj->nunits++] = u;
	if (sym)
		sym->unit = u;
	return u;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a;
	const struct symbol *y = *(struct symbol *const *)b;

	if (x->sym.st_value != y->sym.st_value)
		return x->sym.st_value < y->sym.st_value ? -1 : 1;
	if (x->sym.st_size != y->sym.st_size)
		return x->sym.st_size > y->sym.st_size ? -1 : 1;
	/* the function names its unit, not its module entry alias */
	if (is_module_entry_alias(x->name) != is_module_entry_alias(y->name))
		return is_module_entry_alias(x->name) ? 1 : -1;
	if ((x->bind == STB_GLOBAL) != (y->bind == STB_GLOBAL))
		return x->bind == STB_GLOBAL ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * __pfx_F marks the padding before F (objtool --prefix): part of F's
 * section, never a function of its own, and never compared (call-depth
 * tracking rewrites it at boot).
 */
static bool unit_symbol(const struct symbol *s)
{
	return (s->type == STT_FUNC || s->type == STT_OBJECT) &&
		s->sym.st_value <= s->sec->size &&
		!has_prefix(s->name, "__pfx_");
}

/* Symbols of one section, by address: one unit per start. */
static void units_from_symbols(struct object *obj, struct section *sec,
			       struct symbol **syms, size_t n)
{
	struct unit *prev = NULL;
	size_t i;

	qsort(syms, n, sizeof(*syms), cmp_sym);
	for (i = 0; i < n; i++) {
		struct symbol *s = syms[i];
		GElf_Addr start = s->sym.st_value, size = s->sym.st_size;

		/* sorted: start >= prev->start, and no sum can wrap */
		if (prev && start - prev->start < prev->size) {
			s->unit = prev;		/* alias or nested */
			continue;
		}
		if (prev && start == prev->start) {
			s->unit = prev;
			continue;
		}
		if (!size) {
			size_t j = i + 1;

			while (j < n && syms[j]->sym.st_value == start)
				j++;
			size = (j < n ? syms[j]->sym.st_value : sec->size) -
				start;
		}
		if (size > sec->size - start)
			size = sec->size - start;
		prev = unit_new(obj, sec, start, size, s);
	}
}

static int cmp_addr(const void *a, const void *b)
{
	GElf_Addr x = *(const GElf_Addr *)a, y = *(const GElf_Addr *)b;

	return x < y ? -1 : x > y;
}

/*
 * Is @off strictly inside a relocation field of @sec?  No instruction
 * starts there, so a reference that designates it (e.g. a rip-relative
 * operand followed by an immediate, whose target is off by the immediate's
 * size) is no cut point: a cut there would split the field between units.
 */
static bool inside_field(const struct section *sec, GElf_Addr off)
{
	size_t lo = 0, hi = sec->nrelocs;
	const struct reloc *r;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sec->relocs[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	r = &sec->relocs[lo - 1];
	return off - r->offset < (GElf_Addr)reloc_size(r->type);
}

/* Anonymous code (.altinstr_aux, .altinstr_replacement): cut at entries. */
static void units_from_cuts(struct object *obj, struct section *sec)
{
	GElf_Addr prev = 0;
	size_t i;

	if (sec->ncuts > 1)	/* cuts is NULL without any */
		qsort(sec->cuts, sec->ncuts, sizeof(*sec->cuts), cmp_addr);
	for (i = 0; i < sec->ncuts; i++) {
		GElf_Addr c = sec->cuts[i];

		if (c <= prev || c >= sec->size || inside_field(sec, c))
			continue;
		unit_new(obj, sec, prev, c - prev, NULL);
		prev = c;
	}
	unit_new(obj, sec, prev, sec->size - prev, NULL);
}

static void collect_cuts(struct object *obj)
{
	size_t i, j;

	for (i = 1; i < obj->nsecs; i++) {
		struct section *from = &obj->secs[i];

		if (!(from->sh.sh_flags & SHF_ALLOC))
			continue;
		for (j = 0; j < from->nrelocs; j++) {
			struct reloc *r = &from->relocs[j];
			struct section *to = r->sym->sec;

			if (!to || to == from ||
			    !(to->sh.sh_flags & SHF_EXECINSTR))
				continue;
			to->cuts = xrealloc(to->cuts,
					    (to->ncuts + 1) * sizeof(GElf_Addr));
			to->cuts[to->ncuts++] = reloc_target_off(from, r);
		}
	}
}

/*
 * A unit is copied alone: a relocation field running past its end would
 * reach past the end of its output section.
 */
static void check_last_field(const struct unit *u)
{
	const struct reloc *r;

	if (!u->nrel)
		return;
	r = &u->sec->relocs[u->first_rel + u->nrel - 1];
	if (r->offset - u->start + reloc_size(r->type) > u->size)
		die("%s: section %s: relocation at offset 0x%llx runs past the end of %s",
		    u->obj->path, u->sec->name, (unsigned long long)r->offset,
		    u->name);
}

static void unit_relocs(struct unit *u)
{
	struct section *sec = u->sec;
	size_t lo = 0, hi = sec->nrelocs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sec->relocs[mid].offset < u->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	u->first_rel = lo;
	while (lo < sec->nrelocs && sec->relocs[lo].offset - u->start < u->size)
		lo++;
	u->nrel = lo - u->first_rel;
	check_last_field(u);
}

static void find_parents(struct object *obj)
{
	size_t i;

	for (i = 0; i < obj->nunits; i++) {
		struct unit *u = obj->units[i], *p;
		size_t n = strlen(u->canon);
		char *base;

		if (u->kind != U_TEXT || n < 6 ||
		    strcmp(u->canon + n - 5, ".cold"))
			continue;
		base = xstrdup(u->name);
		base[strstr(base, ".cold") - base] = 0;
		p = unit_by_name(obj, base);
		free(base);
		if (p && p != u && p->kind == U_TEXT)
			u->parent = p;
	}
}

static void section_units(struct object *obj, struct section *sec,
			  struct symbol **syms, size_t n)
{
	if (n)
		units_from_symbols(obj, sec, syms, n);
	else if (sec->sh.sh_flags & SHF_EXECINSTR)
		units_from_cuts(obj, sec);
	else
		unit_new(obj, sec, 0, sec->size, NULL);
}

/* Symbols bucketed by section, so that big objects stay linear. */
static void all_section_units(struct object *obj)
{
	size_t *first = xcalloc(obj->nsecs + 1, sizeof(*first));
	struct symbol **syms = xcalloc(obj->nsyms, sizeof(*syms));
	size_t *fill = xcalloc(obj->nsecs, sizeof(*fill));
	size_t i;

	for (i = 1; i < obj->nsyms; i++)
		if (obj->syms[i].sec && unit_symbol(&obj->syms[i]))
			first[obj->syms[i].sec->index + 1]++;
	for (i = 1; i <= obj->nsecs; i++)
		first[i] += first[i - 1];
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];

		if (s->sec && unit_symbol(s))
			syms[first[s->sec->index] + fill[s->sec->index]++] = s;
	}
	for (i = 1; i < obj->nsecs; i++)
		if (unit_section(&obj->secs[i]))
			section_units(obj, &obj->secs[i], syms + first[i],
				      first[i + 1] - first[i]);
	free(first);
	free(syms);
	free(fill);
}

static void classify_sections(struct object *obj)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++) {
		struct section *sec = &obj->secs[i];

		sec->special = special_find(sec->name);
		sec->parallel_table = section_is_parallel_table(sec->name);
		sec->ignored = section_ignored(sec);
		sec->init = has_prefix(sec->name, ".init.");
	}
}

void units_build(struct object *obj)
{
	size_t i;

	classify_sections(obj);
	collect_cuts(obj);
	all_section_units(obj);
	obj->byname = hash_new();
	for (i = 0; i < obj->nunits; i++)
		unit_relocs(obj->units[i]);
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];

		if (s->unit && s->type != STT_SECTION)
			hash_add(obj->byname, s->name, s->unit);
	}
	find_parents(obj);
}

bool unit_is_function(const struct unit *u)
{
	return u->kind == U_TEXT && u->sym && u->sym->type == STT_FUNC;
}

struct unit *unit_by_name(struct object *obj, const char *name)
{
	return hash_get(obj->byname, name);
}
