#include "kdefs.h"




int checked(int a) { if (WARN_ON(a < 0)) return 0; return a * 2; }
int plain(int a) { return a + 1; }
