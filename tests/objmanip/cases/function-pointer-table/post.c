#include "kdefs.h"

static int op_a(int x) { return x + 1; }
static int op_b(int x) { return x + 3; }
int (*const ops[])(int) = { op_a, op_b };
int run_op(int i, int x) { return ops[i](x); }
