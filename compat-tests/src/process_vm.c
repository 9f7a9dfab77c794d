/* process_vm: process_vm_readv and process_vm_writev between a parent and its child: scattered
 * vectors on both sides, a write the child then sees, a short copy at an inaccessible remote
 * page, EFAULT when nothing could be copied, read-only target memory, the errno cases, and the
 * ptrace access rule (a process of another user, a non-dumpable one of the same user). */
#include "compat.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char data[8192] = "the child's buffer";
static const char ro[64] = "read-only";
static char *hole;              /* a page the child unmaps (when set) */

/* A child that waits on the pipe (optionally as another user, or not dumpable), then reports
   what its buffer holds. */
static pid_t child(int *go, int uid, int dumpable)
{
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid)))
			_exit(2);
		prctl(PR_SET_DUMPABLE, dumpable);       /* a set*uid made it 0 (suid_dumpable) */
		if (hole)
			munmap(hole, 4096);
		char b;
		read(p[0], &b, 1);
		printf("  child sees: %.30s\n", data);
		_exit(0);
	}
	close(p[0]);
	*go = p[1];
	usleep(50000);          /* it has set itself up */
	return c;
}

static void finish(pid_t c, int go)
{
	write(go, "x", 1);
	close(go);
	int st;
	waitpid(c, &st, 0);
}

/* As another user (in a child), reads from target. */
static void read_as(int uid, pid_t target)
{
	pid_t c = fork();
	if (c == 0) {
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid)))
			_exit(2);
		char buf[8];
		struct iovec l = { buf, 8 }, r = { data, 8 };
		RESULT("  process_vm_readv", process_vm_readv(target, &l, 1, &r, 1, 0));
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int go;
	pid_t c = child(&go, -1, 1);
	strcpy(data, "the parent's value now");        /* the child kept its own copy */
	char a[6] = { 0 }, b[20] = { 0 };
	struct iovec l[2] = { { a, 5 }, { b, 13 } }, r[2] = { { data, 4 }, { data + 4, 14 } };
	RESULT("readv across two and two vectors", process_vm_readv(c, l, 2, r, 2, 0));
	printf("read: '%s' '%s'\n", a, b);
	struct iovec w = { "CHANGED", 7 }, wr = { data + 4, 7 };
	RESULT("writev", process_vm_writev(c, &w, 1, &wr, 1, 0));
	finish(c, go);

	/* a remote range that runs into a page the child unmapped: a short read */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = m + 4096;
	c = child(&go, -1, 1);
	hole = NULL;
	char big[8192];
	struct iovec bl = { big, sizeof(big) }, br = { m + 4096 - 100, 200 }, gone = { m + 4096, 100 };
	RESULT("readv running into an unmapped page", process_vm_readv(c, &bl, 1, &br, 1, 0));
	RESULT("readv of only unmapped memory", process_vm_readv(c, &bl, 1, &gone, 1, 0));
	struct iovec rol = { "xx", 2 }, ror = { (void *)ro, 2 };
	RESULT("writev to read-only memory", process_vm_writev(c, &rol, 1, &ror, 1, 0));
	RESULT("flags 1", process_vm_readv(c, l, 1, r, 1, 1));
	RESULT("no such process", process_vm_readv(999999, l, 1, r, 1, 0));
	RESULT("1025 vectors", process_vm_readv(c, l, 1025, r, 1, 0));
	RESULT("zero vectors", process_vm_readv(c, l, 0, r, 1, 0));
	struct iovec neg = { a, (size_t)-1 };
	RESULT("a negative length", process_vm_readv(c, &neg, 1, r, 1, 0));
	RESULT("a bad local vector address", process_vm_readv(c, (struct iovec *)8, 1, r, 1, 0));
	finish(c, go);

	/* another user may not read root's process; the same user may, unless not dumpable */
	printf("user 65534 reading the parent:\n");
	read_as(65534, getpid());
	c = child(&go, 65534, 1);
	printf("user 65534 reading a dumpable process of its own:\n");
	read_as(65534, c);
	finish(c, go);
	c = child(&go, 65534, 0);
	printf("user 65534 reading a non-dumpable process of its own:\n");
	read_as(65534, c);
	finish(c, go);
	return 0;
}
