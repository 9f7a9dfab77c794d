/* syscall_stack: a system call that takes away the stack it was made from returns to its
   caller, as Linux's do (the return does not touch the stack). The same `syscall` instruction is
   executed several times, so a system that rewrites call sites (unik) takes its direct path. */
#include "compat.h"
#include <sys/mman.h>
#include <sys/syscall.h>

/* One call site: the system call nr(a, b, c) made with rsp at stack_top. */
static __attribute__((noinline)) long call_on_stack(long nr, long a, long b, long c,
						    void *stack_top)
{
	long ret;
	__asm__ volatile("movq %%rsp, %%r12\n\t"
			 "movq %[top], %%rsp\n\t"
			 "syscall\n\t"
			 "movq %%r12, %%rsp"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), [top] "r"(stack_top)
			 : "rcx", "r11", "r12", "memory");
	return ret;
}

static char *stack_map(void)
{
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("mmap: %s\n", errname(errno));
		exit(1);
	}
	return m;
}

int main(void)
{
	char *m = stack_map();
	long ok = 0;
	for (int i = 0; i < 4; i++)
		ok += call_on_stack(SYS_mprotect, (long)m, 4096, PROT_READ | PROT_WRITE, m + 4096) == 0;
	fact("mprotect from the stack it leaves writable, 4 times", ok == 4);
	fact("mprotect making its own stack read-only returns 0",
	     call_on_stack(SYS_mprotect, (long)m, 4096, PROT_READ, m + 4096) == 0);
	m = stack_map();
	fact("munmap of its own stack returns 0",
	     call_on_stack(SYS_munmap, (long)m, 4096, 0, m + 4096) == 0);
	fact("the page is gone",
	     call_on_stack(SYS_madvise, (long)m, 4096, MADV_NORMAL, m + 8192) == -ENOMEM);
	m = stack_map();
	fact("getpid from a fresh stack",
	     call_on_stack(SYS_getpid, 0, 0, 0, m + 4096) == getpid());
	return 0;
}
