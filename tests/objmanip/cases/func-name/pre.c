#include "kdefs.h"

int named(int a) { printk("%s: %d\n", __func__, a); return a; }
int named2(int a) { printk("%s: %d\n", __func__, a + 1); return a; }
