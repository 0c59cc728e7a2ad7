#include "kdefs.h"
int f(int a) { return a + 1; }
int g(int a) { return a + 2; }
