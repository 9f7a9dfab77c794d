/* segv: prints a line, flushes it, then stores through NULL; Linux kills it with SIGSEGV (status 139). */
#include "compat.h"
#include <stddef.h>

int main(void)
{
	int *volatile p = NULL;	/* volatile: the compiler must not turn the store into a trap */

	puts("before the NULL store");
	fflush(stdout);
	*(volatile int *)p = 1;
	puts("survived the NULL store");
	return 0;
}
