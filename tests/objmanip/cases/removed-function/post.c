#include "kdefs.h"

static int counter;
int helper(int x) { return x * 3 + counter; }
int foo(int a) { counter++; printk("foo %d\n", a); return helper(a) + 1; }
int bar(int a) { printk("bar %d\n", a); return a + 2; }
int baz(int a) { return a + 4; }
