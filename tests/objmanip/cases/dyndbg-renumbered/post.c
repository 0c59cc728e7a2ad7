#include "ddebug.h"

int other(int a)
{
	pr_debug("other %d\n", a);
	return a + 1;
}

int work(int a)
{
	pr_debug("work start %d\n", a);
	pr_debug("work %d\n", a);
	return a * 3;
}

int later(int a)
{
	pr_debug("later %d\n", a);
	return a - 3;
}
