/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Body shared by new_code_loader.c and old_code_loader.c: each includes this
 * after defining KSPLICE_PART_KIND.  The finalized object linked into the
 * module defines the bracketing symbols; they are weak here because finalize
 * emits only the sections it has records for (an old module has no hooks, a
 * new one may have no specials), and the module loader resolves an undefined
 * weak symbol to 0, which makes an empty table.
 */
#include <linux/init.h>
#include <linux/module.h>
#include "ksplice-loader.h"

#ifndef KSPLICE_ID
#error "KSPLICE_ID must be defined (kbuild: KSPLICE_ID=<id>)"
#endif
#ifndef KSPLICE_TARGET
#error "KSPLICE_TARGET must be defined (\"vmlinux\" or a module name)"
#endif

#define KSPLICE_TABLE(type, kind)					\
	extern const struct type __ksplice_##kind[] __weak;		\
	extern const struct type __ksplice_##kind##_end[] __weak

KSPLICE_TABLE(ksplice_reloc, relocs);
KSPLICE_TABLE(ksplice_symbol, symbols);
KSPLICE_TABLE(ksplice_section, sections);
KSPLICE_TABLE(ksplice_patch, patches);
KSPLICE_TABLE(ksplice_hook, hooks);
KSPLICE_TABLE(ksplice_special, specials);

#define KSPLICE_BRACKET(kind) \
	.kind = __ksplice_##kind, .kind##_end = __ksplice_##kind##_end

static struct ksplice_mod_change_part ksplice_part = {
	.target = KSPLICE_TARGET,
	.kind = KSPLICE_PART_KIND,
	KSPLICE_BRACKET(relocs),
	KSPLICE_BRACKET(symbols),
	KSPLICE_BRACKET(sections),
	KSPLICE_BRACKET(patches),
	KSPLICE_BRACKET(hooks),
	KSPLICE_BRACKET(specials),
};

static int __init ksplice_loader_init(void)
{
	ksplice_part.mod = THIS_MODULE;
	return ksplice_register_part(&ksplice_part);
}

static void __exit ksplice_loader_exit(void)
{
	ksplice_unregister_part(&ksplice_part);
}

module_init(ksplice_loader_init);
module_exit(ksplice_loader_exit);
MODULE_LICENSE("GPL");
