// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a relocatable object with libelf into the model of objmanip.h.
 * Everything read from the file is checked before use: a truncated or
 * hostile object must end in a one-line error, never in a crash.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "objmanip.h"

static void check_header(struct object *obj)
{
	char *ident;

	if (elf_kind(obj->elf) != ELF_K_ELF)
		die("%s: not an ELF object", obj->path);
	ident = elf_getident(obj->elf, NULL);
	if (!ident || ident[EI_CLASS] != ELFCLASS64 ||
	    ident[EI_DATA] != ELFDATA2LSB)
		die("%s: not an x86-64 object (ELF class or byte order)",
		    obj->path);
	if (!gelf_getehdr(obj->elf, &obj->eh))
		die("%s: bad ELF header: %s", obj->path, elf_errmsg(-1));
	if (obj->eh.e_machine != EM_X86_64)
		die("%s: not an x86-64 object (machine %u)", obj->path,
		    obj->eh.e_machine);
	if (obj->eh.e_type != ET_REL)
		die("%s: not a relocatable object", obj->path);
}

/*
 * out.c lays sections out again with their alignment, and libelf pads the
 * file to it: a hostile sh_addralign of 2^32 turned a 3 KB input into a
 * 4 GiB output.  Kernel objects need far less (x86-64 6.1: at most
 * 2 * PAGE_SIZE, head_64.S's PTI page-table pairs; a KASAN THREAD_SIZE is
 * 32 KiB), and module memory is only page aligned anyway.  The limit keeps
 * the padding to 64 KiB a section.
 */
#define MAX_ALIGN	65536

/* Header fields later stages trust; the contents are checked elsewhere. */
static void check_section(struct object *obj, const struct section *sec)
{
	GElf_Xword a = sec->sh.sh_addralign;

	if (a & (a - 1))
		die("%s: section %s: alignment %llu is not a power of two",
		    obj->path, sec->name, (unsigned long long)a);
	if (a > MAX_ALIGN)
		die("%s: section %s: alignment %llu is above the limit of %u",
		    obj->path, sec->name, (unsigned long long)a, MAX_ALIGN);
	/* string literals are read byte by byte (finalize, compare) */
	if ((sec->sh.sh_flags & SHF_STRINGS) &&
	    sec->sh.sh_type != SHT_PROGBITS)
		die("%s: section %s: strings in a section of type %u, not SHT_PROGBITS",
		    obj->path, sec->name, sec->sh.sh_type);
}

/* Sections of the program, as opposed to ELF's own tables. */
static bool holds_program(const struct section *sec)
{
	switch (sec->sh.sh_type) {
	case SHT_NULL:
	case SHT_SYMTAB:
	case SHT_STRTAB:
	case SHT_RELA:
	case SHT_REL:
	case SHT_SYMTAB_SHNDX:
	case SHT_DYNSYM:
		return false;
	}
	return true;
}

static void read_section(struct object *obj, Elf_Scn *scn, size_t shstrndx)
{
	size_t i = elf_ndxscn(scn);
	struct section *sec = &obj->secs[i];
	Elf_Data *d;

	sec->index = i;
	if (!gelf_getshdr(scn, &sec->sh))
		die("%s: bad section header %zu", obj->path, i);
	sec->name = elf_strptr(obj->elf, shstrndx, sec->sh.sh_name);
	if (!sec->name)
		die("%s: bad name of section %zu", obj->path, i);
	sec->size = sec->sh.sh_size;
	check_section(obj, sec);
	if (sec->sh.sh_type == SHT_NOBITS || sec->sh.sh_type == SHT_NULL)
		return;
	if (sec->sh.sh_offset > obj->filesize ||
	    sec->sh.sh_size > obj->filesize - sec->sh.sh_offset)
		die("%s: section %s runs past the end of the file (truncated?)",
		    obj->path, sec->name);
	d = elf_getdata(scn, NULL);
	if (!d && sec->size)
		die("%s: cannot read section %s: %s", obj->path, sec->name,
		    elf_errmsg(-1));
	if (d && d->d_size != sec->size)
		die("%s: section %s: short data", obj->path, sec->name);
	sec->data = d ? d->d_buf : NULL;
	if (!sec->data && sec->size)
		die("%s: section %s has no data", obj->path, sec->name);
}

static struct section *find_symtab(struct object *obj)
{
	struct section *symtab = NULL;
	size_t i;

	for (i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].sh.sh_type != SHT_SYMTAB)
			continue;
		if (symtab)
			die("%s: more than one symbol table", obj->path);
		symtab = &obj->secs[i];
	}
	if (!symtab)
		die("%s: no symbol table", obj->path);
	if (symtab->sh.sh_link >= obj->nsecs ||
	    obj->secs[symtab->sh.sh_link].sh.sh_type != SHT_STRTAB)
		die("%s: symbol table has no string table", obj->path);
	return symtab;
}

static Elf_Data *find_shndx(struct object *obj, size_t symtab)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++)
		if (obj->secs[i].sh.sh_type == SHT_SYMTAB_SHNDX &&
		    obj->secs[i].sh.sh_link == symtab)
			return elf_getdata(elf_getscn(obj->elf, i), NULL);
	return NULL;
}

/* A symbol as messages name it: section symbols have no name of their own. */
static const char *sym_what(const struct symbol *s)
{
	static char buf[32];

	if (s->name && *s->name)
		return s->name;
	snprintf(buf, sizeof(buf), "#%zu", s->index);
	return buf;
}

/* The section a symbol is defined in; NULL: undefined, absolute, common. */
static struct section *symbol_section(struct object *obj,
				      const struct symbol *s, Elf32_Word xndx)
{
	GElf_Half shndx = s->sym.st_shndx;
	size_t ndx = shndx == SHN_XINDEX ? xndx : shndx;
	struct section *sec;

	if (shndx == SHN_UNDEF || shndx == SHN_ABS || shndx == SHN_COMMON) {
		/* a section symbol stands for its section: it must have one */
		if (s->type == STT_SECTION)
			die("%s: section symbol %s has no section (index 0x%x)",
			    obj->path, sym_what(s), shndx);
		return NULL;
	}
	if (shndx >= SHN_LORESERVE && shndx != SHN_XINDEX)
		die("%s: symbol %s: reserved section index 0x%x", obj->path,
		    sym_what(s), shndx);
	if (!ndx || ndx >= obj->nsecs)
		die("%s: symbol %s in bad section %zu", obj->path, sym_what(s),
		    ndx);
	sec = &obj->secs[ndx];
	if (!holds_program(sec))
		die("%s: symbol %s in section %s of type %u, which holds no code or data",
		    obj->path, sym_what(s), sec->name, sec->sh.sh_type);
	return sec;
}

/* Units are cut from value and size: both must lie inside the section. */
static void check_extent(struct object *obj, const struct symbol *s)
{
	GElf_Addr value = s->sym.st_value, size = s->sym.st_size;

	if (value > s->sec->size || size > s->sec->size - value)
		die("%s: symbol %s (value 0x%llx, size 0x%llx) runs past the end of section %s",
		    obj->path, sym_what(s), (unsigned long long)value,
		    (unsigned long long)size, s->sec->name);
}

static void read_symbol(struct object *obj, struct section *st, Elf_Data *d,
			Elf_Data *xd, size_t i)
{
	struct symbol *s = &obj->syms[i];
	Elf32_Word xndx = 0;

	s->index = i;
	if (!gelf_getsymshndx(d, xd, i, &s->sym, &xndx))
		die("%s: bad symbol %zu", obj->path, i);
	s->name = elf_strptr(obj->elf, st->sh.sh_link, s->sym.st_name);
	if (!s->name)
		die("%s: bad name of symbol %zu", obj->path, i);
	s->bind = GELF_ST_BIND(s->sym.st_info);
	s->type = GELF_ST_TYPE(s->sym.st_info);
	if (s->type == STT_FILE && !obj->file && *s->name)
		obj->file = s->name;
	if (!i)
		return;
	if (s->sym.st_shndx == SHN_XINDEX && !xd)
		die("%s: symbol %s: extended section index but no SHT_SYMTAB_SHNDX table",
		    obj->path, sym_what(s));
	s->sec = symbol_section(obj, s, xndx);
	if (!s->sec)
		return;
	check_extent(obj, s);
	if (s->type == STT_SECTION && !*s->name)
		s->name = s->sec->name;
}

/* Returns the index of the symbol table, which relocations must link to. */
static size_t read_symbols(struct object *obj)
{
	struct section *st = find_symtab(obj);
	Elf_Data *d = elf_getdata(elf_getscn(obj->elf, st->index), NULL);
	Elf_Data *xd = find_shndx(obj, st->index);
	size_t i;

	if (!d || !st->sh.sh_entsize || st->sh.sh_entsize != sizeof(Elf64_Sym))
		die("%s: bad symbol table", obj->path);
	obj->nsyms = st->size / st->sh.sh_entsize;
	obj->syms = xcalloc(obj->nsyms, sizeof(*obj->syms));
	for (i = 0; i < obj->nsyms; i++)
		read_symbol(obj, st, d, xd, i);
	return st->index;
}

/*
 * The byte a relocation designates inside its target section.  A rel32
 * operand of an instruction ends the instruction (call, jmp, rip-relative
 * loads), so code adds 4; `.long x - .` in data tables does not.  False
 * when the sum does not fit in 64 bits: only a hostile addend does that.
 */
static bool target_off(const struct section *from, const struct reloc *r,
		       GElf_Sxword *t)
{
	/* signed: a target before the section clamps to its start later */
	GElf_Sxword base = r->sym->type == STT_SECTION ? 0 :
		(GElf_Sxword)r->sym->sym.st_value;

	if (__builtin_add_overflow(base, r->addend, t))
		return false;
	if ((from->sh.sh_flags & SHF_EXECINSTR) && reloc_pcrel(r->type) &&
	    reloc_size(r->type) == 4)
		return !__builtin_add_overflow(*t, 4, t);
	return true;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The section @rs applies to, once its links are known to be sane. */
static struct section *reloc_target(struct object *obj, struct section *rs,
				    size_t symtab)
{
	struct section *sec;

	if (rs->sh.sh_link != symtab)
		die("%s: relocation section %s: sh_link %u is not the symbol table",
		    obj->path, rs->name, rs->sh.sh_link);
	if (rs->sh.sh_info == 0 || rs->sh.sh_info >= obj->nsecs)
		die("%s: relocation section %s has no target", obj->path,
		    rs->name);
	sec = &obj->secs[rs->sh.sh_info];
	if (!holds_program(sec) || sec->sh.sh_type == SHT_NOBITS)
		die("%s: relocation section %s applies to section %s of type %u, which has no contents",
		    obj->path, rs->name, sec->name, sec->sh.sh_type);
	if (sec->relocs)
		die("%s: section %s has two relocation sections", obj->path,
		    sec->name);
	return sec;
}

/* Fill @r from entry @i of @d; false for an R_X86_64_NONE entry. */
static bool read_reloc(struct object *obj, struct section *sec,
		       Elf_Data *d, size_t i, struct reloc *r)
{
	GElf_Sxword t;
	GElf_Rela rela;
	size_t symi;
	int sz;

	if (!gelf_getrela(d, i, &rela))
		die("%s: bad relocation in section %s", obj->path, sec->name);
	if (GELF_R_TYPE(rela.r_info) == R_X86_64_NONE)
		return false;
	symi = GELF_R_SYM(rela.r_info);
	if (!symi || symi >= obj->nsyms)
		die("%s: relocation in %s has bad symbol %zu", obj->path,
		    sec->name, symi);
	r->offset = rela.r_offset;
	r->type = GELF_R_TYPE(rela.r_info);
	r->sym = &obj->syms[symi];
	r->addend = rela.r_addend;
	sz = reloc_size(r->type);
	if (sz < 0)
		die("%s: section %s: unsupported relocation type %u",
		    obj->path, sec->name, r->type);
	if (r->offset > sec->size || sec->size - r->offset < (size_t)sz)
		die("%s: section %s: relocation outside the section",
		    obj->path, sec->name);
	if (r->sym->sec && !target_off(sec, r, &t))
		die("%s: section %s: relocation at offset 0x%llx against %s: addend %lld out of range",
		    obj->path, sec->name, (unsigned long long)r->offset,
		    sym_what(r->sym), (long long)r->addend);
	return true;
}

/* One field, one relocation: x86-64 has no composed relocations. */
static void check_overlaps(struct object *obj, const struct section *sec)
{
	size_t i;

	for (i = 1; i < sec->nrelocs; i++) {
		const struct reloc *p = &sec->relocs[i - 1];
		const struct reloc *r = &sec->relocs[i];

		if (r->offset - p->offset < (GElf_Addr)reloc_size(p->type))
			die("%s: section %s: relocations at offsets 0x%llx and 0x%llx overlap",
			    obj->path, sec->name,
			    (unsigned long long)p->offset,
			    (unsigned long long)r->offset);
	}
}

static void read_relocs(struct object *obj, struct section *rs, size_t symtab)
{
	Elf_Data *d = elf_getdata(elf_getscn(obj->elf, rs->index), NULL);
	struct section *sec = reloc_target(obj, rs, symtab);
	size_t i, n;

	if (!d || rs->sh.sh_entsize != sizeof(Elf64_Rela))
		die("%s: bad relocation section %s", obj->path, rs->name);
	n = rs->size / sizeof(Elf64_Rela);
	sec->relocs = xcalloc(n, sizeof(*sec->relocs));
	for (i = 0; i < n; i++)
		if (read_reloc(obj, sec, d, i, &sec->relocs[sec->nrelocs]))
			sec->nrelocs++;
	qsort(sec->relocs, sec->nrelocs, sizeof(*sec->relocs), cmp_reloc);
	check_overlaps(obj, sec);
}

static void read_sections(struct object *obj)
{
	size_t shstrndx, symtab, i;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(obj->elf, &obj->nsecs) ||
	    elf_getshdrstrndx(obj->elf, &shstrndx))
		die("%s: bad section table (truncated or corrupt object): %s",
		    obj->path, elf_errmsg(-1));
	if (!obj->nsecs || shstrndx >= obj->nsecs)
		die("%s: bad section table (truncated or corrupt object)", obj->path);
	obj->secs = xcalloc(obj->nsecs, sizeof(*obj->secs));
	obj->secs[0].name = "";
	while ((scn = elf_nextscn(obj->elf, scn)))
		read_section(obj, scn, shstrndx);
	for (i = 1; i < obj->nsecs; i++)
		if (!obj->secs[i].name)
			die("%s: missing section %zu", obj->path, i);
	symtab = read_symbols(obj);
	for (i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].sh.sh_type == SHT_REL)
			die("%s: REL relocations are not x86-64 style",
			    obj->path);
		if (obj->secs[i].sh.sh_type == SHT_RELA)
			read_relocs(obj, &obj->secs[i], symtab);
	}
}

struct object *object_open(const char *path)
{
	struct object *obj = xcalloc(1, sizeof(*obj));
	struct stat st;

	obj->path = path;
	obj->fd = open(path, O_RDONLY);
	if (obj->fd < 0)
		die("%s: cannot open: %m", path);
	if (fstat(obj->fd, &st) || !S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	obj->filesize = st.st_size;
	elf_version(EV_CURRENT);
	obj->elf = elf_begin(obj->fd, ELF_C_READ, NULL);
	if (!obj->elf)
		die("%s: not an ELF object: %s", path, elf_errmsg(-1));
	check_header(obj);
	read_sections(obj);
	if (!obj->file) {
		const char *b = strrchr(path, '/');

		obj->file = b ? b + 1 : path;
	}
	units_build(obj);
	specials_build(obj);
	return obj;
}

/* Linear lookups by name: used once per object, not in hot loops. */
struct section *object_find_section(struct object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++)
		if (!strcmp(obj->secs[i].name, name))
			return &obj->secs[i];
	return NULL;
}

struct symbol *object_find_symbol(struct object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nsyms; i++)
		if (!strcmp(obj->syms[i].name, name))
			return &obj->syms[i];
	return NULL;
}

void object_close(struct object *obj)
{
	size_t i;

	if (!obj)
		return;
	for (i = 0; i < obj->nunits; i++) {
		free(obj->units[i]->canon);
		free(obj->units[i]->ents);
		free(obj->units[i]);
	}
	free(obj->units);
	for (i = 0; i < obj->nsecs; i++) {
		free(obj->secs[i].relocs);
		free(obj->secs[i].units);
		free(obj->secs[i].cuts);
	}
	free(obj->secs);
	free(obj->syms);
	free(obj->ents);
	hash_free(obj->byname);
	elf_end(obj->elf);
	close(obj->fd);
	free(obj);
}

/* target_off() of a relocation read_reloc() accepted: it cannot overflow. */
GElf_Addr reloc_target_off(const struct section *from, const struct reloc *r)
{
	GElf_Sxword t;

	if (!target_off(from, r, &t) || t < 0)
		t = 0;
	return t;
}

/* The unit holding byte @off of @sec (or ending there), NULL if none. */
struct unit *unit_at(struct section *sec, GElf_Addr off)
{
	size_t lo = 0, hi = sec->nunits;
	struct unit *u;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sec->units[mid]->start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	u = sec->units[lo - 1];
	if (off < u->start + u->size || off == u->start)
		return u;
	if (off == u->start + u->size)
		return u;	/* end markers, e.g. ORC entries */
	return NULL;
}

const char *unit_kind_name(enum unit_kind k)
{
	switch (k) {
	case U_TEXT:
		return "code";
	case U_STRINGS:
		return "strings";
	case U_RODATA:
	case U_MERGE:
		return "read-only data";
	default:
		return "data";
	}
}
