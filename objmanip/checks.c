// SPDX-License-Identifier: GPL-2.0
/*
 * Checks on the input objects and the refusals: what objmanip understands
 * but a hot-patch cannot do.  Each refusal names object, section, symbol.
 */
#include <string.h>
#include "objmanip.h"
#include "checks.h"

/* With -ffunction-sections nothing of C code lands in plain .text. */
void check_function_sections(struct object *obj)
{
	size_t i;

	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];

		if (s->type == STT_FUNC && s->sec && s->sym.st_size &&
		    !strcmp(s->sec->name, ".text"))
			die("%s: function %s is in section .text: object not built with -ffunction-sections",
			    obj->path, s->name);
	}
}

void check_common_function(struct object *pre, struct object *post)
{
	size_t i, nfunc = 0;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (!unit_is_function(u))
			continue;
		nfunc++;
		if (u->counterpart)
			return;
	}
	for (i = 0; i < pre->nunits && !nfunc; i++)
		nfunc += unit_is_function(pre->units[i]);
	if (nfunc)
		die("%s: no function in common with %s: objects from different sources?",
		    post->path, pre->path);
}

/* "___ksymtab+foo", "___ksymtab_gpl+foo", "__ksymtab_foo" -> "foo" */
static const char *export_name(const struct section *sec)
{
	const char *p;

	if (!has_prefix(sec->name, "___ksymtab") &&
	    !has_prefix(sec->name, "__ksymtab_"))
		return NULL;
	if (!strcmp(sec->name, "__ksymtab_strings"))
		return NULL;
	p = strchr(sec->name, '+');
	return p ? p + 1 : NULL;
}

static bool has_export(struct object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++) {
		const char *n = export_name(&obj->secs[i]);

		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

static void check_exports_one_way(struct object *a, struct object *b,
				  const char *what, const char *path)
{
	size_t i;

	for (i = 1; i < a->nsecs; i++) {
		const char *n = export_name(&a->secs[i]);

		if (n && !has_export(b, n))
			refuse("%s: refusing: export %s in section %s, symbol %s",
			       path, what,
			       a->secs[i].name, n);
	}
}

/* Exported symbols keep their CRC and the export table stays as it is. */
void check_exports(struct object *pre, struct object *post)
{
	size_t i;

	for (i = 1; i < post->nsyms; i++) {
		struct symbol *s = &post->syms[i], *p;

		if (!has_prefix(s->name, "__crc_"))
			continue;
		p = object_find_symbol(pre, s->name);
		if (p && p->sym.st_value != s->sym.st_value)
			refuse("%s: refusing: exported symbol CRC changed in section %s, symbol %s",
			       post->path,
			       s->sec ? s->sec->name : "*ABS*", s->name);
	}
	check_exports_one_way(post, pre, "added", post->path);
	check_exports_one_way(pre, post, "removed", post->path);
}

static bool owned_by_call_site(const struct unit *u)
{
	/* dynamic-debug descriptors: one per pr_debug() site */
	return !strcmp(u->sec->name, "__dyndbg");
}

/* A relocation of data unit @u that designates replaced read-only data. */
static struct unit *replaced_target(struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nrel; i++) {
		struct target t;

		reloc_resolve(u->sec, &u->sec->relocs[u->first_rel + i], &t);
		if (t.unit && t.unit->replaced)
			return t.unit;
	}
	return NULL;
}

static void refuse_replaced(struct object *post, struct unit *r,
			    const char *why)
{
	refuse("%s: refusing: change to existing read-only data in section %s, symbol %s: %s",
	       post->path, r->sec->name, r->name, why);
}

/*
 * Existing data must keep its contents and size: the running kernel's
 * copy is the one in use.  Read-only data and per-call-site descriptors
 * that changed are taken as new instead (the new code gets its own copy;
 * check_replaced_data() makes sure nothing else still uses the old one).
 * Read-only data first, so that data pointing at it names it.
 */
void check_data(struct object *pre, struct object *post)
{
	size_t i, pass;

	(void)pre;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < post->nunits; i++) {
			struct unit *u = post->units[i], *p = u->counterpart, *r;
			bool data = u->kind == U_DATA && !owned_by_call_site(u);

			if (!p || u->kind == U_TEXT || u->sec->init ||
			    data != (pass == 1))
				continue;
			if (!unit_changed(p, u))
				continue;
			if (data) {
				r = replaced_target(u);
				if (r && u->size == p->size)
					refuse_replaced(post, r, xasprintf("data %s (section %s) points at the running copy",
									   u->name, u->sec->name));
				refuse("%s: refusing: change to existing static data in section %s, symbol %s",
				       post->path, u->sec->name, u->name);
			}
			if (u->kind == U_RODATA)
				u->replaced = true;
			p->counterpart = NULL;
			u->counterpart = NULL;
		}
	}
}

static bool kept_code(const struct unit *u)
{
	const struct unit *f = u->parent ? u->parent : u;

	if (!unit_is_function(u))
		return false;
	return !f->sec->init &&
		(u->changed || u->is_new || f->changed || f->is_new);
}

/* The unit a relocation at @off of @sec belongs to, by name, for messages. */
static const char *referrer_name(struct object *obj, struct section *sec,
				 GElf_Addr off)
{
	struct unit *u = unit_at(sec, off);
	size_t i;

	if (u)
		return u->name;
	for (i = 0; i < obj->nents; i++) {
		struct sp_entry *e = &obj->ents[i];

		if (e->sec == sec && off >= e->off && off < e->off + e->size &&
		    e->anchor)
			return e->anchor->name;
	}
	return sec->name;
}

/*
 * Is the use of replaced data at @off of @sec one that the update covers:
 * code it replaces or adds, or other replaced data (checked in turn)?
 */
static bool use_covered(struct object *obj, struct section *sec, GElf_Addr off)
{
	struct unit *u = unit_at(sec, off);
	size_t i;

	if (has_prefix(sec->name, ".discard"))
		return true;	/* not in the running kernel */
	if (u)
		return kept_code(u) || u->replaced;
	for (i = 0; i < obj->nents; i++) {
		struct sp_entry *e = &obj->ents[i];

		if (e->sec == sec && off >= e->off && off < e->off + e->size)
			return e->anchor && kept_code(e->anchor);
	}
	return false;
}

/*
 * Replaced read-only data (a const ops table that gained a pointer) takes
 * effect only where the update points at its new copy: in the code it
 * replaces.  Anything else that refers to it (unchanged data, __init code
 * that registered it, other objects through a global symbol) keeps using
 * the running copy, and the change would silently not happen.
 */
void check_replaced_data(struct object *post)
{
	size_t i, j, k;

	for (i = 0; i < post->nunits; i++) {
		struct unit *r = post->units[i];

		if (!r->replaced)
			continue;
		if (r->sym && r->sym->bind != STB_LOCAL)
			refuse_replaced(post, r, "it is global, so other objects may use the running copy");
		for (j = 1; j < post->nsecs; j++) {
			struct section *sec = &post->secs[j];

			if (!(sec->sh.sh_flags & SHF_ALLOC))
				continue;
			for (k = 0; k < sec->nrelocs; k++) {
				struct target t;

				reloc_resolve(sec, &sec->relocs[k], &t);
				if (t.unit != r ||
				    use_covered(post, sec, sec->relocs[k].offset))
					continue;
				refuse_replaced(post, r, xasprintf("%s (section %s) uses the running copy and is not replaced",
								   referrer_name(post, sec, sec->relocs[k].offset),
								   sec->name));
			}
		}
	}
}

/* The jump to the replacement goes after endbr64 and the __fentry__ call. */
void check_jump_room(struct object *post, struct unit *pre_fn)
{
	GElf_Addr room = pre_fn->size;

	if (starts_with_endbr(pre_fn))
		room -= ENDBR_LEN;
	if (starts_with_fentry(pre_fn))
		room -= 5;
	if (room < 5)
		refuse("%s: refusing: function too small to hold a jump (%llu bytes after the entry) in section %s, symbol %s",
		       post->path, (unsigned long long)room, pre_fn->sec->name,
		       pre_fn->name);
}
