/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For patch authors: hooks that run when an update is applied or reversed,
 * and shadow data to add fields to structures that are already live.
 *
 *	#include <ksplice-patch.h>	// ksplice-create puts kmodsrc/ on the path
 *
 *	static int my_check(void) { return busy ? -EBUSY : 0; }
 *	ksplice_pre_apply(my_check);	// nonzero aborts with call_failed
 *
 *	struct foo_extra *x = ksplice_shadow_alloc(foo, FOO_EXTRA_ID,
 *						   sizeof(*x), GFP_KERNEL);
 *
 * pre_* and check_* hooks return int (0 = go on); the others return void.
 * pre_* and post_* run in process context; check_* and apply/reverse hooks
 * run inside stop_machine with every CPU stopped: they must not sleep.
 * fail_* hooks run when applying (or reversing) fails after pre_* ran.
 */
#ifndef KSPLICE_PATCH_H
#define KSPLICE_PATCH_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include "ksplice-meta.h"

#define __ksplice_hook(fn, kind_, type)					\
	static type (*const __UNIQUE_ID(ksplice_hook_check_))(void)	\
		__maybe_unused = fn;					\
	static const struct ksplice_hook __UNIQUE_ID(ksplice_hook_)	\
		__used __section(".ksplice_hooks") __aligned(8) = {	\
		.func = (unsigned long)(fn),				\
		.kind = (kind_),					\
	}

#define ksplice_pre_apply(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_PRE_APPLY, int)
#define ksplice_check_apply(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_CHECK_APPLY, int)
#define ksplice_apply(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_APPLY, void)
#define ksplice_post_apply(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_POST_APPLY, void)
#define ksplice_fail_apply(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_FAIL_APPLY, void)
#define ksplice_pre_reverse(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_PRE_REVERSE, int)
#define ksplice_check_reverse(fn) __ksplice_hook(fn, KSPLICE_HOOK_CHECK_REVERSE, int)
#define ksplice_reverse(fn)	 __ksplice_hook(fn, KSPLICE_HOOK_REVERSE, void)
#define ksplice_post_reverse(fn) __ksplice_hook(fn, KSPLICE_HOOK_POST_REVERSE, void)
#define ksplice_fail_reverse(fn) __ksplice_hook(fn, KSPLICE_HOOK_FAIL_REVERSE, void)

/*
 * Shadow data, keyed on (object, id), kept by the update's core module and
 * freed when the update is cleaned up.  The engine binds these references
 * to its own functions when it writes the update's relocations.
 */
void *ksplice_shadow_get(const void *obj, unsigned long id);
void *ksplice_shadow_alloc(const void *obj, unsigned long id, size_t size,
			   gfp_t gfp);
void ksplice_shadow_free(const void *obj, unsigned long id);

#endif /* KSPLICE_PATCH_H */
