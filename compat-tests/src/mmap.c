/* mmap: anonymous mappings: map, touch, protect, remap, advise, unmap, and the errno cases. */
#include "compat.h"
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_bytes(const unsigned char *p, unsigned long n, unsigned char v)
{
	for (unsigned long i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static unsigned char *map(unsigned long len)
{
	void *p = mmap(NULL, len, RW, ANON, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void basics(void)
{
	unsigned char *p = map(4 * PG), *q;

	fact("mmap 4 pages", p != NULL);
	if (!p)
		return;
	fact("page aligned, below 2^47", ((uintptr_t)p & (PG - 1)) == 0 &&
	     (uintptr_t)p + 4 * PG <= (1ULL << 47));
	fact("fresh anon pages are zero", all_bytes(p, 4 * PG, 0));
	memset(p, 0xaa, 4 * PG);

	RESULT("mprotect PROT_READ", mprotect(p, 4 * PG, PROT_READ));
	fact("readable after PROT_READ", all_bytes(p, 4 * PG, 0xaa));
	RESULT("mprotect PROT_NONE", mprotect(p + PG, PG, PROT_NONE));
	RESULT("mprotect back to RW", mprotect(p, 4 * PG, RW));
	fact("contents kept across mprotect", all_bytes(p, 4 * PG, 0xaa));

	RESULT("madvise MADV_DONTNEED pages 1-2", madvise(p + PG, 2 * PG, MADV_DONTNEED));
	fact("advised pages read zero", all_bytes(p + PG, 2 * PG, 0));
	fact("other pages kept", all_bytes(p, PG, 0xaa) && all_bytes(p + 3 * PG, PG, 0xaa));

	RESULT("munmap middle page", munmap(p + PG, PG));
	p[0] = 1;
	p[2 * PG] = 2;
	fact("pages around the hole usable", p[0] == 1 && p[2 * PG] == 2);
	RESULT("munmap of a range with a hole", munmap(p, 4 * PG));
	RESULT("munmap of unmapped range", munmap(p, 4 * PG));

	q = map(PG);
	if (!q)
		return;
	memset(q, 0x5c, PG);
	p = mremap(q, PG, 1 << 20, MREMAP_MAYMOVE);
	fact("mremap grow to 1 MiB (MAYMOVE)", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	fact("first page kept, new pages zero", all_bytes(p, PG, 0x5c) && all_bytes(p + PG, (1 << 20) - PG, 0));
	q = mremap(p, 1 << 20, 2 * PG, 0);
	fact("mremap shrink stays in place", q == p);
	munmap(p, 2 * PG);

	p = map(64UL << 20);
	fact("mmap 64 MiB", p != NULL);
	for (unsigned long i = 0; p && i < (64UL << 20); i += 2UL << 20)
		p[i] = 1;
	if (p)
		RESULT("munmap 64 MiB", munmap(p, 64UL << 20));
}

static void errors(void)
{
	unsigned char *p = map(2 * PG), *q;
	void *r;

	if (!p)
		return;
	RESULT("munmap unaligned", munmap(p + 1, PG));
	/* raw: musl's mprotect() rounds the range to pages itself */
	RESULT("mprotect unaligned", syscall(SYS_mprotect, p + 1, PG, PROT_READ));
	RESULT("madvise bad advice", madvise(p, PG, 12345));

	r = mmap(NULL, 0, RW, ANON, -1, 0);
	result("mmap len 0", r == MAP_FAILED ? -1 : 0, errno);
	r = mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0);
	result("mmap neither private nor shared", r == MAP_FAILED ? -1 : 0, errno);
	r = mmap(p + 1, PG, RW, ANON | MAP_FIXED, -1, 0);
	result("mmap MAP_FIXED unaligned", r == MAP_FAILED ? -1 : 0, errno);
	r = mmap(NULL, 1UL << 47, RW, ANON, -1, 0);
	result("mmap 2^47 bytes", r == MAP_FAILED ? -1 : 0, errno);

	r = mmap(p, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	result("MAP_FIXED_NOREPLACE on a mapping", r == MAP_FAILED ? -1 : 0, errno);
	munmap(p + PG, PG);
	r = mmap(p + PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	fact("MAP_FIXED_NOREPLACE on a hole maps there", r == p + PG);
	r = mmap(p, PG, RW, ANON | MAP_FIXED, -1, 0);
	fact("MAP_FIXED over a mapping replaces it", r == p);

	/* The first page cannot grow in place: the second page is mapped right behind it. */
	q = mremap(p, PG, 2 * PG, 0);
	result("mremap grow without MAYMOVE", q == MAP_FAILED ? -1 : 0, errno);
	munmap(p, 2 * PG);
}

/* System calls read and write user memory as the program may: not from an execute-only area
   (Linux on x86 makes it so with a protection key), even once its page is in use. */
static void kernel_access(void)
{
	int fd[2];
	unsigned char *x = mmap(NULL, PG, RW | PROT_EXEC, ANON, -1, 0), *w;

	if (x == MAP_FAILED || pipe(fd))
		return;
	x[0] = 0xc3;			/* ret */
	RESULT("write from a readable page", write(fd[1], x, 16));
	RESULT("mprotect execute-only", mprotect(x, PG, PROT_EXEC));
	RESULT("write from an execute-only page", write(fd[1], x, 16));
	((void (*)(void))(uintptr_t)x)();	/* in use now */
	RESULT("write from an execute-only page in use", write(fd[1], x, 16));
	RESULT("read into an execute-only page in use", read(fd[0], x, 4));
	w = mmap(NULL, PG, PROT_READ, ANON, -1, 0);
	if (w != MAP_FAILED) {
		RESULT("write from a read-only page", write(fd[1], w, 16));
		RESULT("read into a read-only page", read(fd[0], w, 4));
		munmap(w, PG);
	}
	munmap(x, PG);
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	basics();
	errors();
	kernel_access();
	return 0;
}
