/* fs_link: link/linkat, symlink/symlinkat, readlink/readlinkat (truncation, EINVAL), relative and
 * absolute targets, dangling links, links to directories in path walks, ELOOP limits. */
#include "fs.h"

static void show_readlink(const char *what, long n, int err, const char *buf)
{
	if (n < 0)
		printf("%s: -1 %s\n", what, fs_errname(err));
	else
		printf("%s: %ld '%.*s'\n", what, n, (int)n, buf);
}

static void hard(void)
{
	struct stat st;

	fs_puts("t", "target data");
	CHECK("link t h", link("t", "h"));
	fact("  same inode", fs_same("t", "h"));
	CHECK("  stat h", stat("h", &st));
	printf("  nlink %lu\n", (unsigned long)st.st_nlink);
	fs_puts("h", "via h");
	fact("  write via h seen via t", fs_is("t", "via h"));
	CHECK("link onto existing", link("t", "h"));
	CHECK("link missing", link("missing", "h2"));
	CHECK("link into missing dir", link("t", "nodir/h2"));
	CHECK("mkdir dir", mkdir("dir", 0755));
	CHECK("link a directory", link("dir", "dirlink"));
	CHECK("link with trailing slash", link("t/", "h3"));
	CHECK("symlink s -> t", symlink("t", "s"));
	CHECK("linkat symlink without FOLLOW", linkat(AT_FDCWD, "s", AT_FDCWD, "hs", 0));
	fact("  new name is a symlink", lstat("hs", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK("linkat symlink AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "s", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
	fact("  new name is t's inode", lstat("hf", &st) == 0 && S_ISREG(st.st_mode) && fs_same("hf", "t"));
	CHECK("linkat bad flags", linkat(AT_FDCWD, "t", AT_FDCWD, "hx", 0x1));
	{
		int dfd = open("dir", O_RDONLY | O_DIRECTORY);
		CHECK("linkat into dirfd", linkat(AT_FDCWD, "t", dfd, "in", 0));
		fact("  dir/in is t", fs_same("dir/in", "t"));
		CHECK("unlinkat dirfd in", unlinkat(dfd, "in", 0));
		close(dfd);
	}
	CHECK("unlink hf", unlink("hf"));
	CHECK("unlink hs", unlink("hs"));
	CHECK("unlink t", unlink("t"));
	fact("  h keeps the data", fs_is("h", "via h"));
	CHECK("  stat h", stat("h", &st));
	printf("  nlink %lu\n", (unsigned long)st.st_nlink);
	CHECK("stat s (target gone)", stat("s", &st));
}

static void soft(void)
{
	char buf[4200], abs[4200];
	struct stat st;
	long n;
	int fd, dfd;

	fs_puts("t", "target data");
	CHECK("symlink existing name", symlink("t", "s"));
	CHECK("symlink empty target", symlink("", "e"));
	CHECK("symlink in missing dir", symlink("t", "nodir/s"));
	n = readlink("s", buf, sizeof buf);
	show_readlink("readlink s", n, errno, buf);
	fact("  s reads t's data", fs_is("s", "target data"));
	CHECK("symlink long -> abcdefghij", symlink("abcdefghij", "long"));
	memset(buf, '#', 16);
	n = readlink("long", buf, 4);
	show_readlink("readlink 4-byte buffer", n, errno, buf);
	fact("  no NUL written", buf[4] == '#');
	n = syscall(SYS_readlink, "long", buf, 0);	/* raw: musl returns 0 for a 0-byte buffer */
	show_readlink("readlink 0-byte buffer", n, errno, buf);
	n = readlink("t", buf, sizeof buf);
	show_readlink("readlink a file", n, errno, buf);
	n = readlink(".", buf, sizeof buf);
	show_readlink("readlink a dir", n, errno, buf);
	n = readlink("missing", buf, sizeof buf);
	show_readlink("readlink missing", n, errno, buf);
	n = readlink("s/", buf, sizeof buf);
	show_readlink("readlink s/", n, errno, buf);

	snprintf(abs, sizeof abs, "%s/t", fs_cwd);
	CHECK("symlink abs -> <work>/t", symlink(abs, "abs"));
	n = readlink("abs", buf, sizeof buf);
	fact("  readlink gives the absolute target", n == (long)strlen(abs) && memcmp(buf, abs, n) == 0);
	fact("  abs reads t's data", fs_is("abs", "target data"));
	CHECK("  lstat abs", lstat("abs", &st));
	fact("  st_size is the target length", st.st_size == (off_t)strlen(abs));

	CHECK("mkdir sub", mkdir("sub", 0755));
	dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK("symlinkat dirfd up -> ../t", symlinkat("../t", dfd, "up"));
	fact("  sub/up reads t's data", fs_is("sub/up", "target data"));
	n = readlinkat(dfd, "up", buf, sizeof buf);
	show_readlink("readlinkat dirfd up", n, errno, buf);
	fd = open("sub/up", O_PATH | O_NOFOLLOW);
	n = readlinkat(fd, "", buf, sizeof buf);
	show_readlink("readlinkat O_PATH fd, empty path", n, errno, buf);
	close(fd);
	n = readlinkat(99, "up", buf, sizeof buf);
	show_readlink("readlinkat bad fd", n, errno, buf);
	close(dfd);

	CHECK("symlink dang -> nowhere", symlink("nowhere", "dang"));
	CHECK("stat dangling", stat("dang", &st));
	CHECK("lstat dangling", lstat("dang", &st));
	fact("  is a symlink", S_ISLNK(st.st_mode));
	CHECK_FD("open dangling", open("dang", O_RDONLY));
	CHECK("access dangling", access("dang", F_OK));
	/* raw: libcs emulate flags when faccessat2 is missing, each its own way */
	CHECK("faccessat2 dangling AT_SYMLINK_NOFOLLOW",
	      syscall(SYS_faccessat2, AT_FDCWD, "dang", F_OK, AT_SYMLINK_NOFOLLOW));

	CHECK("symlink sd -> sub", symlink("sub", "sd"));
	fact("sd/up reads t's data", fs_is("sd/up", "target data"));
	fact("stat sd is a dir", stat("sd", &st) == 0 && S_ISDIR(st.st_mode));
	fact("lstat sd is a symlink", lstat("sd", &st) == 0 && S_ISLNK(st.st_mode));
	fact("lstat sd/ is the dir", lstat("sd/", &st) == 0 && S_ISDIR(st.st_mode));
	fact("sd/up and sub/up same inode", fs_same("sd/up", "sub/up"));
	CHECK("chdir sd", chdir("sd"));
	fs_show_cwd("  getcwd");
	CHECK("  chdir ..", chdir(".."));
	fs_show_cwd("  getcwd");
	CHECK("rmdir sd (a symlink to a dir)", rmdir("sd"));
	CHECK("unlink sd/ (trailing slash)", unlink("sd/"));
	CHECK_FD("open O_NOFOLLOW|O_DIRECTORY sd", open("sd", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));

	CHECK("unlink s", unlink("s"));
	fact("  target kept", fs_is("t", "target data"));
	CHECK("unlink dangling", unlink("dang"));
	CHECK("unlink abs", unlink("abs"));
	CHECK("unlink long", unlink("long"));
	CHECK("unlink sd", unlink("sd"));
	fact("  sub kept", stat("sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK("unlink sub/up", unlink("sub/up"));
	CHECK("rmdir sub", rmdir("sub"));
}

/* chain: links c1 -> t, c2 -> c1, ..., cN -> c(N-1); -1 and errno if any symlink failed. */
static int chain(int n)
{
	char name[16], target[16];

	for (int i = 1; i <= n; i++) {
		snprintf(name, sizeof name, "c%d", i);
		if (i == 1)
			strcpy(target, "t");
		else
			snprintf(target, sizeof target, "c%d", i - 1);
		if (symlink(target, name) != 0)
			return -1;
	}
	return 0;
}

static void loops(void)
{
	char name[16];
	int bad = 0;

	CHECK("symlink chain of 41", chain(41));
	fact("open through 40 links", fs_is("c40", "target data"));
	CHECK_FD("open through 41 links", open("c41", O_RDONLY));
	CHECK("symlink self -> self", symlink("self", "self"));
	CHECK_FD("open self loop", open("self", O_RDONLY));
	CHECK("stat self/x", stat("self/x", &(struct stat){ 0 }));
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof name, "c%d", i);
		bad += unlink(name) != 0;
	}
	fact("unlink the 41 chain links", bad == 0);
	CHECK("unlink self", unlink("self"));
}

int main(void)
{
	fs_begin();
	hard();
	soft();
	loops();
	CHECK("unlink t", unlink("t"));
	CHECK("unlink h", unlink("h"));
	CHECK("rmdir dir", rmdir("dir"));
	return fs_end();
}
