/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the generations the engine supports
 * (Debian's 6.1 and 6.12), in one place.  Everything else in the engine is
 * written against these names.
 */
#ifndef KSPLICE_COMPAT_H
#define KSPLICE_COMPAT_H

#include <linux/version.h>
#include <linux/module.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.4 dropped the struct module argument of the kallsyms walkers' callback
 * and gave module_kallsyms_on_each_symbol a module name to walk.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define KSPLICE_KALLSYMS_MODNAME_WALK 1
#else
#define KSPLICE_KALLSYMS_MODNAME_WALK 0
#endif

/* 6.4 moved a module's memory from core_layout to mem[MOD_TEXT]. */
static inline void ksplice_module_text(const struct module *m,
				       unsigned long *base, unsigned long *size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	*base = (unsigned long)m->mem[MOD_TEXT].base;
	*size = m->mem[MOD_TEXT].size;
#else
	*base = (unsigned long)m->core_layout.base;
	*size = m->core_layout.text_size;
#endif
}

#endif
