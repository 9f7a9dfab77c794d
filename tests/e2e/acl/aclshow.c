/* For tests/e2e/acl.sh, natively and in the guest: for each path, its mode, owner, the
   system.posix_acl_access and system.posix_acl_default xattrs in hex ("-" when absent) and
   whether the caller may open it for reading. "+PATH" creates PATH (mode 0666) first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show_xattr(const char *path, const char *name)
{
	unsigned char v[1024];
	ssize_t n = lgetxattr(path, name, v, sizeof(v));
	if (n < 0) {
		printf(" %s", errno == ENODATA ? "-" : strerror(errno));
		return;
	}
	printf(" ");
	for (ssize_t i = 0; i < n; i++)
		printf("%02x", v[i]);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *path = argv[i];
		struct stat st;
		if (*path == '+') {
			int fd = open(++path, O_CREAT | O_WRONLY, 0666);
			if (fd >= 0)
				close(fd);
		}
		if (lstat(path, &st) < 0) {
			printf("%s %s\n", path, strerror(errno));
			continue;
		}
		printf("%s %o %u %u", path, (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
		show_xattr(path, "system.posix_acl_access");
		show_xattr(path, "system.posix_acl_default");
		int fd = open(path, O_RDONLY);
		printf(" %s\n", fd < 0 ? strerror(errno) : "readable");
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
