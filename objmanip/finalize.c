// SPDX-License-Identifier: GPL-2.0
/*
 * finalize: after ld -r of a target's new (or old) objects, turn the
 * relocations the module loader must not resolve into ksplice_reloc
 * records, put the canary in their fields, and bracket every .ksplice_*
 * table with __ksplice_<kind> / __ksplice_<kind>_end.
 *
 * New code: relocations against symbols that vmlinux or a module other
 * than TARGET exports (per SYMVERS) stay for the module loader; every
 * other undefined symbol, the target module's own exports included, is a
 * label the engine resolves (so that the new code of a module loads while
 * its target is not loaded, for --partial).  Old code: every relocation
 * of kept code becomes a ksplice reloc, since the engine reads the
 * addresses off the running kernel while matching.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "meta.h"
#include "modes.h"
#include "out.h"
#include "../kmodsrc/ksplice-meta.h"

#ifndef KSPLICE_CANARY64
#define KSPLICE_CANARY64	0x7777777777777777ull
#endif

struct fin {
	struct object *obj;
	struct out o;
	struct meta m;
	struct hash *exported;
	char *symvers_buf;
	bool old;
	int *secmap;			/* input section -> output, -1 */
	int *symmap;			/* input symbol -> output, -1 */
	const char **symfile;		/* STT_FILE in force for each symbol */
};

/*
 * Does the module column of a Module.symvers line ("vmlinux" or the
 * module's path without .ko, e.g. net/netfilter/ipvs/ip_vs) name the
 * module @target?  Module names compare with '-' and ',' as '_'.
 */
static bool is_target_module(const char *module, const char *target)
{
	const char *base = strrchr(module, '/');

	base = base ? base + 1 : module;
	if (!strcmp(module, "vmlinux") || !strcmp(target, "vmlinux"))
		return false;
	for (; *base && *target; base++, target++) {
		char a = *base == '-' || *base == ',' ? '_' : *base;
		char b = *target == '-' || *target == ',' ? '_' : *target;

		if (a != b)
			return false;
	}
	return !*base && !*target;
}

/*
 * Exports the module loader may resolve for the new code: those of
 * vmlinux and of modules other than @target.
 */
static void read_symvers(struct fin *f, const char *path, const char *target)
{
	FILE *fp = fopen(path, "r");
	size_t cap = 0, len = 0;
	char *line;

	f->exported = hash_new();
	if (!fp)
		die("%s: cannot open: %m", path);
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			cap = cap * 2 + 8192;
			f->symvers_buf = xrealloc(f->symvers_buf, cap);
		}
		n = fread(f->symvers_buf + len, 1, cap - len - 1, fp);
		if (!n)
			break;
		len += n;
	}
	fclose(fp);
	if (!f->symvers_buf)
		return;
	f->symvers_buf[len] = 0;
	/* crc \t name \t module \t export [\t namespace] */
	for (line = f->symvers_buf; line && *line;) {
		char *next = strchr(line, '\n'), *name, *module, *end;

		if (next)
			*next++ = 0;
		name = strchr(line, '\t');
		if (name) {
			name++;
			module = strchr(name, '\t');
			if (module) {
				*module++ = 0;
				end = strchr(module, '\t');
				if (end)
					*end = 0;
			}
			if (*name && !(module && is_target_module(module, target)))
				hash_add(f->exported, name, name);
		}
		line = next;
	}
}

static bool is_meta(const struct section *sec)
{
	return has_prefix(sec->name, ".ksplice_");
}

static bool copied(const struct section *sec)
{
	switch (sec->sh.sh_type) {
	case SHT_NULL:
	case SHT_SYMTAB:
	case SHT_STRTAB:
	case SHT_RELA:
	case SHT_GROUP:
	case SHT_SYMTAB_SHNDX:
		return false;
	}
	if (!strcmp(sec->name, KSPLICE_SEC_OLD_CODE) ||
	    !strcmp(sec->name, KSPLICE_SEC_CHANGED) ||
	    !strcmp(sec->name, VALUE_SITES_SEC))
		return false;
	/* relocated non-allocated sections (debug info) would keep labels alive */
	return (sec->sh.sh_flags & SHF_ALLOC) || !sec->nrelocs;
}

static void copy_sections(struct fin *f)
{
	struct object *obj = f->obj;
	size_t i;

	f->secmap = xcalloc(obj->nsecs, sizeof(int));
	for (i = 0; i < obj->nsecs; i++) {
		struct section *sec = &obj->secs[i];
		int s;

		f->secmap[i] = -1;
		if (!i || !copied(sec))
			continue;
		s = out_find_sec(&f->o, sec->name);
		if (s >= 0 && is_meta(sec) && sec->sh.sh_type != SHT_PROGBITS)
			die("%s: section %s: metadata of type %u, not SHT_PROGBITS",
			    obj->path, sec->name, sec->sh.sh_type);
		if (s >= 0 && is_meta(sec) && !f->o.secs[s].size)
			;	/* meta_init made it: fill that one */
		else
			s = out_add_sec(&f->o, sec->name, sec->sh.sh_type,
					sec->sh.sh_flags, sec->sh.sh_addralign,
					sec->sh.sh_entsize);
		out_append(&f->o, s, sec->data, sec->size, 1);
		f->secmap[i] = s;
	}
}

static void map_symbols(struct fin *f)
{
	struct object *obj = f->obj;
	const char *file = obj->file;
	size_t i;

	f->symmap = xcalloc(obj->nsyms, sizeof(int));
	f->symfile = xcalloc(obj->nsyms, sizeof(char *));
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];
		int osec = s->sec ? f->secmap[s->sec->index] : OUT_UNDEF;

		f->symmap[i] = -1;
		if (s->type == STT_FILE && *s->name)
			file = s->name;
		f->symfile[i] = file;
		if (s->type == STT_FILE) {
			out_add_sym(&f->o, s->name, STB_LOCAL, STT_FILE,
				    OUT_UNDEF, 0, 0);
			continue;
		}
		if (!s->sec || osec < 0)
			continue;	/* undefined: made on use */
		if (s->type == STT_SECTION)
			f->symmap[i] = out_secsym(&f->o, osec);
		else
			f->symmap[i] = out_add_sym(&f->o, s->name, s->bind,
						   s->type, osec,
						   s->sym.st_value,
						   s->sym.st_size);
	}
}

static int out_symbol(struct fin *f, struct symbol *s)
{
	if (f->symmap[s->index] >= 0)
		return f->symmap[s->index];
	if (s->sec)
		die("%s: relocation against symbol %s of a dropped section %s",
		    f->obj->path, s->name, s->sec->name);
	return out_undef(&f->o, s->name);
}

static bool must_convert(struct fin *f, const struct section *sec,
			 const struct reloc *r)
{
	/* hook records are the patch's: their targets may be labels too */
	if (is_meta(sec) && strcmp(sec->name, KSPLICE_SEC_HOOKS))
		return false;
	if (f->old)
		return true;
	if (r->sym->sec || r->sym->sym.st_shndx == SHN_ABS)
		return false;
	return strchr(r->sym->name, '/') || !f->exported ||
		!hash_get(f->exported, r->sym->name);
}

/* A string literal of the old code: matched by content where it is used. */
static GElf_Addr string_record(struct fin *f, const struct section *from,
			       const struct reloc *r, GElf_Sxword *addend)
{
	struct section *ss = r->sym->sec;
	GElf_Addr t = reloc_target_off(from, r), start = t;
	GElf_Addr base = r->sym->type == STT_SECTION ? 0 : r->sym->sym.st_value;
	char *label;
	GElf_Addr rec;

	/* the record points at the copy: a string section must be kept */
	if (f->secmap[ss->index] < 0)
		die("%s: section %s: relocation against string section %s, which is not copied",
		    f->obj->path, from->name, ss->name);
	if (t >= ss->size)
		die("%s: string reference outside %s", f->obj->path, ss->name);
	while (start > 0 && ss->data[start - 1])
		start--;
	*addend = base + r->addend - start;
	label = xasprintf(".str+0x%llx/%s", (unsigned long long)start,
			  ss->name);
	rec = meta_string_symbol(&f->m, f->secmap[ss->index], start, label);
	free(label);
	return rec;
}

static GElf_Addr symbol_record(struct fin *f, const struct section *from,
			       const struct reloc *r, GElf_Sxword *addend)
{
	struct symbol *s = r->sym;
	unsigned int flags = 0;
	char *name, *label, *slash;
	GElf_Addr rec;

	*addend = r->addend;
	if (s->sec && (s->sec->sh.sh_flags & SHF_STRINGS) &&
	    s->type != STT_FUNC && s->type != STT_OBJECT)
		return string_record(f, from, r, addend);
	if (s->type == STT_SECTION) {
		label = xasprintf("%s/%s", s->sec->name, f->symfile[s->index]);
		name = xstrdup(s->sec->name);
		flags = KSPLICE_SYM_LOCAL;
	} else if (strchr(s->name, '/') || s->bind != STB_LOCAL || !s->sec) {
		label = xstrdup(s->name);
		name = xstrdup(s->name);
		slash = strchr(name, '/');
		if (slash) {
			*slash = 0;
			flags |= KSPLICE_SYM_LOCAL;
		}
	} else {
		label = xasprintf("%s/%s", s->name, f->symfile[s->index]);
		name = xstrdup(s->name);
		flags = KSPLICE_SYM_LOCAL;
	}
	if (s->type == STT_FUNC)
		flags |= KSPLICE_SYM_FUNC;
	if (s->type == STT_OBJECT)
		flags |= KSPLICE_SYM_OBJECT;
	rec = meta_symbol(&f->m, name, label, flags);
	free(name);
	free(label);
	return rec;
}

static void put_canary(struct fin *f, int osec, GElf_Addr off, int size)
{
	struct out_sec *s = &f->o.secs[osec];
	uint64_t c64 = KSPLICE_CANARY64;
	uint32_t c32 = KSPLICE_CANARY;

	/* the input's bounds were checked; the copy has the same size */
	if (!s->buf || off > s->size || s->size - off < (GElf_Addr)size)
		return;
	if (size == 8)
		memcpy(s->buf + off, &c64, 8);
	else
		memcpy(s->buf + off, &c32, size);	/* 4, or 1 (VALUE) */
}

static void convert_relocs(struct fin *f, struct section *sec)
{
	int osec = f->secmap[sec->index];
	size_t i;

	for (i = 0; i < sec->nrelocs; i++) {
		struct reloc *r = &sec->relocs[i];
		GElf_Sxword addend;
		GElf_Addr rec;

		if (!must_convert(f, sec, r)) {
			out_add_rela(&f->o, osec, r->offset, r->type,
				     out_symbol(f, r->sym), r->addend);
			continue;
		}
		/*
		 * The module loader copies alternative replacements over their
		 * sites before the engine can fill a field: a canary there
		 * would be executed.
		 */
		if (!f->old && !strcmp(sec->name, ".altinstr_replacement"))
			refuse("%s: refusing: alternative replacement refers to non-exported symbol in section %s, symbol %s",
			       f->obj->path, sec->name, r->sym->name);
		rec = symbol_record(f, sec, r, &addend);
		meta_reloc(&f->m, osec, r->offset, rec, addend, r->type);
		put_canary(f, osec, r->offset, reloc_size(r->type));
	}
}

/* The relocation at @off of @sec, which emit wrote there. */
static const struct reloc *reloc_at(struct fin *f, const struct section *sec,
				    GElf_Addr off)
{
	size_t i;

	for (i = 0; i < sec->nrelocs; i++)
		if (sec->relocs[i].offset == off &&
		    sec->relocs[i].type == R_X86_64_64)
			return &sec->relocs[i];
	die("%s: section %s: no relocation at 0x%llx", f->obj->path,
	    sec->name, (unsigned long long)off);
}

/* emit's runtime constant fields: each gets the running variable's value. */
static void convert_value_sites(struct fin *f)
{
	struct section *sec = object_find_section(f->obj, VALUE_SITES_SEC);
	GElf_Addr off;

	if (!sec)
		return;
	if (f->old || sec->size % sizeof(struct value_site))
		die("%s: section %s: %zu bytes, not records of %zu", f->obj->path,
		    sec->name, sec->size, sizeof(struct value_site));
	for (off = 0; off < sec->size; off += sizeof(struct value_site)) {
		const struct value_site *vs = (void *)(sec->data + off);
		const struct reloc *site =
			reloc_at(f, sec, off + offsetof(struct value_site, site));
		const struct reloc *var =
			reloc_at(f, sec, off + offsetof(struct value_site, var));
		struct section *code = site->sym->sec;
		GElf_Addr at = reloc_target_off(sec, site), rec;
		GElf_Sxword addend;
		int osec = code ? f->secmap[code->index] : -1;

		if (osec < 0 || (vs->len != 1 && vs->len != 8) ||
		    at > code->size || code->size - at < vs->len)
			die("%s: section %s: record at 0x%llx does not point into kept code",
			    f->obj->path, sec->name, (unsigned long long)off);
		rec = symbol_record(f, sec, var, &addend);
		meta_value_reloc(&f->m, osec, at, rec, vs->len);
		put_canary(f, osec, at, vs->len);
	}
}

static void bracket(struct fin *f)
{
	static const char *const kinds[][2] = {
		{ "relocs", KSPLICE_SEC_RELOCS },
		{ "symbols", KSPLICE_SEC_SYMBOLS },
		{ "sections", KSPLICE_SEC_SECTIONS },
		{ "patches", KSPLICE_SEC_PATCHES },
		{ "hooks", KSPLICE_SEC_HOOKS },
		{ "specials", KSPLICE_SEC_SPECIALS },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int s = out_find_sec(&f->o, kinds[i][1]);
		char *start = xasprintf("__ksplice_%s", kinds[i][0]);
		char *end = xasprintf("__ksplice_%s_end", kinds[i][0]);

		out_add_sym(&f->o, start, STB_GLOBAL, STT_OBJECT, s, 0, 0);
		out_add_sym(&f->o, end, STB_GLOBAL, STT_OBJECT, s,
			    f->o.secs[s].size, 0);
		free(start);
		free(end);
	}
}

int finalize(const char *in, const char *out, const char *target,
	     const char *symvers)
{
	struct fin f;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (!*target)
		die("empty target name");
	f.obj = object_open(in);
	track_object(f.obj);
	f.old = object_find_section(f.obj, KSPLICE_SEC_OLD_CODE) != NULL;
	if (symvers)
		read_symvers(&f, symvers, target);
	out_init(&f.o, NULL);
	meta_init(&f.m, &f.o);
	copy_sections(&f);
	map_symbols(&f);
	for (i = 1; i < f.obj->nsecs; i++)
		if (f.secmap[i] >= 0 && f.obj->secs[i].nrelocs)
			convert_relocs(&f, &f.obj->secs[i]);
	convert_value_sites(&f);
	bracket(&f);
	set_output(out);
	out_write(&f.o, out);
	meta_free(&f.m);
	out_free(&f.o);
	hash_free(f.exported);
	free(f.symvers_buf);
	free(f.secmap);
	free(f.symmap);
	free(f.symfile);
	return 0;
}
