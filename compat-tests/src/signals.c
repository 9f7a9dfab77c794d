/* Signals a process sends itself and faults it handles: dispositions, masks, SA_* flags, the
   siginfo and ucontext a handler sees, sigaltstack, FPU state across a handler, abort's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "compat.h"

static volatile int hits, last, depth, max_depth;
static volatile uintptr_t seen_addr, seen_sp;
static sigjmp_buf jb;
static char altstack[65536];

static void count(int s) { hits++; last = s; }
static volatile int calls;
static void nested(int s)
{
	depth++;
	calls++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls < 3)
		raise(s);
	depth--;
}
static void info(int s, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	last = s;
	seen_addr = (uintptr_t)si->si_addr;
	seen_sp = (uintptr_t)&s;
	printf("  si_signo %d si_code %d same pid %s\n", si->si_signo, si->si_code,
	       (s == SIGUSR1 && si->si_pid == getpid()) || s != SIGUSR1 ? "yes" : "no");
	printf("  uc_mcontext rip nonzero: %s\n", uc->uc_mcontext.gregs[REG_RIP] ? "yes" : "no");
	if (s == SIGSEGV)
		siglongjmp(jb, 1);
}

static void set(int s, void (*h)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigaction(s, &sa, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	set(SIGUSR1, count, 0);
	int r = raise(SIGUSR1);
	printf("raise USR1: %d hits %d\n", r, hits);
	r = kill(getpid(), SIGUSR1);
	printf("kill(getpid) USR1: %d hits %d\n", r, hits);
	printf("kill sig 0: %d\n", kill(getpid(), 0));
	errno = 0;
	r = kill(getpid(), 99);
	printf("kill sig 99: %d %s\n", r, errname(errno));
	errno = 0;
	long lr = syscall(SYS_tgkill, getpid(), 0, SIGUSR1);
	printf("tgkill bad tid: %ld %s\n", lr, errname(errno));

	sigset_t m, p;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigpending(&p);
	printf("blocked: hits %d pending %d\n", hits, sigismember(&p, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	printf("unblocked: hits %d\n", hits);
	sigprocmask(SIG_BLOCK, &m, NULL);
	raise(SIGUSR1);
	sigset_t empty;
	sigemptyset(&empty);
	errno = 0;
	r = sigsuspend(&empty);
	sigprocmask(SIG_SETMASK, NULL, &p);
	printf("sigsuspend: %d %s hits %d mask restored %d\n", r, errname(errno), hits,
	       sigismember(&p, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &m, NULL);

	set(SIGUSR2, nested, 0);
	raise(SIGUSR2);
	printf("no SA_NODEFER: max depth %d\n", max_depth);
	max_depth = depth = calls = 0;
	set(SIGUSR2, nested, SA_NODEFER);
	raise(SIGUSR2);
	printf("SA_NODEFER: max depth %d\n", max_depth);

	hits = 0;
	set(SIGUSR1, count, SA_RESETHAND);
	raise(SIGUSR1);
	struct sigaction old;
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: hits %d now default %s\n", hits, old.sa_handler == SIG_DFL ? "yes" : "no");

	set(SIGTERM, SIG_IGN, 0);
	raise(SIGTERM);
	printf("ignored SIGTERM: still here\n");
	set(SIGCHLD, SIG_DFL, 0);
	raise(SIGCHLD);
	printf("default-ignored SIGCHLD: still here\n");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	printf("SA_SIGINFO USR1:\n");
	raise(SIGUSR1);
	sigaction(SIGSEGV, &sa, NULL);
	printf("SA_SIGINFO SEGV at 0x10:\n");
	volatile uintptr_t bad = 0x10;
	if (!sigsetjmp(jb, 1))
		*(volatile int *)bad = 1;
	printf("  si_addr 0x%lx\n", (unsigned long)seen_addr);

	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	printf("SA_ONSTACK USR1:\n");
	raise(SIGUSR1);
	printf("  handler ran on the alternate stack: %s\n",
	       seen_sp >= (uintptr_t)altstack && seen_sp < (uintptr_t)altstack + sizeof altstack ?
	       "yes" : "no");

	volatile double d = 1.25;
	set(SIGUSR2, count, 0);
	raise(SIGUSR2);
	printf("FPU across a handler: %.3f\n", d * 4);
	printf("abort:\n");
	abort();
}
