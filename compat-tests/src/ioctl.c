/* ioctl: terminal ioctls on stdout, which the harness makes a pipe (never a terminal), and on stdin,
 * which it makes /dev/null; plus what a pipe is to fstat and lseek, and what /dev/null as stdin is
 * to fstat, /proc/self/fd and stdio (a device number a libc takes for a terminal's would make it
 * buffer by lines). */
#include "compat.h"
#include <stdio_ext.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	unsigned char termios_buf[256];	/* larger than any termios layout */
	struct winsize ws;
	struct stat st;
	long r;

	r = ioctl(1, TCGETS, termios_buf);
	result("ioctl(1, TCGETS)", r, errno);
	r = ioctl(1, TIOCGWINSZ, &ws);
	result("ioctl(1, TIOCGWINSZ)", r, errno);
	r = ioctl(0, TCGETS, termios_buf);
	result("ioctl(0, TCGETS)", r, errno);
	r = ioctl(99, TCGETS, termios_buf);
	result("ioctl(99, TCGETS)", r, errno);
	fact("isatty(1)", isatty(1));
	printf("errno after isatty(1): %s\n", errname(errno));

	r = fstat(1, &st);
	result("fstat(1)", r, errno);
	fact("stdout is a FIFO", r == 0 && S_ISFIFO(st.st_mode));
	r = lseek(1, 0, SEEK_CUR);
	result("lseek(1)", r, errno);

	r = fstat(0, &st);
	result("fstat(0)", r, errno);
	printf("stdin: %s %u:%u\n", S_ISCHR(st.st_mode) ? "character device" : "other",
	       major(st.st_rdev), minor(st.st_rdev));
	char link[64] = "";
	RESULT("readlink /proc/self/fd/0", readlink("/proc/self/fd/0", link, sizeof(link) - 1));
	printf("  -> %s\n", link);
	FILE *in = fdopen(dup(0), "r");
	fact("a stream on it reads EOF", in && fgetc(in) == EOF);
	fact("and is not line-buffered", in && !__flbf(in));
	return 0;
}
