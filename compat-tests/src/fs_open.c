/* fs_open: open/openat/creat: creation flags, umask, O_DIRECTORY/O_NOFOLLOW/O_CLOEXEC/O_PATH, and
 * the errno cases (ENOENT, EEXIST, EISDIR, ENOTDIR, ELOOP, ENAMETOOLONG, EBADF, EINVAL, EMFILE). */
#include "fs.h"
#include <sys/resource.h>

static void creation(void)
{
	char buf[64];
	int fd;

	fd = CHECK_FD("open O_CREAT|O_EXCL new", open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	CHECK("  write", write(fd, "hello", 5));
	close(fd);
	fs_show_mode("  mode", "f");
	CHECK_FD("open O_CREAT|O_EXCL existing", open("f", O_WRONLY | O_CREAT | O_EXCL, 0600));
	fd = CHECK_FD("open O_CREAT existing", open("f", O_RDONLY | O_CREAT, 0600));
	close(fd);
	fs_show_mode("  mode unchanged", "f");
	fact("  content kept", fs_is("f", "hello"));
	CHECK_FD("open missing", open("missing", O_RDONLY));
	CHECK_FD("open O_CREAT in missing dir", open("nodir/x", O_WRONLY | O_CREAT, 0644));
	CHECK_FD("open empty path", open("", O_RDONLY));

	fd = CHECK_FD("open O_TRUNC", open("f", O_WRONLY | O_TRUNC));
	close(fd);
	fact("  truncated to empty", fs_get("f", buf, sizeof buf) == 0);

	fs_puts("f", "abc");
	fd = CHECK_FD("open O_APPEND", open("f", O_WRONLY | O_APPEND));
	CHECK("  lseek 0", lseek(fd, 0, SEEK_SET));
	CHECK("  write", write(fd, "de", 2));
	CHECK("  offset after write", lseek(fd, 0, SEEK_CUR));
	close(fd);
	fact("  appended at end", fs_is("f", "abcde"));

	fs_puts("c", "old content");
	fd = CHECK_FD("creat existing", creat("c", 0600));
	fact("  truncated", fs_get("c", buf, sizeof buf) == 0);
	CHECK("  read on creat fd", read(fd, buf, 1));
	CHECK("  F_GETFL access mode", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	fs_show_mode("  mode of existing kept", "c");
	fd = CHECK_FD("creat new", creat("c2", 0640));
	close(fd);
	fs_show_mode("  mode", "c2");

	fd = CHECK_FD("open O_RDWR", open("f", O_RDWR));
	CHECK("  F_GETFL access mode", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	fd = CHECK_FD("open O_RDONLY|O_TRUNC", open("f", O_RDONLY | O_TRUNC));
	close(fd);
	fact("  truncated anyway", fs_get("f", buf, sizeof buf) == 0);
}

static void umasks(void)
{
	int fd;

	umask(027);
	fd = CHECK_FD("umask 027, open O_CREAT 0777", open("u1", O_WRONLY | O_CREAT, 0777));
	close(fd);
	fs_show_mode("  mode", "u1");
	umask(0);
	fd = CHECK_FD("umask 0, open O_CREAT 0777", open("u2", O_WRONLY | O_CREAT, 0777));
	close(fd);
	fs_show_mode("  mode", "u2");
	umask(077);
	CHECK("umask 077, mkdir 0777", mkdir("ud", 0777));
	fs_show_mode("  mode", "ud");
	umask(022);
	fd = CHECK_FD("umask 022, open O_CREAT 0666", open("u3", O_WRONLY | O_CREAT, 0666));
	close(fd);
	fs_show_mode("  mode", "u3");
}

static void flags(void)
{
	struct stat st;
	char c;
	int fd, dfd;

	CHECK("mkdir d", mkdir("d", 0755));
	CHECK("symlink lf -> f", symlink("f", "lf"));
	CHECK("symlink loop1 -> loop2", symlink("loop2", "loop1"));
	CHECK("symlink loop2 -> loop1", symlink("loop1", "loop2"));
	CHECK("symlink dang -> made", symlink("made", "dang"));

	fd = CHECK_FD("open O_DIRECTORY dir", open("d", O_RDONLY | O_DIRECTORY));
	close(fd);
	CHECK_FD("open O_DIRECTORY file", open("f", O_RDONLY | O_DIRECTORY));
	CHECK_FD("open dir O_WRONLY", open("d", O_WRONLY));
	CHECK_FD("open dir O_RDWR", open("d", O_RDWR));
	CHECK_FD("open file/x", open("f/x", O_RDONLY));
	CHECK_FD("open file/", open("f/", O_RDONLY));
	CHECK_FD("open O_CREAT file/x", open("f/x", O_WRONLY | O_CREAT, 0644));
	CHECK_FD("open O_CREAT|O_DIRECTORY", open("nd", O_RDONLY | O_CREAT | O_DIRECTORY, 0755));
	fact("  nothing created", !fs_exists("nd"));

	fd = CHECK_FD("open symlink to file", open("lf", O_RDONLY));
	close(fd);
	CHECK_FD("open O_NOFOLLOW symlink", open("lf", O_RDONLY | O_NOFOLLOW));
	CHECK_FD("open symlink loop", open("loop1", O_RDONLY));
	CHECK_FD("open O_CREAT|O_EXCL on dangling symlink", open("dang", O_WRONLY | O_CREAT | O_EXCL, 0644));
	fd = CHECK_FD("open O_CREAT on dangling symlink", open("dang", O_WRONLY | O_CREAT, 0644));
	close(fd);
	fact("  target created", fs_exists("made"));

	fd = CHECK_FD("open O_CLOEXEC", open("f", O_RDONLY | O_CLOEXEC));
	CHECK("  F_GETFD", fcntl(fd, F_GETFD));
	close(fd);
	fd = CHECK_FD("open without O_CLOEXEC", open("f", O_RDONLY));
	CHECK("  F_GETFD", fcntl(fd, F_GETFD));
	close(fd);

	fd = CHECK_FD("open O_PATH file", open("f", O_PATH));
	CHECK("  read", read(fd, &c, 1));
	CHECK("  write", write(fd, "x", 1));
	CHECK("  fstat", fstat(fd, &st));
	fact("  fstat says regular", S_ISREG(st.st_mode));
	CHECK("  close", close(fd));
	fd = CHECK_FD("open O_PATH|O_NOFOLLOW symlink", open("lf", O_PATH | O_NOFOLLOW));
	fact("  fstat says symlink", fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));
	close(fd);

	dfd = CHECK_FD("open O_PATH dir", open("d", O_PATH | O_DIRECTORY));
	fd = CHECK_FD("  openat O_CREAT inner", openat(dfd, "inner", O_WRONLY | O_CREAT, 0644));
	close(fd);
	fact("  d/inner exists", fs_exists("d/inner"));
	close(dfd);
	dfd = CHECK_FD("open dir", open("d", O_RDONLY | O_DIRECTORY));
	fd = CHECK_FD("  openat inner", openat(dfd, "inner", O_RDONLY));
	close(fd);
	fd = CHECK_FD("  openat ../f", openat(dfd, "../f", O_RDONLY));
	close(fd);
	CHECK_FD("  openat missing", openat(dfd, "nope", O_RDONLY));
	close(dfd);
	fd = open("f", O_RDONLY);
	CHECK_FD("openat relative to a file fd", openat(fd, "x", O_RDONLY));
	close(fd);
	CHECK_FD("openat bad dirfd 99", openat(99, "f", O_RDONLY));
	CHECK_FD("openat bad dirfd -5", openat(-5, "f", O_RDONLY));
	{
		char abs[4200];
		snprintf(abs, sizeof abs, "%s/f", fs_cwd);
		fd = CHECK_FD("openat bad dirfd, absolute path", openat(99, abs, O_RDONLY));
		close(fd);
	}
	fd = CHECK_FD("openat AT_FDCWD", openat(AT_FDCWD, "f", O_RDONLY));
	CHECK("close", close(fd));
	CHECK("close again", close(fd));
}

static void lengths(void)
{
	char name[300], path[4200];
	int fd;

	memset(name, 'n', 255);
	name[255] = 0;
	fd = CHECK_FD("open O_CREAT 255-char name", open(name, O_WRONLY | O_CREAT, 0644));
	close(fd);
	CHECK("  unlink", unlink(name));
	memset(name, 'n', 256);
	name[256] = 0;
	CHECK_FD("open 256-char name", open(name, O_RDONLY));
	CHECK_FD("open O_CREAT 256-char name", open(name, O_WRONLY | O_CREAT, 0644));
	for (int i = 0; i < 2100; i++)
		memcpy(path + 2 * i, "./", 2);
	strcpy(path + 4200 - 2, "f");	/* 4199 characters */
	CHECK_FD("open 4199-char path", open(path, O_RDONLY));
	strcpy(path + 4094, "f");	/* 4095 characters: fits PATH_MAX with its NUL */
	fd = CHECK_FD("open 4095-char path", open(path, O_RDONLY));
	close(fd);
	strcpy(path + 4094, "ff");	/* 4096 characters */
	CHECK_FD("open 4096-char path", open(path, O_RDONLY));
}

static void emfile(void)
{
	struct rlimit old, lim;
	int already = 0, opened = 0, fds[64], err = 0;

	if (getrlimit(RLIMIT_NOFILE, &old) != 0)
		fs_die("getrlimit");
	lim = old;
	lim.rlim_cur = 64;
	CHECK("setrlimit NOFILE 64", setrlimit(RLIMIT_NOFILE, &lim));
	for (int i = 0; i < 64; i++)
		already += fcntl(i, F_GETFD) >= 0;
	while (opened < 64) {
		int fd = open("f", O_RDONLY);
		if (fd < 0) {
			err = errno;
			break;
		}
		fds[opened++] = fd;
	}
	printf("open until failure: %s\n", fs_errname(err));
	fact("  failed at the 64th descriptor", already + opened == 64);
	CHECK("  dup at the limit", dup(0));
	CHECK("  fcntl F_DUPFD at the limit", fcntl(0, F_DUPFD, 0));
	CHECK("  dup2 to fd 64", dup2(0, 64));
	close(fds[--opened]);
	{
		int fd = CHECK_FD("  open after closing one", open("f", O_RDONLY));
		fact("  got the freed descriptor", fd == fds[opened]);
		close(fd);
	}
	while (opened > 0)
		close(fds[--opened]);
	CHECK("setrlimit restore", setrlimit(RLIMIT_NOFILE, &old));
}

int main(void)
{
	static const char *const files[] = {
		"f", "c", "c2", "u1", "u2", "u3", "lf", "loop1", "loop2", "dang", "made", "d/inner",
	};

	fs_begin();
	creation();
	umasks();
	flags();
	lengths();
	emfile();
	for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "unlink %s", files[i]);
		CHECK(what, unlink(files[i]));
	}
	CHECK("rmdir d", rmdir("d"));
	CHECK("rmdir ud", rmdir("ud"));
	return fs_end();
}
