#include "kdefs.h"

int shared;
void bump(void) { lock_inc(&shared); shared ^= 1; }
void bump2(void) { lock_inc(&shared); lock_inc(&shared); }
