// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the ksplice engine's tests.  Debian's kernels are
 * built without CONFIG_FUNCTION_ERROR_INJECTION and CONFIG_FAULT_INJECTION
 * (no fail_function, failslab or fail-nth), so this module does the same
 * job with kprobes: a probe at the entry of each kernel function named in
 * funcs= makes a call return a failure value without running the function,
 * when the call comes from the code of a ksplice_* module.
 *
 *   funcs=NAME:KIND,...   KIND: zero (NULL, false), enomem (-ENOMEM, also
 *                         ERR_PTR(-ENOMEM)) or efault (-EFAULT)
 *   arm (0600)            1: fail the next call from a call site not failed
 *                         before, then disarm; 0: off
 *   fired (0400)          the last failure: "FUNC CALLER COMM", or empty
 *   calls (0400)          calls from ksplice modules seen while armed
 *   forget (0200)         1: every call site may fail again (a new sweep)
 *
 * A call site is named "function+offset/size [module]", not by its
 * address: the ksplice modules are loaded again for every attempt, maybe
 * elsewhere, and a site must stay the one that already failed.
 *
 * A probed function is entered with the return address on top of the
 * stack; the probe points the saved instruction pointer at a function of
 * ours that returns the failure value to the caller instead.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#define FI_MAX_PROBES	32
#define FI_MAX_SITES	1024

struct fi_probe {
	struct kprobe kp;
	unsigned long (*fail)(void);
	bool registered;
};

static char *funcs;
module_param(funcs, charp, 0400);
MODULE_PARM_DESC(funcs, "NAME:KIND,... (KIND: zero, enomem, efault)");

static int arm;
module_param(arm, int, 0600);
MODULE_PARM_DESC(arm, "1: fail the next call from a new call site");

static unsigned int calls;
module_param(calls, uint, 0400);

static char fired[256];
module_param_string(fired, fired, sizeof(fired), 0400);

#define FI_SITE_LEN	128

static DEFINE_SPINLOCK(fi_lock);
static char fi_sites[FI_MAX_SITES][FI_SITE_LEN];
static int fi_nr_sites;

static int fi_forget(const char *val, const struct kernel_param *kp)
{
	unsigned long flags;

	if (!sysfs_streq(val, "1"))
		return -EINVAL;
	spin_lock_irqsave(&fi_lock, flags);
	fi_nr_sites = 0;
	spin_unlock_irqrestore(&fi_lock, flags);
	return 0;
}

static const struct kernel_param_ops fi_forget_ops = {
	.set = fi_forget,
};
module_param_cb(forget, &fi_forget_ops, NULL, 0200);
MODULE_PARM_DESC(forget, "1: every call site may fail again");
static struct fi_probe fi_probes[FI_MAX_PROBES];
static int fi_nr_probes;

static noinline unsigned long fi_zero(void)
{
	return 0;
}

static noinline unsigned long fi_enomem(void)
{
	return (unsigned long)-ENOMEM;
}

static noinline unsigned long fi_efault(void)
{
	return (unsigned long)-EFAULT;
}

/* Whether @addr is code of a ksplice_* module; @buf gets its name. */
static bool from_ksplice(unsigned long addr, char *buf)
{
	if (addr < MODULES_VADDR || addr >= MODULES_END)
		return false;
	sprint_symbol(buf, addr);
	return strstr(buf, " [ksplice_");
}

static bool site_seen(const char *site)
{
	int i;

	for (i = 0; i < fi_nr_sites; i++)
		if (!strncmp(fi_sites[i], site, FI_SITE_LEN - 1))
			return true;
	return false;
}

/* Under fi_lock: whether to fail this call, which is then recorded. */
static bool fi_take(struct fi_probe *fp, const char *site)
{
	if (!READ_ONCE(arm))
		return false;
	calls++;
	if (site_seen(site) || fi_nr_sites == FI_MAX_SITES)
		return false;
	strscpy(fi_sites[fi_nr_sites++], site, FI_SITE_LEN);
	WRITE_ONCE(arm, 0);
	snprintf(fired, sizeof(fired), "%s %s %s", fp->kp.symbol_name,
		 site, current->comm);
	return true;
}

static int fi_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct fi_probe *fp = container_of(p, struct fi_probe, kp);
	unsigned long caller = *(unsigned long *)kernel_stack_pointer(regs);
	char site[KSYM_SYMBOL_LEN];
	unsigned long flags;
	bool take;

	if (!READ_ONCE(arm) || !from_ksplice(caller, site))
		return 0;
	spin_lock_irqsave(&fi_lock, flags);
	take = fi_take(fp, site);
	spin_unlock_irqrestore(&fi_lock, flags);
	if (!take)
		return 0;
	/* Return through a function of ours, the stack as at entry. */
	instruction_pointer_set(regs, (unsigned long)fp->fail);
	return 1;
}
NOKPROBE_SYMBOL(fi_pre);

static int fi_kind(const char *kind, struct fi_probe *fp)
{
	if (!strcmp(kind, "zero"))
		fp->fail = fi_zero;
	else if (!strcmp(kind, "enomem"))
		fp->fail = fi_enomem;
	else if (!strcmp(kind, "efault"))
		fp->fail = fi_efault;
	else
		return -EINVAL;
	return 0;
}

static void fi_unregister(void)
{
	int i;

	for (i = 0; i < fi_nr_probes; i++)
		if (fi_probes[i].registered)
			unregister_kprobe(&fi_probes[i].kp);
	for (i = 0; i < fi_nr_probes; i++)
		kfree(fi_probes[i].kp.symbol_name);
	fi_nr_probes = 0;
}

static int fi_add(char *spec)
{
	struct fi_probe *fp = &fi_probes[fi_nr_probes];
	char *kind = strchr(spec, ':');
	int ret;

	if (!kind || fi_nr_probes == FI_MAX_PROBES)
		return -EINVAL;
	*kind++ = '\0';
	ret = fi_kind(kind, fp);
	if (ret)
		return ret;
	fp->kp.symbol_name = kstrdup(spec, GFP_KERNEL);
	if (!fp->kp.symbol_name)
		return -ENOMEM;
	fp->kp.pre_handler = fi_pre;
	fi_nr_probes++;
	ret = register_kprobe(&fp->kp);
	if (ret) {
		pr_err("kfaultinj: cannot probe %s: %d\n", spec, ret);
		return ret;
	}
	fp->registered = true;
	return 0;
}

static int __init fi_init(void)
{
	char *list, *p, *spec;
	int ret = 0;

	if (!funcs)
		return -EINVAL;
	list = kstrdup(funcs, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	p = list;
	while ((spec = strsep(&p, ",")) && !ret)
		if (*spec)
			ret = fi_add(spec);
	kfree(list);
	if (ret)
		goto fail;
	pr_info("kfaultinj: %d functions probed\n", fi_nr_probes);
	return 0;
fail:
	fi_unregister();
	return ret;
}

static void __exit fi_exit(void)
{
	fi_unregister();
}

module_init(fi_init);
module_exit(fi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice tests: fail calls made by ksplice modules");
