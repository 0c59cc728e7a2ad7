#include "kdefs.h"

struct ops { int (*open)(int); };
extern void register_ops(const struct ops *, int (*)(int));

static noinline int dev_open(int a) { return a + 4; }
static const struct ops dev_ops = { .open = dev_open };

void setup(int a) { register_ops(&dev_ops, dev_open); }
