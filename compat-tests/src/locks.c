/* Advisory locks enforced: flock between open files and processes (dup shares, close of the last
   reference releases, blocking waits), POSIX record locks (F_GETLK reports the holder, ranges
   split and merge, any close by the owner releases, F_SETLKW waits, EDEADLK), OFD locks, and the
   errno cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include "compat.h"

static char path[64];

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* F_GETLK for a write lock on [start, start+len) as seen from fd: prints what holds it. */
static void getlk(const char *what, int fd, int cmd, off_t start, off_t len, pid_t holder)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	if (fcntl(fd, cmd, &fl)) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	const char *t = fl.l_type == F_UNLCK ? "F_UNLCK" : fl.l_type == F_RDLCK ? "F_RDLCK" : "F_WRLCK";
	if (fl.l_type == F_UNLCK)
		printf("%s: %s\n", what, t);
	else
		printf("%s: %s start %ld len %ld pid %s\n", what, t, (long)fl.l_start, (long)fl.l_len,
		       fl.l_pid == holder ? "holder" : fl.l_pid == -1 ? "-1" : "other");
}

/* Runs fn in a child and prints its exit status as its answer. */
static void in_child(const char *what, int (*fn)(int), int arg)
{
	pid_t p = fork();
	if (p == 0)
		_exit(fn(arg));
	int st;
	waitpid(p, &st, 0);
	printf("%s: child says %d\n", what, WEXITSTATUS(st));
}

static int child_flock_nb(int fd)
{
	int f = open(path, O_RDONLY);
	int r = flock(f, LOCK_EX | LOCK_NB);
	return r ? (errno == EWOULDBLOCK ? 11 : 99) : 0;
}

static int child_flock_inherited(int fd)
{
	return flock(fd, LOCK_EX | LOCK_NB) ? 1 : 0;     /* the same open file: its own lock */
}

static int child_setlk(int range)
{
	int f = open(path, O_RDWR);
	int r = lk(f, F_SETLK, F_WRLCK, range, 10);
	return r ? (errno == EAGAIN || errno == EACCES ? 11 : 99) : 0;
}

static void flocks(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDONLY);
	RESULT("flock a LOCK_EX", flock(a, LOCK_EX));
	RESULT("flock b LOCK_EX|LOCK_NB (other open file)", flock(b, LOCK_EX | LOCK_NB));
	RESULT("flock b LOCK_SH|LOCK_NB", flock(b, LOCK_SH | LOCK_NB));
	int d = dup(a);
	RESULT("flock on a dup converts to LOCK_SH", flock(d, LOCK_SH));
	RESULT("now b LOCK_SH|LOCK_NB", flock(b, LOCK_SH | LOCK_NB));
	RESULT("a back to LOCK_EX|LOCK_NB (b shares)", flock(a, LOCK_EX | LOCK_NB));
	RESULT("b LOCK_UN", flock(b, LOCK_UN));
	RESULT("a LOCK_EX|LOCK_NB", flock(a, LOCK_EX | LOCK_NB));
	in_child("another process's open file, LOCK_NB", child_flock_nb, 0);
	in_child("the inherited open file", child_flock_inherited, a);
	close(a);
	RESULT("b LOCK_EX|LOCK_NB while a dup still holds it", flock(b, LOCK_EX | LOCK_NB));
	close(d);
	RESULT("b LOCK_EX|LOCK_NB after the last close", flock(b, LOCK_EX | LOCK_NB));
	/* a blocked LOCK_EX gets the lock when the holder lets go */
	pid_t p = fork();
	if (p == 0) {
		int f = open(path, O_RDONLY);
		_exit(flock(f, LOCK_EX) ? 1 : 0);
	}
	usleep(100000);
	RESULT("unlock for the waiting child", flock(b, LOCK_UN));
	int st;
	waitpid(p, &st, 0);
	printf("child's blocking flock: %d\n", WEXITSTATUS(st));
	RESULT("flock bad operation", flock(b, 77));
	RESULT("flock bad fd", flock(999, LOCK_SH));
	close(b);
}

static void records(void)
{
	int fd = open(path, O_RDWR);
	pid_t me = getpid();
	RESULT("F_SETLK write [0,100)", lk(fd, F_SETLK, F_WRLCK, 0, 100));
	RESULT("same process, another fd: no conflict", lk(open(path, O_RDWR), F_SETLK, F_WRLCK, 50, 10));
	/* the open() above was closed by nobody: closing it now drops all our locks on the file */
	pid_t p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		getlk("child sees", f, F_GETLK, 10, 5, getppid());
		_exit(0);
	}
	waitpid(p, NULL, 0);
	in_child("child F_SETLK [50,60)", child_setlk, 50);
	in_child("child F_SETLK [200,210)", child_setlk, 200);
	RESULT("unlock [40,60)", lk(fd, F_SETLK, F_UNLCK, 40, 20));
	p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		getlk("after split, at 45", f, F_GETLK, 45, 1, getppid());
		getlk("after split, at 20", f, F_GETLK, 20, 1, getppid());
		getlk("after split, at 70", f, F_GETLK, 70, 1, getppid());
		getlk("after split, whole file", f, F_GETLK, 0, 0, getppid());
		_exit(0);
	}
	waitpid(p, NULL, 0);
	RESULT("read lock [300,310)", lk(fd, F_SETLK, F_RDLCK, 300, 10));
	RESULT("read lock [310,320) (merges)", lk(fd, F_SETLK, F_RDLCK, 310, 10));
	RESULT("write lock [0,40) over its own lock", lk(fd, F_SETLK, F_WRLCK, 0, 40));
	p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		getlk("merged read lock", f, F_GETLK, 305, 1, getppid());
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 300, .l_len = 20 };
		int r = fcntl(f, F_GETLK, &fl);
		printf("a read lock there conflicts: %s\n", r == 0 && fl.l_type != F_UNLCK ? "yes" : "no");
		_exit(0);
	}
	waitpid(p, NULL, 0);
	getlk("own locks never conflict", fd, F_GETLK, 0, 0, me);

	/* closing any fd of the file drops the process's POSIX locks */
	int other = open(path, O_RDONLY);
	close(other);
	p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		getlk("after closing another fd", f, F_GETLK, 0, 0, getppid());
		_exit(0);
	}
	waitpid(p, NULL, 0);

	/* F_SETLKW waits for the holder */
	RESULT("lock [0,10) again", lk(fd, F_SETLK, F_WRLCK, 0, 10));
	p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		_exit(lk(f, F_SETLKW, F_WRLCK, 0, 10) ? 1 : 0);
	}
	usleep(100000);
	RESULT("unlock for the waiting child", lk(fd, F_SETLK, F_UNLCK, 0, 10));
	int st;
	waitpid(p, &st, 0);
	printf("child's F_SETLKW: %d\n", WEXITSTATUS(st));

	/* two processes each waiting for the other: the second wait is EDEADLK */
	int pp[2];
	pipe(pp);
	RESULT("lock A [0,1)", lk(fd, F_SETLK, F_WRLCK, 0, 1));
	p = fork();
	if (p == 0) {
		int f = open(path, O_RDWR);
		lk(f, F_SETLK, F_WRLCK, 1, 1);                 /* B */
		write(pp[1], "x", 1);
		int r = lk(f, F_SETLKW, F_WRLCK, 0, 1);          /* waits for A */
		_exit(r ? 1 : 0);
	}
	char c;
	read(pp[0], &c, 1);
	usleep(100000);
	RESULT("lock B with F_SETLKW (cycle)", lk(fd, F_SETLKW, F_WRLCK, 1, 1));
	RESULT("unlock A", lk(fd, F_SETLK, F_UNLCK, 0, 1));
	waitpid(p, &st, 0);
	printf("child got A: %d\n", WEXITSTATUS(st));
	close(pp[0]);
	close(pp[1]);
	close(fd);
}

static void ofd(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	RESULT("F_OFD_SETLK a [0,10)", lk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
	RESULT("F_OFD_SETLK b [5,10) same process", lk(b, F_OFD_SETLK, F_WRLCK, 5, 5));
	getlk("F_OFD_GETLK from b", b, F_OFD_GETLK, 0, 0, getpid());
	RESULT("POSIX lock of this process over it", lk(b, F_SETLK, F_WRLCK, 0, 1));
	close(b);       /* a POSIX close does not drop a's OFD lock */
	b = open(path, O_RDWR);
	RESULT("still held", lk(b, F_OFD_SETLK, F_WRLCK, 0, 1));
	struct flock fl = { .l_type = F_WRLCK, .l_pid = 5 };
	RESULT("F_OFD_SETLK with l_pid set", fcntl(a, F_OFD_SETLK, &fl));
	close(a);
	RESULT("free after a closes", lk(b, F_OFD_SETLK, F_WRLCK, 0, 1));
	close(b);
}

static void errors(void)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	RESULT("write lock on a read-only fd", lk(ro, F_SETLK, F_WRLCK, 0, 1));
	RESULT("read lock on a write-only fd", lk(wo, F_SETLK, F_RDLCK, 0, 1));
	RESULT("F_GETLK of F_UNLCK", lk(ro, F_GETLK, F_UNLCK, 0, 1));
	RESULT("bad type", lk(ro, F_SETLK, 9, 0, 1));
	RESULT("negative start", lk(ro, F_SETLK, F_RDLCK, -5, 1));
	RESULT("negative length past 0", lk(ro, F_SETLK, F_RDLCK, 2, -5));
	RESULT("negative length", lk(ro, F_SETLK, F_RDLCK, 10, -5));
	struct flock fl = { .l_type = F_RDLCK, .l_whence = 7 };
	RESULT("bad whence", fcntl(ro, F_SETLK, &fl));
	RESULT("bad pointer", fcntl(ro, F_SETLK, (struct flock *)8));
	close(ro);
	close(wo);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(path, sizeof(path), "/tmp/unik-locks-%d", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "0123456789", 10);
	close(fd);
	flocks();
	records();
	ofd();
	errors();
	unlink(path);
	return 0;
}
