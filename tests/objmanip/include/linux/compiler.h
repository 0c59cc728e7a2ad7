/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel header, for ksplice-patch.h in unit cases. */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H
#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define __maybe_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __section(s)		__attribute__((__section__(s)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#endif
