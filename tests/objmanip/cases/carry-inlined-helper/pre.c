#include "ddebug.h"
struct pd { int n; int *p; long s; int *q; };
static void pd_free(struct pd *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		d->s += d->p[i] * i + d->q[i];
		d->p[i] = d->q[i] = 0;
		printk("pd %d %d\n", i, d->n);
	}
	d->n = 0;
}
int pd_init(struct pd *d, int n)
{
	d->n = n;
	if (n > 100)
		return -1;
	return 0;
}
void pd_exit(struct pd *d) { pd_free(d); }
