// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a relocatable object with libelf into the model of objmanip.h.
 * Everything read from the file is checked before use: a truncated or
 * hostile object must end in a one-line error, never in a crash.
 */
#include <fcntl.h>
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

static void read_symbols(struct object *obj)
{
	struct section *st = find_symtab(obj);
	Elf_Data *d = elf_getdata(elf_getscn(obj->elf, st->index), NULL);
	Elf_Data *xd = find_shndx(obj, st->index);
	size_t i;

	if (!d || !st->sh.sh_entsize || st->sh.sh_entsize != sizeof(Elf64_Sym))
		die("%s: bad symbol table", obj->path);
	obj->nsyms = st->size / st->sh.sh_entsize;
	obj->syms = xcalloc(obj->nsyms, sizeof(*obj->syms));
	for (i = 0; i < obj->nsyms; i++) {
		struct symbol *s = &obj->syms[i];
		Elf32_Word xndx = 0;
		size_t ndx;

		s->index = i;
		if (!gelf_getsymshndx(d, xd, i, &s->sym, &xndx))
			die("%s: bad symbol %zu", obj->path, i);
		s->name = elf_strptr(obj->elf, st->sh.sh_link, s->sym.st_name);
		if (!s->name)
			die("%s: bad name of symbol %zu", obj->path, i);
		s->bind = GELF_ST_BIND(s->sym.st_info);
		s->type = GELF_ST_TYPE(s->sym.st_info);
		ndx = s->sym.st_shndx == SHN_XINDEX ? xndx : s->sym.st_shndx;
		if (s->type == STT_FILE && !obj->file && *s->name)
			obj->file = s->name;
		if (s->sym.st_shndx == SHN_UNDEF || s->sym.st_shndx == SHN_ABS ||
		    s->sym.st_shndx == SHN_COMMON)
			continue;
		if (ndx >= obj->nsecs)
			die("%s: symbol %s in bad section %zu", obj->path,
			    s->name, ndx);
		s->sec = &obj->secs[ndx];
		if (s->type == STT_SECTION && !*s->name)
			s->name = s->sec->name;
	}
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void read_relocs(struct object *obj, struct section *rs)
{
	Elf_Data *d = elf_getdata(elf_getscn(obj->elf, rs->index), NULL);
	struct section *sec;
	size_t i, n;

	if (rs->sh.sh_info == 0 || rs->sh.sh_info >= obj->nsecs)
		die("%s: relocation section %s has no target", obj->path,
		    rs->name);
	sec = &obj->secs[rs->sh.sh_info];
	if (sec->relocs)
		die("%s: section %s has two relocation sections", obj->path,
		    sec->name);
	if (!d || rs->sh.sh_entsize != sizeof(Elf64_Rela))
		die("%s: bad relocation section %s", obj->path, rs->name);
	n = rs->size / sizeof(Elf64_Rela);
	sec->relocs = xcalloc(n, sizeof(*sec->relocs));
	for (i = 0; i < n; i++) {
		struct reloc *r = &sec->relocs[sec->nrelocs];
		GElf_Rela rela;
		size_t symi;
		int sz;

		if (!gelf_getrela(d, i, &rela))
			die("%s: bad relocation in %s", obj->path, rs->name);
		if (GELF_R_TYPE(rela.r_info) == R_X86_64_NONE)
			continue;
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
		sec->nrelocs++;
	}
	qsort(sec->relocs, sec->nrelocs, sizeof(*sec->relocs), cmp_reloc);
}

static void read_sections(struct object *obj)
{
	size_t shstrndx, i;
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
	read_symbols(obj);
	for (i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].sh.sh_type == SHT_REL)
			die("%s: REL relocations are not x86-64 style",
			    obj->path);
		if (obj->secs[i].sh.sh_type == SHT_RELA)
			read_relocs(obj, &obj->secs[i]);
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

/*
 * The byte a relocation designates inside its target section.  A rel32
 * operand of an instruction ends the instruction (call, jmp, rip-relative
 * loads), so code adds 4; `.long x - .` in data tables does not.
 */
GElf_Addr reloc_target_off(const struct section *from, const struct reloc *r)
{
	GElf_Sxword t = r->sym->sym.st_value + r->addend;

	if (r->sym->type == STT_SECTION)
		t = r->addend;
	if ((from->sh.sh_flags & SHF_EXECINSTR) && reloc_pcrel(r->type) &&
	    reloc_size(r->type) == 4)
		t += 4;
	if (t < 0)
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
