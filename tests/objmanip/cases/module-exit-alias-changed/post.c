#include "kdefs.h"

struct dev { int users; int size; };
extern void kfree(void *p);
extern void dev_del(struct dev *d);
extern struct dev *the_dev;

static void dev_exit(void)
{
	dev_del(the_dev);
	kfree(the_dev);
	the_dev = 0;
}

/* module_exit(): the exit function is also cleanup_module */
void cleanup_module(void) __attribute__((alias("dev_exit")));
