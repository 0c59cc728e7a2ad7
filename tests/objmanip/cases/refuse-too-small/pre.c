#include "kdefs.h"

void tiny(void) { }
int big(int a) { return a + 1; }
