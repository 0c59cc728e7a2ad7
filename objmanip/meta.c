// SPDX-License-Identifier: GPL-2.0
/*
 * The metadata records.  The sections are found or created by name, so
 * finalize appends to what keep-new-code/keep-old-code wrote (ld -r has
 * concatenated them) and the bracketing symbols cover all records.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "meta.h"
#include "../kmodsrc/ksplice-meta.h"

static int meta_sec(struct out *o, const char *name)
{
	int s = out_find_sec(o, name);

	if (s < 0)
		s = out_add_sec(o, name, SHT_PROGBITS, SHF_ALLOC, 8, 0);
	return s;
}

void meta_init(struct meta *m, struct out *o)
{
	memset(m, 0, sizeof(*m));
	m->o = o;
	m->str = out_find_sec(o, KSPLICE_SEC_STRINGS);
	if (m->str < 0)
		m->str = out_add_sec(o, KSPLICE_SEC_STRINGS, SHT_PROGBITS,
				     SHF_ALLOC, 1, 0);
	m->symbols = meta_sec(o, KSPLICE_SEC_SYMBOLS);
	m->sections = meta_sec(o, KSPLICE_SEC_SECTIONS);
	m->patches = meta_sec(o, KSPLICE_SEC_PATCHES);
	m->specials = meta_sec(o, KSPLICE_SEC_SPECIALS);
	m->relocs = meta_sec(o, KSPLICE_SEC_RELOCS);
	m->hooks = meta_sec(o, KSPLICE_SEC_HOOKS);
	m->strs = hash_new();
	m->labels = hash_new();
}

void meta_free(struct meta *m)
{
	size_t i;

	hash_free(m->strs);
	hash_free(m->labels);
	for (i = 0; i < m->nkeys; i++)
		free(m->keys[i]);
	free(m->keys);
}

static void ptr(struct meta *m, int sec, GElf_Addr field, int target,
		GElf_Addr off)
{
	out_add_rela(m->o, sec, field, R_X86_64_64, out_secsym(m->o, target),
		     off);
}

/* Hash keys must outlive the caller's strings and .ksplice_str moves. */
static const char *own_key(struct meta *m, const char *s)
{
	m->keys = xrealloc(m->keys, (m->nkeys + 1) * sizeof(*m->keys));
	m->keys[m->nkeys] = xstrdup(s);
	return m->keys[m->nkeys++];
}

GElf_Addr meta_string(struct meta *m, const char *s)
{
	void *v = hash_get(m->strs, s);
	GElf_Addr off;

	if (v)
		return (GElf_Addr)(size_t)v - 1;
	off = out_append(m->o, m->str, s, strlen(s) + 1, 1);
	hash_add(m->strs, own_key(m, s), (void *)(size_t)(off + 1));
	return off;
}

GElf_Addr meta_symbol(struct meta *m, const char *name, const char *label,
		      unsigned int flags)
{
	struct ksplice_symbol rec;
	void *v = hash_get(m->labels, label);
	GElf_Addr off, n, l;

	if (v)
		return (GElf_Addr)(size_t)v - 1;
	n = meta_string(m, name);
	l = meta_string(m, label);
	memset(&rec, 0, sizeof(rec));
	rec.flags = flags;
	off = out_append(m->o, m->symbols, &rec, sizeof(rec), 8);
	ptr(m, m->symbols, off + offsetof(struct ksplice_symbol, name), m->str, n);
	ptr(m, m->symbols, off + offsetof(struct ksplice_symbol, label), m->str, l);
	hash_add(m->labels, own_key(m, label), (void *)(size_t)(off + 1));
	return off;
}

/* A string literal: its name is its contents, where the old module has it. */
GElf_Addr meta_string_symbol(struct meta *m, int strsec, GElf_Addr stroff,
			     const char *label)
{
	struct ksplice_symbol rec;
	GElf_Addr off, l = meta_string(m, label);

	memset(&rec, 0, sizeof(rec));
	rec.flags = KSPLICE_SYM_STRING;
	off = out_append(m->o, m->symbols, &rec, sizeof(rec), 8);
	ptr(m, m->symbols, off + offsetof(struct ksplice_symbol, name), strsec,
	    stroff);
	ptr(m, m->symbols, off + offsetof(struct ksplice_symbol, label), m->str, l);
	return off;
}

void meta_section(struct meta *m, GElf_Addr sym, int sec, GElf_Xword size,
		  unsigned int flags)
{
	struct ksplice_section rec;
	GElf_Addr off;

	memset(&rec, 0, sizeof(rec));
	rec.size = size;
	rec.flags = flags;
	rec.align = m->o->secs[sec].align;
	off = out_append(m->o, m->sections, &rec, sizeof(rec), 8);
	ptr(m, m->sections, off + offsetof(struct ksplice_section, symbol),
	    m->symbols, sym);
	ptr(m, m->sections, off + offsetof(struct ksplice_section, address),
	    sec, 0);
}

void meta_patch(struct meta *m, GElf_Addr sym, int repl, GElf_Xword size)
{
	struct ksplice_patch rec;
	GElf_Addr off;

	memset(&rec, 0, sizeof(rec));
	rec.type = KSPLICE_PATCH_TEXT;
	rec.size = size;
	off = out_append(m->o, m->patches, &rec, sizeof(rec), 8);
	ptr(m, m->patches, off + offsetof(struct ksplice_patch, oldsym),
	    m->symbols, sym);
	ptr(m, m->patches, off + offsetof(struct ksplice_patch, repladdr),
	    repl, 0);
}

void meta_special(struct meta *m, int sec, GElf_Addr off, unsigned int len,
		  unsigned int kind)
{
	struct ksplice_special rec;
	GElf_Addr o;

	memset(&rec, 0, sizeof(rec));
	rec.offset = off;
	rec.len = len;
	rec.kind = kind;
	o = out_append(m->o, m->specials, &rec, sizeof(rec), 8);
	ptr(m, m->specials, o + offsetof(struct ksplice_special, sect), sec, 0);
}

/* A field at @sec+@off that the engine fills from symbol record @sym. */
static void reloc_record(struct meta *m, int sec, GElf_Addr off,
			 GElf_Addr sym, struct ksplice_reloc *rec)
{
	GElf_Addr o;

	rec->blank_offset = off;
	o = out_append(m->o, m->relocs, rec, sizeof(*rec), 8);
	ptr(m, m->relocs, o + offsetof(struct ksplice_reloc, blank_addr), sec, off);
	ptr(m, m->relocs, o + offsetof(struct ksplice_reloc, blank_sect), sec, 0);
	ptr(m, m->relocs, o + offsetof(struct ksplice_reloc, symbol),
	    m->symbols, sym);
}

void meta_reloc(struct meta *m, int sec, GElf_Addr off, GElf_Addr sym,
		GElf_Sxword addend, unsigned int type)
{
	struct ksplice_reloc rec;

	memset(&rec, 0, sizeof(rec));
	rec.addend = addend;
	rec.type = type;
	rec.size = reloc_size(type);
	rec.flags = reloc_pcrel(type) ? KSPLICE_RELOC_PCREL : 0;
	reloc_record(m, sec, off, sym, &rec);
}

/* The field gets the first @size bytes of the variable @sym, not its address. */
void meta_value_reloc(struct meta *m, int sec, GElf_Addr off, GElf_Addr sym,
		      unsigned int size)
{
	struct ksplice_reloc rec;

	memset(&rec, 0, sizeof(rec));
	rec.size = size;
	rec.flags = KSPLICE_RELOC_VALUE;
	reloc_record(m, sec, off, sym, &rec);
}
