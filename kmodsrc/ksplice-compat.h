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

/*
 * The end of the block of @m's memory that holds @addr (its code only if
 * @text), or 0.  The init part does not count: it is freed after init.
 * 6.4 split a module's memory into blocks by type; before, one block held
 * code, then data.
 */
static inline unsigned long ksplice_module_block_end(const struct module *m,
						     unsigned long addr,
						     bool text)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	for_each_mod_mem_type(type) {
		const struct module_memory *mem = &m->mem[type];
		unsigned long base = (unsigned long)mem->base;

		if (mod_mem_type_is_init(type) || (text && type != MOD_TEXT))
			continue;
		if (addr >= base && addr - base < mem->size)
			return base + mem->size;
	}
	return 0;
#else
	unsigned long base = (unsigned long)m->core_layout.base;
	unsigned long size = text ? m->core_layout.text_size :
		m->core_layout.size;

	return addr >= base && addr - base < size ? base + size : 0;
#endif
}

#endif
