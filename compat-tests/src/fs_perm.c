/* fs_perm: chmod/fchmod/fchmodat(2), chown/fchown/lchown/fchownat to the caller's own ids,
 * access/faccessat (results as the native run sees them: as root, X_OK needs some x bit), umask.
 * Calls on O_PATH descriptors are raw: musl retries them through /proc/self/fd, glibc does not. */
#include "fs.h"

#define SYS_FCHMODAT2 452

static void modes(void)
{
	int fd;

	fs_puts("p", "perm");
	fs_show_mode("created 0644", "p");
	CHECK("chmod 0600", chmod("p", 0600));
	fs_show_mode("  mode", "p");
	fd = open("p", O_RDONLY);
	CHECK("fchmod 0755 (O_RDONLY fd)", fchmod(fd, 0755));
	fs_show_mode("  mode", "p");
	close(fd);
	CHECK("fchmodat 0640", fchmodat(AT_FDCWD, "p", 0640, 0));
	fs_show_mode("  mode", "p");
	CHECK("chmod 07777", chmod("p", 07777));
	fs_show_mode("  mode", "p");
	CHECK("chmod S_IFDIR|0644 (type bits ignored)", chmod("p", S_IFDIR | 0644));
	fs_show_mode("  mode", "p");
	CHECK("chmod 0", chmod("p", 0));
	fs_show_mode("  mode", "p");
	CHECK("chmod missing", chmod("missing", 0644));
	CHECK("chmod p/x", chmod("p/x", 0644));
	CHECK("fchmod bad fd", fchmod(99, 0644));
	fd = open("p", O_PATH);
	CHECK("fchmod O_PATH fd (raw)", syscall(SYS_fchmod, fd, 0644));
	close(fd);

	CHECK("symlink ps -> p", symlink("p", "ps"));
	CHECK("chmod via symlink 0604", chmod("ps", 0604));
	fs_show_mode("  p", "p");
	fs_show_mode("  ps", "ps");
	CHECK("fchmodat2 AT_SYMLINK_NOFOLLOW on file (raw)",
	      syscall(SYS_FCHMODAT2, AT_FDCWD, "p", 0640, AT_SYMLINK_NOFOLLOW));
	fs_show_mode("  p", "p");
	CHECK("fchmodat2 AT_SYMLINK_NOFOLLOW on symlink (raw)",
	      syscall(SYS_FCHMODAT2, AT_FDCWD, "ps", 0600, AT_SYMLINK_NOFOLLOW));
	fs_show_mode("  ps", "ps");
	CHECK("fchmodat2 bad flags (raw)", syscall(SYS_FCHMODAT2, AT_FDCWD, "p", 0600, 0x1));

	CHECK("mkdir d 0755", mkdir("d", 0755));
	CHECK("chmod d 0700", chmod("d", 0700));
	fs_show_mode("  d", "d");
	CHECK("chmod d 01777", chmod("d", 01777));
	fs_show_mode("  d", "d");
	CHECK("chmod d 0755", chmod("d", 0755));
}

static void owners(void)
{
	uid_t u = getuid();
	gid_t g = getgid();
	int fd;

	CHECK("chown own ids", chown("p", u, g));
	CHECK("chown -1 -1", chown("p", (uid_t)-1, (gid_t)-1));
	fd = open("p", O_RDONLY);
	CHECK("fchown own ids", fchown(fd, u, g));
	close(fd);
	CHECK("lchown symlink own ids", lchown("ps", u, g));
	CHECK("fchownat AT_SYMLINK_NOFOLLOW", fchownat(AT_FDCWD, "ps", u, g, AT_SYMLINK_NOFOLLOW));
	CHECK("fchownat bad flags", fchownat(AT_FDCWD, "p", u, g, 0x1));
	CHECK("chown missing", chown("missing", u, g));
	CHECK("fchown bad fd", fchown(99, u, g));
	fd = open("p", O_PATH);
	CHECK("fchown O_PATH fd (raw)", syscall(SYS_fchown, fd, u, g));
	close(fd);
	CHECK("chown dir own ids", chown("d", u, g));

	CHECK("chmod 06755", chmod("p", 06755));
	CHECK("chown -1 -1", chown("p", (uid_t)-1, (gid_t)-1));
	fs_show_mode("  set-id bits after chown", "p");
	CHECK("chmod 02755", chmod("p", 02755));
	CHECK("chown own ids", chown("p", u, g));
	fs_show_mode("  set-gid after chown", "p");
	CHECK("chmod d 03755", chmod("d", 03755));
	CHECK("chown d own ids", chown("d", u, g));
	fs_show_mode("  dir keeps set-gid and sticky", "d");
	CHECK("chmod d 0755", chmod("d", 0755));
}

static void accesses(void)
{
	int dfd;

	CHECK("chmod 0644", chmod("p", 0644));
	CHECK("access F_OK", access("p", F_OK));
	CHECK("access R_OK", access("p", R_OK));
	CHECK("access W_OK", access("p", W_OK));
	CHECK("access R_OK|W_OK", access("p", R_OK | W_OK));
	CHECK("access X_OK on 0644", access("p", X_OK));
	CHECK("chmod 0744", chmod("p", 0744));
	CHECK("access X_OK on 0744", access("p", X_OK));
	CHECK("chmod 0001", chmod("p", 0001));
	CHECK("access X_OK on 0001", access("p", X_OK));
	CHECK("chmod 0", chmod("p", 0));
	CHECK("access R_OK on 0000", access("p", R_OK));
	CHECK("access W_OK on 0000", access("p", W_OK));
	CHECK("access X_OK on 0000", access("p", X_OK));
	CHECK("chmod 0644", chmod("p", 0644));
	CHECK("chmod d 0600", chmod("d", 0600));
	CHECK("access X_OK on dir 0600", access("d", X_OK));
	CHECK("chmod d 0755", chmod("d", 0755));
	CHECK("access missing", access("missing", F_OK));
	CHECK("access p/x", access("p/x", F_OK));
	CHECK("access bad mode 0100", access("p", 0100));
	CHECK("access via symlink R_OK", access("ps", R_OK));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK("faccessat dirfd ../p R_OK", faccessat(dfd, "../p", R_OK, 0));
	CHECK("faccessat dirfd missing", faccessat(dfd, "missing", F_OK, 0));
	close(dfd);
	CHECK("faccessat AT_EACCESS R_OK", faccessat(AT_FDCWD, "p", R_OK, AT_EACCESS));
	CHECK("faccessat2 AT_EACCESS X_OK (raw)", syscall(SYS_faccessat2, AT_FDCWD, "p", X_OK, AT_EACCESS));
	CHECK("faccessat2 bad flags (raw)", syscall(SYS_faccessat2, AT_FDCWD, "p", F_OK, 0x1));
}

static void umasks(void)
{
	int fd;

	printf("umask(027) returns the old mask: 0%03o\n", (unsigned)umask(027));
	printf("umask(077) returns: 0%03o\n", (unsigned)umask(077));
	printf("umask(01777) returns: 0%03o\n", (unsigned)umask(01777));
	printf("umask(0) returns (high bits dropped): 0%03o\n", (unsigned)umask(0));
	fd = CHECK_FD("umask 0, open O_CREAT 04777", open("u", O_WRONLY | O_CREAT, 04777));
	close(fd);
	fs_show_mode("  mode", "u");
	CHECK("umask 0, mkdir 01777", mkdir("ud", 01777));
	fs_show_mode("  mode", "ud");
	CHECK("umask 0, mkdir 02777 (set-gid not taken)", mkdir("ud2", 02777));
	fs_show_mode("  mode", "ud2");
	umask(0222);
	fd = CHECK_FD("umask 0222, open O_CREAT|O_RDWR 0666", open("u2", O_RDWR | O_CREAT, 0666));
	fs_show_mode("  mode", "u2");
	CHECK("  write on the new fd", write(fd, "x", 1));
	close(fd);
	fd = CHECK_FD("  reopen O_RDWR (0444 file)", open("u2", O_RDWR));
	if (fd >= 0)
		close(fd);
	printf("umask(022) returns: 0%03o\n", (unsigned)umask(022));
}

int main(void)
{
	fs_begin();
	modes();
	owners();
	accesses();
	umasks();
	CHECK("unlink p", unlink("p"));
	CHECK("unlink ps", unlink("ps"));
	CHECK("unlink u", unlink("u"));
	CHECK("unlink u2", unlink("u2"));
	CHECK("rmdir d", rmdir("d"));
	CHECK("rmdir ud", rmdir("ud"));
	CHECK("rmdir ud2", rmdir("ud2"));
	return fs_end();
}
