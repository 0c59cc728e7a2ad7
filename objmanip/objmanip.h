/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objmanip: the in-memory model of a relocatable x86-64 object.
 *
 * An object is read into sections, symbols and relocations, and every
 * allocated section is cut into "units": one per function or data object
 * (so that .sched.text or .data..percpu, which hold many symbols even with
 * -ffunction-sections, are handled per symbol), or one anonymous unit for
 * sections without symbols (strings, jump tables, .altinstr_aux chunks).
 * Units are what gets correlated, compared and kept.
 */
#ifndef OBJMANIP_H
#define OBJMANIP_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_REFUSED	2
#define EXIT_NOCHANGE	66

struct object;
struct unit;
struct special;

struct reloc {
	GElf_Addr offset;
	unsigned int type;
	struct symbol *sym;
	GElf_Sxword addend;
};

struct section {
	size_t index;
	const char *name;
	GElf_Shdr sh;
	unsigned char *data;		/* NULL for SHT_NOBITS */
	size_t size;
	struct reloc *relocs;		/* sorted by offset */
	size_t nrelocs;
	struct unit **units;		/* sorted by start */
	size_t nunits;
	const struct special *special;
	bool parallel_table;		/* .orc_unwind: follows .orc_unwind_ip */
	bool ignored;			/* never compared nor copied */
	bool init;			/* __init code or data */
	bool bound;			/* pre: the old code refers to it */
	GElf_Addr *cuts;		/* split points of anonymous code */
	size_t ncuts;
};

struct symbol {
	size_t index;
	const char *name;
	GElf_Sym sym;
	unsigned char bind, type;
	struct section *sec;		/* NULL: undefined or absolute */
	struct unit *unit;
};

/* One entry of a special section, tied to the code it describes. */
struct sp_entry {
	struct section *sec;
	GElf_Addr off, size;
	size_t first_rel, nrel;
	size_t ordinal;
	struct unit *anchor;
	GElf_Addr anchor_off;		/* relative to the anchor unit */
};

enum unit_kind {
	U_TEXT,
	U_RODATA,
	U_DATA,
	U_STRINGS,
	U_MERGE,			/* mergeable constants: by content */
};

enum cmp_state { CMP_UNKNOWN, CMP_BUSY, CMP_SAME, CMP_CHANGED };

struct unit {
	struct object *obj;
	struct section *sec;
	GElf_Addr start, size;
	struct symbol *sym;		/* NULL: anonymous */
	const char *name;
	char *canon;			/* name without .N suffixes */
	enum unit_kind kind;
	struct unit *counterpart;	/* the same unit in the other object (pre/post) */
	struct unit *parent;		/* .cold piece -> its function */
	size_t first_rel, nrel;
	struct sp_entry **ents;		/* special entries anchored here */
	size_t nents;
	enum cmp_state state;
	struct unit *compared_with;	/* whom @state was computed against */
	bool keep;
	bool changed;			/* function (group) to replace */
	bool is_new;
	bool in_list;			/* named in .ksplice_changed */
	bool replaced;			/* changed read-only data, taken as new */
	bool matched;			/* pre: replaced, so matched */
	bool bound;			/* pre: matching binds its label */
	bool carried;			/* post: copied, not looked up */
	bool init_changed;		/* __init function whose code changed */
	const char *inlines;		/* ... only where it inlines this changed function */
	const char *init_name;		/* its name in DWARF */
	int out_sec;			/* output section, -1 */
	size_t seq;			/* position in object order */
};

struct object {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	size_t filesize;
	struct section *secs;
	size_t nsecs;
	struct symbol *syms;
	size_t nsyms;
	struct unit **units;
	size_t nunits;
	struct sp_entry *ents;
	size_t nents;
	const char *file;		/* STT_FILE name: the label suffix */
	struct hash *byname;		/* named unit lookup */
};

/* util.c */
extern const char *msg_obj;
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void refuse(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *canon_name(const char *name);
bool has_prefix(const char *s, const char *prefix);
bool is_module_entry_alias(const char *name);

struct hash;
struct hash *hash_new(void);
void hash_free(struct hash *h);
void hash_add(struct hash *h, const char *key, void *val);
void *hash_get(struct hash *h, const char *key);
void *hash_next(struct hash *h, const char *key, void *prev);

/* elf-read.c */
struct object *object_open(const char *path);
void object_close(struct object *obj);
struct section *object_find_section(struct object *obj, const char *name);
struct symbol *object_find_symbol(struct object *obj, const char *name);
struct unit *unit_at(struct section *sec, GElf_Addr off);
GElf_Addr reloc_target_off(const struct section *from, const struct reloc *r);
const char *unit_kind_name(enum unit_kind k);

/* units.c */
void units_build(struct object *obj);
bool unit_is_function(const struct unit *u);
struct unit *unit_by_name(struct object *obj, const char *name);

/* special.c */
struct special {
	const char *name;
	unsigned int entsize;
	unsigned int anchor;		/* field pointing at the code site */
	int kind;			/* KSPLICE_SPECIAL_*, 0: no window */
	bool compare;			/* entry belongs to the function's identity */
	unsigned int ignore_off, ignore_len;	/* bytes not compared */
	int len_off;			/* u8 field: site length, -1 none */
	unsigned int fixed_len;		/* site length fixed by the kind */
	const char *parallel;		/* a parallel table: row N goes with entry N */
	unsigned int parallel_entsize;
};

/* The kernel generation's profile (profile.c, profiles/README). */
struct kernel_profile {
	char dir[4096];
	char generation[32];
	unsigned int padding;		/* function padding bytes (__pfx_) */
	bool ibt;			/* functions may start with endbr64 */
	struct special *specials;
	size_t nspecials;
};
extern struct kernel_profile profile;
void profile_load(void);
#define ENDBR_LEN 4
bool starts_with_endbr(const struct unit *u);
const struct special *special_find(const char *name);
bool section_is_parallel_table(const char *name);
bool section_ignored(const struct section *sec);
void specials_build(struct object *obj);
void data_ignore_mask(const struct section *sec, GElf_Addr off,
		      unsigned char *mask, size_t len);

/* x86.c */
int reloc_size(unsigned int type);
bool reloc_pcrel(unsigned int type);
bool starts_with_fentry(const struct unit *u);
unsigned int special_window(const struct sp_entry *e, const struct unit *u);
const char *reloc_type_name(unsigned int type);

/* correlate.c */
void correlate(struct object *pre, struct object *post);

/* compare.c */
struct target {
	struct unit *unit;		/* NULL: by name */
	const char *name;		/* external/global symbol */
	GElf_Sxword off;		/* addend relative to unit/symbol */
	const char *str;		/* string content, for U_STRINGS */
	size_t strpos;
	const struct section *sec;	/* neither unit nor name: raw section */
	GElf_Addr toff;			/* designated byte in the section */
};
void reloc_resolve(const struct section *from, const struct reloc *r,
		   struct target *t);
bool unit_changed(struct unit *pre, struct unit *post);
const char *string_at(const struct unit *u, GElf_Addr off, size_t *start);

#endif /* OBJMANIP_H */
