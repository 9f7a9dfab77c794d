/* fs_dir: mkdir/mkdirat/rmdir, getdents64 listings with d_type, rename/renameat2 (NOREPLACE,
 * EXCHANGE) and its errno cases, getcwd/chdir/fchdir (also after the cwd or a directory above
 * it was renamed, and out of a removed one). */
#include "fs.h"
#include <dirent.h>

#define NOREPLACE 1U	/* RENAME_NOREPLACE, RENAME_EXCHANGE (musl 1.2.3 has no names) */
#define EXCHANGE 2U

struct dent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static const char *dtype(unsigned t)
{
	switch (t) {
	case DT_REG: return "reg";
	case DT_DIR: return "dir";
	case DT_LNK: return "lnk";
	case DT_FIFO: return "fifo";
	case DT_UNKNOWN: return "unknown";
	default: return "?";
	}
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list: the entries of directory PATH read by getdents64 with a BUFSIZE buffer, sorted, one line
 * each as "  NAME TYPE", then whether it took more than one call. */
static void list(const char *what, const char *path, size_t bufsize)
{
	static char lines[64][300];
	char *sorted[64];
	char buf[4096] __attribute__((aligned(8)));
	int fd = open(path, O_RDONLY | O_DIRECTORY), n = 0, calls = 0;
	long r;

	if (fd < 0) {
		printf("%s: open -1 %s\n", what, fs_errname(errno));
		return;
	}
	while ((r = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
		calls++;
		for (long off = 0; off < r && n < 64;) {
			struct dent64 *d = (struct dent64 *)(buf + off);
			snprintf(lines[n], sizeof lines[n], "%s %s", d->d_name, dtype(d->d_type));
			sorted[n] = lines[n];
			n++;
			off += d->d_reclen;
		}
	}
	printf("%s: %d entries, end %ld%s\n", what, n, r, r < 0 ? fs_errname(errno) : "");
	qsort(sorted, n, sizeof sorted[0], cmp);
	for (int i = 0; i < n; i++)
		printf("  %s\n", sorted[i]);
	if (bufsize < 200)
		fact("  took several calls", calls > 1);
	close(fd);
}

static void dirs(void)
{
	char buf[64];
	int dfd, fd;

	CHECK("mkdir d", mkdir("d", 0755));
	fs_show_mode("  mode", "d");
	CHECK("mkdir d again", mkdir("d", 0755));
	CHECK("mkdir missing/x", mkdir("missing/x", 0755));
	fs_puts("f", "file");
	CHECK("mkdir over a file", mkdir("f", 0755));
	CHECK("mkdir f/x", mkdir("f/x", 0755));
	CHECK("mkdir trailing slash", mkdir("t/", 0700));
	fs_show_mode("  mode", "t");
	CHECK("symlink dang -> nowhere", symlink("nowhere", "dang"));
	CHECK("mkdir on a dangling symlink", mkdir("dang", 0755));
	CHECK("mkdir empty path", mkdir("", 0755));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK("mkdirat dirfd sub", mkdirat(dfd, "sub", 0700));
	fs_show_mode("  d/sub mode", "d/sub");
	fd = open("f", O_RDONLY);
	CHECK("mkdirat file fd", mkdirat(fd, "x", 0755));
	close(fd);
	CHECK("mkdirat bad fd", mkdirat(99, "x", 0755));

	CHECK("rmdir non-empty", rmdir("d"));
	CHECK("rmdir missing", rmdir("missing"));
	CHECK("rmdir .", rmdir("."));
	CHECK("rmdir d/.", rmdir("d/."));
	CHECK("rmdir d/sub/..", rmdir("d/sub/.."));
	CHECK("rmdir a file", rmdir("f"));
	CHECK("rmdir a symlink", rmdir("dang"));
	CHECK("unlink a dir", unlink("d"));
	CHECK("unlinkat AT_REMOVEDIR on a file", unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));
	CHECK("unlinkat bad flags", unlinkat(AT_FDCWD, "f", 0x1));
	CHECK("rmdir trailing slash", rmdir("t/"));
	CHECK("unlinkat dirfd sub AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
	fact("  d/sub gone", !fs_exists("d/sub"));
	close(dfd);

	CHECK("mkdir ls", mkdir("ls", 0755));
	CHECK("mkdir ls/a_dir", mkdir("ls/a_dir", 0755));
	fs_puts("ls/b_file", "b");
	CHECK("symlink ls/c_link", symlink("b_file", "ls/c_link"));
	CHECK("mkfifo ls/d_fifo", mkfifo("ls/d_fifo", 0644));
	for (int i = 0; i < 12; i++) {
		snprintf(buf, sizeof buf, "ls/longer_name_number_%02d", i);
		fs_puts(buf, "");
	}
	list("getdents64 ls", "ls", 4096);
	list("getdents64 ls, 64-byte buffer", "ls", 64);
	fd = open("ls", O_RDONLY | O_DIRECTORY);
	CHECK("getdents64 16-byte buffer", syscall(SYS_getdents64, fd, buf, 16));
	close(fd);
	fd = open("f", O_RDONLY);
	CHECK("getdents64 on a file", syscall(SYS_getdents64, fd, buf, sizeof buf));
	close(fd);
	CHECK("getdents64 bad fd", syscall(SYS_getdents64, 99, buf, sizeof buf));

	{
		DIR *dir = opendir("ls");
		int n = 0, m = 0;
		struct dirent *de;

		fact("opendir ls", dir != NULL);
		while (dir && (de = readdir(dir)))
			n++;
		printf("  readdir: %d entries\n", n);
		CHECK("  unlink ls/b_file", unlink("ls/b_file"));
		rewinddir(dir);
		while (dir && (de = readdir(dir)))
			m += strcmp(de->d_name, "b_file") != 0;
		printf("  after rewinddir: %d entries other than b_file\n", m);
		closedir(dir);
	}
	list("getdents64 empty dir", "ls/a_dir", 4096);
	for (int i = 0; i < 12; i++) {
		snprintf(buf, sizeof buf, "ls/longer_name_number_%02d", i);
		if (unlink(buf) != 0)
			printf("unlink %s: -1 %s\n", buf, fs_errname(errno));
	}
	CHECK("unlink ls/c_link", unlink("ls/c_link"));
	CHECK("unlink ls/d_fifo", unlink("ls/d_fifo"));
	CHECK("rmdir ls/a_dir", rmdir("ls/a_dir"));
	CHECK("rmdir ls", rmdir("ls"));
}

static long rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void renames(void)
{
	struct stat st;
	int dfd;

	fs_puts("r1", "one");
	fs_puts("r2", "two");
	CHECK("rename file over file", rename("r1", "r2"));
	fact("  old name gone", !fs_exists("r1"));
	fact("  new name has the content", fs_is("r2", "one"));
	CHECK("rename to itself", rename("r2", "r2"));
	CHECK("rename missing", rename("r1", "r3"));
	CHECK("rename into missing dir", rename("r2", "nodir/r2"));
	CHECK("mkdir da", mkdir("da", 0755));
	CHECK("mkdir db", mkdir("db", 0755));
	fs_puts("da/inside", "x");
	CHECK("rename dir over empty dir", rename("da", "db"));
	fact("  da gone, db/inside there", !fs_exists("da") && fs_is("db/inside", "x"));
	CHECK("mkdir dc", mkdir("dc", 0755));
	CHECK("rename empty dir over non-empty dir", rename("dc", "db"));
	CHECK("rename file over dir", rename("r2", "dc"));
	CHECK("rename dir over file", rename("dc", "r2"));
	CHECK("mkdir db/sub", mkdir("db/sub", 0755));
	CHECK("rename dir into its own subdir", rename("db", "db/sub/x"));
	CHECK("rename dir onto its own subdir", rename("db", "db/sub"));
	CHECK("rename .", rename(".", "x"));
	CHECK("rename dir to name/ with slash", rename("dc", "dd/"));
	CHECK("rename file to name/ with slash", rename("r2", "r4/"));
	CHECK("rename dd/ back to dc", rename("dd/", "dc"));
	CHECK("rename dc into db (nlink moves)", rename("dc", "db/dc"));
	stat("db", &st);
	printf("  db nlink: %lu\n", (unsigned long)st.st_nlink);
	CHECK("rename db/dc back", rename("db/dc", "dc"));
	stat("db", &st);
	printf("  db nlink: %lu\n", (unsigned long)st.st_nlink);

	CHECK("link r2 h", link("r2", "h"));
	CHECK("rename between hard links of one inode", rename("r2", "h"));
	fact("  both names still there", fs_exists("r2") && fs_exists("h"));
	CHECK("unlink h", unlink("h"));

	dfd = open("db", O_RDONLY | O_DIRECTORY);
	CHECK("renameat dirfd -> AT_FDCWD", renameat(dfd, "inside", AT_FDCWD, "moved"));
	fact("  moved here", fs_is("moved", "x"));
	CHECK("renameat AT_FDCWD -> dirfd", renameat(AT_FDCWD, "moved", dfd, "inside"));
	close(dfd);

	fs_puts("x1", "1");
	fs_puts("x2", "2");
	CHECK("renameat2 NOREPLACE onto existing", rename2("x1", "x2", NOREPLACE));
	CHECK("renameat2 NOREPLACE to new name", rename2("x1", "x3", NOREPLACE));
	fact("  x3 has 1, x1 gone", fs_is("x3", "1") && !fs_exists("x1"));
	CHECK("renameat2 EXCHANGE files", rename2("x2", "x3", EXCHANGE));
	fact("  swapped", fs_is("x2", "1") && fs_is("x3", "2"));
	CHECK("renameat2 EXCHANGE file and dir", rename2("x2", "dc", EXCHANGE));
	fact("  x2 is a dir, dc the file", stat("x2", &st) == 0 && S_ISDIR(st.st_mode) && fs_is("dc", "1"));
	CHECK("renameat2 EXCHANGE back", rename2("x2", "dc", EXCHANGE));
	CHECK("renameat2 EXCHANGE with missing", rename2("x2", "x9", EXCHANGE));
	CHECK("renameat2 NOREPLACE|EXCHANGE", rename2("x2", "x3", NOREPLACE | EXCHANGE));
	CHECK("renameat2 bad flags", rename2("x2", "x3", 0x100));
	CHECK("renameat2 flags 0", rename2("x3", "x2", 0));
	fact("  x2 has 2", fs_is("x2", "2"));

	CHECK("unlink x2", unlink("x2"));
	CHECK("unlink r2", unlink("r2"));
	CHECK("unlink db/inside", unlink("db/inside"));
	CHECK("rmdir db/sub", rmdir("db/sub"));
	CHECK("rmdir db", rmdir("db"));
	CHECK("rmdir dc", rmdir("dc"));
}

static void cwd(void)
{
	char small[2];
	int top, sub, fd;

	CHECK("mkdir d/a", mkdir("d/a", 0755));
	CHECK("mkdir d/a/b", mkdir("d/a/b", 0755));
	top = open(".", O_RDONLY | O_DIRECTORY);
	fs_show_cwd("getcwd");
	CHECK("chdir d", chdir("d"));
	fs_show_cwd("  getcwd");
	CHECK("chdir a/b", chdir("a/b"));
	fs_show_cwd("  getcwd");
	CHECK("chdir ..", chdir(".."));
	fs_show_cwd("  getcwd");
	CHECK("chdir ./b/../../a/.", chdir("./b/../../a/."));
	fs_show_cwd("  getcwd");
	sub = open("b", O_RDONLY | O_DIRECTORY);
	CHECK("fchdir top", fchdir(top));
	fs_show_cwd("  getcwd");
	CHECK("fchdir d/a/b", fchdir(sub));
	fs_show_cwd("  getcwd");
	CHECK("rename d/a (above the cwd) to d/moved", rename("../../a", "../../moved"));
	fs_show_cwd("  getcwd");
	CHECK("chdir ..", chdir(".."));
	fs_show_cwd("  getcwd");
	CHECK("rename d/moved (the cwd) back to d/a", rename("../moved", "../a"));
	fs_show_cwd("  getcwd");
	CHECK("fchdir d/a/b", fchdir(sub));
	CHECK("getcwd 2-byte buffer", getcwd(small, sizeof small) ? 0 : -1);
	CHECK("chdir missing", chdir("missing"));
	fs_show_cwd("  getcwd unchanged");
	CHECK("fchdir top", fchdir(top));
	CHECK("chdir a file", chdir("f"));
	fd = open("f", O_RDONLY);
	CHECK("fchdir a file", fchdir(fd));
	close(fd);
	CHECK("fchdir bad fd", fchdir(99));
	CHECK("chdir empty path", chdir(""));

	CHECK("mkdir gone", mkdir("gone", 0755));
	CHECK("chdir gone", chdir("gone"));
	CHECK("rmdir ../gone (the cwd)", rmdir("../gone"));
	fs_show_cwd("  getcwd in removed dir");
	CHECK_FD("  create in removed dir", open("x", O_WRONLY | O_CREAT, 0644));
	CHECK("  chdir .. out of it", chdir(".."));
	fs_show_cwd("  getcwd");
	CHECK("  fchdir top", fchdir(top));
	fs_show_cwd("  getcwd");
	close(top);
	close(sub);
	CHECK("rmdir d/a/b", rmdir("d/a/b"));
	CHECK("rmdir d/a", rmdir("d/a"));
}

int main(void)
{
	fs_begin();
	dirs();
	renames();
	cwd();
	CHECK("rmdir d", rmdir("d"));
	CHECK("unlink dang", unlink("dang"));
	CHECK("unlink f", unlink("f"));
	return fs_end();
}
