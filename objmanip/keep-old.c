// SPDX-License-Identifier: GPL-2.0
/*
 * keep-old-code: the pre versions of the functions keep-new-code named in
 * .ksplice_changed, with what the engine needs to match them against the
 * running kernel.  Special sections are not copied (the module loader
 * would act on them); their sites become .ksplice_specials windows.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "objmanip.h"
#include "checks.h"
#include "emit.h"
#include "meta.h"
#include "modes.h"
#include "../kmodsrc/ksplice-meta.h"

/* "x.o.old" -> "x.o.new": where keep-new-code wrote the list. */
static char *new_path(const char *out)
{
	const char *slash = strrchr(out, '/');
	const char *base = slash ? slash + 1 : out;
	const char *p = NULL, *q = base;
	char *path;

	while ((q = strstr(q, ".old"))) {
		p = q;
		q += 4;
	}
	if (!p)
		die("%s: output name has no .old to find the .new object by",
		    out);
	path = xstrdup(out);
	memcpy(path + (p - out), ".new", 4);
	return path;
}

static char *read_list(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	Elf_Scn *scn = NULL;
	char *list = NULL;
	size_t shstrndx;
	Elf *elf;

	if (fd < 0)
		die("%s: cannot open the keep-new-code output: %m", path);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		die("%s: not an ELF object", path);
	while (!list && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			break;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, KSPLICE_SEC_CHANGED))
			continue;
		d = elf_getdata(scn, NULL);
		/* no buffer: an empty list (only new functions), or SHT_NOBITS */
		if (!d || d->d_size != sh.sh_size || (!d->d_buf && d->d_size))
			break;
		list = xmalloc(d->d_size + 1);
		if (d->d_size)
			memcpy(list, d->d_buf, d->d_size);
		list[d->d_size] = 0;
		*len = d->d_size;
	}
	elf_end(elf);
	close(fd);
	if (!list)
		die("%s: no .ksplice_changed section", path);
	return list;
}

static void keep_listed(struct object *pre, struct emit *e, const char *list,
			size_t len)
{
	const char *name;
	size_t i;

	for (name = list; name < list + len; name += strlen(name) + 1) {
		struct unit *u = unit_by_name(pre, name);

		if (!u || !unit_is_function(u))
			die("%s: function %s to keep is not in this object",
			    pre->path, name);
		u->in_list = true;
		emit_keep(e, u);
	}
	for (i = 0; i < pre->nunits; i++) {
		struct unit *u = pre->units[i];

		if (u->parent && u->parent->in_list)
			emit_keep(e, u);
	}
}

static unsigned int section_flags(const struct unit *u)
{
	switch (u->kind) {
	case U_TEXT:
		return KSPLICE_SECT_TEXT |
			(u->in_list ? KSPLICE_SECT_MATCH : 0) |
			(starts_with_endbr(u) ? KSPLICE_SECT_ENDBR : 0) |
			(starts_with_fentry(u) ? KSPLICE_SECT_FENTRY : 0);
	case U_DATA:
		return KSPLICE_SECT_DATA;
	default:
		return KSPLICE_SECT_RODATA;
	}
}

static unsigned int symbol_flags(const struct unit *u)
{
	unsigned int f = 0;

	if (!u->sym || u->sym->bind == STB_LOCAL)
		f |= KSPLICE_SYM_LOCAL;
	if (u->kind == U_TEXT)
		f |= KSPLICE_SYM_FUNC;
	else
		f |= KSPLICE_SYM_OBJECT;
	return f;
}

static void unit_specials(struct meta *m, struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nents; i++) {
		struct sp_entry *ent = u->ents[i];
		unsigned int len = special_window(ent, u);

		if (len)
			meta_special(m, u->out_sec, ent->anchor_off, len,
				     ent->sec->special->kind);
	}
}

static void write_records(struct emit *e, struct out *o)
{
	struct meta m;
	size_t i;

	meta_init(&m, o);
	for (i = 0; i < e->nq; i++) {
		struct unit *u = e->queue[i];
		GElf_Addr sym;
		char *label;

		if (u->kind == U_STRINGS)
			continue;	/* matched by content through relocs */
		label = unit_label(u);
		sym = meta_symbol(&m, u->sym ? u->name : u->sec->name, label,
				  symbol_flags(u));
		free(label);
		meta_section(&m, sym, u->out_sec, u->size, section_flags(u));
		if (u->kind == U_TEXT)
			unit_specials(&m, u);
	}
	meta_free(&m);
}

int keep_old_code(const char *in, const char *out)
{
	struct object *pre = object_open(in);
	char *np = new_path(out), *list;
	struct emit e;
	struct out o;
	size_t len;

	track_object(pre);
	check_function_sections(pre);
	list = read_list(np, &len);
	free(np);
	out_init(&o, pre->file);
	emit_init(&e, &o, pre, true);
	keep_listed(pre, &e, list, len);
	free(list);
	emit_run(&e);
	write_records(&e, &o);
	out_add_sec(&o, ".note.GNU-stack", SHT_PROGBITS, 0, 1, 0);
	/* tells finalize, after ld -r, that this is old code */
	out_append(&o, out_add_sec(&o, KSPLICE_SEC_OLD_CODE, SHT_PROGBITS, 0,
				   1, 0), "", 1, 1);
	set_output(out);
	out_write(&o, out);
	emit_free(&e);
	out_free(&o);
	return 0;
}
