/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_EMIT_H
#define OBJMANIP_EMIT_H

#include "out.h"

struct emit {
	struct out *o;
	struct object *obj;
	bool old;			/* keep-old-code: refer by label */
	struct object *pre;		/* keep-new-code: what matching binds */
	struct unit **queue;		/* kept units, in keeping order */
	size_t nq, qcap, qhead;
};

void emit_init(struct emit *e, struct out *o, struct object *obj, bool old);
void emit_free(struct emit *e);
void emit_keep(struct emit *e, struct unit *u);
void emit_section(struct emit *e, struct section *sec);
void emit_run(struct emit *e);
char *unit_label(const struct unit *u);

#endif
