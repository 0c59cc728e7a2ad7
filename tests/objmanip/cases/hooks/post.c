#include "kdefs.h"
#include <ksplice-patch.h>

static int counter;
int helper(int x) { return x * 3 + counter; }
int foo(int a) { counter++; printk("foo %d\n", a); return helper(a) + 1; }
static noinline int existing_check(void) { return counter > 100; }
/* its address is taken in pre already: the same ENDBR (IBT) both sides */
int (*existing_check_ptr)(void) = existing_check;
int bar(int a) { printk("bar %d patched\n", a); return existing_check() + a + 2; }

static int my_pre_apply(void)
{
	printk("pre_apply %d\n", counter);
	return 0;
}
ksplice_pre_apply(my_pre_apply);

static void my_apply(void)
{
	counter++;
}
ksplice_apply(my_apply);

static void my_post_reverse(void)
{
	void *p = ksplice_shadow_get(&counter, 1);

	printk("post_reverse %p\n", p);
}
ksplice_post_reverse(my_post_reverse);

/* an unchanged function of the running kernel: a label for the engine */
ksplice_check_apply(existing_check);
