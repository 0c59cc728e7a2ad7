/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_DWARF_H
#define OBJMANIP_DWARF_H

#include <stdbool.h>
#include <stddef.h>

struct dwarf;

/* A layout change of a type that kept code uses. */
struct layout_change {
	char *type;			/* "struct NAME" or "union NAME" */
	char *what;			/* "member M added at offset 8", ... */
};

struct dwarf *dwarf_open_obj(const char *path);	/* NULL: no DWARF */
void dwarf_close_obj(struct dwarf *d);
const char *dwarf_find_inlined(struct dwarf *d, const char *fn,
			       bool (*pred)(const char *name, void *arg),
			       void *arg);
/* Did the source text of @fn change: 1, 0, or -1 (unknown)? */
int dwarf_function_changed(struct dwarf *pre, struct dwarf *post,
			   const char *fn);
size_t dwarf_layout_changes(struct dwarf *pre, struct dwarf *post,
			    bool (*is_kept)(const char *name, void *arg),
			    void *arg, struct layout_change **out);

#endif
