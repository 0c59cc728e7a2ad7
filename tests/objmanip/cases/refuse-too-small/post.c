#include "kdefs.h"

extern void ext(void);
void tiny(void) { ext(); ext(); }
int big(int a) { return a + 1; }
