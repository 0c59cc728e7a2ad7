#include "kdefs.h"

static noinline int mul(int a, int k) { printk("m"); return a * k + 1; }
int cp1(int a) { return mul(a, 3); }
int cp2(int a) { return mul(a, 3) + 1; }
