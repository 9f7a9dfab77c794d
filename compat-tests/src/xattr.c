/* Setting and removing extended attributes: user.* and trusted.* values, XATTR_CREATE and
   XATTR_REPLACE, listing, removal, the name and size errors, symlinks and special files, fds,
   and the permission rules for another user (no write permission, a sticky directory). Runs in a
   fresh directory under /tmp; large values and many attributes on /dev/shm (tmpfs). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names, sorted (filesystems list them in their own order). */
static void list(const char *path)
{
	char buf[4096];
	ssize_t n = listxattr(path, buf, sizeof(buf));
	if (n < 0) {
		printf("list: -1 %s\n", strerror(errno));
		return;
	}
	char *names[64];
	int k = 0;
	for (char *p = buf; p < buf + n && k < 64; p += strlen(p) + 1)
		names[k++] = p;
	qsort(names, (size_t)k, sizeof(names[0]), cmp);
	printf("list (%zd bytes):", n);
	for (int i = 0; i < k; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void values(const char *f)
{
	char v[64];
	show("set user.a", setxattr(f, "user.a", "hello", 5, 0));
	show("size of user.a", getxattr(f, "user.a", NULL, 0));
	ssize_t n = getxattr(f, "user.a", v, sizeof(v));
	printf("user.a = %.*s\n", n > 0 ? (int)n : 0, v);
	show("get into 2 bytes", getxattr(f, "user.a", v, 2));
	show("XATTR_CREATE over it", setxattr(f, "user.a", "x", 1, XATTR_CREATE));
	show("XATTR_REPLACE it", setxattr(f, "user.a", "bye", 3, XATTR_REPLACE));
	n = getxattr(f, "user.a", v, sizeof(v));
	printf("user.a = %.*s\n", n > 0 ? (int)n : 0, v);
	show("XATTR_REPLACE of none", setxattr(f, "user.zz", "x", 1, XATTR_REPLACE));
	show("bad flags", setxattr(f, "user.b", "x", 1, 4));
	show("empty value", setxattr(f, "user.empty", "", 0, 0));
	show("size of it", getxattr(f, "user.empty", NULL, 0));
	show("trusted.t as root", setxattr(f, "trusted.t", "t", 1, 0));
	char *big = calloc(1, 70000);
	memset(big, 'v', 3000);
	show("a 3000-byte value", setxattr(f, "user.big", big, 3000, 0));
	show("size of it", getxattr(f, "user.big", NULL, 0));
	show("a 65537-byte value", setxattr(f, "user.huge", big, 65537, 0));
	free(big);
	list(f);
	show("remove user.a", removexattr(f, "user.a"));
	show("remove it again", removexattr(f, "user.a"));
	show("get it", getxattr(f, "user.a", v, sizeof(v)));
	list(f);
}

static void names(const char *f)
{
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, "user.", 5);
	longname[256] = 0;
	show("no namespace", setxattr(f, "foo", "x", 1, 0));
	show("unknown namespace", setxattr(f, "bogus.x", "x", 1, 0));
	show("empty name", setxattr(f, "", "x", 1, 0));
	show("256-byte name", setxattr(f, longname, "x", 1, 0));
	longname[255] = 0;
	show("255-byte name", setxattr(f, longname, "x", 1, 0));
	show("remove it", removexattr(f, longname));
	show("missing file", setxattr("/tmp/no/such/file", "user.x", "x", 1, 0));
}

static void kinds(const char *dir, const char *f)
{
	char link[256], fifo[256];
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	symlink(f, link);
	mkfifo(fifo, 0644);
	show("user.* on a symlink itself", lsetxattr(link, "user.x", "x", 1, 0));
	show("user.* through a symlink", setxattr(link, "user.through", "x", 1, 0));
	show("user.* on a directory", setxattr(dir, "user.d", "d", 1, 0));
	show("user.* on a FIFO", setxattr(fifo, "user.x", "x", 1, 0));
	int fd = open(f, O_RDONLY);
	show("fsetxattr on a read-only fd", fsetxattr(fd, "user.fd", "1", 1, 0));
	show("fremovexattr", fremovexattr(fd, "user.fd"));
	close(fd);
	show("fsetxattr on a bad fd", fsetxattr(999, "user.fd", "1", 1, 0));
	list(f);
}

/* As uid 1000: a root file without write permission for others, and a sticky directory. */
static void other_user(const char *dir, const char *f)
{
	char sticky[256], mine[300];
	snprintf(sticky, sizeof(sticky), "%s/sticky", dir);
	mkdir(sticky, 01777);
	chmod(sticky, 01777);
	chmod(dir, 0755);
	chmod(f, 0644);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(2);
		show("user.* without write permission", setxattr(f, "user.o", "x", 1, 0));
		show("trusted.* as a user", setxattr(f, "trusted.o", "x", 1, 0));
		show("user.* on a sticky directory not ours", setxattr(sticky, "user.o", "x", 1, 0));
		snprintf(mine, sizeof(mine), "%s/mine", sticky);
		int fd = open(mine, O_CREAT | O_WRONLY, 0600);
		close(fd);
		show("user.* on our own file", setxattr(mine, "user.o", "x", 1, 0));
		char v[8];
		show("trusted.* read as a user", getxattr(f, "trusted.t", v, sizeof(v)));
		show("size of the list as a user", listxattr(f, NULL, 0));
		list(f);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Makes the file named by the template f (a mkstemp one under /dev/shm). 0 or -1. */
static int shm_file(char *f)
{
	int fd = mkstemp(f);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Large values on tmpfs (/dev/shm, tmpfs under Linux and unik): up to Linux's 64 KiB, many of
   them, read back whole; one byte more is E2BIG. */
static void big_values(void)
{
	char f[] = "/dev/shm/xattr-big.XXXXXX";
	if (shm_file(f))
		return;
	static char v[65537], back[65536];
	for (size_t i = 0; i < sizeof(v); i++)
		v[i] = (char)(i * 7 + 1);
	static const size_t sizes[] = { 4096, 4097, 8192, 65536, 65537 };
	for (int i = 0; i < 5; i++) {
		char name[32], what[64];
		snprintf(name, sizeof(name), "user.size%zu", sizes[i]);
		snprintf(what, sizeof(what), "tmpfs set %zu bytes", sizes[i]);
		show(what, setxattr(f, name, v, sizes[i], 0));
	}
	long n = getxattr(f, "user.size65536", back, sizeof(back));
	printf("tmpfs get 65536 bytes: %ld, equal %s\n", n,
	       n == 65536 && !memcmp(back, v, 65536) ? "yes" : "no");
	n = getxattr(f, "user.size4097", back, sizeof(back));
	printf("tmpfs get 4097 bytes: %ld, equal %s\n", n,
	       n == 4097 && !memcmp(back, v, 4097) ? "yes" : "no");
	show("tmpfs get 65536 into 65535", getxattr(f, "user.size65536", back, 65535));
	show("tmpfs replace 64 KiB by 10 bytes", setxattr(f, "user.size65536", "0123456789", 10,
						       XATTR_REPLACE));
	int ok = 1;
	for (int i = 0; i < 30 && ok; i++) {
		char name[32];
		snprintf(name, sizeof(name), "user.many%d", i);
		ok = setxattr(f, name, v, 65536, 0) == 0;
	}
	printf("tmpfs 30 more values of 64 KiB: %s\n", ok ? "yes" : "no");
	for (int i = 0; i < 30; i++) {
		char name[32];
		snprintf(name, sizeof(name), "user.many%d", i);
		removexattr(f, name);
	}
	unlink(f);
}

/* Many attributes on one tmpfs file: Linux's tmpfs has no count limit. */
static void many_names(void)
{
	char f[] = "/dev/shm/xattr-many.XXXXXX";
	if (shm_file(f))
		return;
	int set = 0, same = 0;
	for (int i = 0; i < 300; i++) {
		char name[32], v[32];
		snprintf(name, sizeof(name), "user.n%03d", i);
		snprintf(v, sizeof(v), "value %d", i * 7);
		set += setxattr(f, name, v, strlen(v), XATTR_CREATE) == 0;
	}
	for (int i = 0; i < 300; i++) {
		char name[32], v[32], back[32];
		snprintf(name, sizeof(name), "user.n%03d", i);
		snprintf(v, sizeof(v), "value %d", i * 7);
		ssize_t n = getxattr(f, name, back, sizeof(back));
		same += n == (ssize_t)strlen(v) && !memcmp(back, v, (size_t)n);
	}
	printf("tmpfs 300 attributes set: %d, read back: %d\n", set, same);
	show("tmpfs size of their list", listxattr(f, NULL, 0));
	show("tmpfs replace the 200th", setxattr(f, "user.n199", "new", 3, XATTR_REPLACE));
	show("tmpfs remove the 1st", removexattr(f, "user.n000"));
	show("tmpfs size of the list now", listxattr(f, NULL, 0));
	char v[8];
	show("tmpfs get the 200th", getxattr(f, "user.n199", v, sizeof(v)));
	show("tmpfs get the 1st", getxattr(f, "user.n000", v, sizeof(v)));
	unlink(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	big_values();
	many_names();
	char dir[] = "/tmp/xattr-test.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char f[256];
	snprintf(f, sizeof(f), "%s/file", dir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	values(f);
	names(f);
	kinds(dir, f);
	other_user(dir, f);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s", dir);
	/* clean up without a shell: the test's own files */
	unlink(f);
	snprintf(cmd, sizeof(cmd), "%s/link", dir); unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/fifo", dir); unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/sticky/mine", dir); unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/sticky", dir); rmdir(cmd);
	rmdir(dir);
	return 0;
}
