#include "kdefs.h"

int __sched waiter(int a) { printk("w"); return a + 1; }
int __sched sleeper(int a) { printk("s"); return a + 20000; }
int __sched napper(int a) { printk("n"); return a + 3; }
