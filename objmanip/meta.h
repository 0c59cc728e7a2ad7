/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing the records of kmodsrc/ksplice-meta.h into an output object.
 * Pointer fields are written as zero with an R_X86_64_64 relocation
 * against a section of the same object, so the module loader fills them.
 */
#ifndef OBJMANIP_META_H
#define OBJMANIP_META_H

#include "out.h"

struct meta {
	struct out *o;
	int str, symbols, sections, patches, specials, relocs, hooks;
	struct hash *strs;		/* string -> offset + 1 */
	struct hash *labels;		/* label -> record offset + 1 */
	char **keys;
	size_t nkeys;
};

void meta_init(struct meta *m, struct out *o);
void meta_free(struct meta *m);
GElf_Addr meta_string(struct meta *m, const char *s);
GElf_Addr meta_symbol(struct meta *m, const char *name, const char *label,
		      unsigned int flags);
GElf_Addr meta_string_symbol(struct meta *m, int strsec, GElf_Addr stroff,
			     const char *label);
void meta_section(struct meta *m, GElf_Addr sym, int sec, GElf_Xword size,
		  unsigned int flags);
void meta_patch(struct meta *m, GElf_Addr sym, int repl, GElf_Xword size);
void meta_special(struct meta *m, int sec, GElf_Addr off, unsigned int len,
		  unsigned int kind);
void meta_reloc(struct meta *m, int sec, GElf_Addr off, GElf_Addr sym,
		GElf_Sxword addend, unsigned int type);
void meta_value_reloc(struct meta *m, int sec, GElf_Addr off, GElf_Addr sym,
		      unsigned int size);

/*
 * Between emit and finalize (through ld -r): a runtime constant's field in
 * new code, and the variable whose value the kernel put in such fields at
 * boot.  Both are R_X86_64_64 relocations; finalize turns each record
 * into a KSPLICE_RELOC_VALUE relocation.
 */
#define VALUE_SITES_SEC	".ksplice_value_sites"

struct value_site {
	uint64_t site;			/* the field */
	uint64_t var;			/* the variable (a label) */
	uint32_t len;			/* bytes of the field */
	uint32_t pad;
};

#endif
