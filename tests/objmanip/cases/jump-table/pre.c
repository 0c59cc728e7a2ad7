#include "kdefs.h"

int sw(int a) {
	switch (a) {
	case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41;
	case 4: return 53; case 5: return 67; case 6: return 71; case 7: return 89;
	default: return -1;
	}
}
int other(int a) { return a ^ 0x55; }
