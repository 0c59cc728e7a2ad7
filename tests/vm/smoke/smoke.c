// SPDX-License-Identifier: GPL-2.0
/* A module for the VM runner's own tests: says hello, or warns on request. */
#include <linux/module.h>
#include <linux/kernel.h>

static int warn;
module_param(warn, int, 0444);

static int __init smoke_init(void)
{
	pr_info("ksplice-smoke: hello from %s\n", THIS_MODULE->name);
	WARN_ON(warn);
	return 0;
}

static void __exit smoke_exit(void)
{
	pr_info("ksplice-smoke: goodbye\n");
}

module_init(smoke_init);
module_exit(smoke_exit);
MODULE_LICENSE("GPL");
