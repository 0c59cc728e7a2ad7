// SPDX-License-Identifier: GPL-2.0
/*
 * Updates that use each other's code.  The new code of an update may call
 * a function that an earlier update added: the running kernel has it only
 * in that update's new code module.  While its relocations point there,
 * the later update pins that module, and tells the earlier update, whose
 * undo is then refused (module_busy, naming the user in its conflicts):
 * undoing it would unload code that the later update still calls.
 *
 * The earlier update is told through a function of its core module found
 * by name (ksplice_hold_<id>).  The pinned new code module keeps that core
 * loaded: it uses the core's exports.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "ksplice.h"


/* Another update's module that the code of a change uses. */
struct ksplice_dep {
	struct list_head list;
	struct module *mod;		/* referenced */
	/* Its core's ksplice_hold_<id>, or NULL. */
	int (*hold)(const char *user, const char *sym, bool hold);
	const char *user;		/* the change's new code module */
	char sym[KSYM_NAME_LEN];
};

/* Another update using our code: its module and what it uses. */
struct ksplice_holder {
	struct list_head list;
	char user[MODULE_NAME_LEN];
	char sym[KSYM_NAME_LEN];
};

static LIST_HEAD(holders);
static DEFINE_MUTEX(holders_lock);

/* Called by another update: module @user uses (or stops using) our @sym. */
int ksplice_hold(const char *user, const char *sym, bool hold)
{
	struct ksplice_holder *h;
	int ret = 0;

	mutex_lock(&holders_lock);
	if (!hold) {
		list_for_each_entry(h, &holders, list) {
			if (!strcmp(h->user, user) && !strcmp(h->sym, sym)) {
				list_del(&h->list);
				kfree(h);
				break;
			}
		}
		goto out;
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	strscpy(h->user, user, sizeof(h->user));
	strscpy(h->sym, sym, sizeof(h->sym));
	list_add_tail(&h->list, &holders);
out:
	mutex_unlock(&holders_lock);
	return ret;
}

/*
 * Is our code in use by another update?  Then the conflicts say who:
 * "<its module> <our function it uses>" per use.
 */
bool ksplice_held(void)
{
	struct ksplice_update *u = &ksplice_update;
	struct ksplice_holder *h;
	bool held;

	mutex_lock(&holders_lock);
	u->conflicts_len = 0;
	u->conflicts[0] = '\0';
	list_for_each_entry(h, &holders, list)
		u->conflicts_len += scnprintf(u->conflicts + u->conflicts_len,
					      PAGE_SIZE - u->conflicts_len,
					      "%s %s\n", h->user, h->sym);
	held = !list_empty(&holders);
	mutex_unlock(&holders_lock);
	return held;
}

/*
 * Is @name the new code module of another update (ksplice_<id>_<t>_new,
 * where what an update adds lives)?  Its id goes to @id.
 */
static bool other_update(const char *name, char *id, size_t len)
{
	size_t n = strlen(name);
	const char *p;

	if (strncmp(name, "ksplice_", 8) || n < 12 ||
	    strcmp(name + n - 4, "_new"))
		return false;
	if (ksplice_own_module(name))
		return false;
	p = name + 8;
	n = strcspn(p, "_");
	if (!n || n >= len)
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	return true;
}

static struct ksplice_dep *find_dep(struct ksplice_change *c,
				    struct module *mod, const char *sym)
{
	struct ksplice_dep *d;

	list_for_each_entry(d, &c->deps, list)
		if (d->mod == mod && !strcmp(d->sym, sym))
			return d;
	return NULL;
}

/*
 * The code of @c uses @sym at @addr: if that lies in another update's
 * module, pin it and tell that update.
 */
int ksplice_depend(struct ksplice_change *c, unsigned long addr,
		   const char *sym)
{
	char name[MODULE_NAME_LEN], id[MODULE_NAME_LEN];
	char fn[sizeof("ksplice_hold_") + MODULE_NAME_LEN];
	struct ksplice_dep *d;
	struct module *mod;

	mod = ksplice_get_module(addr, name, sizeof(name));
	if (!mod)
		return KSPLICE_OK;	/* vmlinux, or nothing that can go */
	if (!other_update(name, id, sizeof(id)) || find_dep(c, mod, sym)) {
		module_put(mod);
		return KSPLICE_OK;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		module_put(mod);
		return KSPLICE_OUT_OF_MEMORY;
	}
	d->mod = mod;
	d->user = c->new->mod->name;
	strscpy(d->sym, sym, sizeof(d->sym));
	snprintf(fn, sizeof(fn), "ksplice_hold_%s", id);
	d->hold = (void *)ksplice_lookup_name(fn);
	if (d->hold && d->hold(d->user, d->sym, true)) {
		module_put(mod);
		kfree(d);
		return KSPLICE_OUT_OF_MEMORY;
	}
	list_add_tail(&d->list, &c->deps);
	ksplice_debug("%s: uses %s of %s: pinned%s\n", c->target, sym, name,
		      d->hold ? ", its update told" : "");
	return KSPLICE_OK;
}

/* @c's code no longer runs (undone, or never applied): let go. */
void ksplice_release_deps(struct ksplice_change *c)
{
	struct ksplice_dep *d, *n;

	list_for_each_entry_safe(d, n, &c->deps, list) {
		if (d->hold)
			d->hold(d->user, d->sym, false);
		module_put(d->mod);
		list_del(&d->list);
		kfree(d);
	}
}

/* Unloading: no other update's new code module is loaded that uses us. */
void ksplice_deps_exit(void)
{
	struct ksplice_holder *h, *n;

	list_for_each_entry_safe(h, n, &holders, list) {
		list_del(&h->list);
		kfree(h);
	}
}
