/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's x86-64 macros for objmanip unit cases: the
 * special sections are emitted the way the kernel headers emit them; what
 * changed between generations comes from the profile's unit/asm-layout.h.
 */
#ifndef KDEFS_H
#define KDEFS_H

#include <asm-layout.h>

#define __init		__attribute__((__section__(".init.text"), cold, __noinline__))
#define __sched		__attribute__((__section__(".sched.text"), __noinline__))
#define noinline	__attribute__((noinline))
#define __cold		__attribute__((cold))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define NULL		((void *)0)

extern int _printk(const char *fmt, ...);
#define printk _printk

struct static_key { int enabled; };

static inline __attribute__((always_inline)) int static_key_on(struct static_key *key)
{
	asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t"
		 ".balign 8\n\t"
		 ".long 1b - ., %l[l_yes] - .\n\t"
		 ".quad %c0 - .\n\t"
		 ".popsection\n\t"
		 : : "i" (key) : : l_yes);
	return 0;
l_yes:
	return 1;
}

#define __WARN_FLAGS(flags)						\
	asm volatile("1: ud2\n"						\
		     ".pushsection __bug_table,\"aw\"\n"		\
		     "2: .long 1b - .\n"				\
		     ".long %c0 - .\n"					\
		     ".word %c1\n"					\
		     ".word %c2\n"					\
		     ".org 2b + 12\n"					\
		     ".popsection" : : "i" (__FILE__), "i" (__LINE__),	\
		     "i" (flags))

#define WARN_ON(cond) ({						\
	int __ret = !!(cond);						\
	if (unlikely(__ret))						\
		__WARN_FLAGS(1 << 3);					\
	unlikely(__ret);						\
})

/* A load that may fault, with its __ex_table entry. */
static inline __attribute__((always_inline)) int load_nofault(const int *p, int *v)
{
	int err = 0;

	asm volatile("1: movl (%2), %1\n"
		     "2:\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 4\n"
		     ".long 1b - .\n"
		     ".long 2b - .\n"
		     ".long 3\n"
		     ".popsection\n"
		     : "+r" (err), "=r" (*v) : "r" (p));
	return err;
}

/* A one-instruction alternative, as ALTERNATIVE() lays it out (the feature
 * field's width: ALT_FEATURE_FIELD). */
#define alternative(old, new, feature)					\
	asm volatile("661:\n\t" old "\n662:\n"				\
		     ".pushsection .altinstructions,\"a\"\n"		\
		     " .long 661b - .\n"				\
		     " .long 6641f - .\n"				\
		     " " ALT_FEATURE_FIELD " %c0\n"			\
		     " .byte 662b-661b\n"				\
		     " .byte 6651f-6641f\n"				\
		     ".popsection\n"					\
		     ".pushsection .altinstr_replacement, \"ax\"\n"	\
		     "6641:\n\t" new "\n6651:\n"			\
		     ".popsection\n" : : "i" (feature) : "memory")

static inline __attribute__((always_inline)) void lock_inc(int *v)
{
	asm volatile(".pushsection .smp_locks,\"a\"\n"
		     ".balign 4\n"
		     ".long 671f - .\n"
		     ".popsection\n"
		     "671:\n\tlock; incl %0" : "+m" (*v));
}

#ifdef HAVE_PARAINSTRUCTIONS
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

#define EXPORT_SYMBOL(sym)						\
	static const char __kstrtab_##sym[]				\
	__attribute__((section("__ksymtab_strings"), used)) = #sym;	\
	static const int __ksymtab_##sym[3]				\
	__attribute__((section("___ksymtab+" #sym), used)) = { 0, 0, 0 }

#endif
