/* fs_mmap: file mappings: MAP_PRIVATE (copy on write), MAP_SHARED (write-through, msync), the zero
 * tail of the last page, SIGBUS past it, ftruncate seen by a mapping, the EACCES/EINVAL/ENODEV
 * cases, mincore. */
#include "fs.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096L
#define SIZE 10000L	/* the file: two full pages and part of a third */

static sigjmp_buf jump;

static void on_sigbus(int sig)
{
	siglongjmp(jump, sig);
}

/* touch: reads p[off]; prints "WHAT: BYTE" or "WHAT: SIGBUS"/"SIGSEGV". */
static void touch(const char *what, const volatile unsigned char *p, long off)
{
	int sig = sigsetjmp(jump, 1);

	if (sig == 0)
		printf("%s: %d\n", what, p[off]);
	else
		printf("%s: %s\n", what, sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
}

static unsigned char data[SIZE];

static int zeros(const unsigned char *p, long n)
{
	for (long i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static unsigned char *map(int fd, long len, int prot, int flags, long off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* MAP: map() printing "WHAT: mapped" or "WHAT: -1 ENAME"; evaluates to the mapping or NULL. */
#define MAP(what, ...)                                                                 \
	({                                                                             \
		unsigned char *map_p_ = map(__VA_ARGS__);                              \
		if (map_p_)                                                            \
			printf("%s: mapped\n", (what));                               \
		else                                                                   \
			printf("%s: -1 %s\n", (what), fs_errname(errno));             \
		map_p_;                                                                \
	})

static void maps(void)
{
	unsigned char *p, c = 0;
	int fd;

	for (long i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i % 251 + 1);
	fs_put("m", data, SIZE);
	fd = open("m", O_RDWR);
	if (fd < 0)
		fs_die("open m");

	p = map(fd, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	fact("mmap MAP_PRIVATE", p != NULL);
	if (!p)
		fs_die("mmap");
	fact("  reads the file data", memcmp(p, data, SIZE) == 0);
	p[0] = 0xee;
	CHECK("  pread byte 0", pread(fd, &c, 1, 0));
	fact("  private write not in the file", c == data[0]);
	fact("  zeros after EOF in the last page", zeros(p + SIZE, 3 * PG - SIZE));
	CHECK("  munmap", munmap(p, SIZE));

	p = map(fd, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fact("mmap MAP_SHARED", p != NULL);
	if (!p)
		fs_die("mmap");
	p[1] = 0xab;
	CHECK("  pread byte 1", pread(fd, &c, 1, 1));
	fact("  shared write seen by read()", c == 0xab);
	CHECK("  pwrite byte 2", pwrite(fd, "\x77", 1, 2));
	fact("  write() seen by the mapping", p[2] == 0x77);
	CHECK("  msync MS_SYNC", msync(p, SIZE, MS_SYNC));
	CHECK("  msync MS_ASYNC", msync(p, PG, MS_ASYNC));
	CHECK("  msync MS_SYNC|MS_ASYNC", msync(p, PG, MS_SYNC | MS_ASYNC));
	CHECK("  msync unaligned", msync(p + 1, PG, MS_SYNC));
	p[SIZE + 5] = 0x55;	/* beyond EOF in the last page: never reaches the file */
	CHECK("  munmap", munmap(p, SIZE));
	CHECK("  file size", lseek(fd, 0, SEEK_END));
	CHECK("  pread byte 1 after munmap", pread(fd, &c, 1, 1));
	printf("  value: 0x%x\n", c);

	p = map(fd, PG, PROT_READ, MAP_SHARED, PG);
	fact("mmap at offset 4096", p != NULL && p[0] == data[PG] && p[100] == data[PG + 100]);
	if (p)
		munmap(p, PG);
	MAP("mmap at offset 100", fd, PG, PROT_READ, MAP_SHARED, 100);
	close(fd);
}

static void beyond(void)
{
	struct sigaction sa;
	unsigned char *p, vec[4];
	int fd = open("m", O_RDWR);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fact("mmap 4 pages of a 10000-byte file", p != NULL);
	if (!p)
		fs_die("mmap");
	touch("  byte 9999", p, SIZE - 1);
	touch("  byte 10000 (same page)", p, SIZE);
	touch("  byte 12287 (end of last page)", p, 3 * PG - 1);
	touch("  byte 12288 (next page)", p, 3 * PG);
	touch("  byte 16383", p, 4 * PG - 1);
	CHECK("  mincore first page", mincore(p, PG, vec));
	printf("  resident: %d\n", vec[0] & 1);
	CHECK("  mincore unaligned", mincore(p + 1, PG, vec));
	CHECK("ftruncate to 16384", ftruncate(fd, 4 * PG));
	touch("  byte 12288 now", p, 3 * PG);
	p[4 * PG - 1] = 9;
	CHECK("  pread byte 16383", pread(fd, vec, 1, 4 * PG - 1));
	printf("  value: %d\n", vec[0]);
	CHECK("ftruncate to 4096", ftruncate(fd, PG));
	touch("  byte 100", p, 100);
	touch("  byte 4096 now", p, PG);
	/* A truncate by another process takes the pages from this one's mapping too. */
	CHECK("ftruncate to 16384 again", ftruncate(fd, 4 * PG));
	touch("  byte 12288 again", p, 3 * PG);
	pid_t pid = fork();
	if (pid == 0)
		_exit(ftruncate(fd, PG) ? 1 : 0);
	int st = -1;
	waitpid(pid, &st, 0);
	printf("  a child truncated to 4096: exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	touch("  byte 12288 after the child's truncate", p, 3 * PG);
	CHECK("  munmap", munmap(p, 4 * PG));
	CHECK("  mincore unmapped", mincore(p, PG, vec));

	p = map(fd, PG, PROT_READ, MAP_PRIVATE, 0);
	CHECK("close fd under a mapping", close(fd));
	fact("  mapping still reads the data", p && p[7] == data[7]);
	if (p)
		munmap(p, PG);

	fd = CHECK_FD("open empty file", open("e", O_RDWR | O_CREAT, 0644));
	p = map(fd, PG, PROT_READ, MAP_SHARED, 0);
	fact("  mmap a page of it", p != NULL);
	if (p) {
		touch("  byte 0", p, 0);
		munmap(p, PG);
	}
	close(fd);
}

static void errors(void)
{
	int w = open("m", O_WRONLY), r = open("m", O_RDONLY), d = open(".", O_RDONLY | O_DIRECTORY);
	unsigned char *p;

	MAP("mmap O_WRONLY fd PROT_READ shared", w, PG, PROT_READ, MAP_SHARED, 0);
	MAP("mmap O_WRONLY fd PROT_READ private", w, PG, PROT_READ, MAP_PRIVATE, 0);
	MAP("mmap O_RDONLY fd PROT_WRITE shared", r, PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	p = map(r, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	fact("mmap O_RDONLY fd PROT_WRITE private", p != NULL);
	if (p) {
		p[0] = 1;
		munmap(p, PG);
	}
	p = map(r, PG, PROT_READ, MAP_SHARED, 0);
	fact("mmap O_RDONLY fd PROT_READ shared", p != NULL);
	CHECK("  mprotect to PROT_WRITE", mprotect(p, PG, PROT_READ | PROT_WRITE));
	if (p)
		munmap(p, PG);
	MAP("mmap a directory", d, PG, PROT_READ, MAP_PRIVATE, 0);
	MAP("mmap bad fd", 99, PG, PROT_READ, MAP_PRIVATE, 0);
	MAP("mmap negative offset", r, PG, PROT_READ, MAP_PRIVATE, -PG);
	close(w);
	close(r);
	close(d);
}

/* "beyond" adds the checks past the end of the file, which need SIGBUS delivered to a handler. */
int main(int argc, char **argv)
{
	fs_begin();
	maps();
	if (argc > 1 && !strcmp(argv[1], "beyond"))
		beyond();
	errors();
	CHECK("unlink m", unlink("m"));
	CHECK("unlink e", unlink("e"));
	return fs_end();
}
