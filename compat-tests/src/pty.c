/* pty: pseudo-terminals made through /dev/ptmx: names and identity (ptsname, ttyname, isatty,
 * stat of /dev/pts/N, /proc/self/fd), the lock, the line discipline between master and slave
 * (canonical editing and its echo, ONLCR, VEOF, raw mode, VMIN/VTIME, signal characters' flush),
 * packet mode, poll, O_NONBLOCK, and what each side sees when the other closes. Echo travels
 * asynchronously on Linux, so the master's output is collected until it has been quiet a while.
 * Nothing printed depends on pty numbers or ids. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int m, s;
static char name[64];

/* show: WHAT: N [bytes], control bytes as \xNN. */
static void show(const char *what, const char *b, long n)
{
	printf("%s: %ld [", what, n);
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c < 32 || c > 126 || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("]\n");
}

/* drain: everything fd has to read until it has been quiet for 50 ms. */
static long drain(int fd, char *buf, long size)
{
	long n = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	while (n < size && poll(&p, 1, 50) == 1 && (p.revents & POLLIN)) {
		long r = read(fd, buf + n, (size_t)(size - n));
		if (r <= 0)
			break;
		n += r;
	}
	return n;
}

/* echo: writes in to the master and shows what comes back (the echo). */
static void echo(const char *what, const char *in, size_t len)
{
	char b[512];
	if (write(m, in, len) != (long)len)
		printf("%s: short write\n", what);
	show(what, b, drain(m, b, sizeof(b)));
}

static void slave_reads(const char *what)
{
	char b[512];
	show(what, b, drain(s, b, sizeof(b)));
}

static void open_pair(void)
{
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m)) {
		printf("posix_openpt: %s\n", errname(errno));
		exit(1);
	}
	strcpy(name, ptsname(m));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0) {
		printf("open slave: %s\n", errname(errno));
		exit(1);
	}
}

static void close_pair(void)
{
	close(s);
	close(m);
}

static void set_lflag(tcflag_t on, tcflag_t off)
{
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag = (t.c_lflag | on) & ~off;
	tcsetattr(s, TCSANOW, &t);
}

static void names(void)
{
	int lk = -1;
	m = posix_openpt(O_RDWR | O_NOCTTY);
	RESULT("posix_openpt", m >= 0 ? 0 : -1);
	ioctl(m, TIOCGPTLCK, &lk);
	printf("locked at first: %d\n", lk);
	strcpy(name, ptsname(m));
	fact("ptsname is /dev/pts/N", !strncmp(name, "/dev/pts/", 9));
	RESULT("open locked slave", open(name, O_RDWR | O_NOCTTY));
	RESULT("unlockpt", unlockpt(m));
	ioctl(m, TIOCGPTLCK, &lk);
	printf("locked after unlockpt: %d\n", lk);
	s = open(name, O_RDWR | O_NOCTTY);
	RESULT("open slave", s >= 0 ? 0 : -1);
	fact("isatty(master)", isatty(m));
	fact("isatty(slave)", isatty(s));
	fact("ttyname(slave) == ptsname", ttyname(s) && !strcmp(ttyname(s), name));
	struct stat a, b;
	stat(name, &a);
	fstat(s, &b);
	fact("stat(name) is fstat(slave)", a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	unsigned n = 99;
	ioctl(m, TIOCGPTN, &n);
	fact("slave is a char device 136:TIOCGPTN",
	     S_ISCHR(a.st_mode) && major(a.st_rdev) == 136 && minor(a.st_rdev) == n);
	fact("slave owned by the opener", a.st_uid == getuid());
	fact("slave group tty or the opener's", a.st_gid == 5 || a.st_gid == getgid());
	fact("slave mode 0620 or 0600", (a.st_mode & 07777) == 0620 || (a.st_mode & 07777) == 0600);
	fstat(m, &b);
	stat("/dev/ptmx", &a);
	fact("master is /dev/ptmx", S_ISCHR(b.st_mode) && b.st_rdev == makedev(5, 2) &&
				    a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	char link[64], l[128];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m);
	long len = readlink(link, l, sizeof(l) - 1);
	l[len > 0 ? len : 0] = 0;
	printf("master fd link: %s\n", l);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", s);
	len = readlink(link, l, sizeof(l) - 1);
	l[len > 0 ? len : 0] = 0;
	fact("slave fd link is ptsname", !strcmp(l, name));
	RESULT("TIOCGPTN on the slave", ioctl(s, TIOCGPTN, &n));
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	fstat(peer, &a);
	fstat(s, &b);
	fact("TIOCGPTPEER opens the slave", peer >= 0 && a.st_ino == b.st_ino);
	close(peer);
	close_pair();
}

static void termios_default(void)
{
	open_pair();
	struct termios t, tm;
	memset(&t, 0, sizeof(t));
	memset(&tm, 0, sizeof(tm));
	tcgetattr(s, &t);
	printf("termios: iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag,
	       t.c_lflag);
	printf("cc:");
	for (int i = 0; i <= VEOL2; i++)
		printf(" %d", t.c_cc[i]);
	printf("\nspeed: %d\n", (int)cfgetospeed(&t));
	tcgetattr(m, &tm);
	fact("the master reports the slave's settings", !memcmp(&t, &tm, sizeof(t)));
	struct winsize ws = { 1, 1, 1, 1 };
	ioctl(s, TIOCGWINSZ, &ws);
	printf("winsize: %d %d %d %d\n", ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
	close_pair();
}

static void canonical(void)
{
	open_pair();
	echo("echo abc^Hd", "abc\bd\n", 6);
	slave_reads("slave reads");
	struct termios t;
	tcgetattr(s, &t);
	t.c_cc[VERASE] = '\b';
	tcsetattr(s, TCSANOW, &t);
	echo("echo abc<VERASE>d", "abc\bd\n", 6);
	slave_reads("slave reads");
	echo("echo x^Uy", "x\x15y", 3);
	echo("echo ^W", "ab cd\x17", 6);
	echo("echo tab erase (the line holds 4 columns)", "\t\b\n", 3);
	slave_reads("slave reads");
	echo("echo ^A^R", "q\x01\x12\n", 4);
	echo("echo ^V^C", "\x16\x03\n", 3);
	echo("echo \\r and ^D", "a\rb\x04", 4);
	slave_reads("slave reads");
	int n = -1;
	echo("echo partial", "tail", 4);
	ioctl(s, FIONREAD, &n);
	printf("FIONREAD of a partial line: %d\n", n);
	echo("echo ^D", "\x04", 1);
	ioctl(s, FIONREAD, &n);
	printf("FIONREAD with the line ended by ^D: %d\n", n);
	char b[64];
	RESULT("read", read(s, b, sizeof(b)));
	echo("echo ^D alone", "\x04", 1);
	RESULT("read at ^D alone", read(s, b, sizeof(b)));
	set_lflag(0, ECHOKE);
	echo("echo ^U without ECHOKE", "ab\x15", 3);
	set_lflag(ECHONL, ECHO);
	echo("echo with ECHONL only", "hid\n", 4);
	slave_reads("slave reads");
	fcntl(s, F_SETFL, O_NONBLOCK);
	RESULT("non-blocking read, nothing", read(s, b, sizeof(b)));
	echo("echo nothing", "abc", 3);
	RESULT("non-blocking read, partial line", read(s, b, sizeof(b)));
	close_pair();
}

static void output(void)
{
	char b[256];
	open_pair();
	write(s, "one\ntwo\r\n", 9);
	show("master reads", b, drain(m, b, sizeof(b)));
	struct termios t;
	tcgetattr(s, &t);
	t.c_oflag |= XTABS | OCRNL;
	tcsetattr(s, TCSANOW, &t);
	write(s, "ab\tc\rd\n", 7);
	show("XTABS OCRNL", b, drain(m, b, sizeof(b)));
	write(s, "abc", 3);
	usleep(20000);
	int n = -1;
	ioctl(m, FIONREAD, &n);
	printf("master FIONREAD: %d\n", n);
	RESULT("TIOCOUTQ", ioctl(s, TIOCOUTQ, &n));
	printf("outq: %d\n", n);
	show("master reads", b, drain(m, b, sizeof(b)));
	close_pair();
}

static void raw(void)
{
	char b[256];
	open_pair();
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	echo("raw echo", "a\r\n\x03\x04\x7f", 6);
	slave_reads("raw slave reads");
	write(s, "x\ny", 3);
	show("raw master reads", b, drain(m, b, sizeof(b)));
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	RESULT("VMIN 0 VTIME 0, nothing", read(s, b, sizeof(b)));
	t.c_cc[VTIME] = 1;
	tcsetattr(s, TCSANOW, &t);
	RESULT("VMIN 0 VTIME 1, nothing", read(s, b, sizeof(b)));
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	write(m, "12345", 5);
	RESULT("VMIN 3, 5 bytes, read 2", read(s, b, 2));
	RESULT("then read 10", read(s, b, 10));
	close_pair();
}

static void isig_flush(void)
{
	char b[256];
	open_pair();
	echo("echo before ^C", "abc", 3);
	echo("echo ^C", "\x03", 1);
	echo("echo after ^C", "d\n", 2);
	slave_reads("slave reads (input before ^C flushed)");
	set_lflag(NOFLSH, 0);
	echo("echo before ^\\", "ef", 2);
	echo("echo ^\\ with NOFLSH", "\x1c", 1);
	echo("echo after", "\n", 1);
	slave_reads("slave reads (kept)");
	set_lflag(0, ISIG);
	echo("echo ^C without ISIG", "\x03\n", 2);
	show("slave reads", b, drain(s, b, sizeof(b)));
	close_pair();
}

static void packet(void)
{
	char b[64];
	open_pair();
	int on = 1;
	RESULT("TIOCPKT", ioctl(m, TIOCPKT, &on));
	write(s, "hi", 2);
	show("packet data", b, drain(m, b, sizeof(b)));
	write(m, "\x13", 1);
	struct pollfd p = { m, POLLPRI, 0 };
	poll(&p, 1, 1000);
	printf("poll POLLPRI: %#x\n", p.revents);
	show("after ^S", b, drain(m, b, sizeof(b)));
	fcntl(s, F_SETFL, O_NONBLOCK);
	RESULT("write while stopped", write(s, "z", 1));
	write(m, "\x11", 1);
	show("after ^Q", b, drain(m, b, sizeof(b)));
	tcflush(s, TCIFLUSH);
	show("after TCIFLUSH", b, drain(m, b, sizeof(b)));
	close_pair();
}

static void nonblocking(void)
{
	char b[4096];
	open_pair();
	fcntl(m, F_SETFL, O_NONBLOCK);
	fcntl(s, F_SETFL, O_NONBLOCK);
	RESULT("master read, nothing", read(m, b, sizeof(b)));
	memset(b, 'x', sizeof(b));
	long total = 0, r;
	while ((r = write(s, b, sizeof(b))) > 0)
		total += r;
	result("slave write until full", r, errno);
	fact("slave wrote some", total > 0);
	usleep(20000);
	struct pollfd p[2] = { { m, POLLIN | POLLOUT, 0 }, { s, POLLIN | POLLOUT, 0 } };
	poll(p, 2, 0);
	printf("full: master %#x slave %#x\n", p[0].revents, p[1].revents & POLLIN);
	while (read(m, b, sizeof(b)) > 0)
		;
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	total = 0;
	while ((r = write(m, b, sizeof(b))) > 0)
		total += r;
	result("master write until full", r, errno);
	fact("master wrote some", total > 0);
	usleep(20000);
	poll(p, 2, 0);
	/* Not the writer's POLLOUT: Linux's buffers drain into the reader's behind its back. */
	printf("full: master %#x slave %#x\n", p[0].revents & POLLIN, p[1].revents);
	close_pair();
}

static void closes(void)
{
	char b[64];
	struct pollfd p = { 0, POLLIN | POLLOUT, 0 };
	open_pair();
	p.fd = m;
	poll(&p, 1, 0);
	printf("master idle: %#x\n", p.revents);
	write(s, "bye\n", 4);
	close(s);
	usleep(20000);
	poll(&p, 1, 0);
	printf("master, slave closed with data: %#x\n", p.revents);
	RESULT("master read", read(m, b, sizeof(b)));
	poll(&p, 1, 0);
	printf("master, slave closed: %#x\n", p.revents);
	RESULT("master read again", read(m, b, sizeof(b)));
	s = open(name, O_RDWR | O_NOCTTY);
	RESULT("reopen slave", s >= 0 ? 0 : -1);
	poll(&p, 1, 0);
	printf("master, slave reopened: %#x\n", p.revents);
	close(m);
	p.fd = s;
	poll(&p, 1, 0);
	printf("slave, master closed: %#x\n", p.revents);
	RESULT("slave read", read(s, b, sizeof(b)));
	RESULT("slave write", write(s, "x", 1));
	struct termios t;
	RESULT("slave tcgetattr", tcgetattr(s, &t));
	struct stat st;
	RESULT("stat of the name", stat(name, &st));
	RESULT("open the name", open(name, O_RDWR | O_NOCTTY));
	close(s);
}

int main(void)
{
	names();
	termios_default();
	canonical();
	output();
	raw();
	isig_flush();
	packet();
	nonblocking();
	closes();
	return 0;
}
