#include "kdefs.h"

int tick(void) { static int calls; calls++; return calls * 2; }
int tock(void) { static int calls; return calls += 2; }
