/* errno: error returns for bad system call numbers, bad descriptors and bad pointers. */
#include "compat.h"
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	char *volatile nullbuf = NULL;	/* volatile: keeps the compiler's nonnull checks out of it */
	char c;
	long r;

	r = syscall(999);
	result("syscall(999)", r, errno);
	r = syscall(400);
	result("syscall(400)", r, errno);
	r = syscall(-1L);
	result("syscall(-1)", r, errno);
	r = write(99, "x", 1);
	result("write(99)", r, errno);
	r = read(99, &c, 1);
	result("read(99)", r, errno);
	r = close(99);
	result("close(99)", r, errno);
	r = write(-1, "x", 1);
	result("write(-1)", r, errno);
	r = write(1, nullbuf, 5);
	result("write(1, NULL, 5)", r, errno);
	r = write(1, nullbuf, 0);
	result("write(1, NULL, 0)", r, errno);
	r = read(0, &c, 0);
	result("read(0, buf, 0)", r, errno);
	errno = 0;
	r = getpid() > 0;
	printf("errno untouched by a successful call: %s\n", errname(errno));
	return 0;
}
