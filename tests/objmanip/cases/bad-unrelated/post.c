#include "kdefs.h"
int p(int a) { return a * 9; }
int q(int a) { return a * 8; }
