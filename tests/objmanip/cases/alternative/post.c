#include "kdefs.h"

int fenced(int *p) { alternative("lfence", "mfence", 42); return *p + 3; }
int unfenced(int *p) { return *p + 2; }
