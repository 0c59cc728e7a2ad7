// SPDX-License-Identifier: GPL-2.0
/*
 * The special sections of a kernel object, as the profile describes them
 * (profiles/NAME/sections).  Each entry
 * of these tables describes a place in some function (its "anchor"): the
 * entries go with that function when it is kept, are compared with it when
 * they carry meaning the code bytes do not (which static key a jump label
 * tests, which CPU feature an alternative needs), and tell the engine
 * which bytes the running kernel has rewritten.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "../kmodsrc/ksplice-meta.h"

/* Never compared nor copied: module plumbing the build regenerates. */
static const char *const ignored_prefixes[] = {
	".discard", "__ksymtab", "___ksymtab", "__kcrctab", "___kcrctab",
	".modinfo", "__versions", ".gnu.linkonce", ".initcall", "__param",
	"__modver", ".ksplice", ".note", ".comment", ".debug", ".orc_header",
	"__patchable_function_entries", ".export_symbol",
};

const struct special *special_find(const char *name)
{
	size_t i;

	for (i = 0; i < profile.nspecials; i++)
		if (!fnmatch(profile.specials[i].name, name, 0))
			return &profile.specials[i];
	return NULL;
}

bool section_is_parallel_table(const char *name)
{
	size_t i;

	for (i = 0; i < profile.nspecials; i++)
		if (profile.specials[i].parallel &&
		    !strcmp(profile.specials[i].parallel, name))
			return true;
	return false;
}

bool section_ignored(const struct section *sec)
{
	size_t i;

	if (!(sec->sh.sh_flags & SHF_ALLOC))
		return true;
	for (i = 0; i < sizeof(ignored_prefixes) / sizeof(char *); i++)
		if (has_prefix(sec->name, ignored_prefixes[i]))
			return true;
	return false;
}

static struct reloc *reloc_at(struct section *sec, size_t first, size_t n,
			      GElf_Addr off)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (sec->relocs[i].offset == off)
			return &sec->relocs[i];
	return NULL;
}

static struct unit *target_unit(struct section *from, struct reloc *r,
				GElf_Addr *off)
{
	GElf_Addr t;
	struct unit *u;

	if (!r || !r->sym->sec)
		return NULL;
	t = reloc_target_off(from, r);
	u = unit_at(r->sym->sec, t);
	if (u)
		*off = t - u->start;
	return u;
}

/*
 * A .printk_index entry points at a pi_entry whose .func names the
 * function that printed: that function is the anchor.
 */
static struct unit *printk_index_anchor(struct object *obj, struct unit *pi)
{
	struct reloc *r;
	struct unit *fn;
	GElf_Addr off;
	size_t start;
	const char *name;

	if (!pi)
		return NULL;
	r = reloc_at(pi->sec, pi->first_rel, pi->nrel, pi->start + 8);
	fn = target_unit(pi->sec, r, &off);
	if (!fn || (fn->kind != U_STRINGS && fn->kind != U_RODATA))
		return NULL;
	name = string_at(fn, fn->start + off, &start);
	return name ? unit_by_name(obj, name) : NULL;
}

static void entry_anchor(struct object *obj, struct sp_entry *e)
{
	const struct special *sp = e->sec->special;
	struct reloc *r = reloc_at(e->sec, e->first_rel, e->nrel,
				   e->off + sp->anchor);

	e->anchor = target_unit(e->sec, r, &e->anchor_off);
	if (!strcmp(sp->name, ".printk_index")) {
		e->anchor = printk_index_anchor(obj, e->anchor);
		e->anchor_off = 0;
	}
	if (e->anchor && e->anchor->kind != U_TEXT)
		e->anchor = NULL;
}

static void section_entries(struct object *obj, struct section *sec)
{
	unsigned int es = sec->special->entsize;
	size_t n, i, r = 0;

	if (sec->size % es)
		die("%s: section %s: size %zu is not a multiple of %u (entry size in kernel profile %s)",
		    obj->path, sec->name, sec->size, es, profile.dir);
	n = sec->size / es;
	obj->ents = xrealloc(obj->ents, (obj->nents + n) * sizeof(*obj->ents));
	for (i = 0; i < n; i++) {
		struct sp_entry *e = &obj->ents[obj->nents++];

		memset(e, 0, sizeof(*e));
		e->sec = sec;
		e->off = i * es;
		e->size = es;
		e->ordinal = i;
		while (r < sec->nrelocs && sec->relocs[r].offset < e->off)
			r++;
		e->first_rel = r;
		while (r < sec->nrelocs && sec->relocs[r].offset < e->off + es)
			r++;
		e->nrel = r - e->first_rel;
	}
}

static int cmp_ent(const void *a, const void *b)
{
	const struct sp_entry *x = *(struct sp_entry *const *)a;
	const struct sp_entry *y = *(struct sp_entry *const *)b;

	if (x->sec->special != y->sec->special)
		return x->sec->special < y->sec->special ? -1 : 1;
	if (x->anchor_off != y->anchor_off)
		return x->anchor_off < y->anchor_off ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

void specials_build(struct object *obj)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++)
		if (obj->secs[i].special && obj->secs[i].size &&
		    obj->secs[i].sh.sh_type == SHT_PROGBITS)
			section_entries(obj, &obj->secs[i]);
	for (i = 0; i < obj->nents; i++) {
		struct sp_entry *e = &obj->ents[i];

		entry_anchor(obj, e);
		if (e->anchor)
			e->anchor->nents++;
	}
	for (i = 0; i < obj->nunits; i++) {
		struct unit *u = obj->units[i];

		if (u->nents)
			u->ents = xcalloc(u->nents, sizeof(*u->ents));
		u->nents = 0;
	}
	for (i = 0; i < obj->nents; i++) {
		struct sp_entry *e = &obj->ents[i];

		if (e->anchor)
			e->anchor->ents[e->anchor->nents++] = e;
	}
	for (i = 0; i < obj->nunits; i++)
		if (obj->units[i]->nents > 1)	/* ents is NULL without any */
			qsort(obj->units[i]->ents, obj->units[i]->nents,
			      sizeof(struct sp_entry *), cmp_ent);
}

/*
 * Bits that do not make a difference: the line number of a WARN/BUG site
 * and of a dynamic-debug call site move with every edit above them.
 * @mask has one byte per byte of the range at @off (relative to @sec).
 */
void data_ignore_mask(const struct section *sec, GElf_Addr off,
		      unsigned char *mask, size_t len)
{
	const struct special *sp = sec->special;
	size_t i;

	memset(mask, 0xff, len);
	if (sp && sp->ignore_len) {
		for (i = 0; i < len; i++) {
			GElf_Addr o = (off + i) % sp->entsize;

			if (o >= sp->ignore_off && o < sp->ignore_off + sp->ignore_len)
				mask[i] = 0;
		}
	}
	/* struct _ddebug: lineno:18 at offset 32, entries 8-aligned */
	if (!strcmp(sec->name, "__dyndbg") && len >= 35 && !(off % 8)) {
		mask[32] = 0;
		mask[33] = 0;
		mask[34] = 0xfc;
	}
}
