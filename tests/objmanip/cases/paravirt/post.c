#include "kdefs.h"

int pvuser(int a) { pv_irq_disable(); return a + 2; }
