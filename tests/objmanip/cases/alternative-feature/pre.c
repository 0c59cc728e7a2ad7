#include "kdefs.h"

int fenced(int *p) { alternative("lfence", "mfence", 42); return *p + 1; }
int unfenced(int *p) { return *p + 2; }
