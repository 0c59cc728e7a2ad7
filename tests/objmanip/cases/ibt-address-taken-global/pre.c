#include "kdefs.h"

noinline int target(int x) { return x * 7; }
int user(int x) { return target(x) + 1; }
