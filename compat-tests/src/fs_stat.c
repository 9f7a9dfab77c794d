/* fs_stat: stat/lstat/fstat/newfstatat/statx, sizes of files and symlinks, link counts of files and
 * directories, st_blksize/st_blocks, truncate/ftruncate, utimensat/futimens (explicit, UTIME_NOW,
 * UTIME_OMIT) and the timestamp updates of write and truncate. */
#include "fs.h"
#include <sys/time.h>
#include <time.h>

/* struct statx as the kernel defines it (musl 1.2.3 has none; glibc's would clash by name). */
struct fs_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct fs_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct fs_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
#define X_TYPE 0x1U
#define X_MODE 0x2U
#define X_NLINK 0x4U
#define X_MTIME 0x40U
#define X_INO 0x100U
#define X_SIZE 0x200U
#define X_BASIC 0x7ffU
#define X_RESERVED 0x80000000U

static long sx(int dfd, const char *path, int flags, unsigned mask, struct fs_statx *x)
{
	memset(x, 0, sizeof *x);
	return syscall(SYS_statx, dfd, path, flags, mask, x);
}

static long nfsat(int dfd, const char *path, struct stat *st, int flags)
{
	return syscall(SYS_newfstatat, dfd, path, st, flags);
}

/* show: type, permissions, size (not for directories: it is the file system's business) and
 * link count. */
static void show(const char *what, const struct stat *st)
{
	printf("%s: %s 0%03o", what, fs_type(st->st_mode), (unsigned)(st->st_mode & 07777));
	if (!S_ISDIR(st->st_mode))
		printf(" size %lld", (long long)st->st_size);
	printf(" nlink %lu\n", (unsigned long)st->st_nlink);
}

static void stats(void)
{
	static char data[10000];
	struct stat st, st2;
	struct fs_statx x;
	int fd, dfd;

	memset(data, 'x', sizeof data);
	fs_put("f", data, sizeof data);
	CHECK("stat f", stat("f", &st));
	show("  f", &st);
	fact("  st_blksize > 0", st.st_blksize > 0);
	fact("  st_blocks > 0", st.st_blocks > 0);
	fact("  st_blocks * 512 >= size", st.st_blocks * 512 >= st.st_size);
	fd = open("f", O_RDONLY);
	CHECK("fstat f", fstat(fd, &st2));
	fact("  same inode and device as stat", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	CHECK("newfstatat fd AT_EMPTY_PATH", nfsat(fd, "", &st2, AT_EMPTY_PATH));
	fact("  same inode", st.st_ino == st2.st_ino);
	CHECK("newfstatat fd empty path without AT_EMPTY_PATH", nfsat(fd, "", &st2, 0));
	CHECK("newfstatat bad flags", nfsat(AT_FDCWD, "f", &st2, 0x1));
	CHECK("newfstatat file fd as dirfd", nfsat(fd, "x", &st2, 0));
	close(fd);

	CHECK("symlink l -> f", symlink("f", "l"));
	CHECK("symlink lt -> some/longer/target", symlink("some/longer/target", "lt"));
	CHECK("lstat l", lstat("l", &st2));
	show("  l", &st2);
	CHECK("stat l", stat("l", &st2));
	show("  l followed", &st2);
	fact("  same inode as f", st.st_ino == st2.st_ino);
	CHECK("lstat lt", lstat("lt", &st2));
	show("  lt", &st2);
	CHECK("stat lt (dangling)", stat("lt", &st2));
	CHECK("newfstatat l AT_SYMLINK_NOFOLLOW", nfsat(AT_FDCWD, "l", &st2, AT_SYMLINK_NOFOLLOW));
	show("  l", &st2);
	CHECK("newfstatat l", nfsat(AT_FDCWD, "l", &st2, 0));
	show("  l followed", &st2);

	CHECK("mkdir d", mkdir("d", 0755));
	CHECK("stat d", stat("d", &st2));
	show("  d", &st2);
	CHECK("mkdir d/s1", mkdir("d/s1", 0755));
	CHECK("mkdir d/s2", mkdir("d/s2", 0755));
	fs_puts("d/file", "");
	CHECK("stat d", stat("d", &st2));
	printf("  d nlink with 2 subdirs and a file: %lu\n", (unsigned long)st2.st_nlink);
	CHECK("stat d/s1", stat("d/s1", &st2));
	printf("  d/s1 nlink: %lu\n", (unsigned long)st2.st_nlink);
	CHECK("rmdir d/s1", rmdir("d/s1"));
	CHECK("stat d", stat("d", &st2));
	printf("  d nlink: %lu\n", (unsigned long)st2.st_nlink);
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK("newfstatat dirfd file", nfsat(dfd, "file", &st2, 0));
	show("  d/file", &st2);
	CHECK("newfstatat dirfd AT_EMPTY_PATH", nfsat(dfd, "", &st2, AT_EMPTY_PATH));
	show("  d", &st2);
	CHECK("statx dirfd s2", sx(dfd, "s2", 0, X_BASIC, &x));
	printf("  stx_mode %s 0%03o nlink %u\n", fs_type(x.stx_mode), x.stx_mode & 07777U, x.stx_nlink);
	close(dfd);

	CHECK("link f f2", link("f", "f2"));
	CHECK("stat f", stat("f", &st2));
	printf("  f nlink: %lu\n", (unsigned long)st2.st_nlink);
	CHECK("stat f2", stat("f2", &st2));
	printf("  f2 nlink: %lu\n", (unsigned long)st2.st_nlink);
	fact("  same inode", st.st_ino == st2.st_ino);
	CHECK("unlink f2", unlink("f2"));
	CHECK("stat f", stat("f", &st2));
	printf("  f nlink: %lu\n", (unsigned long)st2.st_nlink);

	CHECK("statx f", sx(AT_FDCWD, "f", 0, X_BASIC, &x));
	fact("  mask has type/mode/nlink/ino/size",
	     (x.stx_mask & (X_TYPE | X_MODE | X_NLINK | X_INO | X_SIZE)) == (X_TYPE | X_MODE | X_NLINK | X_INO | X_SIZE));
	printf("  stx_mode %s 0%03o size %llu nlink %u\n", fs_type(x.stx_mode), x.stx_mode & 07777U,
	       (unsigned long long)x.stx_size, x.stx_nlink);
	fact("  stx_ino = st_ino", x.stx_ino == (uint64_t)st.st_ino);
	fact("  stx_blksize > 0", x.stx_blksize > 0);
	CHECK("statx l AT_SYMLINK_NOFOLLOW", sx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, X_BASIC, &x));
	printf("  stx_mode %s 0%03o size %llu\n", fs_type(x.stx_mode), x.stx_mode & 07777U,
	       (unsigned long long)x.stx_size);
	CHECK("statx l", sx(AT_FDCWD, "l", 0, X_TYPE | X_SIZE, &x));
	printf("  %s size %llu, has type and size: %s\n", fs_type(x.stx_mode), (unsigned long long)x.stx_size,
	       (x.stx_mask & (X_TYPE | X_SIZE)) == (X_TYPE | X_SIZE) ? "yes" : "no");
	fd = open("f", O_RDONLY);
	CHECK("statx fd AT_EMPTY_PATH", sx(fd, "", AT_EMPTY_PATH, X_BASIC, &x));
	fact("  same inode", x.stx_ino == (uint64_t)st.st_ino);
	close(fd);
	CHECK("statx reserved mask bit", sx(AT_FDCWD, "f", 0, X_RESERVED, &x));
	CHECK("statx bad flags", sx(AT_FDCWD, "f", 0x1, X_BASIC, &x));
	CHECK("statx missing", sx(AT_FDCWD, "missing", 0, X_BASIC, &x));

	CHECK("stat missing", stat("missing", &st2));
	CHECK("stat f/x", stat("f/x", &st2));
	CHECK("stat empty path", stat("", &st2));
	CHECK("lstat missing/x", lstat("missing/x", &st2));
	CHECK("fstat bad fd", fstat(99, &st2));
}

static long size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void truncation(void)
{
	char buf[16];
	int fd;

	CHECK("truncate f grow to 20000", truncate("f", 20000));
	printf("  size %ld\n", size_of("f"));
	fd = open("f", O_RDWR);
	CHECK("  pread at 15000", pread(fd, buf, sizeof buf, 15000));
	fact("  grown part reads zeros", buf[0] == 0 && buf[15] == 0);
	CHECK("ftruncate shrink to 100", ftruncate(fd, 100));
	printf("  size %ld\n", size_of("f"));
	CHECK("  read past new end", pread(fd, buf, sizeof buf, 100));
	CHECK("ftruncate negative", ftruncate(fd, -1));
	close(fd);
	fd = open("f", O_RDONLY);
	CHECK("ftruncate O_RDONLY fd", ftruncate(fd, 0));
	close(fd);
	CHECK("truncate negative", truncate("f", -1));
	CHECK("truncate directory", truncate("d", 0));
	CHECK("truncate missing", truncate("missing", 0));
	CHECK("truncate via symlink to 50", truncate("l", 50));
	printf("  f size %ld\n", size_of("f"));
}

static void show_times(const char *what, const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		printf("%s: -1 %s\n", what, fs_errname(errno));
	else
		printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", what, (long long)st.st_atim.tv_sec,
		       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void times(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };
	struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	struct fs_statx x;
	struct stat st;
	time_t now = time(NULL);
	int fd;

	CHECK("utimensat explicit times", utimensat(AT_FDCWD, "f", ts, 0));
	show_times("  stat", "f");
	CHECK("statx f", sx(AT_FDCWD, "f", 0, X_BASIC, &x));
	printf("  stx_mtime %lld.%09u\n", (long long)x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec);
	CHECK("utimensat UTIME_OMIT atime, UTIME_NOW mtime", utimensat(AT_FDCWD, "f", omit_now, 0));
	stat("f", &st);
	fact("  atime kept", st.st_atim.tv_sec == ts[0].tv_sec && st.st_atim.tv_nsec == ts[0].tv_nsec);
	fact("  mtime is now (within 10 s)", st.st_mtim.tv_sec >= now - 10 && st.st_mtim.tv_sec <= now + 10);
	CHECK("utimensat NULL times", utimensat(AT_FDCWD, "f", NULL, 0));
	stat("f", &st);
	fact("  atime and mtime now", st.st_atim.tv_sec >= now - 10 && st.st_mtim.tv_sec >= now - 10);
	CHECK("utimensat tv_nsec 1e9", utimensat(AT_FDCWD, "f", bad, 0));
	CHECK("utimensat bad flags", utimensat(AT_FDCWD, "f", ts, 0x1));
	CHECK("utimensat missing", utimensat(AT_FDCWD, "missing", ts, 0));

	CHECK("utimensat symlink AT_SYMLINK_NOFOLLOW", utimensat(AT_FDCWD, "l", old, AT_SYMLINK_NOFOLLOW));
	show_times("  l", "l");
	fact("  target f untouched", stat("f", &st) == 0 && st.st_mtim.tv_sec != old[1].tv_sec);

	fd = open("f", O_RDWR);
	CHECK("futimens explicit", futimens(fd, old));
	show_times("  f", "f");
	CHECK("write", write(fd, "z", 1));
	fact("  mtime advanced by write", stat("f", &st) == 0 && st.st_mtim.tv_sec > old[1].tv_sec);
	CHECK("futimens explicit", futimens(fd, old));
	CHECK("ftruncate", ftruncate(fd, 10));
	fact("  mtime advanced by ftruncate", stat("f", &st) == 0 && st.st_mtim.tv_sec > old[1].tv_sec);
	CHECK("futimens explicit", futimens(fd, old));
	CHECK("truncate to same size", truncate("f", 10));
	fact("  mtime advanced by truncate", stat("f", &st) == 0 && st.st_mtim.tv_sec > old[1].tv_sec);
	CHECK("futimens explicit", futimens(fd, old));
	CHECK("ctime not set by utimensat", stat("f", &st));
	fact("  ctime is now", st.st_ctim.tv_sec >= now - 10);
	close(fd);
	CHECK("utimensat dir explicit", utimensat(AT_FDCWD, "d", ts, 0));
	fd = CHECK_FD("creat d/new", creat("d/new", 0644));
	close(fd);
	fact("  dir mtime advanced", stat("d", &st) == 0 && st.st_mtim.tv_sec > ts[1].tv_sec);
	CHECK("utimensat dir explicit", utimensat(AT_FDCWD, "d", ts, 0));
	CHECK("unlink d/new", unlink("d/new"));
	fact("  dir mtime advanced", stat("d", &st) == 0 && st.st_mtim.tv_sec > ts[1].tv_sec);
}

int main(void)
{
	fs_begin();
	stats();
	truncation();
	times();
	CHECK("unlink d/file", unlink("d/file"));
	CHECK("rmdir d/s2", rmdir("d/s2"));
	CHECK("rmdir d", rmdir("d"));
	CHECK("unlink l", unlink("l"));
	CHECK("unlink lt", unlink("lt"));
	CHECK("unlink f", unlink("f"));
	return fs_end();
}
