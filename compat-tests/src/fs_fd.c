/* fs_fd: dup/dup2/dup3, fcntl descriptor and status flags, F_DUPFD(_CLOEXEC), shared and independent
 * file offsets, pipe/pipe2 (O_NONBLOCK, FIONREAD, EOF, EPIPE, capacity), close_range, memfd_create,
 * the ioctls every file answers (FIONBIO, FIOCLEX, FIOQSIZE, FIGETBSZ, FIONREAD). */
#include "fs.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#ifndef F_GETPIPE_SZ
#define F_GETPIPE_SZ 1032
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#define CLOSE_RANGE_CLOEXEC_ (1U << 2)

static long cflags(int fd)	/* the status flags this program sets or tests */
{
	long fl = fcntl(fd, F_GETFL);

	return fl < 0 ? fl : fl & (O_ACCMODE | O_APPEND | O_NONBLOCK);
}

static int lowest_free(void)
{
	int fd = 0;

	while (fcntl(fd, F_GETFD) >= 0)
		fd++;
	return fd;
}

static void dups(void)
{
	int a, b, c, d;

	a = CHECK_FD("open f O_RDWR|O_CREAT", open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	if (a < 0)
		fs_die("open f");
	c = lowest_free();
	b = CHECK_FD("dup", dup(a));
	fact("  dup gives the lowest free descriptor", b == c);
	close(b);
	c = dup(a);
	fact("  freed descriptor reused", c == b);
	close(c);

	CHECK("write abc via fd", write(a, "abc", 3));
	b = dup(a);
	CHECK("  offset via dup", lseek(b, 0, SEEK_CUR));
	CHECK("  lseek dup to 1", lseek(b, 1, SEEK_SET));
	CHECK("  write Z via fd", write(a, "Z", 1));
	fact("  file is aZc", fs_is("f", "aZc"));
	c = CHECK_FD("open f again", open("f", O_RDWR));
	CHECK("  independent offset", lseek(c, 0, SEEK_CUR));
	CHECK("  write Q via it", write(c, "Q", 1));
	CHECK("  first fd offset unchanged", lseek(a, 0, SEEK_CUR));
	fact("  file is QZc", fs_is("f", "QZc"));
	close(c);

	CHECK("dup2 fd to itself", dup2(a, a) == a ? 0 : -1);
	CHECK("dup2 to 50", dup2(a, 50));
	CHECK("  F_GETFD 50", fcntl(50, F_GETFD));
	d = open("f", O_RDONLY);
	CHECK("dup2 onto an open fd", dup2(d, 50));
	CHECK("  50 now read-only", cflags(50));
	close(d);
	CHECK("dup2 bad old fd", dup2(99, 50));
	CHECK("dup2 negative new fd", dup2(a, -1));
	CHECK("dup2 new fd >= RLIMIT_NOFILE", dup2(a, 1 << 30));
	/* dup3 raw: musl checks old == new itself and, without O_CLOEXEC, calls dup2 (so it ignores
	 * bad flags) */
	CHECK("dup3 same fd", syscall(SYS_dup3, a, a, 0));
	CHECK("dup3 to 51 O_CLOEXEC", syscall(SYS_dup3, a, 51, O_CLOEXEC));
	CHECK("  F_GETFD 51", fcntl(51, F_GETFD));
	CHECK("dup3 to 52 no flags", syscall(SYS_dup3, a, 52, 0));
	CHECK("  F_GETFD 52", fcntl(52, F_GETFD));
	CHECK("dup3 bad flags", syscall(SYS_dup3, a, 53, O_NONBLOCK));
	CHECK("dup3 bad old fd", syscall(SYS_dup3, 99, 53, 0));
	CHECK("dup bad fd", dup(99));
	close(50);
	close(51);
	close(52);

	CHECK("F_GETFD", fcntl(a, F_GETFD));
	CHECK("F_SETFD FD_CLOEXEC", fcntl(a, F_SETFD, FD_CLOEXEC));
	CHECK("F_GETFD", fcntl(a, F_GETFD));
	CHECK("  dup's F_GETFD (not shared)", fcntl(b, F_GETFD));
	CHECK("F_SETFD 0", fcntl(a, F_SETFD, 0));
	CHECK("F_GETFL (accmode|append|nonblock)", cflags(a));
	CHECK("F_SETFL O_APPEND|O_NONBLOCK", fcntl(a, F_SETFL, O_APPEND | O_NONBLOCK));
	printf("  F_GETFL has O_APPEND %s, O_NONBLOCK %s, still O_RDWR %s\n",
	       cflags(a) & O_APPEND ? "yes" : "no", cflags(a) & O_NONBLOCK ? "yes" : "no",
	       (cflags(a) & O_ACCMODE) == O_RDWR ? "yes" : "no");
	fact("  dup shares the status flags", cflags(b) == cflags(a));
	CHECK("  lseek 0", lseek(a, 0, SEEK_SET));
	CHECK("  write 1", write(a, "E", 1));
	fact("  O_APPEND write went to the end", fs_is("f", "QZcE"));
	CHECK("F_SETFL O_WRONLY (access mode ignored)", fcntl(a, F_SETFL, O_WRONLY));
	CHECK("  F_GETFL", cflags(a));
	CHECK("F_DUPFD 20", fcntl(a, F_DUPFD, 20));
	CHECK("  F_GETFD 20", fcntl(20, F_GETFD));
	CHECK("F_DUPFD 20 again (taken, gets 21)", fcntl(a, F_DUPFD, 20));
	CHECK("F_DUPFD_CLOEXEC 30", fcntl(a, F_DUPFD_CLOEXEC, 30));
	CHECK("  F_GETFD 30", fcntl(30, F_GETFD));
	CHECK("F_DUPFD beyond RLIMIT_NOFILE", fcntl(a, F_DUPFD, 1 << 30));
	CHECK("F_DUPFD negative", fcntl(a, F_DUPFD, -1));
	CHECK("fcntl bad fd", fcntl(99, F_GETFD));
	CHECK("fcntl bad command", fcntl(a, 9999));
	close(20);
	close(21);
	close(30);
	close(b);
	CHECK("close", close(a));
	CHECK("close again", close(a));
	CHECK("close -1", close(-1));
}

static void pipes(void)
{
	char buf[256];
	static char big[70000];
	int p[2] = { -1, -1 }, q[2] = { -1, -1 }, n = 0;
	long r, total = 0;
	struct stat st;

	CHECK("pipe", pipe(p));
	CHECK("  F_GETFL read end", cflags(p[0]));
	CHECK("  F_GETFL write end", cflags(p[1]));
	fact("  fstat says FIFO", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK("  write 5", write(p[1], "hello", 5));
	CHECK("  FIONREAD", ioctl(p[0], FIONREAD, &n) == 0 ? n : -1);
	memset(buf, 0, sizeof buf);
	CHECK("  read 64", read(p[0], buf, 64));
	printf("  data: %s\n", buf);
	CHECK("  FIONREAD empty", ioctl(p[0], FIONREAD, &n) == 0 ? n : -1);
	CHECK("  lseek", lseek(p[0], 0, SEEK_CUR));
	CHECK("  read on write end", read(p[1], buf, 1));
	CHECK("  write on read end", write(p[0], "x", 1));
	CHECK("  F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	CHECK("  close write end", close(p[1]));
	CHECK("  read at EOF", read(p[0], buf, 64));
	close(p[0]);

	CHECK("pipe2 O_NONBLOCK|O_CLOEXEC", pipe2(q, O_NONBLOCK | O_CLOEXEC));
	CHECK("  F_GETFD", fcntl(q[0], F_GETFD));
	CHECK("  F_GETFL read end", cflags(q[0]));
	CHECK("  read empty", read(q[0], buf, 64));
	while ((r = write(q[1], big, sizeof big)) > 0)
		total += r;
	fact("  write until full fails EAGAIN", r == -1 && errno == EAGAIN);
	printf("  bytes taken before full: %ld\n", total);
	CHECK("  FIONREAD full", ioctl(q[0], FIONREAD, &n) == 0 ? n : -1);
	signal(SIGPIPE, SIG_IGN);
	CHECK("  close read end", close(q[0]));
	CHECK("  write with no reader (SIGPIPE ignored)", write(q[1], "x", 1));
	close(q[1]);
	CHECK("pipe2 bad flags", pipe2(q, O_APPEND));
}

static void ranges(void)
{
	int base = open("f", O_RDONLY), bad = 0;

	if (base < 0)
		fs_die("open f");
	for (int i = 40; i < 45; i++)
		dup2(base, i);
	CHECK("close_range 40..42", syscall(SYS_close_range, 40, 42, 0));
	for (int i = 40; i <= 42; i++)
		bad += fcntl(i, F_GETFD) != -1 || errno != EBADF;
	fact("  40..42 closed", bad == 0);
	fact("  43 and 44 open", fcntl(43, F_GETFD) == 0 && fcntl(44, F_GETFD) == 0);
	CHECK("close_range 43..44 CLOSE_RANGE_CLOEXEC", syscall(SYS_close_range, 43, 44, CLOSE_RANGE_CLOEXEC_));
	CHECK("  F_GETFD 44", fcntl(44, F_GETFD));
	CHECK("close_range 43..~0", syscall(SYS_close_range, 43, ~0U, 0));
	fact("  43 and 44 closed", fcntl(43, F_GETFD) == -1 && fcntl(44, F_GETFD) == -1);
	fact("  lower descriptor kept", fcntl(base, F_GETFD) == 0);
	CHECK("close_range first > last", syscall(SYS_close_range, 10, 5, 0));
	CHECK("close_range bad flags", syscall(SYS_close_range, 40, 50, 0x1));
	CHECK("close_range of closed fds", syscall(SYS_close_range, 100, 200, 0));
	close(base);
}

static void memfd(void)
{
	static char data[10000], back[10000];
	char name[256];
	struct stat st;
	int fd;

	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (char)(i % 253);
	fd = CHECK_FD("memfd_create MFD_CLOEXEC", memfd_create("compat", MFD_CLOEXEC));
	CHECK("  F_GETFD", fcntl(fd, F_GETFD));
	CHECK("  F_GETFL", cflags(fd));
	CHECK("  write 10000", write(fd, data, sizeof data));
	CHECK("  lseek 0", lseek(fd, 0, SEEK_SET));
	CHECK("  read back", read(fd, back, sizeof back));
	fact("  data matches", memcmp(data, back, sizeof data) == 0);
	fact("  fstat: regular, size 10000", fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 10000);
	CHECK("  ftruncate 100", ftruncate(fd, 100));
	CHECK("  size", lseek(fd, 0, SEEK_END));
	CHECK("  F_GET_SEALS without MFD_ALLOW_SEALING", fcntl(fd, F_GET_SEALS));
	close(fd);

	fd = CHECK_FD("memfd_create MFD_ALLOW_SEALING", memfd_create("sealed", MFD_ALLOW_SEALING));
	CHECK("  write 3", write(fd, "abc", 3));
	CHECK("  F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	CHECK("  F_ADD_SEALS SHRINK|GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	CHECK("  F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	CHECK("  ftruncate 1 (sealed)", ftruncate(fd, 1));
	CHECK("  write past end (sealed)", write(fd, "d", 1));
	CHECK("  pwrite inside", pwrite(fd, "X", 1, 0));
	CHECK("  F_ADD_SEALS WRITE|SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL));
	CHECK("  pwrite inside (write-sealed)", pwrite(fd, "Y", 1, 0));
	CHECK("  F_ADD_SEALS after SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	close(fd);
	CHECK_FD("memfd_create bad flags", memfd_create("bad", 0x100));
	memset(name, 'x', 249);
	name[249] = 0;
	fd = CHECK_FD("memfd_create 249-char name", memfd_create(name, 0));
	if (fd >= 0)
		close(fd);
	name[249] = 'x';
	name[250] = 0;
	fd = CHECK_FD("memfd_create 250-char name", memfd_create(name, 0));
	if (fd >= 0)
		close(fd);
}

#ifndef FIOQSIZE
#define FIOQSIZE 0x5460
#endif
#ifndef FIGETBSZ
#define FIGETBSZ 2
#endif

/* The requests Linux answers for every kind of file: FIONBIO, FIOCLEX/FIONCLEX, FIOQSIZE,
   FIGETBSZ, FIONREAD on regular files; an O_PATH descriptor takes none. */
static void generic_ioctls(void)
{
	int fd = CHECK_FD("open f", open("f", O_RDWR | O_CREAT, 0644));
	int on = 1, n = -1;
	long long qsize = -1;
	CHECK("write 10", write(fd, "0123456789", 10));
	CHECK("lseek 3", lseek(fd, 3, SEEK_SET));
	CHECK("FIONBIO on a file", ioctl(fd, FIONBIO, &on));
	CHECK("  O_NONBLOCK set", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	on = 0;
	CHECK("FIONBIO off", ioctl(fd, FIONBIO, &on));
	CHECK("  O_NONBLOCK set", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	CHECK("FIONBIO to a bad address", ioctl(fd, FIONBIO, (void *)8));
	CHECK("FIONREAD on a file", ioctl(fd, FIONREAD, &n) == 0 ? n : -1);
	CHECK("FIOQSIZE on a file", ioctl(fd, FIOQSIZE, &qsize));      /* its allocated bytes */
	CHECK("FIGETBSZ on a file", ioctl(fd, FIGETBSZ, &n) == 0 ? n > 0 : -1);
	CHECK("FIOCLEX", ioctl(fd, FIOCLEX));
	CHECK("  FD_CLOEXEC", fcntl(fd, F_GETFD));
	CHECK("FIONCLEX", ioctl(fd, FIONCLEX));
	CHECK("  FD_CLOEXEC", fcntl(fd, F_GETFD));
	CHECK("an unknown request on a file", ioctl(fd, 0x1234, &n));
	close(fd);
	int p[2];
	CHECK("pipe", pipe(p));
	on = 1;
	CHECK("FIONBIO on a pipe", ioctl(p[1], FIONBIO, &on));
	CHECK("  write to a full pipe", ({ char b[4096] = {0}; long w = 0;
		while (write(p[1], b, sizeof(b)) > 0) w++; w > 0 ? (errno == EAGAIN) : -1; }));
	CHECK("FIOQSIZE on a pipe", ioctl(p[0], FIOQSIZE, &qsize));
	close(p[0]);
	close(p[1]);
	int path = CHECK_FD("open f O_PATH", open("f", O_PATH));
	CHECK("FIONBIO on an O_PATH descriptor", ioctl(path, FIONBIO, &on));
	CHECK("FIOCLEX on an O_PATH descriptor", ioctl(path, FIOCLEX));
	close(path);
}

int main(void)
{
	fs_begin();
	dups();
	pipes();
	ranges();
	memfd();
	generic_ioctls();
	CHECK("unlink f", unlink("f"));
	return fs_end();
}
