/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel header, for ksplice-patch.h in unit cases. */
#include <linux/types.h>
#define GFP_KERNEL	0xcc0u
