#include "kdefs.h"

int first(void) { static int calls; return calls += 7; }

int tick(void) { static int calls; return ++calls; }
int tock(void) { static int calls; return calls += 2; }
