#include "kdefs.h"

static int counter;
int helper(int x) { return x * 3 + counter; }
int foo(int a) { counter++; printk("foo %d\n", a); return helper(a) + 1; }
static noinline int existing_check(void) { return counter > 100; }
/* its address is taken in pre already: the same ENDBR (IBT) both sides */
int (*existing_check_ptr)(void) = existing_check;
int bar(int a) { printk("bar %d\n", a); return existing_check() + a + 2; }
