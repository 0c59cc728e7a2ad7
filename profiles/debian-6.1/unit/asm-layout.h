/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Special-section layouts of the 6.1 generation, for the objmanip unit
 * corpus (tests/objmanip/include/kdefs.h).
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/* struct alt_instr: instr, repl (s32), cpuid (u16), instrlen,
 * replacementlen (u8): 12 bytes */
#define ALT_FEATURE_FIELD	".word"

/* paravirt patch sites: struct paravirt_patch_site in .parainstructions */
#define HAVE_PARAINSTRUCTIONS	1

#endif
