#include "kdefs.h"

struct dev { int users; int size; };
extern struct dev *dev_alloc(void);
extern void kfree(void *p);
extern int dev_add(struct dev *d);

static inline void dev_free(struct dev *d)
{
	d->size = 0;
	kfree(d);
}

/* address taken: dev_free also exists out of line */
void (*dev_release)(struct dev *d) = dev_free;

void dev_remove(struct dev *d)
{
	if (d->users)
		return;
	dev_free(d);
}

static int __init dev_init(void)
{
	struct dev *d = dev_alloc();

	if (dev_add(d)) {
		dev_free(d);
		return -1;
	}
	return 0;
}

/* module_init(): the init function is also init_module */
int init_module(void) __attribute__((alias("dev_init")));
