#include "kdefs.h"

int flushed(int *p) { alternative("call memcpy", "call memset", 42); return *p + 1; }
