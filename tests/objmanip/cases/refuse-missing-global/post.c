#include "kdefs.h"

extern int old_api(int);
extern int new_api(int);	/* added elsewhere by the same fix */

int handle(int a) { return old_api(a) + new_api(a); }
