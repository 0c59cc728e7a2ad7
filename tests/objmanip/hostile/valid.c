/*
 * The valid object the hostile corpus is derived from (see gen.py): code,
 * strings, data and the special sections objmanip reads.  gen.py makes the
 * post version by changing "big" and "x * 3".
 */
#include "kdefs.h"

struct static_key fast_key;
int counts[4];
extern int consume(const char *s, int n);

static noinline int scale(int x)
{
	pv_irq_disable();
	alternative("nop", "lfence", 3);
	lock_inc(&counts[0]);
	return x * 3 + counts[1];
}

const char *describe(int x)
{
	int v;

	if (static_key_on(&fast_key))
		return "fast";
	if (load_nofault(&counts[2], &v))
		return "fault";
	WARN_ON(v < 0);
	return x > 3 ? "big" : "small";
}

int report(int x)
{
	printk("report %d\n", x);
	return consume(describe(x), scale(x));
}
