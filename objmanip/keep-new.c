// SPDX-License-Identifier: GPL-2.0
/*
 * keep-new-code: find the functions that changed between PRE and IN (the
 * post object) and write the replacement code with its metadata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "carry.h"
#include "checks.h"
#include "dwarf.h"
#include "emit.h"
#include "meta.h"
#include "modes.h"
#include "../kmodsrc/ksplice-meta.h"

/* Mark changed and new functions; a .cold piece counts for its parent. */
static size_t find_changes(struct object *post)
{
	size_t i, n = 0;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (!unit_is_function(u))
			continue;
		if (!u->counterpart) {
			u->is_new = !u->sec->init;
			continue;
		}
		if (!unit_changed(u->counterpart, u))
			continue;
		if (u->sec->init) {
			u->init_changed = true;	/* check_init() decides */
			continue;
		}
		u->changed = true;
	}
	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (u->parent && u->changed && u->parent->counterpart)
			u->parent->changed = true;
	}
	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (!u->parent && (u->changed || u->is_new))
			n++;
	}
	return n;
}

/* A changed function that is @name or one of its clones (.part, .isra...). */
static bool changed_named(const char *name, void *arg)
{
	struct object *post = arg;
	size_t i, len = strlen(name);

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (u->changed && !u->parent && !strncmp(u->name, name, len) &&
		    (!u->name[len] || u->name[len] == '.'))
			return true;
	}
	return false;
}

struct init_ctx {
	struct object *post;
	struct dwarf *pre_dw, *post_dw;
	const char **names;		/* memo of inlined_changed() */
	bool *results;
	size_t n;
};

/*
 * An inlined function changed when an out-of-line copy of it did, or when
 * its source text did (inlined everywhere, it has no code of its own).
 */
static bool inlined_changed(const char *name, void *arg)
{
	struct init_ctx *c = arg;
	bool res;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return c->results[i];
	res = changed_named(name, c->post) ||
		dwarf_function_changed(c->pre_dw, c->post_dw, name) == 1;
	c->names = xrealloc(c->names, (c->n + 1) * sizeof(*c->names));
	c->results = xrealloc(c->results, (c->n + 1) * sizeof(*c->results));
	c->names[c->n] = name;
	c->results[c->n++] = res;
	return res;
}

/*
 * A changed function inlined into __init function @f, whose own source
 * text did not change, by any name @f has (a module's init function is
 * also init_module); @name gets that name.  NULL: none.
 */
static const char *init_inlines(struct init_ctx *c, struct unit *f,
				const char **name)
{
	struct object *post = c->post;
	size_t i;

	for (i = 0; f->sym && i < post->nsyms; i++) {
		struct symbol *s = &post->syms[i];

		if (s->type != STT_FUNC || s->sec != f->sec ||
		    s->sym.st_value != f->sym->sym.st_value)
			continue;
		*name = s->name;
		/* the patch changed the __init function itself (or unknown) */
		if (dwarf_function_changed(c->pre_dw, c->post_dw, s->name))
			continue;
		return dwarf_find_inlined(c->post_dw, s->name, inlined_changed,
					  c);
	}
	return NULL;
}

/*
 * __init code ran at boot and never runs again.  When it differs only
 * because a changed function is inlined into it, the update goes on
 * without it (said in one line); any other change to __init code is
 * refused, since it would not take effect.
 */
static void check_init(struct object *post, struct dwarf *pre_dw,
		       struct dwarf *post_dw)
{
	struct init_ctx c = { .post = post, .pre_dw = pre_dw,
			      .post_dw = post_dw };
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i], *f;
		const char *callee;

		if (!u->init_changed)
			continue;
		f = u->parent ? u->parent : u;
		callee = init_inlines(&c, f, &u->init_name);
		if (!callee)
			refuse("%s: refusing: change to __init code in section %s, symbol %s",
			       post->path, u->sec->name, u->name);
		u->inlines = callee;
	}
	free(c.names);
	free(c.results);
}

static bool kept_named(const char *name, void *arg)
{
	struct object *post = arg;
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if ((u->changed || u->is_new) && !u->parent &&
		    !strcmp(u->canon, name))
			return true;
	}
	return false;
}

/*
 * A structure or union whose layout the patch changes and that the new
 * code uses: data in the running kernel keeps the old layout, which the
 * new code would misread.
 */
static void check_layouts(struct object *post, struct dwarf *pre_dw,
			  struct dwarf *post_dw)
{
	struct layout_change *c;
	size_t n, i;

	n = dwarf_layout_changes(pre_dw, post_dw, kept_named, post, &c);
	if (!n)
		return;
	refuse("%s: refusing: layout of %s changed (%s) and changed code uses it: live data keeps the old layout, this needs shadow data or a hook",
	       post->path, c[0].type, c[0].what);
	for (i = 0; i < n; i++) {	/* (refuse does not return) */
		free(c[i].type);
		free(c[i].what);
	}
	free(c);
}

static bool kept_function(const struct unit *u)
{
	if (u->parent)
		return u->changed || u->is_new || u->parent->changed ||
			u->parent->is_new;
	return u->changed || u->is_new;
}

static unsigned int symbol_flags(const struct unit *u)
{
	unsigned int f = 0;

	if (u->sym && u->sym->bind == STB_LOCAL)
		f |= KSPLICE_SYM_LOCAL;
	if (u->sym && u->sym->type == STT_FUNC)
		f |= KSPLICE_SYM_FUNC;
	if (u->sym && u->sym->type == STT_OBJECT)
		f |= KSPLICE_SYM_OBJECT;
	return f;
}

static void write_patches(struct object *post, struct out *o)
{
	struct meta m;
	int list;
	size_t i;

	meta_init(&m, o);
	list = out_add_sec(o, KSPLICE_SEC_CHANGED, SHT_PROGBITS, 0, 1, 0);
	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i], *p = u->counterpart;
		GElf_Addr sym;
		char *label;

		if (u->parent || !u->changed)
			continue;
		out_append(o, list, p->name, strlen(p->name) + 1, 1);
		label = unit_label(p);
		sym = meta_symbol(&m, p->name, label, symbol_flags(p));
		free(label);
		meta_patch(&m, sym, u->out_sec, p->size);
	}
	meta_free(&m);
}

static void report(struct object *post)
{
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (u->parent)
			continue;
		if (u->init_changed)
			printf("%s: notice: __init function %s inlines changed function %s: it already ran, so it is left as it is\n",
			       post->path, u->init_name, u->inlines);
		else if (u->changed)
			printf("%s: changed function: %s\n", post->path, u->name);
		else if (u->is_new)
			printf("%s: new function: %s\n", post->path, u->name);
		else if (u->carried && unit_is_function(u))
			printf("%s: carried function: %s (the new code calls it and the replaced code does not, so the update brings its own copy)\n",
			       post->path, u->name);
	}
	fflush(stdout);
}

/*
 * The patch's hook records (ksplice-patch.h) go into the new code with
 * what they point to; the hook functions are new functions of the post
 * object, already kept and reported as such.
 */
static void keep_hooks(struct object *post, struct emit *e)
{
	size_t i;

	for (i = 1; i < post->nsecs; i++) {
		struct section *sec = &post->secs[i];

		if (strcmp(sec->name, KSPLICE_SEC_HOOKS))
			continue;
		if (sec->sh.sh_type != SHT_PROGBITS ||
		    sec->size % sizeof(struct ksplice_hook))
			die("%s: section %s is not a table of struct ksplice_hook",
			    post->path, sec->name);
		emit_section(e, sec);
	}
}

static void write_new(struct object *pre, struct object *post,
		      const char *out)
{
	struct out o;
	struct emit e;
	size_t i;

	out_init(&o, post->file);
	emit_init(&e, &o, post, false);
	e.pre = pre;
	carry_plan(pre, post);
	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (unit_is_function(u) && kept_function(u)) {
			if (u->changed && !u->parent)
				check_jump_room(post, u->counterpart);
			emit_keep(&e, u);
		}
	}
	keep_hooks(post, &e);
	emit_run(&e);
	write_patches(post, &o);
	out_add_sec(&o, ".note.GNU-stack", SHT_PROGBITS, 0, 1, 0);
	out_write(&o, out);
	emit_free(&e);
	out_free(&o);
}

int keep_new_code(const char *in, const char *out, const char *pre_path,
		  const char *id)
{
	struct object *post, *pre;
	struct dwarf *pre_dw = NULL, *post_dw = NULL;
	int ret = 0;
	size_t n;

	if (!*id || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") !=
	    strlen(id))
		die("bad update id '%s': use [a-z0-9]+", id);
	post = object_open(in);
	track_object(post);
	pre = object_open(pre_path);
	track_object(pre);
	check_function_sections(post);
	check_function_sections(pre);
	correlate(pre, post);
	check_common_function(pre, post);
	check_exports(pre, post);
	check_data(pre, post);
	n = find_changes(post);
	check_replaced_data(post);
	post_dw = dwarf_open_obj(post->path);
	pre_dw = dwarf_open_obj(pre->path);
	if (n)
		check_layouts(post, pre_dw, post_dw);
	check_init(post, pre_dw, post_dw);
	if (!n) {
		ret = EXIT_NOCHANGE;
		goto out;
	}
	set_output(out);
	write_new(pre, post, out);
	report(post);
out:
	dwarf_close_obj(pre_dw);
	dwarf_close_obj(post_dw);
	return ret;
}
