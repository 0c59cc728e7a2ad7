/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_CARRY_H
#define OBJMANIP_CARRY_H

#include "objmanip.h"
#include "out.h"

void carry_plan(struct object *pre, struct object *post);
bool carry_wanted(const struct section *from, const struct reloc *r,
		  const struct target *t);
int carry_empty(struct out *o, const struct section *sec);
void carry_check_label(struct object *pre, struct object *post,
		       const struct section *from, const struct reloc *r,
		       const struct target *t);

#endif
