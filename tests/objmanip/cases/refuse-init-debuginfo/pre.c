#include "kdefs.h"

int __init setup(void) { printk("setup\n"); return 0; }
int runtime(int a) { return a + 1; }
