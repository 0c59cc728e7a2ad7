// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own livepatch doing the change of tests/bench/call.patch, so
 * that the cost of a call through each mechanism can be compared.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/in.h>
#include <linux/in6.h>

static const char *lp_ip_vs_proto_name(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_IP:
		return "IP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_TCP:
		return "Tcp";
	case IPPROTO_SCTP:
		return "SCTP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	default:
		return "IP_?";
	}
}

static struct klp_func funcs[] = {
	{ .old_name = "ip_vs_proto_name", .new_func = lp_ip_vs_proto_name, },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "ip_vs", .funcs = funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init livepatch_call_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit livepatch_call_exit(void)
{
}

module_init(livepatch_call_init);
module_exit(livepatch_call_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
