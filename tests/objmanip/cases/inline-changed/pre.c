#include "kdefs.h"

static inline int scale(int x) { return x * 5; }
int one(int a) { return scale(a) + 1; }
int two(int a) { return scale(a) - 1; }
int three(int a) { return a + 3; }
