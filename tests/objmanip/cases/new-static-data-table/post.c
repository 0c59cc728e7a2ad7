#include "kdefs.h"

static int counter;
int helper(int x) { return x * 3 + counter; }
int foo(int a) { counter++; printk("foo %d\n", a); return helper(a) + 1; }
static int weights[4] = { 1, 2, 3, 5 };
int bar(int a) { printk("bar %d\n", a); return a + weights[a & 3]; }
