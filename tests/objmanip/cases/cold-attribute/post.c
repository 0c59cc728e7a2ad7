#include "kdefs.h"

static __cold noinline void oops(int a) { printk("oops! %d\n", a); }
int user(int a) { if (a < 0) oops(a); return a; }
