#include "kdefs.h"

/* exported by the target module itself (net/demo/demo-mod.ko) */
extern const char *demo_proto_name(int proto);
/* exported by another module, and by vmlinux */
extern int other_helper(int x);
extern int vm_helper(int x);

int demo_show(int proto)
{
	printk("proto %s\n", demo_proto_name(proto));
	return other_helper(proto) + vm_helper(proto);
}
