#include "ddebug.h"

static noinline int tone(int c)
{
	switch (c) {
	case 0: return 12; case 1: return 7; case 2: return 19;
	case 3: return 2; case 4: return 33; default: return 0;
	}
}

int color(int c)
{
	switch (c) {
	case 0: return 11; case 1: return 27; case 2: return 39;
	case 3: return 41; case 4: return 53; default: return -1;
	}
}

int shade(int c)
{
	switch (c) {
	case 0: return 3; case 1: return 9; case 2: return 4;
	case 3: return 7; case 4: return 8; default: return 0;
	}
}

int paint(int c) { return tone(c) ^ c; }
