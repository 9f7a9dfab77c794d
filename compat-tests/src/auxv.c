/* auxv: the auxiliary vector a Linux loader hands a static program, checked through getauxval. */
#include "compat.h"
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <cpuid.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern const ElfW(Ehdr) __ehdr_start;	/* the ELF header, mapped with the first segment */
extern char _start[];			/* the entry point both libcs' crt1 define */

/* aux: getauxval(type), with *present set to whether the entry exists (both libcs set ENOENT). */
static unsigned long aux(unsigned long type, int *present)
{
	unsigned long v;

	errno = 0;
	v = getauxval(type);
	*present = !(v == 0 && errno == ENOENT);
	return v;
}

int main(int argc, char **argv)
{
	int p;
	unsigned long v;
	const unsigned char *rnd;
	const char *s;
	unsigned sum = 0;
	unsigned a, b, c, d;

	(void)argc;
	printf("AT_PAGESZ=%lu\n", aux(AT_PAGESZ, &p));
	printf("AT_PHENT=%lu\n", aux(AT_PHENT, &p));
	fact("AT_PHNUM>0", aux(AT_PHNUM, &p) > 0);
	fact("AT_PHNUM matches e_phnum", aux(AT_PHNUM, &p) == __ehdr_start.e_phnum);
	v = aux(AT_PHDR, &p);
	fact("AT_PHDR is the mapped program headers",
	     v == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff);
	v = aux(AT_ENTRY, &p);
	fact("AT_ENTRY!=0", v != 0);
	fact("AT_ENTRY is _start", v == (uintptr_t)_start);
	printf("AT_BASE=%lu\n", aux(AT_BASE, &p));	/* 0: no interpreter */

	rnd = (const unsigned char *)aux(AT_RANDOM, &p);
	fact("AT_RANDOM present", p && rnd != NULL);
	if (rnd) {
		for (int i = 0; i < 16; i++)	/* faults if the 16 bytes are not readable */
			sum |= rnd[i];
		fact("AT_RANDOM 16 bytes readable, not all zero", sum != 0);
	}

	s = (const char *)aux(AT_EXECFN, &p);
	fact("AT_EXECFN equals argv[0]", s && strcmp(s, argv[0]) == 0);
	s = (const char *)aux(AT_PLATFORM, &p);
	printf("AT_PLATFORM=%s\n", s ? s : "(missing)");

	fact("AT_UID==getuid()", aux(AT_UID, &p) == getuid() && p);
	fact("AT_EUID==geteuid()", aux(AT_EUID, &p) == geteuid() && p);
	fact("AT_GID==getgid()", aux(AT_GID, &p) == getgid() && p);
	fact("AT_EGID==getegid()", aux(AT_EGID, &p) == getegid() && p);
	v = aux(AT_SECURE, &p);
	printf("AT_SECURE=%lu present=%s\n", v, p ? "yes" : "no");
	fact("AT_HWCAP nonzero", aux(AT_HWCAP, &p) != 0);
	/* The signal frame holds the XSAVE area of the enabled features, whose size is CPUID
	   leaf 0xd's EBX. */
	__cpuid_count(0xd, 0, a, b, c, d);
	printf("AT_CLKTCK=%lu\n", aux(AT_CLKTCK, &p));
	v = aux(AT_MINSIGSTKSZ, &p);
	fact("AT_MINSIGSTKSZ present", p);
	fact("AT_MINSIGSTKSZ holds cpuid(0xd).ebx of XSAVE area", v > b && v < b + 4096);
	printf("AT_RSEQ_FEATURE_SIZE=%lu\n", aux(27, &p));
	printf("AT_RSEQ_ALIGN=%lu\n", aux(28, &p));
	return 0;
}
