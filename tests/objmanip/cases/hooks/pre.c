#include "kdefs.h"

static int counter;
int helper(int x) { return x * 3 + counter; }
int foo(int a) { counter++; printk("foo %d\n", a); return helper(a) + 1; }
static noinline int existing_check(void) { return counter > 100; }
int bar(int a) { printk("bar %d\n", a); return existing_check() + a + 2; }
