// SPDX-License-Identifier: GPL-2.0
/*
 * Deciding whether a unit changed between the pre and the post object.
 *
 * Bytes are compared outside relocation fields; a relocation field is the
 * same when it designates the same thing: the same external symbol, the
 * correlated unit at the same offset, a string with the same contents, or
 * anonymous data (jump tables, .altinstr_aux chunks) with the same
 * contents.  Special-section entries that carry meaning the code does not
 * (jump-label keys, alternative features, exception fixups) are compared
 * with the function they describe; WARN/BUG line numbers are not.
 */
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "../kmodsrc/ksplice-meta.h"

const char *string_at(const struct unit *u, GElf_Addr off, size_t *start)
{
	const unsigned char *d = u->sec->data;
	GElf_Addr s = off, end = u->start + u->size;

	if (!d || off < u->start || off >= end)
		return NULL;
	while (s > u->start && d[s - 1])
		s--;
	if (!memchr(d + off, 0, end - off))
		return NULL;
	*start = s;
	return (const char *)d + s;
}

void reloc_resolve(const struct section *from, const struct reloc *r,
		   struct target *t)
{
	struct symbol *sym = r->sym;
	struct unit *u;
	GElf_Addr toff, base;

	memset(t, 0, sizeof(*t));
	if (!sym->sec) {
		t->name = sym->name;
		t->off = r->addend;
		return;
	}
	toff = reloc_target_off(from, r);
	u = sym->unit;
	if (!u || (sym->type != STT_FUNC && sym->type != STT_OBJECT))
		u = unit_at(sym->sec, toff);
	t->toff = toff;
	/* unsigned: an addend far off the target must not overflow */
	base = (sym->type == STT_SECTION ? 0 : sym->sym.st_value) + r->addend;
	if (!u) {
		t->sec = sym->sec;
		t->off = base;
		return;
	}
	t->unit = u;
	t->off = base - u->start;
	if (u->kind == U_STRINGS) {
		size_t start;

		t->str = string_at(u, toff, &start);
		t->strpos = t->str ? toff - start : 0;
	}
}

static bool merge_equal(const struct target *a, const struct target *b)
{
	GElf_Xword es = a->unit->sec->sh.sh_entsize;
	GElf_Addr oa = a->toff - a->toff % es, ob = b->toff - b->toff % es;

	if (a->toff % es != b->toff % es)
		return false;
	/* entries past the end: no contents to compare (and no sum to wrap) */
	if (oa > a->unit->sec->size || es > a->unit->sec->size - oa ||
	    ob > b->unit->sec->size || es > b->unit->sec->size - ob)
		return a->off == b->off;
	return !memcmp(a->unit->sec->data + oa, b->unit->sec->data + ob, es);
}

static bool unit_targets_equal(const struct target *a, const struct target *b)
{
	struct unit *ua = a->unit, *ub = b->unit;

	if (ua->kind != ub->kind)
		return false;
	if (ua->kind == U_STRINGS)
		return a->str && b->str && a->strpos == b->strpos &&
			!strcmp(a->str, b->str);
	if (ua->kind == U_MERGE)
		return merge_equal(a, b);
	if (a->off != b->off)
		return false;
	if (!ub->sym && ub->kind != U_DATA)
		return !unit_changed(ua, ub);
	if (ua->counterpart != ub)
		return false;
	if (ub->kind == U_RODATA)
		return !unit_changed(ua, ub);
	return true;
}

static bool targets_equal(const struct target *a, const struct target *b)
{
	if (a->unit && b->unit)
		return unit_targets_equal(a, b);
	if (a->unit || b->unit)
		return false;
	if (a->name && b->name)
		return !strcmp(a->name, b->name) && a->off == b->off;
	if (a->name || b->name)
		return false;
	return !strcmp(a->sec->name, b->sec->name) && a->off == b->off;
}

static bool relocs_equal(struct section *sa, size_t fa, GElf_Addr base_a,
			 struct section *sb, size_t fb, GElf_Addr base_b,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct reloc *ra = &sa->relocs[fa + i];
		const struct reloc *rb = &sb->relocs[fb + i];
		struct target ta, tb;

		if (ra->offset - base_a != rb->offset - base_b ||
		    ra->type != rb->type)
			return false;
		reloc_resolve(sa, ra, &ta);
		reloc_resolve(sb, rb, &tb);
		if (!targets_equal(&ta, &tb))
			return false;
	}
	return true;
}

/* Bytes outside relocation fields (and outside ignored bits) equal? */
static bool bytes_equal(struct section *sa, size_t fa, GElf_Addr base_a,
			struct section *sb, GElf_Addr base_b,
			size_t len, size_t nrel)
{
	unsigned char *mask;
	bool same = true;
	size_t i;

	if (!sa->data || !sb->data)
		return !sa->data == !sb->data;
	mask = xmalloc(len);
	data_ignore_mask(sa, base_a, mask, len);
	for (i = 0; i < nrel; i++) {
		const struct reloc *r = &sa->relocs[fa + i];
		GElf_Addr o = r->offset - base_a;
		int k;

		for (k = 0; k < reloc_size(r->type) && o + k < len; k++)
			mask[o + k] = 0;
	}
	for (i = 0; i < len && same; i++)
		same = !((sa->data[base_a + i] ^ sb->data[base_b + i]) & mask[i]);
	free(mask);
	return same;
}

static bool entry_equal(struct sp_entry *a, struct sp_entry *b)
{
	if (a->sec->special != b->sec->special ||
	    a->anchor_off != b->anchor_off || a->nrel != b->nrel)
		return false;
	return bytes_equal(a->sec, a->first_rel, a->off, b->sec, b->off,
			   a->size, a->nrel) &&
		relocs_equal(a->sec, a->first_rel, a->off, b->sec,
			     b->first_rel, b->off, a->nrel);
}

static size_t next_compared(struct unit *u, size_t i)
{
	while (i < u->nents && !u->ents[i]->sec->special->compare)
		i++;
	return i;
}

static bool entries_equal(struct unit *a, struct unit *b)
{
	size_t i = next_compared(a, 0), j = next_compared(b, 0);

	while (i < a->nents && j < b->nents) {
		if (!entry_equal(a->ents[i], b->ents[j]))
			return false;
		i = next_compared(a, i + 1);
		j = next_compared(b, j + 1);
	}
	return i >= a->nents && j >= b->nents;
}

/* The function's entry ENDBR is listed for sealing (IBT, objtool --ibt). */
static bool entry_sealable(const struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nents; i++)
		if (u->ents[i]->sec->special->kind == KSPLICE_SPECIAL_ENDBR &&
		    u->ents[i]->anchor_off == 0)
			return true;
	return false;
}

/*
 * @a: pre, @b: post.  A function whose address only the post code takes
 * has its ENDBR sealed in the running kernel: its replacement keeps one,
 * or an indirect call through the new pointer would fault under IBT.
 */
static bool units_differ(struct unit *a, struct unit *b)
{
	if (a->kind != b->kind || a->size != b->size || a->nrel != b->nrel)
		return true;
	if ((a->sec->sh.sh_type == SHT_NOBITS) !=
	    (b->sec->sh.sh_type == SHT_NOBITS))
		return true;
	if (!bytes_equal(a->sec, a->first_rel, a->start, b->sec, b->start,
			 a->size, a->nrel))
		return true;
	if (!relocs_equal(a->sec, a->first_rel, a->start, b->sec,
			  b->first_rel, b->start, a->nrel))
		return true;
	if (a->kind != U_TEXT)
		return false;
	if (entry_sealable(a) && !entry_sealable(b))
		return true;
	return !entries_equal(a, b);
}

/* Memoised per (pre, post) pair; a cycle counts as equal. */
bool unit_changed(struct unit *pre, struct unit *post)
{
	bool res;

	if (post->compared_with == pre && post->state != CMP_UNKNOWN)
		return post->state == CMP_CHANGED;
	post->compared_with = pre;
	post->state = CMP_BUSY;
	res = units_differ(pre, post);
	post->compared_with = pre;
	post->state = res ? CMP_CHANGED : CMP_SAME;
	return res;
}
