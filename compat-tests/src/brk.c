/* brk: the program break through the raw system call (never the libc's cached sbrk). Every brk call
 * happens before the first printf or malloc, and the break is restored before them, because glibc's
 * malloc (and its static TLS setup) own the memory above the initial break. */
#include "compat.h"
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
	uintptr_t b0, base, r_grow, r_zero, r_shrink, r_regrow, r_low, r_cur, r_odd, r_restore;
	int writable = 1, zero_after_regrow;

	b0 = sys_brk(0);
	base = (b0 + PG - 1) & ~(PG - 1);
	r_grow = sys_brk(base + (1UL << 20));
	if (r_grow == base + (1UL << 20)) {
		for (uintptr_t a = b0; a < r_grow; a += 64)
			*(volatile unsigned char *)a = 0x77;
		for (uintptr_t a = b0; a < r_grow; a += 64)
			writable &= *(volatile unsigned char *)a == 0x77;
	}
	r_zero = sys_brk(0);
	r_shrink = sys_brk(base + PG);
	r_regrow = sys_brk(base + (1UL << 20));
	zero_after_regrow = r_regrow == base + (1UL << 20) &&
			    *(volatile unsigned char *)(base + 8 * PG) == 0;
	r_low = sys_brk(PG);	/* far below the start of the heap */
	r_cur = sys_brk(0);
	r_odd = sys_brk(base + 100);
	r_restore = sys_brk(b0);

	fact("initial break nonzero", b0 != 0);
	fact("grow by 1 MiB returns the new break", r_grow == base + (1UL << 20));
	fact("grown memory writable", r_grow == base + (1UL << 20) && writable);
	fact("brk(0) reports the grown break", r_zero == r_grow);
	fact("shrink returns the new break", r_shrink == base + PG);
	fact("memory released by a shrink is zero after regrowing", zero_after_regrow);
	fact("brk below the heap start is refused (returns current break)", r_low == r_regrow);
	fact("brk(0) unchanged after the refusal", r_cur == r_regrow);
	fact("unaligned break returned as asked", r_odd == base + 100);
	fact("restored to the initial break", r_restore == b0);
	return 0;
}
