#include "kdefs.h"
int f(int a) { return a + 3; }
int g(int a) { return a + 2; }
