#include "ddebug.h"
struct dev { struct mutex a, b; int n; };
void dev_setup(struct dev *d) { mutex_init(&d->a); d->n = 1; }
void dev_other(struct dev *d) { mutex_init(&d->b); }
