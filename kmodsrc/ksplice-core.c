// SPDX-License-Identifier: GPL-2.0
/*
 * The core module ksplice_<id>: the lifecycle of one update and its sysfs
 * interface in /sys/module/ksplice_<id>/ksplice/.  The loader modules of the
 * update register their parts here; writing the stage file drives the rest.
 */
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "ksplice.h"

struct ksplice_update ksplice_update = {
	.lock = __MUTEX_INITIALIZER(ksplice_update.lock),
	.changes = LIST_HEAD_INIT(ksplice_update.changes),
};

static const char *const abort_names[KSPLICE_NR_ABORTS] = {
	[KSPLICE_OK] = "ok",
	[KSPLICE_NO_MATCH] = "no_match",
	[KSPLICE_CODE_BUSY] = "code_busy",
	[KSPLICE_MODULE_BUSY] = "module_busy",
	[KSPLICE_OUT_OF_MEMORY] = "out_of_memory",
	[KSPLICE_FAILED_TO_FIND] = "failed_to_find",
	[KSPLICE_UNEXPECTED] = "unexpected",
	[KSPLICE_TARGET_NOT_LOADED] = "target_not_loaded",
	[KSPLICE_CALL_FAILED] = "call_failed",
};

static const char *const stage_names[] = {
	[STAGE_PREPARING] = "preparing",
	[STAGE_APPLIED] = "applied",
	[STAGE_REVERSED] = "reversed",
};

static struct kobject *ksplice_kobj;

/* ---- registration by the loader modules ---- */

static struct ksplice_change *find_change(const char *target, bool create)
{
	struct ksplice_change *c;

	list_for_each_entry(c, &ksplice_update.changes, list)
		if (ksplice_same_modname(c->target, target))
			return c;
	if (!create)
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	strscpy(c->target, target, sizeof(c->target));
	INIT_LIST_HEAD(&c->deps);
	list_add_tail(&c->list, &ksplice_update.changes);
	return c;
}

int ksplice_core_register(struct ksplice_mod_change_part *part)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_change *c;
	struct ksplice_mod_change_part **slot;
	int ret = 0;

	if (!part->target || !*part->target || !part->mod)
		return -EINVAL;
	mutex_lock(&u->lock);
	if (u->stage != STAGE_PREPARING) {
		ret = -EBUSY;	/* parts join an update before it is applied */
		goto out;
	}
	c = find_change(part->target, true);
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	slot = part->kind == KSPLICE_PART_NEW ? &c->new : &c->old;
	if (*slot) {
		pr_err("ksplice: %s: second %s code module for %s\n",
		       part->mod->name,
		       part->kind == KSPLICE_PART_NEW ? "new" : "old",
		       part->target);
		ret = -EEXIST;
		goto out;
	}
	*slot = part;
	ksplice_debug("registered %s (%s code for %s): %ld relocs, %ld sections, %ld patches, %ld specials, %ld hooks\n",
		      part->mod->name,
		      part->kind == KSPLICE_PART_NEW ? "new" : "old",
		      part->target, (long)(part->relocs_end - part->relocs),
		      (long)(part->sections_end - part->sections),
		      (long)(part->patches_end - part->patches),
		      (long)(part->specials_end - part->specials),
		      (long)(part->hooks_end - part->hooks));
out:
	mutex_unlock(&u->lock);
	return ret;
}

void ksplice_core_unregister(struct ksplice_mod_change_part *part)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_change *c;

	mutex_lock(&u->lock);
	c = find_change(part->target, false);
	if (c) {
		if (c->new == part) {
			c->new = NULL;
			c->relocs_done = false;	/* the fields went with it */
		}
		if (c->old == part)
			c->old = NULL;
		if (!c->new && !c->old) {
			list_del(&c->list);
			kvfree(c->matches);
			ksplice_free_pieces(c);
			kfree(c);
		}
	}
	mutex_unlock(&u->lock);
}

/*
 * If @name is a module of this update (ksplice_<id>_<rest>), its <rest>;
 * else NULL.
 */
const char *ksplice_own_module(const char *name)
{
	size_t n = strlen(ksplice_id);

	if (strncmp(name, "ksplice_", 8) || strncmp(name + 8, ksplice_id, n) ||
	    name[8 + n] != '_')
		return NULL;
	return name + 8 + n + 1;
}

/* ---- sysfs ---- */

static ssize_t stage_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ksplice_update *u = &ksplice_update;

	if (READ_ONCE(u->worker))
		return sysfs_emit(buf, "%s\n",
				  u->work_reverse ? "reversing" : "applying");
	return sysfs_emit(buf, "%s\n", stage_names[u->stage]);
}

/*
 * Apply and reverse run in write(), or in the engine's worker with "async"
 * set; the driver reads abort_cause afterwards.  An abort is not a write
 * error.
 */
static ssize_t stage_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct ksplice_update *u = &ksplice_update;
	ssize_t ret = count;
	int err = 0;

	mutex_lock(&u->lock);
	if (sysfs_streq(buf, "applied")) {
		if (u->stage == STAGE_APPLIED)
			goto out;	/* already: nothing to do */
		if (u->stage != STAGE_PREPARING) {
			ret = -EINVAL;
			goto out;
		}
		err = ksplice_start_stage(false);
	} else if (sysfs_streq(buf, "reversed")) {
		if (u->stage != STAGE_APPLIED) {
			ret = -EINVAL;
			goto out;
		}
		err = ksplice_start_stage(true);
	} else if (sysfs_streq(buf, "cleanup")) {
		if (u->stage == STAGE_APPLIED || u->worker) {
			ret = -EBUSY;
			goto out;
		}
		ksplice_free_plan();
		ksplice_labels_free();
		ksplice_shadow_free_all();
	} else {
		ret = -EINVAL;
	}
out:
	mutex_unlock(&u->lock);
	return err ? err : ret;
}

static ssize_t abort_cause_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", abort_names[ksplice_update.abort]);
}

/* What the abort is about: symbol and target, section and offset. */
static ssize_t abort_detail_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return ksplice_abort_detail_show(buf);
}

static ssize_t conflicts_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *u = &ksplice_update;
	ssize_t ret;

	mutex_lock(&u->lock);
	ret = sysfs_emit(buf, "%s", u->conflicts ? u->conflicts : "");
	mutex_unlock(&u->lock);
	return ret;
}

static ssize_t bool_store(bool *field, const char *buf, size_t count)
{
	bool val;

	if (kstrtobool(buf, &val))
		return -EINVAL;
	mutex_lock(&ksplice_update.lock);
	*field = val;
	mutex_unlock(&ksplice_update.lock);
	return count;
}

/* A root-only 0/1 switch of the update, kept in the bool of that name. */
#define KSPLICE_BOOL_ATTR(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%d\n", ksplice_update.name);		\
}									\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	return bool_store(&ksplice_update.name, buf, count);		\
}									\
static struct kobj_attribute name##_attr = __ATTR_RW_MODE(name, 0600)

KSPLICE_BOOL_ATTR(debug);
/* Allow changes for target modules that are not loaded yet. */
KSPLICE_BOOL_ATTR(partial);
/* Stage writes run in the engine's own thread (ksplice-worker.c). */
KSPLICE_BOOL_ATTR(async);

/* A read-only sysfs file showing one u64 timing field of the update. */
#define KSPLICE_NS_ATTR(name, field)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n", ksplice_update.field);	\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

/* Run-pre matching time of the last apply, all changes together. */
KSPLICE_NS_ATTR(match_ns, match_ns);
/* Time spent in the stop_machine callback by the last attempt. */
KSPLICE_NS_ATTR(pause_ns, pause_ns);
/* Wall time of the last stop_machine() call, as the caller saw it. */
KSPLICE_NS_ATTR(stop_machine_ns, stop_ns);

static struct kobj_attribute stage_attr = __ATTR_RW_MODE(stage, 0600);
static struct kobj_attribute abort_cause_attr = __ATTR_RO(abort_cause);
static struct kobj_attribute abort_detail_attr = __ATTR_RO(abort_detail);
/* Task names and pids of other users' threads: for root only. */
static struct kobj_attribute conflicts_attr = __ATTR_RO_MODE(conflicts, 0400);

static struct attribute *ksplice_attrs[] = {
	&stage_attr.attr,
	&abort_cause_attr.attr,
	&abort_detail_attr.attr,
	&conflicts_attr.attr,
	&debug_attr.attr,
	&partial_attr.attr,
	&async_attr.attr,
	&match_ns_attr.attr,
	&pause_ns_attr.attr,
	&stop_machine_ns_attr.attr,
	NULL,
};

static const struct attribute_group ksplice_group = {
	.attrs = ksplice_attrs,
};

/* ---- module lifecycle ---- */

static int __init ksplice_core_init(void)
{
	int ret;

	hash_init(ksplice_update.labels);
	ret = ksplice_symbols_init();
	if (ret)
		return ret;
	/* Filled inside stop_machine, where nothing may allocate. */
	ksplice_update.conflicts = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!ksplice_update.conflicts)
		return -ENOMEM;
	ret = ksplice_debug_init();
	if (ret)
		goto err_conflicts;
	ksplice_kobj = kobject_create_and_add("ksplice", &THIS_MODULE->mkobj.kobj);
	if (!ksplice_kobj) {
		ret = -ENOMEM;
		goto err_debug;
	}
	ret = sysfs_create_group(ksplice_kobj, &ksplice_group);
	if (ret)
		goto err_kobj;
	ret = ksplice_early_init();
	if (ret)
		goto err_group;
	ret = ksplice_late_init();
	if (ret)
		goto err_early;
	return 0;

err_early:
	ksplice_early_exit();
err_group:
	sysfs_remove_group(ksplice_kobj, &ksplice_group);
err_kobj:
	kobject_put(ksplice_kobj);
err_debug:
	ksplice_debug_exit();
err_conflicts:
	kfree(ksplice_update.conflicts);
	return ret;
}

static void __exit ksplice_core_exit(void)
{
	/* The loaders hold references on us, so no part is registered now. */
	ksplice_late_exit();
	ksplice_early_exit();
	sysfs_remove_group(ksplice_kobj, &ksplice_group);
	kobject_put(ksplice_kobj);
	ksplice_labels_free();
	ksplice_shadow_free_all();
	ksplice_free_plan();
	ksplice_deps_exit();
	kfree(ksplice_update.conflicts);
	ksplice_debug_exit();
}

module_init(ksplice_core_init);
module_exit(ksplice_core_exit);
MODULE_LICENSE("GPL");
