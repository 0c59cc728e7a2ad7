/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OBJMANIP_NEEDS_H
#define OBJMANIP_NEEDS_H

void needs_check_global(const char *path, const char *who, const char *name);
int needs_local_count(const char *path, const char *name);
const char *needs_release(void);

#endif
