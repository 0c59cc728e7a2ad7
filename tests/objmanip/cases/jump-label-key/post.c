#include "kdefs.h"

struct static_key my_key, other_key;
int branchy(int a) { if (static_key_on(&other_key)) return a + 100; return a; }
int flat(int a) { return a - 1; }
