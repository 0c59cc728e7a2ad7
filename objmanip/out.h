/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building an output object: sections with growable contents, symbols
 * and relocations by id; out_write() lays out and writes the ELF file.
 */
#ifndef OBJMANIP_OUT_H
#define OBJMANIP_OUT_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>

#define OUT_UNDEF	(-1)

struct out_rela {
	GElf_Addr off;
	unsigned int type;
	int sym;
	GElf_Sxword addend;
};

struct out_sec {
	char *name;
	GElf_Word type;
	GElf_Xword flags, align, entsize;
	unsigned char *buf;
	size_t size, cap;
	struct out_rela *rel;
	size_t nrel, relcap;
	int secsym;
	size_t shndx, relndx;
};

struct out_sym {
	char *name;
	unsigned char bind, type;
	int sec;			/* OUT_UNDEF: undefined */
	GElf_Addr value;
	GElf_Xword size;
	size_t idx;
	bool used;
};

struct out {
	struct out_sec *secs;
	size_t nsecs;
	struct out_sym *syms;
	size_t nsyms;
	struct hash *undef;
	struct hash *secnames;
	const char *file;
};

void out_init(struct out *o, const char *file);
void out_free(struct out *o);
int out_add_sec(struct out *o, const char *name, GElf_Word type,
		GElf_Xword flags, GElf_Xword align, GElf_Xword entsize);
int out_find_sec(struct out *o, const char *name);
GElf_Addr out_append(struct out *o, int sec, const void *data, size_t len,
		     GElf_Xword align);
int out_add_sym(struct out *o, const char *name, unsigned char bind,
		unsigned char type, int sec, GElf_Addr value, GElf_Xword size);
int out_undef(struct out *o, const char *name);
int out_secsym(struct out *o, int sec);
void out_add_rela(struct out *o, int sec, GElf_Addr off, unsigned int type,
		  int sym, GElf_Sxword addend);
void out_write(struct out *o, const char *path);

#endif
