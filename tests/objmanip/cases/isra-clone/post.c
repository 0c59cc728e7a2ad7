#include "kdefs.h"
struct s { int a, b, c, d[16]; };
static noinline int sum(struct s *p) { int r = p->a - p->c; printk("x %d", r); return r; }
int use1(struct s *p) { return sum(p) + 1; }
int use2(struct s *p) { return sum(p) + 2; }
