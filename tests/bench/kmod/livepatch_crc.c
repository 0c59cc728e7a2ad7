// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own livepatch doing the same change as tests/bench/crc.patch,
 * so that the cost of a call through each mechanism can be compared.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/crc-itu-t.h>

static u16 lp_crc_itu_t(u16 crc, const u8 *buffer, size_t len)
{
	while (len--)
		crc = (crc << 8) + crc_itu_t_table[((crc >> 8) ^ *buffer++) & 0xff];
	return crc;
}

static struct klp_func funcs[] = {
	{ .old_name = "crc_itu_t", .new_func = lp_crc_itu_t, },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "crc_itu_t", .funcs = funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init livepatch_crc_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit livepatch_crc_exit(void)
{
}

module_init(livepatch_crc_init);
module_exit(livepatch_crc_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
