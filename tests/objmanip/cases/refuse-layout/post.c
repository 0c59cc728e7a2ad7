#include "kdefs.h"

struct conn { int state; long flags; long bytes; int port; };
int conn_port(struct conn *c) { return c->port; }
int conn_state(struct conn *c) { return c->state; }
