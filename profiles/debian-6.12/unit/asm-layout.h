/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Special-section layouts of the 6.12 generation for the objmanip unit
 * corpus (tests/objmanip/include/kdefs.h includes it): struct alt_instr
 * of 14 bytes; no .parainstructions (paravirt sites are alternatives).
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/* A one-instruction alternative, as 6.12's ALTERNATIVE() lays it out
 * (struct alt_instr: instr, repl (s32), ft_flags (u32), instrlen,
 * replacementlen (u8): 14 bytes). */
#define alternative(old, new, feature)					\
	asm volatile("661:\n\t" old "\n662:\n"				\
		     ".pushsection .altinstructions,\"a\"\n"		\
		     " .long 661b - .\n"				\
		     " .long 6641f - .\n"				\
		     " .long %c0\n"					\
		     " .byte 662b-661b\n"				\
		     " .byte 6651f-6641f\n"				\
		     ".popsection\n"					\
		     ".pushsection .altinstr_replacement, \"ax\"\n"	\
		     "6641:\n\t" new "\n6651:\n"			\
		     ".popsection\n" : : "i" (feature) : "memory")

#endif
