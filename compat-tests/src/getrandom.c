/* getrandom: lengths, freshness, flags and the error cases of getrandom(2). */
#include "compat.h"
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	unsigned char a[32], b[32], big[4096];
	ssize_t r1, r2, r;

	r1 = getrandom(a, sizeof(a), 0);
	r2 = getrandom(b, sizeof(b), 0);
	printf("getrandom 32 twice: %zd %zd\n", r1, r2);
	fact("the two results differ", memcmp(a, b, sizeof(a)) != 0);
	r = getrandom(a, sizeof(a), GRND_NONBLOCK);
	result("getrandom GRND_NONBLOCK", r, errno);
	r = getrandom(big, sizeof(big), 0);
	result("getrandom 4096", r, errno);
	r = getrandom(a, 0, 0);
	result("getrandom 0 bytes", r, errno);
	r = getrandom(a, sizeof(a), 0x100);
	result("getrandom invalid flags", r, errno);
	r = syscall(SYS_getrandom, NULL, 16, 0);	/* raw: a libc may check the pointer itself */
	result("getrandom NULL buffer", r, errno);
	return 0;
}
