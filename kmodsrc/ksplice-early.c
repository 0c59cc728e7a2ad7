// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time relocations of the new code modules.  The module loader hands
 * a module's __jump_table and .static_call_sites to jump_label and
 * static_call through module notifiers at MODULE_STATE_COMING, before the
 * module's init runs; entries whose key is a non-exported kernel symbol
 * still hold the canary then and would be followed as pointers.  A notifier
 * of higher priority resolves those fields first (by name: matching has not
 * run yet), for the new code modules of this update only.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include "ksplice.h"

#define NEW_SUFFIX	"_new"

/* ksplice_<id>_<t>_new -> <t>, or false if @name is not one of ours. */
static bool our_new_module(const char *name, char *target, size_t len)
{
	const char *t = ksplice_own_module(name);
	size_t n, s = strlen(NEW_SUFFIX);

	if (!t)
		return false;
	n = strlen(t);
	if (n <= s || strcmp(t + n - s, NEW_SUFFIX) || n - s >= len)
		return false;
	memcpy(target, t, n - s);
	target[n - s] = '\0';
	return true;
}

static unsigned long mod_symbol(const struct module *mod, const char *sym)
{
	char buf[MODULE_NAME_LEN + 32];

	snprintf(buf, sizeof(buf), "%s:%s", mod->name, sym);
	return ksplice_lookup_name(buf);
}

static int early_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	struct module *mod = data;
	char target[MODULE_NAME_LEN];
	struct ksplice_mod_change_part part = { .mod = mod };
	int ret;

	if (action != MODULE_STATE_COMING ||
	    !our_new_module(mod->name, target, sizeof(target)))
		return NOTIFY_DONE;
	part.relocs = (void *)mod_symbol(mod, "__ksplice_relocs");
	part.relocs_end = (void *)mod_symbol(mod, "__ksplice_relocs_end");
	if (!part.relocs || !part.relocs_end || part.relocs >= part.relocs_end)
		return NOTIFY_DONE;
	/* The loader has not registered its part yet: what it will say. */
	part.symbols = (void *)mod_symbol(mod, "__ksplice_symbols");
	part.symbols_end = (void *)mod_symbol(mod, "__ksplice_symbols_end");
	ret = ksplice_check_relocs(&part);
	if (ret == KSPLICE_OK)
		ret = ksplice_write_reloc_table(mod, target, part.relocs,
						part.relocs_end, NULL);
	if (ret == KSPLICE_OK)
		return NOTIFY_OK;
	pr_err("ksplice: %s: cannot resolve its static keys/calls (see debugfs ksplice_%s)\n",
	       mod->name, ksplice_id);
	ksplice_update.abort = ret;
	return notifier_from_errno(ret == KSPLICE_OUT_OF_MEMORY ? -ENOMEM :
				   -ENOENT);
}

static struct notifier_block early_nb = {
	.notifier_call = early_notify,
	.priority = INT_MAX,	/* before jump_label (1) and static_call (0) */
};

int ksplice_early_init(void)
{
	return register_module_notifier(&early_nb);
}

void ksplice_early_exit(void)
{
	unregister_module_notifier(&early_nb);
}
