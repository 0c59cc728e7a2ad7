/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metadata layout shared by objmanip (host, libelf) and the engine
 * (kernel).  Every record lives in a section of the new_code/old_code module
 * and every address field is filled by the module loader through an
 * R_X86_64_64 relocation against a section of that same module, so the
 * engine reads plain pointers.  Fixed-width fields only: the host writes,
 * the kernel reads.
 */
#ifndef KSPLICE_META_H
#define KSPLICE_META_H

#include <linux/types.h>	/* the kernel's, or the uapi one on the host */

#define KSPLICE_API_VERSION	1

/* What objmanip writes into every field the engine must fill. */
#define KSPLICE_CANARY		0x77777777u
#define KSPLICE_CANARY64	0x7777777777777777ull	/* 8-byte fields */

/* Sections objmanip creates; finalize brackets each with start/end symbols. */
#define KSPLICE_SEC_RELOCS	".ksplice_relocs"
#define KSPLICE_SEC_SYMBOLS	".ksplice_symbols"
#define KSPLICE_SEC_SECTIONS	".ksplice_sections"
#define KSPLICE_SEC_PATCHES	".ksplice_patches"
#define KSPLICE_SEC_HOOKS	".ksplice_hooks"
#define KSPLICE_SEC_SPECIALS	".ksplice_specials"
#define KSPLICE_SEC_STRINGS	".ksplice_str"
/* Between objmanip's passes only (never in an update module). */
#define KSPLICE_SEC_CHANGED	".ksplice_changed"	/* keep-new -> keep-old */
#define KSPLICE_SEC_OLD_CODE	".ksplice_old_code"	/* marks old code */

/*
 * A symbol the engine resolves: by matching (old code) or by name (kallsyms).
 * @name is the ELF name in the kernel (e.g. "tcp_v4_rcv", "foo.cold");
 * @label is unique within an update ("name" for globals, "name/objpath" for
 * locals), so that both modules of a change can refer to the same symbol.
 */
struct ksplice_symbol {
	__u64 name;		/* const char * */
	__u64 label;		/* const char * */
	__u32 flags;		/* KSPLICE_SYM_* */
	__u32 pad;
};

#define KSPLICE_SYM_LOCAL	0x1	/* STB_LOCAL in its object: names may repeat */
#define KSPLICE_SYM_FUNC	0x2
#define KSPLICE_SYM_OBJECT	0x4
#define KSPLICE_SYM_STRING	0x8	/* anonymous string literal: match by content */

/*
 * A relocation the module loader must not (or cannot) resolve: the field at
 * @blank_addr holds KSPLICE_CANARY (4-byte fields) or a 64-bit canary until
 * the engine writes S + A (- P when pcrel).
 */
struct ksplice_reloc {
	__u64 blank_addr;	/* address of the field in this module */
	__u64 blank_sect;	/* start of the section holding the field */
	__u64 symbol;		/* struct ksplice_symbol * */
	__s64 addend;
	__u32 blank_offset;	/* field offset within its section */
	__u32 type;		/* R_X86_64_PC32, _PLT32, _32, _32S, _64 */
	__u32 size;		/* field width in bytes: 4 or 8 (1 or 8: VALUE) */
	__u32 flags;		/* KSPLICE_RELOC_* */
};

#define KSPLICE_RELOC_PCREL	0x1
/*
 * The field (1 or 8 bytes, @type 0) gets the first @size bytes stored at
 * the symbol, not its address: a runtime constant (asm/runtime-const.h)
 * that the kernel wrote into its own code at boot from that variable.
 */
#define KSPLICE_RELOC_VALUE	0x2

/*
 * A section of the pre object (old code) that the engine matches against
 * the running kernel, or a section of the post object (new code).
 */
struct ksplice_section {
	__u64 symbol;		/* struct ksplice_symbol * naming it */
	__u64 address;		/* its contents in this module */
	__u64 size;
	__u32 flags;		/* KSPLICE_SECT_* */
	__u32 align;
};

#define KSPLICE_SECT_TEXT	0x1
#define KSPLICE_SECT_RODATA	0x2
#define KSPLICE_SECT_DATA	0x4
#define KSPLICE_SECT_STRING	0x8
#define KSPLICE_SECT_MATCH	0x10	/* must match: it is replaced */
#define KSPLICE_SECT_FENTRY	0x20	/* call __fentry__ at entry (after endbr64) */
#define KSPLICE_SECT_ENDBR	0x40	/* starts with endbr64 */

/* Replace the function at @oldsym's run address by @repladdr. */
struct ksplice_patch {
	__u64 oldsym;		/* struct ksplice_symbol * */
	__u64 repladdr;		/* replacement function in the new module */
	__u32 type;		/* KSPLICE_PATCH_* */
	__u32 size;		/* bytes of the old function (for the stack check) */
};

#define KSPLICE_PATCH_TEXT	0

/*
 * Places in old code where the running kernel may legitimately differ from
 * the pre object, taken from the object's special sections.
 */
struct ksplice_special {
	__u64 sect;		/* start of the section (in the old module) */
	__u32 offset;		/* within that section */
	__u32 len;		/* bytes that may differ */
	__u32 kind;		/* KSPLICE_SPECIAL_* */
	__u32 pad;
};

#define KSPLICE_SPECIAL_ALT		1	/* .altinstructions site */
#define KSPLICE_SPECIAL_JUMP_LABEL	2	/* __jump_table site */
#define KSPLICE_SPECIAL_STATIC_CALL	3	/* .static_call_sites */
#define KSPLICE_SPECIAL_RETPOLINE	4	/* .retpoline_sites */
#define KSPLICE_SPECIAL_RETURN		5	/* .return_sites */
#define KSPLICE_SPECIAL_PARAVIRT	6	/* .parainstructions */
#define KSPLICE_SPECIAL_MCOUNT		7	/* __mcount_loc */
#define KSPLICE_SPECIAL_SMP_LOCK	8	/* .smp_locks (lock prefix) */
#define KSPLICE_SPECIAL_CALL		9	/* .call_sites (call depth) */
#define KSPLICE_SPECIAL_ENDBR		10	/* endbr64, sealed with IBT */
#define KSPLICE_SPECIAL_CONST		11	/* runtime constant, set at boot */

/* Hooks a patch author declares with ksplice-patch.h. */
struct ksplice_hook {
	__u64 func;		/* int (*)(void) or void (*)(void) */
	__u32 kind;		/* KSPLICE_HOOK_* */
	__u32 pad;
};

#define KSPLICE_HOOK_PRE_APPLY		1
#define KSPLICE_HOOK_CHECK_APPLY	2
#define KSPLICE_HOOK_APPLY		3
#define KSPLICE_HOOK_POST_APPLY		4
#define KSPLICE_HOOK_FAIL_APPLY		5
#define KSPLICE_HOOK_PRE_REVERSE	6
#define KSPLICE_HOOK_CHECK_REVERSE	7
#define KSPLICE_HOOK_REVERSE		8
#define KSPLICE_HOOK_POST_REVERSE	9
#define KSPLICE_HOOK_FAIL_REVERSE	10

#endif /* KSPLICE_META_H */
