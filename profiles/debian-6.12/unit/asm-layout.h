/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Special-section layouts of the 6.12 generation, for the objmanip unit
 * corpus (tests/objmanip/include/kdefs.h).  No .parainstructions: paravirt
 * sites are alternatives.
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/* struct alt_instr: instr, repl (s32), ft_flags (u32), instrlen,
 * replacementlen (u8): 14 bytes */
#define ALT_FEATURE_FIELD	".long"

#endif
