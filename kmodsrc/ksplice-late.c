// SPDX-License-Identifier: GPL-2.0
/*
 * Changes for modules that are not loaded when the update is applied
 * (partial=1).  Their new and old code modules stay loaded (pinned) while
 * the update is applied, and when the target module arrives it is matched
 * and patched at MODULE_STATE_COMING, before its init runs: no thread can
 * be inside its code yet, so no stop_machine is needed.  A target that does
 * not match is refused (its load fails) rather than run unpatched.
 *
 * A target still running its init at apply time is patched with the rest
 * (its load notification has passed).  Its init, like that of a target
 * patched as it loaded, may still fail: the module then goes away, and
 * its change waits for it to load again, with its old code kept for that.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include "ksplice.h"

/* Applied to a module still in its init: held like a late change. */
static void pin_loading(struct ksplice_change *c)
{
	if (!c->target_mod ||
	    READ_ONCE(c->target_mod->state) == MODULE_STATE_LIVE)
		return;
	if (!c->old || !try_module_get(c->old->mod))
		return;	/* should it go, its change is dropped */
	c->late = true;
	ksplice_debug("%s: patched while running its init\n", c->target);
}

/* On a successful apply: keep the parts of skipped changes for later. */
void ksplice_pin_pending(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		c->pending = false;
		if (!c->skipped) {
			pin_loading(c);
			continue;
		}
		if (!c->new || !c->old)
			continue;
		if (!try_module_get(c->new->mod))
			continue;
		if (!try_module_get(c->old->mod)) {
			module_put(c->new->mod);
			continue;
		}
		c->pending = true;
		ksplice_debug("%s: waiting for the module to load\n", c->target);
	}
}

/* On a successful reverse (late changes were reversed with the others). */
void ksplice_unpin_pending(void)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list) {
		if (c->pending || c->late) {
			module_put(c->old->mod);
			if (c->pending)
				module_put(c->new->mod);
		}
		c->pending = c->late = false;
	}
}

/* Write the jumps [first, nr_jumps) of a module nobody runs yet. */
static void write_late_jumps(int first)
{
	struct ksplice_update *u = &ksplice_update;
	int i;

	mutex_lock(ksplice_text_mutex);
	for (i = first; i < u->nr_jumps; i++)
		ksplice_text_poke((void *)u->jumps[i].site, u->jumps[i].jmp,
				  KSPLICE_JMP_LEN);
	mutex_unlock(ksplice_text_mutex);
	ksplice_text_poke_sync();
}

static int late_apply(struct ksplice_change *c, struct module *mod)
{
	struct ksplice_update *u = &ksplice_update;
	int first = u->nr_jumps, ret;

	if (!try_module_get(mod))
		return KSPLICE_TARGET_NOT_LOADED;
	c->target_mod = mod;
	c->skipped = false;
	ret = ksplice_match_and_relocate(c);
	if (ret == KSPLICE_OK)
		ret = ksplice_plan_change_jumps(c);
	if (ret == KSPLICE_OK) {
		write_late_jumps(first);
		c->pending = false;
		c->late = true;	/* new code now held like an applied one */
	} else {
		u->nr_jumps = first;
		ksplice_free_pieces(c);
		ksplice_unwrite_relocs(c);
		c->skipped = true;
		c->target_mod = NULL;
		module_put(mod);
	}
	ksplice_free_matching();
	return ret;
}

/*
 * The target of an applied change went away (its init failed, or it was
 * forced out): forget its jumps, and the addresses the new code got from
 * it.  A late change (old and new code still pinned) waits for the module
 * to load again, as before it first loaded.
 */
static void target_gone(struct ksplice_change *c)
{
	struct ksplice_update *u = &ksplice_update;
	int i, n = 0;

	for (i = 0; i < u->nr_jumps; i++) {
		if (u->jump_change[i] == c)
			continue;
		u->jumps[n] = u->jumps[i];
		u->jump_change[n++] = u->jump_change[i];
	}
	u->nr_jumps = n;
	ksplice_free_pieces(c);
	ksplice_unwrite_relocs(c);
	c->target_mod = NULL;	/* its reference went with it */
	c->skipped = true;
	if (c->late) {
		c->late = false;
		c->pending = true;
		ksplice_debug("%s: went away; patched again when it loads\n",
			      c->target);
		return;
	}
	module_put(c->new->mod);	/* get_new_modules() pinned it */
	ksplice_debug("%s: went away; its change is dropped\n", c->target);
}

static int late_notify(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	struct ksplice_update *u = &ksplice_update;
	struct module *mod = data;
	struct ksplice_change *c;
	int ret = 0;

	if (action != MODULE_STATE_COMING && action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&u->lock);
	if (u->stage != STAGE_APPLIED)
		goto out;
	list_for_each_entry(c, &u->changes, list) {
		if (!ksplice_same_modname(c->target, mod->name))
			continue;
		if (action == MODULE_STATE_GOING) {
			if (c->target_mod == mod)
				target_gone(c);
			continue;
		}
		if (!c->pending)
			continue;
		ret = late_apply(c, mod);
		if (ret == KSPLICE_OK) {
			pr_info("ksplice: update %s applied to %s as it loaded\n",
				ksplice_id, mod->name);
		} else {
			pr_err("ksplice: update %s does not match %s (%d): refusing to load it\n",
			       ksplice_id, mod->name, ret);
			ret = -EINVAL;
		}
		break;
	}
out:
	mutex_unlock(&u->lock);
	return ret ? notifier_from_errno(ret) : NOTIFY_OK;
}

static struct notifier_block late_nb = {
	.notifier_call = late_notify,
	.priority = INT_MAX - 1,
};

int ksplice_late_init(void)
{
	return register_module_notifier(&late_nb);
}

void ksplice_late_exit(void)
{
	unregister_module_notifier(&late_nb);
}
