// SPDX-License-Identifier: GPL-2.0
/*
 * Checking an update's metadata before the engine follows it.  The tables
 * come from the update's own modules, and the engine dereferences their
 * pointers, copies and compares the lengths they give and writes the
 * relocation fields they name with text_poke: a corrupt module must be
 * refused ("unexpected", with the reason in the kernel log), never make
 * the engine read or write outside it.  So every record must lie inside
 * the module that holds it, every pointer land there too (symbols in the
 * module's own symbol table, strings terminated before its end), every
 * window fit its section, and what the engine writes (relocation fields)
 * or runs (replacement code, hooks) must be in that module as well.  Sums
 * are checked for overflow; no length from the metadata sizes an
 * allocation before it passed here.
 */
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include "ksplice-compat.h"
#include "ksplice.h"

/* Does [@addr, @addr + @len) lie in one block of @mod's memory? */
static bool in_module(const struct module *mod, u64 addr, u64 len, bool text)
{
	unsigned long end = ksplice_module_block_end(mod, addr, text);
	u64 last;

	return end && !check_add_overflow(addr, len, &last) && last <= end;
}

/* Is @addr a string of @mod, shorter than @max (0: any length)? */
static bool string_ok(const struct module *mod, u64 addr, size_t max)
{
	unsigned long end = ksplice_module_block_end(mod, addr, false);
	size_t room;

	if (!end)
		return false;
	room = end - addr;
	if (max && max < room)
		room = max;
	return strnlen((const char *)(unsigned long)addr, room) < room;
}

static bool table_ok(const struct module *mod, const void *start,
		     const void *end, size_t rec)
{
	unsigned long len = (unsigned long)end - (unsigned long)start;

	if (!start && !end)
		return true;	/* an undefined weak pair: no such table */
	return start && end >= start && len % rec == 0 &&
		(!len || in_module(mod, (unsigned long)start, len, false));
}

/* @p is a record of @part's own symbol table (checked before). */
static bool symbol_ok(const struct ksplice_mod_change_part *part, u64 p)
{
	unsigned long off = p - (unsigned long)part->symbols;

	return part->symbols && p >= (unsigned long)part->symbols &&
		p < (unsigned long)part->symbols_end &&
		off % sizeof(*part->symbols) == 0;
}

/*
 * Names go through kallsyms (which has none longer than KSYM_NAME_LEN) and
 * labels ("name/file") into the label table; a string literal is only
 * compared in place, so any length that fits the module will do.
 */
static const char *symbol_bad(const struct ksplice_mod_change_part *part,
			      const struct ksplice_symbol *sym)
{
	bool literal = sym->flags & KSPLICE_SYM_STRING;

	if (sym->name &&
	    !string_ok(part->mod, sym->name, literal ? 0 : KSYM_NAME_LEN))
		return "name outside the module or too long";
	if (sym->label &&
	    !string_ok(part->mod, sym->label, 2 * KSYM_NAME_LEN))
		return "label outside the module or too long";
	return NULL;
}

static const char *reloc_bad(const struct ksplice_mod_change_part *part,
			     const struct ksplice_reloc *r)
{
	if (r->flags & ~(KSPLICE_RELOC_PCREL | KSPLICE_RELOC_VALUE))
		return "unknown flags";
	if (r->flags & KSPLICE_RELOC_VALUE) {
		if (r->size != 1 && r->size != 8)
			return "value field neither 1 nor 8 bytes";
		if (r->flags & KSPLICE_RELOC_PCREL)
			return "value field marked pc-relative";
	} else if (r->size != 4 && r->size != 8) {
		return "field neither 4 nor 8 bytes";
	}
	if (!in_module(part->mod, r->blank_addr, r->size, false))
		return "field outside the module";
	if (!symbol_ok(part, r->symbol))
		return "symbol not in the module's symbol table";
	return NULL;
}

static const char *section_bad(const struct ksplice_mod_change_part *part,
			       const struct ksplice_section *s)
{
	if (!symbol_ok(part, s->symbol))
		return "symbol not in the module's symbol table";
	if (!in_module(part->mod, s->address, s->size, false))
		return "contents outside the module";
	return NULL;
}

/* Windows are only used within the section they name, if any. */
static const char *special_bad(const struct ksplice_mod_change_part *part,
			       const struct ksplice_special *sp)
{
	const struct ksplice_section *s;

	for_each_table(s, part->sections, part->sections_end)
		if (s->address == sp->sect &&
		    (u64)sp->offset + sp->len > s->size)
			return "window outside its section";
	return NULL;
}

static const char *patch_bad(const struct ksplice_mod_change_part *part,
			     const struct ksplice_patch *p)
{
	if (!symbol_ok(part, p->oldsym))
		return "symbol not in the module's symbol table";
	if (!in_module(part->mod, p->repladdr, 1, true))
		return "replacement outside the module's code";
	return NULL;
}

static const char *hook_bad(const struct ksplice_mod_change_part *part,
			    const struct ksplice_hook *h)
{
	if (h->func && !in_module(part->mod, h->func, 1, true))
		return "function outside the module's code";
	return NULL;
}

/* Record @i of @table (the table itself if @i < 0) is wrong: @why. */
static int refuse(const struct ksplice_mod_change_part *part,
		  const char *table, long i, const char *why)
{
	char what[32] = "table";

	if (i >= 0)
		snprintf(what, sizeof(what), "record %ld", i);
	pr_err("ksplice: %s: corrupt metadata, %s %s: %s\n",
	       part->mod->name, table, what, why);
	ksplice_debug("%s: corrupt metadata, %s %s: %s\n",
		      part->mod->name, table, what, why);
	return KSPLICE_UNEXPECTED;
}

/* The tables lie in the module and hold whole records. */
static int check_tables(const struct ksplice_mod_change_part *part)
{
#define TABLE(kind) { #kind, part->kind, part->kind##_end, sizeof(*part->kind) }
	const struct {
		const char *name;
		const void *start, *end;
		size_t rec;
	} tables[] = {
		TABLE(relocs), TABLE(symbols), TABLE(sections),
		TABLE(patches), TABLE(hooks), TABLE(specials),
	};
#undef TABLE
	int i;

	for (i = 0; i < ARRAY_SIZE(tables); i++)
		if (!table_ok(part->mod, tables[i].start, tables[i].end,
			      tables[i].rec))
			return refuse(part, tables[i].name, -1,
				      "outside the module or not whole records");
	return KSPLICE_OK;
}

/* check_<kind>(): every record of one table, by the check @bad. */
#define DEFINE_CHECK(kind, bad)						\
static int check_##kind(const struct ksplice_mod_change_part *part)	\
{									\
	typeof(*part->kind) *rec;					\
	const char *why;						\
									\
	for_each_table(rec, part->kind, part->kind##_end) {		\
		why = bad(part, rec);					\
		if (why)						\
			return refuse(part, #kind, rec - part->kind, why); \
	}								\
	return KSPLICE_OK;						\
}

DEFINE_CHECK(symbols, symbol_bad)
DEFINE_CHECK(relocs, reloc_bad)
DEFINE_CHECK(sections, section_bad)
DEFINE_CHECK(specials, special_bad)
DEFINE_CHECK(patches, patch_bad)
DEFINE_CHECK(hooks, hook_bad)

/*
 * The relocations of @part and what they use (the symbols first: the other
 * records point to them): what ksplice-early.c writes at load time.
 */
int ksplice_check_relocs(const struct ksplice_mod_change_part *part)
{
	int ret = check_tables(part);

	if (ret == KSPLICE_OK)
		ret = check_symbols(part);
	if (ret == KSPLICE_OK)
		ret = check_relocs(part);
	return ret;
}

/* All of @part, before anything of it is used. */
int ksplice_check_part(const struct ksplice_mod_change_part *part)
{
	int ret = ksplice_check_relocs(part);

	if (ret == KSPLICE_OK)
		ret = check_sections(part);
	if (ret == KSPLICE_OK)
		ret = check_specials(part);
	if (ret == KSPLICE_OK)
		ret = check_patches(part);
	if (ret == KSPLICE_OK)
		ret = check_hooks(part);
	return ret;
}
