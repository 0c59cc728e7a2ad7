// SPDX-License-Identifier: GPL-2.0
/*
 * What the new code needs that the running kernel cannot be asked for.
 *
 * The engine learns the run address of a local symbol from run-pre
 * matching: every relocation of the old code binds the label it names.
 * A local the old code does not refer to is looked up by name, which
 * fails when the target has no symbol of that name (gcc inlined the
 * function into every caller, or renamed a clone) or has several
 * (static names repeat across files, and compiler-numbered ones such as
 * __func__.0 or CSWTCH.3 repeat by the hundred).  So the new code carries
 * what it can own without changing meaning, instead of looking it up:
 *
 * - a function it only calls (a copy behaves the same; its address is
 *   never compared),
 * - compiler-generated read-only tables and names (CSWTCH, __func__),
 *   whose address no code compares,
 * - zero-size objects (lockdep keys with lockdep off): no bytes, so any
 *   address in the update will do.
 *
 * Anything else (data whose identity matters, a function whose address is
 * taken) stays a lookup, and is named on one line at build time.
 */
#include <stdio.h>
#include <string.h>
#include "objmanip.h"
#include "carry.h"
#include "needs.h"

static void bind_unit(struct unit *u);

/* What the old code copies rather than names (see emit.c, should_copy). */
static bool old_copies(const struct unit *u)
{
	return u->kind == U_STRINGS || u->kind == U_MERGE ||
		(!u->sym && u->kind != U_DATA);
}

static void bind_relocs(struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nrel; i++) {
		const struct reloc *r = &u->sec->relocs[u->first_rel + i];
		struct target t;

		reloc_resolve(u->sec, r, &t);
		if (t.unit)
			bind_unit(t.unit);
		else if (t.sec)
			u->obj->secs[t.sec->index].bound = true;
	}
}

static void bind_unit(struct unit *u)
{
	if (u->bound)
		return;
	u->bound = true;
	if (old_copies(u))
		bind_relocs(u);
}

/*
 * Mark the pre units whose labels matching binds: the pre versions of the
 * replaced functions (and their .cold pieces) and what they refer to.
 */
void carry_plan(struct object *pre, struct object *post)
{
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *u = post->units[i];

		if (u->changed && !u->parent && u->counterpart)
			u->counterpart->matched = true;
	}
	for (i = 0; i < pre->nunits; i++) {
		struct unit *u = pre->units[i];

		if (u->matched || (u->parent && u->parent->matched)) {
			u->bound = true;
			bind_relocs(u);
		}
	}
}

/*
 * A rel32 field right after a call, jmp or jcc opcode, whatever its
 * addend: 6.12's padded functions are called as section+12 (the caller
 * checks that the designated byte is the function's entry).
 */
static bool is_branch(const struct section *from, const struct reloc *r)
{
	const unsigned char *d = from->data;
	GElf_Addr o = r->offset;

	if (!d || !(from->sh.sh_flags & SHF_EXECINSTR) ||
	    reloc_size(r->type) != 4 || !reloc_pcrel(r->type))
		return false;
	if (o >= 1 && (d[o - 1] == 0xe8 || d[o - 1] == 0xe9))
		return true;
	return o >= 2 && d[o - 2] == 0x0f && (d[o - 1] & 0xf0) == 0x80;
}

/* Names gcc makes up for read-only data nothing compares addresses of. */
static bool compiler_rodata(const struct unit *u)
{
	static const char *const names[] = {
		"CSWTCH", "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__",
	};
	size_t i;

	if (u->kind != U_RODATA)
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(u->canon, names[i]))
			return true;
	return false;
}

/* Plain code: not entry, noinstr or other code with a placement contract. */
static bool plain_text(const struct section *sec)
{
	return !strcmp(sec->name, ".text") || has_prefix(sec->name, ".text.");
}

/*
 * Should the new code copy @t->unit, which has a counterpart in pre, rather than
 * refer to the running kernel's copy?  Only when matching does not bind
 * the running copy and owning a copy cannot change what the code means.
 */
bool carry_wanted(const struct section *from, const struct reloc *r,
		  const struct target *t)
{
	struct unit *u = t->unit;

	if (!u || !u->counterpart || u->counterpart->bound || u->sec->init)
		return false;
	if (!u->size)
		return true;
	if (compiler_rodata(u))
		return true;
	if (unit_is_function(u) || (u->parent && u->kind == U_TEXT))
		return plain_text(u->sec) && t->toff == u->start &&
			is_branch(from, r);
	return false;
}

/*
 * A zero-size section (an empty struct: lock_class_key without lockdep)
 * has no unit and no bytes; the update gets its own, one byte long so
 * that its address is its own.
 */
int carry_empty(struct out *o, const struct section *sec)
{
	static const unsigned char zero;
	int s;

	if (sec->size || sec->init)
		return -1;
	s = out_add_sec(o, sec->name, SHT_NOBITS, sec->sh.sh_flags, 1, 0);
	out_append(o, s, &zero, 1, 1);
	return s;
}

/* Who refers at @off of @from (code, or the code a special entry is of). */
static const char *referrer(const struct object *obj,
			    const struct section *from, GElf_Addr off)
{
	struct unit *u = unit_at((struct section *)from, off);
	size_t i;

	for (i = 0; !u && i < obj->nents; i++) {
		const struct sp_entry *e = &obj->ents[i];

		if (e->sec == from && off >= e->off &&
		    off - e->off < e->size)
			u = e->anchor;
	}
	if (!u)
		return from->name;
	return u->parent ? u->parent->name : u->name;
}

/*
 * A label the new code refers to that matching does not bind: the engine
 * looks it up by name.  With the kernel's System.map (vmlinux), refuse
 * what cannot be found; else say so on one line.
 */
static void unbound_local(const char *path, const char *who, const char *name,
			  const char *sec)
{
	static struct hash *said;	/* one line per name */
	int n = needs_local_count(path, name);

	if (n == 1)
		return;
	if (!said)
		said = hash_new();
	if (hash_get(said, name))
		return;
	hash_add(said, name, (void *)name);
	if (n >= 0)
		refuse("%s: refusing: the new code of %s needs %s (section %s), which the replaced code does not use, and kernel %s has %d symbols of that name: the update could not find it",
		       path, who, name, sec, needs_release(), n);
	printf("%s: warning: %s refers to %s (section %s), which the replaced code does not use: the running kernel must have exactly one symbol of that name\n",
	       path, who, name, sec);
}

/* Check a label the new code keeps, with what refers to it. */
void carry_check_label(struct object *pre, struct object *post,
		       const struct section *from, const struct reloc *r,
		       const struct target *t)
{
	const char *path = post->path, *who = referrer(post, from, r->offset);
	struct section *run_sec;
	struct unit *u = t->unit, *run;

	if (t->name) {
		needs_check_global(path, who, t->name);
		return;
	}
	if (!u) {
		run_sec = object_find_section(pre, t->sec->name);
		if (!run_sec || !run_sec->bound)
			unbound_local(path, who, t->sec->name, t->sec->name);
		return;
	}
	run = u->counterpart ? u->counterpart : u;
	if (run->bound || (u->sym && u->sym->bind != STB_LOCAL))
		return;
	if (u->counterpart)
		unbound_local(path, who, run->name, run->sec->name);
	else
		printf("%s: warning: %s refers to %s (section %s), which is not in the running code (%s)\n",
		       path, who, u->name, u->sec->name,
		       u->sec->init ? "__init, freed after boot" :
		       "not in the pre object");
}
