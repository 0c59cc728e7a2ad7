/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Special-section layouts of the 6.1 generation for the objmanip unit
 * corpus (tests/objmanip/include/kdefs.h includes it): struct alt_instr
 * of 12 bytes and paravirt patch sites (.parainstructions).
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/* A one-instruction alternative, as 6.1's ALTERNATIVE() lays it out
 * (struct alt_instr: instr, repl (s32), cpuid (u16), instrlen,
 * replacementlen (u8): 12 bytes). */
#define alternative(old, new, feature)					\
	asm volatile("661:\n\t" old "\n662:\n"				\
		     ".pushsection .altinstructions,\"a\"\n"		\
		     " .long 661b - .\n"				\
		     " .long 6641f - .\n"				\
		     " .word %c0\n"					\
		     " .byte 662b-661b\n"				\
		     " .byte 6651f-6641f\n"				\
		     ".popsection\n"					\
		     ".pushsection .altinstr_replacement, \"ax\"\n"	\
		     "6641:\n\t" new "\n6651:\n"			\
		     ".popsection\n" : : "i" (feature) : "memory")

static inline __attribute__((always_inline)) void pv_irq_disable(void)
{
	asm volatile("771: cli\n772:\n"
		     ".pushsection .parainstructions,\"a\"\n"
		     " .balign 8\n"
		     " .quad 771b\n"
		     " .byte 5\n"
		     " .byte 772b-771b\n"
		     " .balign 8\n"
		     ".popsection\n" : : : "memory");
}

#endif
