// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF writer.  Output objects are built from scratch rather than by
 * editing a copy of the input: a kept function, its relocations and its
 * special-section entries are a small subset of the input, and symbols
 * must be renumbered (locals first) anyway.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "objmanip.h"
#include "out.h"

void out_init(struct out *o, const char *file)
{
	memset(o, 0, sizeof(*o));
	o->undef = hash_new();
	o->secnames = hash_new();
	o->file = file;
	/* symbol 0 is the null symbol; 1 names the source file */
	out_add_sym(o, "", STB_LOCAL, STT_NOTYPE, OUT_UNDEF, 0, 0);
	if (file)
		out_add_sym(o, file, STB_LOCAL, STT_FILE, OUT_UNDEF, 0, 0);
}

void out_free(struct out *o)
{
	size_t i;

	for (i = 0; i < o->nsecs; i++) {
		free(o->secs[i].name);
		free(o->secs[i].buf);
		free(o->secs[i].rel);
	}
	for (i = 0; i < o->nsyms; i++)
		free(o->syms[i].name);
	free(o->secs);
	free(o->syms);
	hash_free(o->undef);
	hash_free(o->secnames);
}

int out_add_sec(struct out *o, const char *name, GElf_Word type,
		GElf_Xword flags, GElf_Xword align, GElf_Xword entsize)
{
	struct out_sec *s;

	o->secs = xrealloc(o->secs, (o->nsecs + 1) * sizeof(*o->secs));
	s = &o->secs[o->nsecs];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->type = type;
	s->flags = flags & ~(GElf_Xword)(SHF_GROUP | SHF_INFO_LINK);
	s->align = align ? align : 1;
	s->entsize = entsize;
	s->secsym = -1;
	hash_add(o->secnames, s->name, (void *)(o->nsecs + 1));
	return o->nsecs++;
}

int out_find_sec(struct out *o, const char *name)
{
	void *v = hash_get(o->secnames, name);

	return v ? (int)((size_t)v - 1) : -1;
}

/* Append @len bytes (zeroes when @data is NULL); returns their offset. */
GElf_Addr out_append(struct out *o, int sec, const void *data, size_t len,
		     GElf_Xword align)
{
	struct out_sec *s = &o->secs[sec];
	size_t off = s->size;

	/* sizes come from the input: a sum that wraps would under-allocate */
	if (align > 1)
		off = (off + align - 1) / align * align;
	if (off < s->size || len > SIZE_MAX - off)
		die("output section %s: size overflow", s->name);
	if (align > s->align)
		s->align = align;
	if (s->type != SHT_NOBITS && off + len > s->cap) {
		s->cap = (off + len) * 2 + 64;
		s->buf = xrealloc(s->buf, s->cap);
	}
	if (s->type != SHT_NOBITS && s->buf) {	/* NULL while still empty */
		memset(s->buf + s->size, 0, off - s->size);
		if (data)
			memcpy(s->buf + off, data, len);
		else
			memset(s->buf + off, 0, len);
	}
	s->size = off + len;
	return off;
}

int out_add_sym(struct out *o, const char *name, unsigned char bind,
		unsigned char type, int sec, GElf_Addr value, GElf_Xword size)
{
	struct out_sym *s;

	o->syms = xrealloc(o->syms, (o->nsyms + 1) * sizeof(*o->syms));
	s = &o->syms[o->nsyms];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->bind = bind;
	s->type = type;
	s->sec = sec;
	s->value = value;
	s->size = size;
	s->used = sec != OUT_UNDEF || o->nsyms < 2;
	return o->nsyms++;
}

/* One undefined global per name: the labels finalize turns into records. */
int out_undef(struct out *o, const char *name)
{
	void *v = hash_get(o->undef, name);
	int id;

	if (v)
		return (int)((size_t)v - 1);
	id = out_add_sym(o, name, STB_GLOBAL, STT_NOTYPE, OUT_UNDEF, 0, 0);
	hash_add(o->undef, o->syms[id].name, (void *)(size_t)(id + 1));
	return id;
}

int out_secsym(struct out *o, int sec)
{
	/* a dropped section (-1) here would index before the table */
	if (sec < 0 || (size_t)sec >= o->nsecs)
		die("internal error: symbol of output section %d of %zu", sec,
		    o->nsecs);
	if (o->secs[sec].secsym < 0)
		o->secs[sec].secsym = out_add_sym(o, "", STB_LOCAL,
						  STT_SECTION, sec, 0, 0);
	return o->secs[sec].secsym;
}

void out_add_rela(struct out *o, int sec, GElf_Addr off, unsigned int type,
		  int sym, GElf_Sxword addend)
{
	struct out_sec *s = &o->secs[sec];

	if (s->nrel == s->relcap) {
		s->relcap = s->relcap * 2 + 16;
		s->rel = xrealloc(s->rel, s->relcap * sizeof(*s->rel));
	}
	s->rel[s->nrel].off = off;
	s->rel[s->nrel].type = type;
	s->rel[s->nrel].sym = sym;
	s->rel[s->nrel].addend = addend;
	s->nrel++;
	o->syms[sym].used = true;
}

/* ---- writing ---- */

struct strtab {
	char *buf;
	size_t size, cap;
};

static size_t str_add(struct strtab *t, const char *s)
{
	size_t len = strlen(s) + 1, off = t->size;

	if (!*s && t->size)
		return 0;
	if (t->size + len > t->cap) {
		t->cap = (t->size + len) * 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + off, s, len);
	t->size += len;
	return off;
}

struct writer {
	Elf *elf;
	struct strtab shstr, str;
	Elf64_Sym *syms;
	size_t nsyms, nlocals;
	Elf64_Rela **relas;
	size_t symtab, strtab, shstrtab;
	size_t shstr_self;
};

static Elf_Scn *new_section(struct writer *w, const char *name,
			    GElf_Word type, GElf_Xword flags,
			    GElf_Xword align, GElf_Xword entsize,
			    void *buf, size_t size, Elf_Type dtype)
{
	Elf_Scn *scn = elf_newscn(w->elf);
	Elf_Data *d;
	GElf_Shdr sh;

	if (!scn || !(d = elf_newdata(scn)) || !gelf_getshdr(scn, &sh))
		die("cannot create section %s: %s", name, elf_errmsg(-1));
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = dtype;
	d->d_align = align ? align : 1;
	d->d_version = EV_CURRENT;
	/* .shstrtab names itself before its contents are handed over */
	sh.sh_name = strcmp(name, ".shstrtab") ? str_add(&w->shstr, name) :
		w->shstr_self;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align ? align : 1;
	sh.sh_entsize = entsize;
	sh.sh_size = size;
	if (!gelf_update_shdr(scn, &sh))
		die("cannot write section %s: %s", name, elf_errmsg(-1));
	return scn;
}

static void set_link(Elf_Scn *scn, size_t link, size_t info)
{
	GElf_Shdr sh;

	gelf_getshdr(scn, &sh);
	sh.sh_link = link;
	sh.sh_info = info;
	gelf_update_shdr(scn, &sh);
}

/* Locals first, as ELF requires; unused undefined symbols are dropped. */
static void order_symbols(struct out *o, struct writer *w)
{
	size_t i, n = 0;
	int pass;

	w->syms = xcalloc(o->nsyms, sizeof(*w->syms));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < o->nsyms; i++) {
			struct out_sym *s = &o->syms[i];
			Elf64_Sym *e;

			if ((s->bind == STB_LOCAL) != !pass || !s->used)
				continue;
			e = &w->syms[n];
			s->idx = n++;
			e->st_name = str_add(&w->str, s->name);
			e->st_info = GELF_ST_INFO(s->bind, s->type);
			e->st_shndx = s->sec == OUT_UNDEF ? SHN_UNDEF :
				o->secs[s->sec].shndx;
			if (s->type == STT_FILE)
				e->st_shndx = SHN_ABS;
			e->st_value = s->value;
			e->st_size = s->size;
		}
		if (!pass)
			w->nlocals = n;
	}
	w->nsyms = n;
}

static void write_relas(struct out *o, struct writer *w)
{
	size_t i, j;

	w->relas = xcalloc(o->nsecs, sizeof(*w->relas));
	for (i = 0; i < o->nsecs; i++) {
		struct out_sec *s = &o->secs[i];
		char *name;
		Elf_Scn *scn;

		if (!s->nrel)
			continue;
		w->relas[i] = xcalloc(s->nrel, sizeof(Elf64_Rela));
		for (j = 0; j < s->nrel; j++) {
			w->relas[i][j].r_offset = s->rel[j].off;
			w->relas[i][j].r_info =
				GELF_R_INFO(o->syms[s->rel[j].sym].idx,
					    s->rel[j].type);
			w->relas[i][j].r_addend = s->rel[j].addend;
		}
		name = xasprintf(".rela%s", s->name);
		scn = new_section(w, name, SHT_RELA, SHF_INFO_LINK, 8,
				  sizeof(Elf64_Rela), w->relas[i],
				  s->nrel * sizeof(Elf64_Rela), ELF_T_RELA);
		free(name);
		set_link(scn, w->symtab, s->shndx);
	}
}

static void write_all(struct out *o, struct writer *w)
{
	Elf_Scn *symscn, *strscn, *shscn;
	size_t i, nrel = 0;
	GElf_Ehdr eh;

	str_add(&w->shstr, "");
	str_add(&w->str, "");
	for (i = 0; i < o->nsecs; i++) {
		o->secs[i].shndx = i + 1;
		nrel += o->secs[i].nrel != 0;
	}
	w->symtab = o->nsecs + nrel + 1;
	w->strtab = w->symtab + 1;
	w->shstrtab = w->strtab + 1;
	order_symbols(o, w);
	for (i = 0; i < o->nsecs; i++) {
		struct out_sec *s = &o->secs[i];

		new_section(w, s->name, s->type, s->flags, s->align,
			    s->entsize, s->type == SHT_NOBITS ? NULL : s->buf,
			    s->size, ELF_T_BYTE);
	}
	write_relas(o, w);
	symscn = new_section(w, ".symtab", SHT_SYMTAB, 0, 8, sizeof(Elf64_Sym),
			     w->syms, w->nsyms * sizeof(Elf64_Sym), ELF_T_SYM);
	set_link(symscn, w->strtab, w->nlocals);
	strscn = new_section(w, ".strtab", SHT_STRTAB, 0, 1, 0, w->str.buf,
			     w->str.size, ELF_T_BYTE);
	w->shstr_self = str_add(&w->shstr, ".shstrtab");
	shscn = new_section(w, ".shstrtab", SHT_STRTAB, 0, 1, 0, w->shstr.buf,
			    w->shstr.size, ELF_T_BYTE);
	if (elf_ndxscn(strscn) != w->strtab || elf_ndxscn(shscn) != w->shstrtab)
		die("internal error: section numbering");
	if (w->shstrtab >= SHN_LORESERVE)
		die("too many sections for the output");
	gelf_getehdr(w->elf, &eh);
	eh.e_shstrndx = w->shstrtab;
	gelf_update_ehdr(w->elf, &eh);
}

static void new_header(Elf *elf)
{
	GElf_Ehdr eh;

	if (!gelf_newehdr(elf, ELFCLASS64) || !gelf_getehdr(elf, &eh))
		die("cannot create ELF header: %s", elf_errmsg(-1));
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	if (!gelf_update_ehdr(elf, &eh))
		die("cannot write ELF header: %s", elf_errmsg(-1));
}

void out_write(struct out *o, const char *path)
{
	struct writer w;
	size_t i;
	int fd;

	memset(&w, 0, sizeof(w));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: cannot create: %m", path);
	elf_version(EV_CURRENT);
	w.elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w.elf)
		die("%s: %s", path, elf_errmsg(-1));
	new_header(w.elf);
	write_all(o, &w);
	/* the buffers above must live until elf_update has copied them */
	if (elf_update(w.elf, ELF_C_WRITE) < 0)
		die("%s: cannot write: %s", path, elf_errmsg(-1));
	elf_end(w.elf);
	if (close(fd))
		die("%s: cannot write: %m", path);
	for (i = 0; i < o->nsecs; i++)
		free(w.relas[i]);
	free(w.relas);
	free(w.syms);
	free(w.str.buf);
	free(w.shstr.buf);
}
