/* inotify: the events each file operation reports (in a watched directory and on the watched
   inode itself), the flags and errno rules of inotify_init1/add_watch/rm_watch, read's record
   and buffer rules, blocking and non-blocking reads, poll/epoll, FIONREAD, merging, overflow,
   the limits in /proc/sys/fs/inotify and the fd's /proc entries; where the events of an open
   file go after its name was renamed or removed (IN_EXCL_UNLINK). Cookies are printed as labels
   (c1, c2, ...) in the order they are first seen, never as values. */
#include "fs.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static const struct { unsigned bit; const char *name; } in_names[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
	{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static uint32_t cookies[64];
static int ncookies;

static int cookie_label(uint32_t c)
{
	for (int i = 0; i < ncookies; i++)
		if (cookies[i] == c)
			return i + 1;
	if (ncookies < 64)
		cookies[ncookies++] = c;
	return ncookies;
}

static void show_event(const struct inotify_event *e)
{
	printf("  wd=%d", e->wd);
	unsigned m = e->mask;
	for (size_t i = 0; i < sizeof(in_names) / sizeof(in_names[0]); i++) {
		if (m & in_names[i].bit) {
			printf(" %s", in_names[i].name);
			m &= ~in_names[i].bit;
		}
	}
	if (m)
		printf(" 0x%x", m);
	if (e->cookie)
		printf(" cookie=c%d", cookie_label(e->cookie));
	if (e->len)
		printf(" name=%s len=%u", e->name, e->len);
	printf("\n");
}

/* Reads and prints everything queued (the fd is non-blocking). */
static void drain(int fd, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	printf("%s:\n", what);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EAGAIN)
				printf("  read: -1 %s\n", fs_errname(errno));
			break;
		}
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *e = (const void *)(buf + off);
			show_event(e);
			off += sizeof(*e) + e->len;
		}
	}
}

static int add(int fd, const char *path, uint32_t mask)
{
	return inotify_add_watch(fd, path, mask);
}

static void test_init(void)
{
	CHECK("init1 bad flag", inotify_init1(0x1));
	int fd = CHECK_FD("init1 NONBLOCK|CLOEXEC", inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	printf("cloexec %d nonblock %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	char link[64], path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("fd link: %s\n", link);
	close(fd);
	fd = CHECK_FD("init", inotify_init());
	printf("cloexec %d nonblock %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

static void test_errors(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	fs_puts("f", "x");
	mkdir("d", 0755);
	symlink("f", "lnk");
	int reg = open("f", O_RDONLY);
	CHECK("add ADD|CREATE", add(fd, "f", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	CHECK("add mask 0", add(fd, "f", 0));
	CHECK("add bad fd", add(99, "f", IN_MODIFY));
	CHECK("add regular fd", add(reg, "f", IN_MODIFY));
	CHECK("add missing", add(fd, "missing", IN_MODIFY));
	CHECK("add ONLYDIR file", add(fd, "f", IN_MODIFY | IN_ONLYDIR));
	CHECK("add ONLYDIR dir", add(fd, "d", IN_MODIFY | IN_ONLYDIR));
	CHECK("add f", add(fd, "f", IN_MODIFY));
	CHECK("add f again", add(fd, "f", IN_ATTRIB));
	CHECK("add lnk (follows)", add(fd, "lnk", IN_ATTRIB));
	CHECK("add lnk DONT_FOLLOW", add(fd, "lnk", IN_ATTRIB | IN_DONT_FOLLOW));
	CHECK("add f MASK_CREATE", add(fd, "f", IN_ATTRIB | IN_MASK_CREATE));
	CHECK("add d ONLYDIR flag only", add(fd, "d", IN_ONLYDIR));
	CHECK("rm wd 99", inotify_rm_watch(fd, 99));
	CHECK("rm bad fd", inotify_rm_watch(99, 1));
	CHECK("rm regular fd", inotify_rm_watch(reg, 1));
	CHECK("rm wd 1", inotify_rm_watch(fd, 1));
	CHECK("rm wd 1 again", inotify_rm_watch(fd, 1));
	CHECK("add f after rm", add(fd, "f", IN_MODIFY));
	drain(fd, "after rm");
	/* read permission on the watched file: as nobody */
	chmod("f", 0600);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(1);
		int fd2 = inotify_init();
		CHECK("nobody add 0600 file", add(fd2, "f", IN_MODIFY));
		CHECK("nobody add dir", add(fd2, ".", IN_MODIFY));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	close(reg);
	close(fd);
	unlink("lnk");
	unlink("f");
	rmdir("d");
}

/* The events every operation on a child reports to a directory watch. */
static void test_dir_events(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	mkdir("d", 0755);
	mkdir("e", 0755);
	printf("watch d: %d\n", add(fd, "d", IN_ALL_EVENTS));
	printf("watch e: %d\n", add(fd, "e", IN_ALL_EVENTS));
	int f = open("d/a", O_WRONLY | O_CREAT, 0644);
	write(f, "hello", 5);
	close(f);
	drain(fd, "create+write+close");
	char buf[16];
	f = open("d/a", O_RDONLY);
	read(f, buf, sizeof(buf));
	read(f, buf, sizeof(buf));      /* end of file: no event */
	close(f);
	drain(fd, "open+read+close");
	f = open("d/a", O_RDWR | O_TRUNC);
	pwrite(f, "x", 1, 0);
	pread(f, buf, 1, 0);
	ftruncate(f, 0);
	close(f);
	drain(fd, "O_TRUNC+pwrite+pread+ftruncate");
	chmod("d/a", 0600);
	chown("d/a", 0, 0);
	drain(fd, "chmod+chown");
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	utimensat(AT_FDCWD, "d/a", ts, 0);
	ts[1].tv_nsec = UTIME_OMIT;
	utimensat(AT_FDCWD, "d/a", ts, 0);
	ts[1].tv_nsec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	utimensat(AT_FDCWD, "d/a", ts, 0);
	truncate("d/a", 3);
	drain(fd, "utimes both/atime/mtime, truncate");
	printf("setxattr: %d\n", setxattr("d/a", "user.k", "v", 1, 0));
	printf("removexattr: %d\n", removexattr("d/a", "user.k"));
	drain(fd, "xattrs");
	mkdir("d/sub", 0755);
	mknod("d/fifo", S_IFIFO | 0644, 0);
	symlink("a", "d/sym");
	link("d/a", "d/hard");
	drain(fd, "mkdir+mknod+symlink+link");
	int dir = open("d", O_RDONLY | O_DIRECTORY);
	char dents[4096];
	syscall(SYS_getdents64, dir, dents, sizeof(dents));
	close(dir);
	drain(fd, "listing");
	rename("d/a", "d/b");
	rename("d/b", "e/b");
	rename("e/b", "d/hard");        /* overwrites the other link of the same inode */
	drain(fd, "renames (within, across, onto a link of itself)");
	fs_puts("d/c", "c");
	rename("d/c", "d/hard");        /* overwrites another file */
	drain(fd, "rename over a file");
	mkdir("d/sub2", 0755);
	rename("d/sub2", "e/sub2");
	drain(fd, "rename a directory");
	unlink("d/hard");
	unlink("d/sym");
	unlink("d/fifo");
	rmdir("d/sub");
	rmdir("e/sub2");
	unlink("e/b");
	drain(fd, "unlink+rmdir");
	rmdir("d");
	rmdir("e");
	drain(fd, "rmdir the watched directories");
	close(fd);
}

/* Watches on a file itself: events carry no name; unlinking it ends the watch. */
static void test_self_events(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	fs_puts("f", "data");
	mkdir("d", 0755);
	printf("watch dir: %d\n", add(fd, ".", IN_MODIFY | IN_ATTRIB | IN_DELETE));
	printf("watch f: %d\n", add(fd, "f", IN_ALL_EVENTS));
	int f = open("f", O_RDWR);
	write(f, "x", 1);
	fchmod(f, 0640);
	close(f);
	drain(fd, "f and its directory");
	link("f", "f2");
	unlink("f2");
	drain(fd, "link+unlink of another name");
	rename("f", "g");
	drain(fd, "rename f");
	unlink("g");
	drain(fd, "unlink the watched file");
	fs_puts("h", "h");
	printf("watch h: %d\n", add(fd, "h", IN_ALL_EVENTS));
	f = open("h", O_RDONLY);
	unlink("h");
	drain(fd, "unlink while open");
	close(f);
	drain(fd, "close the last fd");
	printf("watch d: %d\n", add(fd, "d", IN_ALL_EVENTS));
	rename("d", "d2");
	rmdir("d2");
	drain(fd, "rename+rmdir a watched directory");
	close(fd);
}

/* Opens the file of fd f again through /proc/self/fd (also once its name is gone) and closes
   it. */
static void reopen(int f)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
	close(open(path, O_RDONLY));
}

/* Opens name, renames from to to, writes through the fd and closes it. */
static void write_across_rename(const char *name, const char *from, const char *to)
{
	int f = open(name, O_WRONLY);
	rename(from, to);
	write(f, "w", 1);
	close(f);
}

/* Events on an open file go to its name's current directory with its current name: after a
   rename, to the new directory; after its name is removed (unlinked, or replaced by a rename),
   still to the directory it was in, unless that watch has IN_EXCL_UNLINK, which drops the events
   of an open file (read, write, close) but not those of a change of attributes (fchmod,
   ftruncate). A watch on the file itself with IN_EXCL_UNLINK drops them the same way. */
static void test_moved_open_file(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	mkdir("d", 0755);
	mkdir("e", 0755);
	fs_puts("d/a", "a");
	printf("watch d: %d\n", add(fd, "d", IN_ALL_EVENTS));
	printf("watch e: %d\n", add(fd, "e", IN_ALL_EVENTS));
	int f = open("d/a", O_RDWR);
	drain(fd, "open d/a");
	rename("d/a", "d/b");
	write(f, "1", 1);
	drain(fd, "rename within d, write");
	rename("d/b", "e/c");
	write(f, "2", 1);
	fchmod(f, 0600);
	drain(fd, "rename to e, write, fchmod");
	char buf[8];
	pread(f, buf, 1, 0);
	unlink("e/c");
	write(f, "3", 1);
	pread(f, buf, 1, 0);
	fchmod(f, 0644);
	ftruncate(f, 1);
	reopen(f);
	drain(fd, "read, unlink, write, read, fchmod, ftruncate, reopen");
	close(f);
	drain(fd, "close after unlink");

	fs_puts("e/t", "t");
	fs_puts("e/s", "s");
	write_across_rename("e/t", "e/s", "e/t");
	drain(fd, "rename over an open file, write, close");

	printf("watch e EXCL_UNLINK: %d\n", add(fd, "e", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	fs_puts("e/x", "x");
	f = open("e/x", O_RDWR);
	drain(fd, "create+open e/x");
	int self = inotify_init1(IN_NONBLOCK), plain = inotify_init1(IN_NONBLOCK);
	printf("watch x EXCL_UNLINK: %d\n", add(self, "e/x", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	printf("watch x: %d\n", add(plain, "e/x", IN_ALL_EVENTS));
	unlink("e/x");
	write(f, "5", 1);
	pread(f, buf, 1, 0);
	fchmod(f, 0600);
	ftruncate(f, 0);
	reopen(f);
	close(f);
	drain(fd, "EXCL_UNLINK: unlink, write, read, fchmod, ftruncate, reopen, close");
	drain(self, "the file's EXCL_UNLINK watch");
	drain(plain, "the file's plain watch");
	close(self);
	close(plain);

	fs_puts("d/y", "y");
	write_across_rename("d/y", "d/y", "e/y");
	drain(fd, "EXCL_UNLINK: renamed in, write, close");
	unlink("e/y");
	unlink("e/t");
	rmdir("e");
	drain(fd, "cleanup e");

	/* A removed directory's end (DELETE_SELF) waits for what still holds it: an open file
	   that was in it, or a working directory; ".." still leads out of it. */
	f = open("d/z", O_WRONLY | O_CREAT, 0644);
	unlink("d/z");
	rmdir("d");
	drain(fd, "unlink d/z while open, rmdir d");
	write(f, "7", 1);
	close(f);
	drain(fd, "write, close");
	mkdir("c", 0755);
	printf("watch c: %d\n", add(fd, "c", IN_ALL_EVENTS));
	chdir("c");
	rmdir("../c");
	drain(fd, "rmdir the working directory");
	CHECK("chdir .. from it", chdir(".."));
	fs_show_cwd("getcwd");
	drain(fd, "left it");
	close(fd);
}

static void test_flags(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	fs_puts("f", "data");
	printf("oneshot: %d\n", add(fd, "f", IN_MODIFY | IN_ONESHOT));
	fs_puts("f", "data2");
	fs_puts("f", "data3");
	drain(fd, "oneshot");
	printf("watch again: %d\n", add(fd, "f", IN_ACCESS));
	printf("mask add: %d\n", add(fd, "f", IN_MODIFY | IN_MASK_ADD));
	char buf[8];
	int f = open("f", O_RDWR);
	read(f, buf, 1);
	write(f, "z", 1);
	close(f);
	drain(fd, "ACCESS|MODIFY");
	printf("replace: %d\n", add(fd, "f", IN_CLOSE_WRITE));
	fs_puts("f", "q");
	drain(fd, "replaced by CLOSE_WRITE");
	unlink("f");
	drain(fd, "unlink");
	close(fd);
}

static void test_read_rules(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	mkdir("d", 0755);
	add(fd, "d", IN_CREATE | IN_MODIFY);
	char buf[256] __attribute__((aligned(8)));
	CHECK("read empty", read(fd, buf, sizeof(buf)));
	fs_puts("d/abcdefghijklmno", "");       /* 15 bytes: len 16 */
	fs_puts("d/abcdefghijklmnop", "");      /* 16 bytes: len 32 */
	fs_puts("d/x", "");
	int n = -1;
	ioctl(fd, FIONREAD, &n);
	printf("FIONREAD: %d\n", n);
	CHECK("read 0 bytes", read(fd, buf, 0));
	CHECK("read 16 bytes", read(fd, buf, 16));
	CHECK("read 32 bytes", read(fd, buf, 32));
	CHECK("read 47 bytes", read(fd, buf, 47));
	CHECK("read 48 bytes", read(fd, buf, 48));
	struct inotify_event *e = (void *)buf;
	printf("len %u name %s\n", e->len, e->name);
	int zeros = 1;
	for (unsigned i = strlen(e->name); i < e->len; i++)
		zeros &= e->name[i] == 0;
	printf("padded with NULs: %d\n", zeros);
	CHECK("read rest", read(fd, buf, sizeof(buf)));
	printf("len %u name %s\n", e->len, e->name);
	ioctl(fd, FIONREAD, &n);
	printf("FIONREAD: %d\n", n);
	/* merging: only an event equal to the last one queued */
	int f = open("d/x", O_WRONLY);
	write(f, "1", 1);
	write(f, "2", 1);
	write(f, "3", 1);
	close(f);
	fs_puts("d/y", "");
	f = open("d/x", O_WRONLY);
	write(f, "1", 1);
	close(f);
	drain(fd, "three writes, then a create, then a write");
	unlink("d/abcdefghijklmno");
	unlink("d/abcdefghijklmnop");
	unlink("d/x");
	unlink("d/y");
	rmdir("d");
	close(fd);
}

static void on_alarm(int sig) { (void)sig; }

static void test_blocking(void)
{
	int fd = inotify_init();
	fs_puts("f", "");
	add(fd, "f", IN_ATTRIB);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		chmod("f", 0600);
		_exit(0);
	}
	char buf[256] __attribute__((aligned(8)));
	ssize_t n = read(fd, buf, sizeof(buf));
	printf("blocking read: %zd mask %s\n", n,
	       n > 0 && ((struct inotify_event *)buf)->mask == IN_ATTRIB ? "ATTRIB" : "?");
	waitpid(pid, NULL, 0);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK("blocking read, signal", read(fd, buf, sizeof(buf)));
	/* poll and epoll */
	struct pollfd p = { fd, POLLIN, 0 };
	printf("poll empty: %d\n", poll(&p, 1, 0));
	chmod("f", 0644);
	printf("poll: %d", poll(&p, 1, 0));
	printf(" revents 0x%x\n", p.revents);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	printf("epoll: %d", epoll_wait(ep, &out, 1, 0));
	printf(" events 0x%x\n", out.events);
	read(fd, buf, sizeof(buf));
	printf("epoll after read: %d\n", epoll_wait(ep, &out, 1, 0));
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		chmod("f", 0600);
		_exit(0);
	}
	int r = epoll_wait(ep, &out, 1, 5000);
	printf("epoll wait for a child's chmod: %d %s\n", r, r < 0 ? fs_errname(errno) : "");
	waitpid(pid, NULL, 0);
	close(ep);
	close(fd);
	unlink("f");
}

static void test_overflow(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	fs_puts("f", "");
	add(fd, "f", IN_OPEN | IN_CLOSE_NOWRITE);
	for (int i = 0; i < 8200; i++)
		close(open("f", O_RDONLY));
	static char buf[65536] __attribute__((aligned(8)));
	long events = 0, overflows = 0, last_wd = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct inotify_event *e = (void *)(buf + off);
			events++;
			if (e->mask & IN_Q_OVERFLOW) {
				overflows++;
				last_wd = e->wd;
			}
			off += sizeof(*e) + e->len;
		}
	}
	printf("overflow: %ld events, %ld overflow (wd %ld)\n", events, overflows, last_wd);
	close(open("f", O_RDONLY));
	drain(fd, "after the overflow was read");
	close(fd);
	unlink("f");
}

static void test_proc(void)
{
	char buf[256];
	static const char *const files[] = { "max_queued_events", "max_user_instances" };
	for (int i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", files[i]);
		fs_get(path, buf, sizeof(buf));
		printf("%s: %s", files[i], buf);
	}
	fs_get("/proc/sys/fs/inotify/max_user_watches", buf, sizeof(buf));
	printf("max_user_watches >= 8192: %d\n", atol(buf) >= 8192);
	int fd = inotify_init();
	fs_puts("f", "");
	add(fd, "f", IN_MODIFY | IN_ONESHOT);
	add(fd, ".", IN_CREATE | IN_EXCL_UNLINK);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	static char info[4096];
	fs_get(path, info, sizeof(info));
	for (char *l = strtok(info, "\n"); l; l = strtok(NULL, "\n")) {
		if (strncmp(l, "inotify ", 8))
			continue;
		char *wd = strstr(l, "wd:"), *mask = strstr(l, "mask:");
		printf("fdinfo: %.*s %.*s\n", (int)strcspn(wd, " "), wd, (int)strcspn(mask, " "), mask);
	}
	close(fd);
	unlink("f");
	/* max_user_instances, for a user with none yet */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(54321) || setuid(54321))
			_exit(1);
		int made = 0, last = 0;
		for (int i = 0; i < 200; i++) {
			if (inotify_init() < 0) {
				last = errno;
				break;
			}
			made++;
		}
		printf("instances for a new user: %d, then %s\n", made, fs_errname(last));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	fs_begin();
	test_init();
	test_errors();
	test_dir_events();
	test_self_events();
	test_moved_open_file();
	test_flags();
	test_read_rules();
	test_blocking();
	test_overflow();
	test_proc();
	return fs_end();
}
