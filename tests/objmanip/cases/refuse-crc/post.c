#include "kdefs.h"

int exported(long a) { return a + 1; }
asm(".globl __crc_exported\n__crc_exported = 0x9abcdef0");
