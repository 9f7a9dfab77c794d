/* hello: stdio through printf and puts, a raw write(1), and stderr (which the harness does not compare). */
#include "compat.h"
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char raw[] = "write(1) line\n";

	printf("Hello, %s! %d %s\n", "world", 42, "printf");
	puts("puts line");
	fflush(stdout);	/* stdout is a pipe, so fully buffered: order it before the raw write */
	if (write(1, raw, strlen(raw)) != (ssize_t)strlen(raw))
		return 1;
	fprintf(stderr, "hello on stderr\n");
	printf("after write, %s\n", "buffered again");
	return 0;
}
