/* writev: gathered writes to stdout, readv at end of file on stdin, and the iovec limits. */
#include "compat.h"
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define NIOV 1025

int main(void)
{
	static struct iovec many[NIOV];
	char one[] = "one ", two[] = "", three[] = "two three\n", buf[8];
	struct iovec iov[3] = { { one, 4 }, { two, 0 }, { three, 10 } };
	struct iovec rd[2] = { { buf, 4 }, { buf + 4, 4 } };
	volatile int neg = -1;	/* volatile: hides the deliberate bad count from the compiler */
	long r;

	fflush(stdout);	/* nothing buffered yet, but keep stdio and raw writes ordered */
	r = writev(1, iov, 3);
	printf("writev of 3 iovecs returned %ld\n", r);

	for (int i = 0; i < NIOV; i++)
		many[i] = (struct iovec){ one, 1 };
	fflush(stdout);
	r = writev(1, many, 1024);
	printf("\nwritev of 1024 iovecs: %ld\n", r);
	r = writev(1, many, NIOV);
	result("writev of 1025 iovecs", r, errno);
	r = writev(1, iov, neg);
	result("writev iovcnt -1", r, errno);
	r = writev(1, iov, 0);
	result("writev iovcnt 0", r, errno);
	r = writev(99, iov, 3);
	result("writev fd 99", r, errno);

	r = readv(0, rd, 2);	/* stdin is /dev/null: end of file */
	result("readv stdin", r, errno);
	r = readv(0, many, NIOV);
	result("readv of 1025 iovecs", r, errno);
	return 0;
}
