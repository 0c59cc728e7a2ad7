#include "ddebug.h"
struct dev { struct mutex a, b; int n; };
void dev_setup(struct dev *d) { mutex_init(&d->a); mutex_init(&d->b); d->n = 1; }
void dev_other(struct dev *d) { mutex_init(&d->b); }
