#include "kdefs.h"

struct dev_ops { int (*open)(int); int (*release)(int); };
static int dev_open(int x) { return x + 1; }
static int dev_release(int x) { return x - 1; }
const struct dev_ops dev_ops = { .open = dev_open, .release = dev_release };
