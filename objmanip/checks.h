/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_CHECKS_H
#define OBJMANIP_CHECKS_H

struct object;
struct unit;

void check_function_sections(struct object *obj);
void check_common_function(struct object *pre, struct object *post);
void check_exports(struct object *pre, struct object *post);
void check_data(struct object *pre, struct object *post);
void check_replaced_data(struct object *post);
void check_jump_room(struct object *post, struct unit *pre_fn);

#endif
