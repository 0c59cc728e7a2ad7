// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol resolution without debug info, surviving KASLR: 6.1 exports none of
 * the kallsyms walkers, so the address of kallsyms_lookup_name is taken from
 * a kprobe registered on it (the kprobe core resolves names internally), and
 * everything else the engine needs that is not exported comes from there.
 */
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include "ksplice.h"
#include "ksplice-compat.h"

static unsigned long (*lookup_name)(const char *name);
#if KSPLICE_KALLSYMS_MODNAME_WALK
static int (*on_each_symbol)(int (*fn)(void *, const char *, unsigned long),
			     void *data);
static int (*mod_on_each_symbol)(const char *modname,
				 int (*fn)(void *, const char *, unsigned long),
				 void *data);
#else
static int (*on_each_symbol)(int (*fn)(void *, const char *, struct module *,
				       unsigned long), void *data);
static int (*mod_on_each_symbol)(int (*fn)(void *, const char *,
					   struct module *, unsigned long),
				 void *data);
#endif
/* vmlinux's symbols of one name, by its sorted name index (optional) */
static int (*on_each_match_symbol)(int (*fn)(void *, unsigned long),
				   const char *name, void *data);
static struct module *(*module_address)(unsigned long addr);
void *(*ksplice_text_poke)(void *addr, const void *opcode, size_t len);
void (*ksplice_text_poke_sync)(void);
struct mutex *ksplice_text_mutex;
int (*ksplice_kernel_text_address)(unsigned long addr);
struct task_struct *(*ksplice_idle_task)(int cpu);

static int find_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret = register_kprobe(&kp);

	if (ret < 0)
		return ret;
	lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

int ksplice_symbols_init(void)
{
	const struct {
		const char *name;
		void **var;
	} needed[] = {
		{ "kallsyms_on_each_symbol", (void **)&on_each_symbol },
		{ "module_kallsyms_on_each_symbol", (void **)&mod_on_each_symbol },
		{ "__module_address", (void **)&module_address },
		{ "text_poke", (void **)&ksplice_text_poke },
		{ "text_poke_sync", (void **)&ksplice_text_poke_sync },
		{ "text_mutex", (void **)&ksplice_text_mutex },
		{ "kernel_text_address", (void **)&ksplice_kernel_text_address },
		{ "idle_task", (void **)&ksplice_idle_task },
	};
	int i, ret;

	/* Its error, not -ENOENT: a probe may fail for want of memory. */
	ret = find_lookup_name();
	if (ret) {
		pr_err("ksplice: cannot locate kallsyms_lookup_name: %d\n", ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		*needed[i].var = (void *)lookup_name(needed[i].name);
		if (!*needed[i].var) {
			pr_err("ksplice: cannot locate %s\n", needed[i].name);
			return -ENOENT;
		}
	}
	/* Without it (an older kernel), a walk over every symbol serves. */
	on_each_match_symbol = (void *)lookup_name("kallsyms_on_each_match_symbol");
	return 0;
}

unsigned long ksplice_lookup_name(const char *name)
{
	return lookup_name(name);
}

/* Module names compare with '-' and '_' equal, as the module loader does. */
bool ksplice_same_modname(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static int cands_add(struct ksplice_cands *c, unsigned long addr)
{
	int i;

	for (i = 0; i < c->nr; i++)
		if (c->addr[i] == addr)	/* aliases at one address */
			return 0;
	if (c->nr == c->max) {
		int max = c->max ? 2 * c->max : 8;
		unsigned long *n = krealloc(c->addr, max * sizeof(*n),
					    GFP_KERNEL);

		if (!n)
			return -ENOMEM;
		c->addr = n;
		c->max = max;
	}
	c->addr[c->nr++] = addr;
	return 0;
}

void ksplice_cands_free(struct ksplice_cands *c)
{
	kfree(c->addr);
	c->addr = NULL;
	c->nr = c->max = 0;
}

/*
 * One walk over the symbols of vmlinux (@modname NULL) or of one module,
 * calling @fn(data, name, addr) for each, whatever the kernel's walker
 * signature.
 */
struct sym_walk {
	const char *modname;
	int (*fn)(void *data, const char *name, unsigned long addr);
	void *data;
};

#if KSPLICE_KALLSYMS_MODNAME_WALK
static int walk_symbols(struct sym_walk *w)
{
	char mod[MODULE_NAME_LEN];
	int i;

	if (!w->modname)
		return on_each_symbol(w->fn, w->data);
	/* The walker compares names exactly: the loader's form has '_'. */
	for (i = 0; i < MODULE_NAME_LEN - 1 && w->modname[i]; i++)
		mod[i] = w->modname[i] == '-' ? '_' : w->modname[i];
	mod[i] = 0;
	return mod_on_each_symbol(mod, w->fn, w->data);
}
#else
static int walk_cb(void *data, const char *name, struct module *mod,
		   unsigned long addr)
{
	struct sym_walk *w = data;

	if (w->modname &&
	    (!mod || !ksplice_same_modname(mod->name, w->modname)))
		return 0;
	return w->fn(w->data, name, addr);
}

static int walk_symbols(struct sym_walk *w)
{
	if (!w->modname)
		return on_each_symbol(walk_cb, w);
	return mod_on_each_symbol(walk_cb, w);
}
#endif

/* One name of a batch lookup, in the batch's hash table. */
struct name_node {
	struct hlist_node node;
	const char *name;
	struct ksplice_cands *cands;
};

struct batch_walk {
	struct hlist_head *heads;
	unsigned int bits;
};

static u32 name_hash(const char *name, unsigned int bits)
{
	return hash_32(full_name_hash(NULL, name, strlen(name)), bits);
}

static int batch_cb(void *data, const char *name, unsigned long addr)
{
	struct batch_walk *b = data;
	struct name_node *nn;
	int ret;

	hlist_for_each_entry(nn, &b->heads[name_hash(name, b->bits)], node) {
		if (strcmp(nn->name, name))
			continue;
		ret = cands_add(nn->cands, addr);
		if (ret)
			return ret;
	}
	return 0;
}

static int match_cb(void *data, unsigned long addr)
{
	return cands_add(data, addr);
}

/*
 * ksplice_find_candidates() for the @n names of @names at once (a NULL
 * name is skipped), into @cands[i]: in vmlinux a lookup in the sorted name
 * index per name where the kernel has one, else one walk over the target's
 * symbols, however many names.
 */
int ksplice_find_candidates_all(const char *const *names, int n,
				const char *target, struct ksplice_cands *cands)
{
	unsigned int bits = ilog2(roundup_pow_of_two(2 * max(n, 1)));
	struct batch_walk b = { .bits = bits };
	struct sym_walk w = { .fn = batch_cb, .data = &b };
	struct name_node *nodes;
	int i, ret = -ENOMEM;

	if (on_each_match_symbol && !strcmp(target, "vmlinux")) {
		for (i = 0, ret = 0; i < n && !ret; i++)
			if (names[i])
				ret = on_each_match_symbol(match_cb, names[i],
							   &cands[i]);
		return ret;
	}

	b.heads = kvcalloc(1U << bits, sizeof(*b.heads), GFP_KERNEL);
	nodes = kvcalloc(max(n, 1), sizeof(*nodes), GFP_KERNEL);
	if (!b.heads || !nodes)
		goto out;
	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		nodes[i].name = names[i];
		nodes[i].cands = &cands[i];
		hlist_add_head(&nodes[i].node,
			       &b.heads[name_hash(names[i], bits)]);
	}
	if (strcmp(target, "vmlinux"))
		w.modname = target;
	ret = walk_symbols(&w);
out:
	kvfree(nodes);
	kvfree(b.heads);
	return ret;
}

/*
 * Every run address of @name in @target ("vmlinux" or a module name).  Local
 * names repeat (6.1 has thousands of duplicates): the caller narrows them down
 * by matching, never by taking the first.
 */
int ksplice_find_candidates(const char *name, const char *target,
			    struct ksplice_cands *cands)
{
	return ksplice_find_candidates_all(&name, 1, target, cands);
}

/*
 * The module containing @addr (its name copied out), or NULL; with @get,
 * a counted reference on it.  Preemption off keeps the module found from
 * being freed before the reference is taken.
 */
static struct module *module_at(unsigned long addr, char *name, size_t len,
				bool get)
{
	struct module *mod;

	preempt_disable();
	mod = module_address(addr);
	if (mod && get && !try_module_get(mod))
		mod = NULL;
	if (mod && name)
		strscpy(name, mod->name, len);
	preempt_enable();
	return mod;
}

struct module *ksplice_module_address(unsigned long addr, char *name,
				      size_t len)
{
	return module_at(addr, name, len, false);
}

struct module *ksplice_get_module(unsigned long addr, char *name, size_t len)
{
	return module_at(addr, name, len, true);
}

/*
 * The module walker holds module_mutex while it calls us: the module
 * owning any of its symbols cannot go away before try_module_get.
 */
static int target_cb(void *data, const char *name, unsigned long addr)
{
	struct module **found = data;
	struct module *mod;

	preempt_disable();
	mod = module_address(addr);
	preempt_enable();
	if (!mod)
		return 0;
	/*
	 * A module still running its init is loaded too: its code runs, and
	 * its load notification has passed, so it must be patched now.
	 */
	if (mod->state != MODULE_STATE_GOING && try_module_get(mod))
		*found = mod;
	return 1;
}

/* A counted reference on the loaded module @target (live or in its init). */
struct module *ksplice_get_target(const char *target)
{
	struct module *found = NULL;
	struct sym_walk w = { .modname = target, .fn = target_cb,
			      .data = &found };

	walk_symbols(&w);
	return found;
}

bool ksplice_target_loaded(const char *target)
{
	struct module *mod;

	if (!strcmp(target, "vmlinux"))
		return true;
	mod = ksplice_get_target(target);
	if (!mod)
		return false;
	module_put(mod);
	return true;
}
