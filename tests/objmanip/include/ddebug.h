/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pr_debug() as CONFIG_DYNAMIC_DEBUG lays it out (a struct _ddebug per
 * call site in __dyndbg, named by __UNIQUE_ID, its static key in a
 * __jump_table entry) and mutex_init() with lockdep off (an empty
 * lock_class_key per call site).
 */
#ifndef DDEBUG_H
#define DDEBUG_H

#include "kdefs.h"

struct static_key_false { struct static_key key; };

struct _ddebug {
	const char *modname, *function, *filename, *format;
	unsigned int lineno:18, class_id:6, flags:8;
	union { struct static_key_false dd_key_false; } key;
} __attribute__((aligned(8)));

extern void __dynamic_pr_debug(struct _ddebug *d, const char *fmt, ...);

#define __PASTE2(a, b)	a##b
#define __PASTE(a, b)	__PASTE2(a, b)
#define __UNIQUE_ID(p)	__PASTE(__UNIQUE_ID_, __PASTE(p, __COUNTER__))

#define __dd_call(id, fmt, ...) do {					\
	static struct _ddebug						\
	__attribute__((section("__dyndbg"), used)) id = {		\
		.modname = "x", .function = __func__,			\
		.filename = __FILE__, .format = (fmt),			\
		.lineno = __LINE__, .class_id = 63 };			\
	if (static_key_on(&id.key.dd_key_false.key))			\
		__dynamic_pr_debug(&id, fmt, ##__VA_ARGS__);		\
} while (0)
#define pr_debug(fmt, ...) __dd_call(__UNIQUE_ID(ddebug), fmt, ##__VA_ARGS__)

struct lock_class_key { };
struct mutex { long owner; };
extern void __mutex_init(struct mutex *m, const char *name,
			 struct lock_class_key *key);
#define mutex_init(m) do {						\
	static struct lock_class_key __key;				\
	__mutex_init((m), #m, &__key);					\
} while (0)

#endif
