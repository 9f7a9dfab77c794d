/* breakpoint: a program's own int3 and ud2 reach it as SIGTRAP and SIGILL with Linux's siginfo
 * and the rip a handler sees (after the int3, at the ud2), a handler can step over them, and an
 * int3 with no handler kills with SIGTRAP. unik's core asks for its CPL0 services with int3
 * too: the program's must not be taken for one. */
#include "compat.h"
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/wait.h>

void do_int3(void);
void do_ud2(void);
extern char after_int3[], at_ud2[];
__asm__(".text\n"
	".globl do_int3\ndo_int3:\n\tint3\n.globl after_int3\nafter_int3:\n\tret\n"
	".globl do_ud2\ndo_ud2:\n.globl at_ud2\nat_ud2:\n\tud2\n\tret\n");

static volatile int traps;

static void on_trap(int s, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	traps++;
	printf("  signal %d si_code %d si_addr %s rip %s\n", s, si->si_code,
	       si->si_addr == NULL ? "0" : (uintptr_t)si->si_addr == (uintptr_t)at_ud2 ? "the ud2" : "other",
	       rip == (uintptr_t)after_int3 ? "after the int3" : rip == (uintptr_t)at_ud2 ? "at the ud2" : "other");
	if (s == SIGILL)
		uc->uc_mcontext.gregs[REG_RIP] += 2;    /* step over the ud2 */
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	for (int i = 0; i < 3; i++)
		do_int3();
	printf("int3 three times: %d traps, went on\n", traps);
	do_ud2();
	printf("ud2 stepped over: %d traps\n", traps);

	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		signal(SIGTRAP, SIG_DFL);
		do_int3();
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("int3 with no handler: %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exit",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}
