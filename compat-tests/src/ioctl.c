/* ioctl: terminal ioctls on stdout, which the harness makes a pipe (never a terminal), and on stdin,
 * which it makes /dev/null; plus what a pipe is to fstat and lseek. */
#include "compat.h"
#include <sys/ioctl.h>
#include <sys/stat.h>
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
	return 0;
}
