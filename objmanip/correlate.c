// SPDX-License-Identifier: GPL-2.0
/*
 * Pairing the units of the pre and post objects.
 *
 * Plain names pair directly.  Names gcc numbers ("count.2", "__func__.1",
 * "foo.isra.0", "foo.part.0", "CSWTCH.7", "__key.3",
 * "__UNIQUE_ID_ddebug412.3") do not: adding one static local renumbers
 * the others.  Those are paired by content and by who refers to them:
 * first a unit whose contents only one unit of the other side has, then
 * through structure (when two paired units refer, at the same relocation,
 * to units with the same name modulo numbers, the referenced units are
 * the same thing), preferring referenced units with equal contents, so
 * that a pr_debug() added before another does not pair the new
 * descriptor with the old one.  What is left pairs by unique name modulo
 * numbers, then by exact name.
 */
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"

static bool numbered(const struct unit *u)
{
	return strcmp(u->name, u->canon) != 0;
}

static bool pairable(const struct unit *u)
{
	return u->sym && u->kind != U_STRINGS && u->kind != U_MERGE;
}

static bool same_class(const struct unit *a, const struct unit *b)
{
	return (a->kind == U_TEXT) == (b->kind == U_TEXT);
}

static void pair(struct unit *a, struct unit *b)
{
	a->counterpart = b;
	b->counterpart = a;
}

static void pair_plain_names(struct object *pre, struct object *post)
{
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *b = post->units[i], *a;

		if (!pairable(b) || numbered(b) || b->counterpart)
			continue;
		a = unit_by_name(pre, b->name);
		if (a && pairable(a) && !a->counterpart && same_class(a, b))
			pair(a, b);
	}
}

/* Anonymous units of data sections pair when their section name is unique. */
static void pair_anonymous(struct object *pre, struct object *post)
{
	size_t i, j;

	for (i = 1; i < post->nsecs; i++) {
		struct section *sb = &post->secs[i];

		if (sb->nunits != 1 || sb->units[0]->sym ||
		    sb->units[0]->kind != U_DATA)
			continue;
		for (j = 1; j < pre->nsecs; j++) {
			struct section *sa = &pre->secs[j];

			if (sa->nunits == 1 && !sa->units[0]->sym &&
			    !sa->units[0]->counterpart && !strcmp(sa->name, sb->name)) {
				pair(sa->units[0], sb->units[0]);
				break;
			}
		}
	}
}

/* Same bytes and same referents, as far as the pairs made so far tell. */
static bool same_contents(struct unit *a, struct unit *b)
{
	return !unit_changed(a, b);
}

static bool try_structural(struct target *ta, struct target *tb, bool strict)
{
	struct unit *a = ta->unit, *b = tb->unit;

	if (!a || !b || a->counterpart || b->counterpart || !pairable(a) || !pairable(b))
		return false;
	if (!numbered(a) && !numbered(b))
		return false;
	if (strcmp(a->canon, b->canon) || a->kind != b->kind)
		return false;
	if (strict && !same_contents(a, b))
		return false;
	pair(a, b);
	return true;
}

static bool zip_relocs(struct unit *a, struct unit *b, size_t ia, size_t ib,
		       bool strict)
{
	const struct reloc *ra = &a->sec->relocs[a->first_rel + ia];
	const struct reloc *rb = &b->sec->relocs[b->first_rel + ib];
	struct target ta, tb;

	if (ra->type != rb->type)
		return false;
	reloc_resolve(a->sec, ra, &ta);
	reloc_resolve(b->sec, rb, &tb);
	try_structural(&ta, &tb, strict);
	return true;
}

/* Walk the relocations of a pair from both ends, pairing what they name. */
static void propagate(struct unit *a, struct unit *b, bool strict)
{
	size_t i, n = a->nrel < b->nrel ? a->nrel : b->nrel;

	for (i = 0; i < n; i++)
		if (!zip_relocs(a, b, i, i, strict))
			break;
	for (i = 1; i <= n; i++)
		if (!zip_relocs(a, b, a->nrel - i, b->nrel - i, strict))
			break;
}

static void pair_structural(struct object *pre, struct object *post,
			    bool strict)
{
	bool progress = true;
	size_t i;

	while (progress) {
		size_t before = 0, after = 0;

		for (i = 0; i < post->nunits; i++)
			before += !!post->units[i]->counterpart;
		for (i = 0; i < post->nunits; i++) {
			struct unit *b = post->units[i];

			if (b->counterpart)
				propagate(b->counterpart, b, strict);
		}
		for (i = 0; i < post->nunits; i++)
			after += !!post->units[i]->counterpart;
		progress = after > before;
	}
	(void)pre;
}

static struct unit *unique_unpaired(struct object *obj, const char *canon,
				    enum unit_kind kind)
{
	struct unit *found = NULL;
	size_t i;

	for (i = 0; i < obj->nunits; i++) {
		struct unit *u = obj->units[i];

		if (u->counterpart || !pairable(u) || u->kind != kind ||
		    strcmp(u->canon, canon))
			continue;
		if (found)
			return NULL;
		found = u;
	}
	return found;
}

static void pair_leftovers(struct object *pre, struct object *post)
{
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *b = post->units[i], *a;

		if (b->counterpart || !pairable(b) || !numbered(b))
			continue;
		a = unique_unpaired(pre, b->canon, b->kind);
		if (a && unique_unpaired(post, b->canon, b->kind) == b)
			pair(a, b);
	}
	for (i = 0; i < post->nunits; i++) {
		struct unit *b = post->units[i], *a;

		if (b->counterpart || !pairable(b))
			continue;
		a = unit_by_name(pre, b->name);
		if (a && !a->counterpart && pairable(a) && a->kind == b->kind)
			pair(a, b);
	}
}

/* The one unpaired unit of @obj named @canon with the contents of @like. */
static struct unit *unique_same(struct object *obj, struct unit *like,
				bool like_is_pre)
{
	struct unit *found = NULL;
	size_t i;

	for (i = 0; i < obj->nunits; i++) {
		struct unit *u = obj->units[i];

		if (u == like || u->counterpart || !pairable(u) || !numbered(u) ||
		    u->kind != like->kind || strcmp(u->canon, like->canon))
			continue;
		if (like_is_pre ? !same_contents(like, u) :
				  !same_contents(u, like))
			continue;
		if (found)
			return NULL;
		found = u;
	}
	return found;
}

/*
 * A numbered unit (a __func__ string, a switch table) whose contents
 * exactly one unit of the same name modulo numbers has on each side is
 * that unit, whatever the relocations' order says.
 */
static void pair_by_contents(struct object *pre, struct object *post)
{
	size_t i;

	for (i = 0; i < post->nunits; i++) {
		struct unit *b = post->units[i], *a;

		if (b->counterpart || !pairable(b) || !numbered(b) ||
		    b->kind == U_TEXT)
			continue;
		a = unique_same(pre, b, false);
		if (a && unique_same(post, a, true) == b)
			pair(a, b);
	}
}

/* Comparisons made while pairing saw only some of the pairs. */
static void forget_comparisons(struct object *obj)
{
	size_t i;

	for (i = 0; i < obj->nunits; i++) {
		obj->units[i]->state = CMP_UNKNOWN;
		obj->units[i]->compared_with = NULL;
	}
}

void correlate(struct object *pre, struct object *post)
{
	pair_plain_names(pre, post);
	pair_anonymous(pre, post);
	pair_by_contents(pre, post);
	forget_comparisons(post);
	pair_structural(pre, post, true);
	forget_comparisons(post);
	pair_by_contents(pre, post);
	forget_comparisons(post);
	pair_structural(pre, post, false);
	pair_leftovers(pre, post);
	forget_comparisons(pre);
	forget_comparisons(post);
}
