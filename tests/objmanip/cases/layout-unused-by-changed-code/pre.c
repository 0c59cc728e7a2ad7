#include "kdefs.h"

struct conn { int state; long bytes; };
struct stats { long rx; };
int conn_state(struct conn *c) { return c->state; }
long stats_rx(struct stats *s) { return s->rx + 1; }
