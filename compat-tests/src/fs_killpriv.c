/* fs_killpriv: what a write, a truncate or a chown takes from a file: its set-user-ID bit (and
 * set-group-ID when group-executable or the writer is outside the group) unless the writer has
 * CAP_FSETID, and its file capabilities (security.capability) whoever writes. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define C_FSETID 4

static char path[] = "/tmp/killpriv.XXXXXX";

struct hdr {
	uint32_t version;
	int pid;
};
struct data {
	uint32_t eff, prm, inh;
};

/* Takes CAP_FSETID out of the effective set. */
static void drop_fsetid(void)
{
	struct hdr h = { 0x20080522, 0 };
	struct data d[2];
	syscall(SYS_capget, &h, d);
	d[0].eff &= ~(1u << C_FSETID);
	syscall(SYS_capset, &h, d);
}

static void fresh(mode_t mode, gid_t gid, int fcaps)
{
	unlink(path);
	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	int fd = mkstemp(path);
	write(fd, "0123456789", 10);
	fchown(fd, 0, gid);
	fchmod(fd, mode);
	close(fd);
	if (fcaps) {
		uint32_t v[5] = { 0x02000001, 1u << 13, 0, 0, 0 };     /* NET_RAW+ep */
		if (setxattr(path, "security.capability", v, sizeof(v), 0))
			printf("setting file capabilities: %s\n", errname(errno));
	}
}

static void state(const char *what)
{
	struct stat st;
	stat(path, &st);
	uint32_t v[6];
	long n = getxattr(path, "security.capability", v, sizeof(v));
	printf("%s: mode %04o, file caps %s\n", what, (unsigned)st.st_mode & 07777,
	       n >= 0 ? "kept" : errno == ENODATA ? "gone" : errname(errno));
}

enum op { WRITE, WRITE0, PWRITE, WRITEV, TRUNCATE, FTRUNCATE, OPEN_TRUNC, CHOWN };
static const char *const op_names[] = { "write", "write of 0 bytes", "pwrite", "writev",
					"truncate", "ftruncate", "open O_TRUNC", "chown" };

enum who { ROOT, ROOT_NO_FSETID, USER, USER_IN_GROUP };
static const char *const who_names[] = { "root", "root without CAP_FSETID", "uid 1000",
					 "uid 1000 in the file's group" };

/* Does op as who on the current file, in a child; then prints the file's state. */
static void act(enum op op, enum who who)
{
	pid_t c = fork();
	if (c == 0) {
		if (who == ROOT_NO_FSETID)
			drop_fsetid();
		if (who == USER_IN_GROUP)
			setresgid(1000, 1000, 1000);
		if (who == USER || who == USER_IN_GROUP)
			setresuid(1000, 1000, 1000);
		int fd = op == TRUNCATE || op == CHOWN ? -1 :
			 open(path, O_WRONLY | (op == OPEN_TRUNC ? O_TRUNC : 0));
		long r = 0;
		struct iovec iov = { "ab", 2 };
		switch (op) {
		case WRITE: r = write(fd, "ab", 2); break;
		case WRITE0: r = write(fd, "", 0); break;
		case PWRITE: r = pwrite(fd, "ab", 2, 4); break;
		case WRITEV: r = writev(fd, &iov, 1); break;
		case TRUNCATE: r = truncate(path, 4); break;
		case FTRUNCATE: r = ftruncate(fd, 4); break;
		case OPEN_TRUNC: r = fd; break;
		case CHOWN: r = chown(path, 0, 0); break;
		}
		if (r < 0)
			printf("  %s failed: %s\n", op_names[op], errname(errno));
		_exit(0);
	}
	waitpid(c, NULL, 0);
	char what[160];
	snprintf(what, sizeof(what), "%s by %s", op_names[op], who_names[who]);
	state(what);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	for (enum op op = WRITE; op <= OPEN_TRUNC; op++) {
		fresh(06777, 0, 0);
		act(op, USER);
		fresh(06777, 0, 0);
		act(op, ROOT);
		fresh(06777, 0, 0);
		act(op, ROOT_NO_FSETID);
	}
	/* set-group-ID without group execute: only a writer outside the group takes it */
	fresh(02766, 1000, 0);
	act(WRITE, USER_IN_GROUP);
	fresh(02766, 2000, 0);
	act(WRITE, USER);
	fresh(02776, 1000, 0);
	act(WRITE, USER_IN_GROUP);
	/* file capabilities go whoever writes, truncates or chowns */
	for (enum op op = WRITE; op <= CHOWN; op++) {
		fresh(0755, 0, 1);
		act(op, ROOT);
	}
	fresh(0777, 0, 1);
	act(WRITE, USER);
	unlink(path);
	return 0;
}
