#include "ddebug.h"
struct pd { int n; int *p; long s; };
static noinline void pd_free(struct pd *d, int all) { int i; for (i = 0; i < d->n; i++) { if (all || d->p[i] > 3) d->p[i] = 0; d->s += d->p[i] * i; } d->n = 0; }
int pd_init(struct pd *d, int n) { d->n = n; if (n > 100) { pd_free(d, n); return -1; } return 0; }
void pd_exit(struct pd *d, int x) { pd_free(d, x); }
