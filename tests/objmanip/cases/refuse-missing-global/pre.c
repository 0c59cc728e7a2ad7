#include "kdefs.h"

extern int old_api(int);

int handle(int a) { return old_api(a) + 1; }
