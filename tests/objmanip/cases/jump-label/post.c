#include "kdefs.h"

struct static_key my_key;
int branchy(int a) { if (static_key_on(&my_key)) return a + 200; return a; }
int flat(int a) { return a - 1; }
