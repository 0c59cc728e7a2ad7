#include "kdefs.h"

int tick(void) { static int calls; return ++calls; }
int tock(void) { static int calls; return calls += 2; }
