#include "kdefs.h"

int api(int a) { return a + 1; }
int api2(int a) { return a + 2; }
EXPORT_SYMBOL(api);
