/* fs_sync: sync_file_range's, readahead's, fsync's and fdatasync's checks, in Linux's order, on
 * every kind of file:
 * regular files (any access mode), directories, an O_PATH symlink, devices, /proc files, memfd,
 * pipes, a FIFO, a socket, an eventfd; the flags (only the low 32 bits count), negative or
 * overflowing ranges; a written file's data after sync_file_range. */
#include "fs.h"
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define WAIT_BEFORE 1
#define WRITE 2
#define WAIT_AFTER 4

static long sfr(int fd, long off, long nbytes, unsigned long flags)
{
	return syscall(SYS_sync_file_range, fd, off, nbytes, flags);
}

static long ra(int fd, long off, unsigned long count)
{
	return syscall(SYS_readahead, fd, off, count);
}

/* Both calls on fd, labelled with what it is: sync_file_range with every flag and with a bad
 * flag (the flags are checked before the file's type), readahead of a page. */
static void kinds(const char *what, int fd)
{
	char w[96];

	snprintf(w, sizeof(w), "sync_file_range %s", what);
	CHECK(w, sfr(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER));
	snprintf(w, sizeof(w), "sync_file_range %s, bad flag", what);
	CHECK(w, sfr(fd, 0, 0, 8));
	snprintf(w, sizeof(w), "readahead %s", what);
	CHECK(w, ra(fd, 0, 4096));
	snprintf(w, sizeof(w), "fsync %s", what);
	CHECK(w, fsync(fd));
	snprintf(w, sizeof(w), "fdatasync %s", what);
	CHECK(w, fdatasync(fd));
}

static void kinds_open(const char *what, const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		printf("open %s: -1 %s\n", what, fs_errname(errno));
		return;
	}
	kinds(what, fd);
	close(fd);
}

static void ranges(int fd)
{
	CHECK("flags 0", sfr(fd, 0, 0, 0));
	CHECK("WRITE", sfr(fd, 0, 4096, WRITE));
	CHECK("WAIT_BEFORE", sfr(fd, 0, 4096, WAIT_BEFORE));
	CHECK("WAIT_AFTER", sfr(fd, 4096, 0, WAIT_AFTER));
	CHECK("WRITE|WAIT_AFTER past the end", sfr(fd, 1L << 40, 4096, WRITE | WAIT_AFTER));
	CHECK("flags above 32 bits ignored", sfr(fd, 0, 0, (1UL << 32) | WRITE));
	CHECK("unknown flag 8", sfr(fd, 0, 0, 8));
	CHECK("negative offset", sfr(fd, -1, 0, WRITE));
	CHECK("negative nbytes", sfr(fd, 10, -1, WRITE));
	CHECK("negative nbytes from 0", sfr(fd, 0, -1, WRITE));
	CHECK("offset+nbytes overflows", sfr(fd, 0x7fffffffffffffffL, 1, WRITE));
	CHECK("offset+nbytes at the limit", sfr(fd, 0x7ffffffffffffffeL, 1, WRITE));
	CHECK("bad flag and negative offset", sfr(fd, -1, 0, 8));

	CHECK("readahead", ra(fd, 0, 1 << 20));
	CHECK("readahead count 0", ra(fd, 0, 0));
	CHECK("readahead negative offset", ra(fd, -1, 10));
	CHECK("readahead far past the end", ra(fd, 1L << 40, 10));
	CHECK("readahead count above LLONG_MAX", ra(fd, 0, (unsigned long)-1));
}

int main(void)
{
	char buf[64];
	int fd, p[2], s[2];

	fs_begin();
	fd = CHECK_FD("open f", open("f", O_RDWR | O_CREAT, 0644));
	CHECK("write", write(fd, "synced data", 11));
	ranges(fd);
	CHECK("pread after sync_file_range", pread(fd, buf, sizeof(buf) - 1, 0));
	buf[11] = 0;
	printf("data: %s\n", buf);
	kinds("O_RDWR file", fd);
	close(fd);
	kinds_open("O_RDONLY file", "f", O_RDONLY);
	kinds_open("O_WRONLY file", "f", O_WRONLY);
	kinds_open("O_PATH file", "f", O_PATH);
	kinds("closed fd", fd);
	kinds("fd -1", -1);
	kinds_open("directory", ".", O_RDONLY | O_DIRECTORY);
	CHECK("symlink", symlink("f", "l"));
	kinds_open("O_PATH symlink", "l", O_PATH | O_NOFOLLOW);
	kinds_open("/dev/null", "/dev/null", O_RDWR);
	kinds_open("/dev/zero", "/dev/zero", O_RDONLY);
	kinds_open("/proc/self/status", "/proc/self/status", O_RDONLY);
	fd = memfd_create("m", 0);
	if (fd >= 0) {
		CHECK("memfd write", write(fd, "x", 1));
		kinds("memfd", fd);
		close(fd);
	}
	if (pipe(p) == 0) {
		kinds("pipe read end", p[0]);
		kinds("pipe write end", p[1]);
		close(p[0]);
		close(p[1]);
	}
	CHECK("mkfifo", mkfifo("fifo", 0600));
	kinds_open("FIFO", "fifo", O_RDWR);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0) {
		kinds("socket", s[0]);
		close(s[0]);
		close(s[1]);
	}
	fd = eventfd(0, 0);
	if (fd >= 0) {
		kinds("eventfd", fd);
		close(fd);
	}
	CHECK("unlink fifo", unlink("fifo"));
	CHECK("unlink l", unlink("l"));
	CHECK("unlink f", unlink("f"));
	return fs_end();
}
