#include "kdefs.h"

noinline int target(int x) { return x * 7; }
int (*target_ptr)(int);
int user(int x) { target_ptr = target; return target(x) + 1; }
