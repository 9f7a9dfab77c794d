/* segv: prints a line, flushes it, then faults at NULL; Linux kills it with SIGSEGV (status 139).
   usage: segv [store|call|call-rdx|handler] (default store)
     store     stores through NULL
     call      calls a NULL function pointer (through %rax, as compilers often load it)
     call-rdx  calls NULL through %rdx
     handler   calls NULL with a SIGSEGV handler that reports the fault address and exits 0 */
#include "compat.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	printf("SIGSEGV %d at address %#lx code %d\n", sig, (unsigned long)(uintptr_t)si->si_addr,
	       si->si_code);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "store";
	int *volatile p = NULL;	/* volatile: the compiler must not turn the store into a trap */

	if (strcmp(how, "handler") == 0) {
		struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
		sigaction(SIGSEGV, &sa, NULL);
	}
	printf("before the NULL %s\n", how);
	fflush(stdout);
	if (strcmp(how, "store") == 0) {
		*(volatile int *)p = 1;
	} else if (strcmp(how, "call-rdx") == 0) {
		__asm__ volatile("xorl %%edx, %%edx\n\tcall *%%rdx" : : : "rax", "rcx", "rdx", "rsi",
				 "rdi", "r8", "r9", "r10", "r11", "memory");
	} else {
		/* rax: the system-call number register, 0 the number of read */
		__asm__ volatile("xorl %%eax, %%eax\n\tcall *%%rax" : : : "rax", "rcx", "rdx", "rsi",
				 "rdi", "r8", "r9", "r10", "r11", "memory");
	}
	printf("survived the NULL %s\n", how);
	return 0;
}
