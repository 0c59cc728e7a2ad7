#include "kdefs.h"

extern int expensive(int);
static int maybe(int a) { if (a == 0) return 0; printk("a"); printk("b"); printk("c"); return expensive(a) + expensive(a + 1) + expensive(a * 3) + expensive(a - 7); }
int caller1(int a) { return maybe(a) + 1; }
int caller2(int a) { return maybe(a * 2) + 1; }
