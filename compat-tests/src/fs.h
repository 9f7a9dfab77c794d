/* fs.h: helpers shared by the fs_* compat programs. Each program works in a fresh directory made by
 * fs_begin() (mkdtemp under /tmp, then chdir into it), uses only relative paths, prints only
 * deterministic facts (never inode or device numbers, timestamps it did not set, the work
 * directory's name, or ids), removes what it made and ends with fs_end(), which removes the work
 * directory. A failed setup step prints what failed and exits 1. */
#ifndef FS_H
#define FS_H

#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* fs_errname: errname() plus the errno values file-system calls return. */
static inline const char *fs_errname(int e)
{
	switch (e) {
	case ENXIO: return "ENXIO";
	case EBUSY: return "EBUSY";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case EISDIR: return "EISDIR";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case ENODATA: return "ENODATA";
	case EBADFD: return "EBADFD";
	default: return errname(e);
	}
}

/* fs_result: "WHAT: RET" on success, "WHAT: -1 ENAME" on failure. */
static inline void fs_result(const char *what, long ret, int err)
{
	if (ret == -1)
		printf("%s: -1 %s\n", what, fs_errname(err));
	else
		printf("%s: %ld\n", what, ret);
}

/* CHECK: runs call and prints its outcome through fs_result() with the errno it left. */
#define CHECK(what, call)                               \
	do {                                            \
		long check_ret_ = (long)(call);         \
		fs_result((what), check_ret_, errno);   \
	} while (0)

/* CHECK_FD: for calls that return a new descriptor, whose number is not printed: "WHAT: fd" or
 * "WHAT: -1 ENAME". Evaluates to the descriptor (or -1). */
#define CHECK_FD(what, call)                                           \
	({                                                             \
		long check_fd_ = (long)(call);                         \
		int check_err_ = errno;                                \
		if (check_fd_ < 0)                                     \
			printf("%s: -1 %s\n", (what), fs_errname(check_err_)); \
		else                                                   \
			printf("%s: fd\n", (what));                    \
		errno = check_err_;                                    \
		(int)check_fd_;                                        \
	})

static char fs_dir[32];		/* the work directory, as mkdtemp() named it */
static char fs_cwd[4096];	/* getcwd() inside it (the name of the work directory, resolved) */

/* fs_die: a setup step failed (errno says why): report it, leave the work directory, exit 1. */
static inline void fs_die(const char *what)
{
	printf("setup failed: %s: %s\n", what, fs_errname(errno));
	exit(1);
}

/* fs_begin: umask 022, a fresh work directory, chdir into it. */
static inline void fs_begin(void)
{
	umask(022);
	strcpy(fs_dir, "/tmp/compat-XXXXXX");
	if (!mkdtemp(fs_dir))
		fs_die("mkdtemp /tmp/compat-XXXXXX");
	if (chdir(fs_dir) != 0)
		fs_die("chdir work dir");
	if (!getcwd(fs_cwd, sizeof fs_cwd))
		fs_die("getcwd in work dir");
}

/* fs_end: leaves and removes the work directory (it must be empty by now), printing both. */
static inline int fs_end(void)
{
	CHECK("leave work dir", chdir("/"));
	CHECK("rmdir work dir", rmdir(fs_dir));
	return 0;
}

/* fs_put: creates or truncates NAME (mode 0644 before umask) holding LEN bytes of DATA. */
static inline void fs_put(const char *name, const void *data, size_t len)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		fs_die(name);
	if (write(fd, data, len) != (ssize_t)len)
		fs_die(name);
	close(fd);
}

/* fs_puts: fs_put of a string (without its NUL). */
static inline void fs_puts(const char *name, const char *s)
{
	fs_put(name, s, strlen(s));
}

/* fs_get: reads NAME into buf (at most size-1 bytes, NUL-terminated); the length, or -1. */
static inline long fs_get(const char *name, char *buf, size_t size)
{
	int fd = open(name, O_RDONLY);
	long n;

	buf[0] = 0;
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* fs_is: 1 if NAME exists and holds exactly the string S. */
static inline int fs_is(const char *name, const char *s)
{
	char buf[256];

	return fs_get(name, buf, sizeof buf) >= 0 && strcmp(buf, s) == 0;
}

/* fs_exists: 1 if lstat(NAME) succeeds. */
static inline int fs_exists(const char *name)
{
	struct stat st;

	return lstat(name, &st) == 0;
}

/* fs_type: a short name for the file type in MODE. */
static inline const char *fs_type(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFIFO: return "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFSOCK: return "sock";
	default: return "?";
	}
}

/* fs_show_mode: prints "WHAT: TYPE 0PERM" from lstat(PATH) (or the errno). */
static inline void fs_show_mode(const char *what, const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		printf("%s: -1 %s\n", what, fs_errname(errno));
	else
		printf("%s: %s 0%03o\n", what, fs_type(st.st_mode), (unsigned)(st.st_mode & 07777));
}

/* fs_same: 1 if A and B (followed) are the same inode. */
static inline int fs_same(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* fs_show_cwd: prints getcwd() relative to the work directory ("<work>/a/b"), or the errno. */
static inline void fs_show_cwd(const char *what)
{
	char buf[4096];
	size_t n = strlen(fs_cwd);

	if (!getcwd(buf, sizeof buf))
		printf("%s: -1 %s\n", what, fs_errname(errno));
	else if (strncmp(buf, fs_cwd, n) == 0 && (buf[n] == 0 || buf[n] == '/'))
		printf("%s: <work>%s\n", what, buf + n);
	else
		printf("%s: outside the work dir\n", what);
}

#endif
