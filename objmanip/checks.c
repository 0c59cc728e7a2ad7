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
		if (u->twin)
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

/*
 * Existing data must keep its contents and size: the running kernel's
 * copy is the one in use.  Read-only data and per-call-site descriptors
 * that changed are taken as new instead (the new code gets its own copy).
 */
void check_data(struct object *pre, struct object *post)
{
	size_t i;

	(void)pre;
	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i], *p = u->twin;

		if (!p || u->kind == U_TEXT || u->sec->init)
			continue;
		if (!unit_changed(p, u))
			continue;
		if (u->kind == U_DATA && !owned_by_call_site(u))
			refuse("%s: refusing: change to existing static data in section %s, symbol %s",
			       post->path, u->sec->name, u->name);
		p->twin = NULL;
		u->twin = NULL;
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
