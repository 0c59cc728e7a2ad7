#include "kdefs.h"
static int limit = 10;
int get_limit(void) { return limit; }
void set_limit(int l) { limit = l; }
