/* proc_fd: /proc/self/fd and /proc/self/fdinfo: the listing (getdents and readdir), the links of
 * files (also renamed and unlinked ones) and pipes, reopening a file through its link, fdinfo's
 * pos and flags, and what a closed descriptor leaves. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[65536];

static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* listed: whether the fd directory lists fd (readdir). */
static int listed(int fd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;
	char want[16];

	snprintf(want, sizeof(want), "%d", fd);
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, want))
			found = e->d_type == DT_LNK ? 1 : 2;
	if (d)
		closedir(d);
	return found;
}

static void fdlink(int fd, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, out, size - 1);
	out[n > 0 ? n : 0] = 0;
}

static void fdinfo(const char *what, int fd)
{
	char path[64];
	const char *flags;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (slurp(path) < 0) {
		printf("%s: fdinfo %s\n", what, errname(errno));
		return;
	}
	flags = strstr(buf, "flags:\t");
	printf("%s: %.*s", what, (int)(strchr(buf, '\n') - buf + 1), buf);
	if (flags)
		printf("%s: %.*s", what, (int)(strchr(flags, '\n') - flags + 1), flags);
	fact("  mnt_id and ino lines", strstr(buf, "\nmnt_id:\t") && strstr(buf, "\nino:\t"));
}

int main(void)
{
	char tmpl[] = "/tmp/proc_fd.XXXXXX", l[PATH_MAX], path[64];
	int fd, p[2], cfd;

	fact("fd 0 listed as a link", listed(0) == 1);
	fact("fd 1 listed", listed(1) == 1);
	fact("fd 2 listed", listed(2) == 1);
	fd = mkstemp(tmpl);
	if (fd < 0)
		return 1;
	fact("new fd listed", listed(fd) == 1);
	fdlink(fd, l, sizeof(l));
	fact("its link is the file's path", !strcmp(l, tmpl));
	RESULT("write 5 bytes", write(fd, "hello", 5));
	fdinfo("file", fd);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int again = open(path, O_RDONLY);
	fact("reopen through the link", again >= 0);
	RESULT("  read", read(again, l, sizeof(l)));
	fact("  same content", !memcmp(l, "hello", 5));
	close(again);

	cfd = open(tmpl, O_WRONLY | O_APPEND | O_CLOEXEC);
	fdinfo("append+cloexec", cfd);
	close(cfd);
	cfd = dup2(fd, 50);	/* above whatever opendir takes */
	fact("dup2 to 50 listed", listed(cfd) == 1);
	close(cfd);
	fact("closed fd not listed", listed(cfd) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cfd);
	RESULT("readlink of a closed fd", readlink(path, l, sizeof(l)));
	RESULT("open of a closed fd", open(path, O_RDONLY));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", cfd);
	RESULT("open its fdinfo", open(path, O_RDONLY));

	char moved[sizeof(tmpl) + 16], want[sizeof(moved) + 16];
	snprintf(moved, sizeof(moved), "%s.moved", tmpl);
	rename(tmpl, moved);
	fdlink(fd, l, sizeof(l));
	fact("renamed file's link is its new path", !strcmp(l, moved));
	unlink(moved);
	fdlink(fd, l, sizeof(l));
	snprintf(want, sizeof(want), "%s (deleted)", moved);
	fact("unlinked file's link is its path with (deleted)", !strcmp(l, want));
	close(fd);

	if (pipe(p))
		return 1;
	fdlink(p[0], l, sizeof(l));
	fact("pipe link is pipe:[N]", !strncmp(l, "pipe:[", 6) && l[strlen(l) - 1] == ']');
	char l2[64];
	fdlink(p[1], l2, sizeof(l2));
	fact("both ends name one pipe", !strcmp(l, l2));
	fdinfo("pipe read end", p[0]);
	close(p[0]);
	close(p[1]);

	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	fdlink(dfd, l, sizeof(l));
	printf("directory fd: %s\n", l);
	close(dfd);
	RESULT("readlink /proc/self/fd/-1", readlink("/proc/self/fd/-1", l, sizeof(l)));
	RESULT("readlink /proc/self/fd/01", readlink("/proc/self/fd/01", l, sizeof(l)));
	return 0;
}
