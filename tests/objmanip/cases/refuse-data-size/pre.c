#include "kdefs.h"
int table[4];
int get(int i) { return table[i]; }
