/* mlock: mlock, mlock2, munlock, mlockall, munlockall and MAP_LOCKED: what VmLck counts, how a
 * lock splits and rejoins areas, rounding, holes and PROT_NONE, faulting in (and MLOCK_ONFAULT
 * not), MCL_FUTURE for later mmap, brk and mremap, locks not inherited by fork nor kept by exec,
 * madvise on locked memory, and the RLIMIT_MEMLOCK rules of a process without CAP_IPC_LOCK
 * (a child drops it; the limit is only ever lowered). Only VmLck changes the program makes are
 * printed, never totals that depend on the libc's own mappings. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#define MLOCK_ONFAULT_ 1
#define MADV_DONTNEED_LOCKED_ 24
#define CAP_IPC_LOCK_ 14

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* The text of a /proc file, read without allocating (a libc's FILE buffer would be a mapping
 * of its own, locked under MCL_FUTURE). */
static char proc_buf[65536];

static const char *proc_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	proc_buf[0] = 0;
	if (fd < 0)
		return proc_buf;
	while (n < (long)sizeof(proc_buf) - 1 &&
	       (r = read(fd, proc_buf + n, sizeof(proc_buf) - 1 - n)) > 0)
		n += r;
	proc_buf[n] = 0;
	close(fd);
	return proc_buf;
}

/* VmLck of /proc/self/status, in kB (-1 if missing). */
static long vmlck(void)
{
	const char *s = strstr(proc_read("/proc/self/status"), "\nVmLck:");

	return s ? atol(s + 7) : -1;
}

static void show_lck(const char *what)
{
	printf("%s: VmLck %ld kB\n", what, vmlck());
}

/* The areas of /proc/self/maps that overlap [p, p + len). */
static int areas(const void *p, unsigned long len)
{
	int n = 0;

	for (const char *l = proc_read("/proc/self/maps"); *l;) {
		unsigned long s, e;
		if (sscanf(l, "%lx-%lx", &s, &e) == 2 && s < (uintptr_t)p + len && e > (uintptr_t)p)
			n++;
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	return n;
}

/* mincore of n pages as a string of 0 and 1. */
static void show_core(const char *what, void *p, unsigned long n)
{
	unsigned char v[64];
	char s[65];

	if (n > 64 || mincore(p, n * PG, v)) {
		printf("%s: mincore failed\n", what);
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		s[i] = (char)('0' + (v[i] & 1));
	s[n] = 0;
	printf("%s: %s\n", what, s);
}

static char *map(unsigned long pages, int flags)
{
	void *p = mmap(NULL, pages * PG, RW, ANON | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* "WHAT: 0" for a mapping made, "WHAT: -1 ENAME" for one refused; unmaps it. */
static void try_map(const char *what, unsigned long pages, int flags)
{
	char *p = map(pages, flags);

	result(what, p ? 0 : -1, errno);
	if (p)
		munmap(p, pages * PG);
}

static void ranges(void)
{
	char *p = map(8, 0);

	if (!p)
		return;
	show_lck("start");
	RESULT("mlock 2 pages", mlock(p, 2 * PG));
	show_lck("after mlock 2 pages");
	printf("areas after mlock of the first 2 of 8 pages: %d\n", areas(p, 8 * PG));
	/* raw: the start is rounded down and the length grows by the offset (pages 1 and 2) */
	RESULT("mlock unaligned start", syscall(SYS_mlock, p + PG + 10, PG));
	show_lck("after mlock unaligned");
	RESULT("munlock page 1", munlock(p + PG, PG));
	show_lck("after munlock page 1");
	printf("areas: %d\n", areas(p, 8 * PG));
	RESULT("munlock all 8", munlock(p, 8 * PG));
	printf("areas after munlock: %d\n", areas(p, 8 * PG));
	RESULT("mlock again", mlock(p, 2 * PG));
	RESULT("mlock length SIZE_MAX (rounds to 0)", syscall(SYS_mlock, p, (size_t)-1));
	RESULT("mlock wrapping range", syscall(SYS_mlock, p, (size_t)-PG));
	RESULT("mlock length 0, unmapped", syscall(SYS_mlock, 0x1000, 0));
	RESULT("munlock length 0, unmapped", syscall(SYS_munlock, 0x1000, 0));
	RESULT("mlock2 length 0", syscall(SYS_mlock2, p, 0, 0));
	show_lck("unchanged");
	RESULT("munlock", munlock(p, 8 * PG));

	munmap(p + 4 * PG, PG);
	RESULT("mlock over a hole", mlock(p, 8 * PG));
	show_lck("pages before the hole stay locked");
	RESULT("munlock over a hole", munlock(p, 8 * PG));
	show_lck("and are unlocked by munlock");
	RESULT("mlock of unmapped memory", mlock(p + 4 * PG, PG));
	RESULT("munlock of unmapped memory", munlock(p + 4 * PG, PG));
	RESULT("mprotect page 0 PROT_NONE", mprotect(p, PG, PROT_NONE));
	RESULT("mlock PROT_NONE page", mlock(p, PG));
	show_lck("PROT_NONE page locked anyway");
	RESULT("munlock PROT_NONE page", munlock(p, PG));
	show_lck("after munlock");
	munmap(p, 8 * PG);
}

static void faulting(void)
{
	char *p = map(32, 0);

	if (!p)
		return;
	show_core("fresh 32 pages", p, 32);
	RESULT("mlock2 bad flags", syscall(SYS_mlock2, p, 32 * PG, 2));
	RESULT("mlock2 flags in the upper half ignored", syscall(SYS_mlock2, p, PG, 1UL << 32));
	RESULT("munlock", munlock(p, PG));
	RESULT("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, p, 32 * PG, MLOCK_ONFAULT_));
	show_lck("after mlock2 MLOCK_ONFAULT");
	show_core("not faulted in", p, 32);
	RESULT("mlock", mlock(p, 32 * PG));
	show_lck("after mlock");
	show_core("faulted in", p, 32);
	fact("locked pages read zero", p[0] == 0 && p[31 * PG] == 0);
	memset(p, 0x5a, 32 * PG);
	RESULT("madvise MADV_DONTNEED on locked pages", madvise(p, PG, MADV_DONTNEED));
	RESULT("madvise MADV_FREE on locked pages", madvise(p, PG, MADV_FREE));
	fact("contents kept", p[0] == 0x5a);
	RESULT("madvise MADV_DONTNEED_LOCKED", madvise(p, PG, MADV_DONTNEED_LOCKED_));
	fact("dropped page reads zero", p[0] == 0 && p[PG] == 0x5a);
	show_lck("still locked");
	RESULT("munlock", munlock(p, 32 * PG));
	munmap(p, 32 * PG);

	p = map(32, MAP_LOCKED);
	fact("mmap MAP_LOCKED", p != NULL);
	show_lck("after mmap MAP_LOCKED 32 pages");
	if (p)
		show_core("MAP_LOCKED faulted in", p, 32);
	char *q = p ? mremap(p, 32 * PG, 40 * PG, MREMAP_MAYMOVE) : MAP_FAILED;
	fact("mremap grows the locked mapping", q != MAP_FAILED);
	show_lck("after mremap to 40 pages");
	if (q != MAP_FAILED) {
		show_core("grown part faulted in", q + 32 * PG, 8);
		munmap(q, 40 * PG);
	}
	show_lck("after munmap");
}

/* Prints what a child (of fork, or after exec) sees: no locks, and new mappings unlocked. */
static void child_view(const char *who)
{
	char what[80];
	char *p;

	snprintf(what, sizeof(what), "%s", who);
	show_lck(what);
	p = map(4, 0);
	snprintf(what, sizeof(what), "%s, after mmap", who);
	show_lck(what);
	if (p)
		munmap(p, 4 * PG);
}

static void fork_child_view(void)
{
	child_view("fork child");
}

static void all(void)
{
	char *p, *q;

	RESULT("mlockall 0", mlockall(0));
	RESULT("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT));
	RESULT("mlockall unknown flag", mlockall(8));
	RESULT("mlockall MCL_FUTURE", mlockall(MCL_FUTURE));
	show_lck("MCL_FUTURE locks nothing yet");
	p = map(32, 0);
	show_lck("after mmap 32 pages");
	if (p)
		show_core("faulted in", p, 32);

	long cur = syscall(SYS_brk, 0);
	long top = syscall(SYS_brk, cur + 4 * PG);
	fact("brk grows", top == cur + (long)(4 * PG));
	show_lck("after brk grows 4 pages");
	syscall(SYS_brk, cur);
	show_lck("after brk shrinks");

	child_run(fork_child_view);
	child_exec_self("mlock", "exec");

	RESULT("mlockall MCL_FUTURE|MCL_ONFAULT", mlockall(MCL_FUTURE | MCL_ONFAULT));
	q = map(32, 0);
	show_lck("after mmap 32 pages");
	if (q)
		show_core("on fault: not faulted in", q, 32);
	RESULT("munlockall", munlockall());
	show_lck("after munlockall");
	if (q)
		munmap(q, 32 * PG);
	q = map(32, 0);
	show_lck("mmap after munlockall");
	if (q)
		munmap(q, 32 * PG);

	RESULT("mlockall MCL_CURRENT", mlockall(MCL_CURRENT));
	long l = vmlck();
	fact("the 32-page mapping counts", l >= 128);
	q = map(4, 0);
	fact("later mapping not locked", vmlck() == l);
	RESULT("munlockall", munlockall());
	show_lck("after munlockall");
	if (q)
		munmap(q, 4 * PG);
	if (p)
		munmap(p, 32 * PG);
}

struct cap_hdr {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t eff, prm, inh;
};

/* Drops CAP_IPC_LOCK from the effective set (it stays permitted). */
static int drop_ipc_lock(void)
{
	struct cap_hdr h = { 0x20080522, 0 };
	struct cap_data d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].eff &= ~(1u << CAP_IPC_LOCK_);
	return (int)syscall(SYS_capset, &h, d);
}

static int set_limit(unsigned long bytes)
{
	struct rlimit rl = { bytes, bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl);
}

/* Without CAP_IPC_LOCK, under a 2-page RLIMIT_MEMLOCK, then a limit of 0. */
static void unprivileged(void)
{
	char *p = map(4, 0), *q;

	if (!p)
		return;
	RESULT("lower RLIMIT_MEMLOCK to 2 pages", set_limit(2 * PG));
	RESULT("drop CAP_IPC_LOCK", drop_ipc_lock());
	RESULT("mlock 3 pages over the limit", mlock(p, 3 * PG));
	RESULT("mlock 2 pages", mlock(p, 2 * PG));
	show_lck("after mlock 2 pages");
	RESULT("mlock 1 locked + 1 new page", mlock(p + PG, 2 * PG));
	RESULT("mlock a locked page again", mlock(p + PG, PG));
	RESULT("mlock2 MLOCK_ONFAULT over the limit", syscall(SYS_mlock2, p + 2 * PG, PG, 1));
	RESULT("mlock wrapping range", syscall(SYS_mlock, p, (size_t)-PG));
	RESULT("mlockall MCL_CURRENT over the limit", mlockall(MCL_CURRENT));
	RESULT("mlockall MCL_FUTURE", mlockall(MCL_FUTURE));
	try_map("mmap under MCL_FUTURE over the limit", 1, 0);
	try_map("mmap MAP_LOCKED over the limit", 1, MAP_LOCKED);
	long cur = syscall(SYS_brk, 0);
	fact("brk over the limit refused", syscall(SYS_brk, cur + 4 * PG) == cur);
	RESULT("munlockall", munlockall());
	show_lck("after munlockall");
	try_map("mmap MAP_LOCKED 2 pages", 2, MAP_LOCKED);
	try_map("mmap MAP_LOCKED 3 pages", 3, MAP_LOCKED);
	q = map(1, MAP_LOCKED);
	fact("mmap MAP_LOCKED 1 page", q != NULL);
	if (q) {
		result("mremap the locked page to 3", mremap(q, PG, 3 * PG, MREMAP_MAYMOVE) ==
		       MAP_FAILED ? -1 : 0, errno);
		result("mremap the locked page to 2", (q = mremap(q, PG, 2 * PG, MREMAP_MAYMOVE)) ==
		       MAP_FAILED ? -1 : 0, errno);
		show_lck("after mremap");
		if (q != MAP_FAILED)
			munmap(q, 2 * PG);
	}

	RESULT("lower RLIMIT_MEMLOCK to 0", set_limit(0));
	RESULT("mlock with limit 0", mlock(p, PG));
	RESULT("mlock length 0 with limit 0", mlock(p, 0));
	RESULT("mlock2 with limit 0", syscall(SYS_mlock2, p, PG, 1));
	RESULT("mlock2 bad flags with limit 0", syscall(SYS_mlock2, p, PG, 4));
	RESULT("munlock with limit 0", munlock(p, 4 * PG));
	RESULT("mlockall with limit 0", mlockall(MCL_FUTURE));
	RESULT("mlockall bad flags with limit 0", mlockall(0));
	RESULT("munlockall with limit 0", munlockall());
	try_map("mmap MAP_LOCKED with limit 0", 1, MAP_LOCKED);
	munmap(p, 4 * PG);
}

/* Without CAP_IPC_LOCK under an 8 MiB limit (Linux's default): a small program may lock all. */
static void unprivileged_all(void)
{
	RESULT("set RLIMIT_MEMLOCK to 8 MiB", set_limit(8UL << 20));
	RESULT("drop CAP_IPC_LOCK", drop_ipc_lock());
	RESULT("mlockall MCL_CURRENT|MCL_FUTURE", mlockall(MCL_CURRENT | MCL_FUTURE));
	long l = vmlck();
	fact("VmLck within the limit", l > 0 && l <= 8192);
	try_map("mmap 64 pages", 64, 0);
	fact("the mapping counted and went", vmlck() == l);
	try_map("mmap 8 MiB over the limit", 2048, 0);
	RESULT("munlockall", munlockall());
	show_lck("after munlockall");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		child_view("after exec");
		return 0;
	}
	ranges();
	faulting();
	all();
	child_run(unprivileged);
	child_run(unprivileged_all);
	show_lck("end");
	return 0;
}
