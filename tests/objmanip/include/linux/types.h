/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel header, for ksplice-patch.h in unit cases. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef unsigned long size_t;
typedef unsigned int gfp_t;
#endif
