#include "kdefs.h"

int exported(int a) { return a + 1; }
asm(".globl __crc_exported\n__crc_exported = 0x12345678");
