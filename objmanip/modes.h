/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_MODES_H
#define OBJMANIP_MODES_H

struct object;

int keep_new_code(const char *in, const char *out, const char *pre,
		  const char *id);
int keep_old_code(const char *in, const char *out);
int finalize(const char *in, const char *out, const char *target,
	     const char *symvers);

/* main.c: what to clean up when a mode fails half-way */
void track_object(struct object *obj);
void set_output(const char *path);

#endif
