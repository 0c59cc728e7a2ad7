// SPDX-License-Identifier: GPL-2.0
/*
 * What of the core carries the update's id in a name, and so is compiled
 * for each update (-DKSPLICE_ID=<id>): the id itself, the functions its
 * loaders bind to by name (one update's loaders cannot reach another's
 * core) and the one other updates call to pin it.  Everything else of the
 * core is the same object for every update of a kernel (engine.o, built
 * once; kmodsrc/Makefile).
 */
#include <linux/module.h>
#include "ksplice.h"

#ifndef KSPLICE_ID
#error "KSPLICE_ID must be defined (kbuild: KSPLICE_ID=<id>)"
#endif

const char ksplice_id[] = KSPLICE_STR(KSPLICE_ID);

int ksplice_register_part(struct ksplice_mod_change_part *part)
{
	return ksplice_core_register(part);
}
EXPORT_SYMBOL_GPL(ksplice_register_part);

void ksplice_unregister_part(struct ksplice_mod_change_part *part)
{
	ksplice_core_unregister(part);
}
EXPORT_SYMBOL_GPL(ksplice_unregister_part);

/* Found by name (kallsyms) by a later update whose new code uses ours. */
int KSPLICE_PASTE(ksplice_hold_, KSPLICE_ID)(const char *user, const char *sym,
					     bool hold);
int KSPLICE_PASTE(ksplice_hold_, KSPLICE_ID)(const char *user, const char *sym,
					     bool hold)
{
	return ksplice_hold(user, sym, hold);
}

MODULE_DESCRIPTION("ksplice update " KSPLICE_STR(KSPLICE_ID) ": core engine");
