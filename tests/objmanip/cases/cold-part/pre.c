#include "kdefs.h"
extern int work(int);
extern void panic(const char *, ...) __attribute__((noreturn, cold));
int hot(int a) { int r = work(a); if (r > 1000) panic("too big %d", r); return r + work(r + 1); }
int hot2(int a) { return a * 7; }
