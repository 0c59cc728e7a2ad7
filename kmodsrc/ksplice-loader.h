/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface between the loader modules (new_code_loader.c, old_code_loader.c)
 * and the core engine of one update.  The loaders and the core's
 * ksplice-id.c are built with -DKSPLICE_ID=<id>; the register functions carry
 * the id in their name so that the loaders of one update can only bind to
 * their own core, even when several updates are loaded (stacking).  The
 * rest of the core does not depend on the id (it is built once per kernel).
 */
#ifndef KSPLICE_LOADER_H
#define KSPLICE_LOADER_H

#include <linux/list.h>
#include <linux/module.h>
#include "ksplice-meta.h"

#define __KSPLICE_PASTE(a, b)	a##b
#define KSPLICE_PASTE(a, b)	__KSPLICE_PASTE(a, b)
#define __KSPLICE_STR(x)	#x
#define KSPLICE_STR(x)		__KSPLICE_STR(x)

enum ksplice_part_kind {
	KSPLICE_PART_NEW = 1,	/* replacement code: relocs, patches, hooks */
	KSPLICE_PART_OLD = 2,	/* pre code: sections to match, specials */
};

/* One half of the change to one target, as a loader module describes it. */
struct ksplice_mod_change_part {
	const char *target;		/* "vmlinux" or a module name */
	enum ksplice_part_kind kind;
	struct module *mod;		/* the loader module itself */

	/* The bracketed tables of the finalized object ([start, end)). */
	const struct ksplice_reloc *relocs, *relocs_end;
	const struct ksplice_symbol *symbols, *symbols_end;
	const struct ksplice_section *sections, *sections_end;
	const struct ksplice_patch *patches, *patches_end;
	const struct ksplice_hook *hooks, *hooks_end;
	const struct ksplice_special *specials, *specials_end;

	struct list_head list;		/* engine private */
};

#ifdef KSPLICE_ID
#define ksplice_register_part	KSPLICE_PASTE(ksplice_register_, KSPLICE_ID)
#define ksplice_unregister_part	KSPLICE_PASTE(ksplice_unregister_, KSPLICE_ID)
int ksplice_register_part(struct ksplice_mod_change_part *part);
void ksplice_unregister_part(struct ksplice_mod_change_part *part);
#endif

#endif /* KSPLICE_LOADER_H */
