/* seccomp: strict mode, classic-BPF filters (checks, actions, precedence, what a filter sees),
   inheritance across fork, threads and execve, TSYNC, and the errno cases of seccomp(2) and
   prctl(PR_SET_SECCOMP). Each part runs in a child: a filter cannot be removed. */
#include "compat.h"
#include "seccomp.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A filter answering `action` for system call nr and allowing the rest. */
static long deny(long nr, uint32_t action)
{
	struct insn f[] = {
		I(LD_ABS, 0, 0, OFF_NR),
		I(JEQ_K, 0, 1, (uint32_t)nr),
		I(RET_K, 0, 0, action),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	return install(f, 4, 0);
}



/* Waits for child c and prints how it ended. */
static void report(const char *what, pid_t c)
{
	int st;
	waitpid(c, &st, 0);
	if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
}

static void in_child(const char *what, int (*f)(void))
{
	pid_t c = fork();
	if (c == 0)
		_exit(f());
	report(what, c);
}

static void status_lines(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp", 7) || !strncmp(line, "NoNewPrivs", 10))
			printf("  %s", line);
	if (f)
		fclose(f);
}

/* A filter of one instruction before a return of ALLOW. */
static void before_allow(const char *what, struct insn in)
{
	struct insn f[] = { in, I(RET_K, 0, 0, RET_ALLOW) };
	RESULT(what, install(f, 2, 0));
}

/* getppid by a syscall instruction of our own: the result, and the address after it. */
static long getppid_at(uintptr_t *after)
{
	long ret;
	__asm__ volatile("lea 1f(%%rip), %1\n\tsyscall\n1:"
			 : "=a"(ret), "=r"(*after)
			 : "a"((long)SYS_getppid)
			 : "rcx", "r11", "memory");
	return ret;
}

static int errors(void)
{
	RESULT("unknown operation", seccomp_(99, 0, NULL));
	RESULT("unknown flag", seccomp_(SECCOMP_SET_MODE_FILTER, 1u << 12, NULL));
	RESULT("no program", seccomp_(SECCOMP_SET_MODE_FILTER, 0, NULL));
	struct prog p = { 0, NULL };
	RESULT("zero instructions", seccomp_(SECCOMP_SET_MODE_FILTER, 0, &p));
	p.len = 4097;
	RESULT("4097 instructions", seccomp_(SECCOMP_SET_MODE_FILTER, 0, &p));
	p.len = 1;
	RESULT("instructions at NULL", seccomp_(SECCOMP_SET_MODE_FILTER, 0, &p));
	p.filter = (struct insn *)8;
	RESULT("instructions unreadable", seccomp_(SECCOMP_SET_MODE_FILTER, 0, &p));
	struct insn noret[] = { I(LD_ABS, 0, 0, OFF_NR) };
	RESULT("no return at the end", install(noret, 1, 0));
	before_allow("unaligned load", I(LD_ABS, 0, 0, 2));
	before_allow("load past the data", I(LD_ABS, 0, 0, 64));
	before_allow("byte load", I(LD_B_ABS, 0, 0, 0));
	before_allow("jump out of the program", I(JEQ_K, 0, 5, 1));
	before_allow("ja out of the program", I(JA, 0, 0, 1));
	before_allow("division by constant 0", I(ALU_DIV_K, 0, 0, 0));
	before_allow("memory read before a store", I(LD_MEM, 0, 0, 3));
	struct insn halfstored[] = {
		I(LD_ABS, 0, 0, OFF_NR), I(JEQ_K, 0, 1, 1), I(ST, 0, 0, 3), I(LD_MEM, 0, 0, 3),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	RESULT("memory stored on one path only", install(halfstored, 5, 0));
	before_allow("memory word 16", I(ST, 0, 0, 16));
	before_allow("unknown opcode", I(0xff, 0, 0, 0));
	RESULT("strict with flags", seccomp_(SECCOMP_SET_MODE_STRICT, 1, NULL));
	RESULT("strict with arguments", seccomp_(SECCOMP_SET_MODE_STRICT, 0, &p));
	RESULT("prctl unknown mode", prctl(PR_SET_SECCOMP, 3, 0, 0, 0));
	uint32_t a = RET_ALLOW;
	RESULT("action ALLOW available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &a));
	a = RET_KILL_PROCESS;
	RESULT("action KILL_PROCESS available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &a));
	a = RET_TRAP;
	RESULT("action TRAP available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &a));
	a = RET_LOG;
	RESULT("action LOG available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &a));
	a = 0x12340000u;
	RESULT("action 0x12340000 available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &a));
	RESULT("action with flags", seccomp_(SECCOMP_GET_ACTION_AVAIL, 1, &a));
	RESULT("action unreadable", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, NULL));
	RESULT("mode before", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	/* Still no filter: the good parts of a filter that failed are not kept. */
	status_lines();
	return 0;
}

/* Without no_new_privs only CAP_SYS_ADMIN may install one. */
static int privileges(void)
{
	if (setresuid(1000, 1000, 1000))
		return 10;
	RESULT("filter as a user without no_new_privs", deny(SYS_getppid, RET_ERRNO | EPERM));
	RESULT("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	RESULT("filter as a user with no_new_privs", deny(SYS_getppid, RET_ERRNO | EPERM));
	RESULT("getppid", getppid() > 0);
	return 0;
}

static int errno_action(void)
{
	RESULT("install", deny(SYS_getppid, RET_ERRNO | EPERM));
	RESULT("mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	RESULT("getppid", syscall(SYS_getppid));
	RESULT("getpid still runs", getpid() > 0);
	RESULT("install errno 0 for kill", deny(SYS_kill, RET_ERRNO | 0));
	RESULT("kill(self, SIGKILL) skipped", kill(getpid(), SIGKILL));
	RESULT("install errno 5000 for getuid", deny(SYS_getuid, RET_ERRNO | 5000));
	errno = 0;
	long r = syscall(SYS_getuid);
	printf("getuid: %ld errno %d\n", r, errno);
	RESULT("install TRACE for getgid", deny(SYS_getgid, RET_TRACE));
	RESULT("getgid with no tracer", syscall(SYS_getgid));
	RESULT("install LOG for geteuid", deny(SYS_geteuid, RET_LOG | 7));
	RESULT("geteuid logged, runs", syscall(SYS_geteuid));
	status_lines();
	return 0;
}

/* What the filter reads: arguments as two 32-bit halves, the architecture, the address after
   the system call instruction. */
static int data_seen(void)
{
	struct insn f[] = {
		I(LD_ABS, 0, 0, OFF_ARCH),
		I(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
		I(RET_K, 0, 0, RET_KILL_PROCESS),
		I(LD_ABS, 0, 0, OFF_NR),
		I(JEQ_K, 0, 5, SYS_lseek),
		I(LD_ABS, 0, 0, OFF_ARG(1) + 4),        /* the offset's high half */
		I(JEQ_K, 0, 1, 0x12345678),
		I(RET_K, 0, 0, RET_ERRNO | 11),
		I(LD_ABS, 0, 0, OFF_ARG(1)),            /* its low half is the verdict */
		I(RET_A, 0, 0, 0),
		I(JEQ_K, 0, 4, SYS_getppid),
		I(LD_ABS, 0, 0, OFF_IP),
		I(ALU_AND_K, 0, 0, 0xfff),
		I(ALU_OR_K, 0, 0, RET_ERRNO),           /* errno: the address's low 12 bits */
		I(RET_A, 0, 0, 0),
		I(LD_LEN, 0, 0, 0),
		I(JEQ_K, 0, 3, 64),
		I(LD_ABS, 0, 0, OFF_NR),
		I(JEQ_K, 0, 1, SYS_getuid),
		I(RET_K, 0, 0, RET_ERRNO | 64),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	RESULT("install", install(f, 21, 0));
	RESULT("lseek high half matches", syscall(SYS_lseek, 0, 0x12345678ll << 32, 0));
	RESULT("lseek high half differs, low half as verdict", syscall(SYS_lseek, 0, RET_ERRNO | 33, 0));
	RESULT("getuid (length 64)", syscall(SYS_getuid));
	uintptr_t after;
	long ret = getppid_at(&after);
	printf("address after the syscall instruction seen: %s\n",
	       ret == -(long)(after & 0xfff) || (ret == 0 && (after & 0xfff) == 0) ? "yes" : "no");
	return 0;
}

static int precedence(void)
{
	RESULT("install errno 1", deny(SYS_getppid, RET_ERRNO | 1));
	RESULT("install errno 2", deny(SYS_getppid, RET_ERRNO | 2));
	RESULT("newest of equal actions", syscall(SYS_getppid));
	RESULT("install ALLOW", deny(SYS_getppid, RET_ALLOW));
	RESULT("ALLOW does not win over ERRNO", syscall(SYS_getppid));
	RESULT("install TRACE", deny(SYS_getppid, RET_TRACE));
	RESULT("ERRNO wins over TRACE", syscall(SYS_getppid));
	status_lines();
	return 0;
}

static volatile long trap_info[8];

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	trap_info[0] = sig;
	trap_info[1] = si->si_code;
	trap_info[2] = si->si_errno;
	trap_info[3] = si->si_syscall;
	trap_info[4] = si->si_arch;
	trap_info[5] = (long)si->si_call_addr;
	trap_info[6] = uc->uc_mcontext.gregs[REG_RAX];
	uc->uc_mcontext.gregs[REG_RAX] = 42;
}

static int trap(void)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	RESULT("install", deny(SYS_getppid, RET_TRAP | 77));
	RESULT("install errno for getuid", deny(SYS_getuid, RET_ERRNO | 3));
	RESULT("install trap for getuid", deny(SYS_getuid, RET_TRAP | 5));
	uintptr_t after;
	long ret = getppid_at(&after);
	printf("getppid returned %ld (the handler's rax)\n", ret);
	printf("signal %ld code %ld errno %ld syscall %ld arch %#lx\n", trap_info[0], trap_info[1],
	       trap_info[2], trap_info[3], (unsigned long)trap_info[4]);
	printf("call address is after the instruction: %s\n",
	       (uintptr_t)trap_info[5] == after ? "yes" : "no");
	printf("rax in the frame is the call's number: %s\n", trap_info[6] == SYS_getppid ? "yes" : "no");
	RESULT("getuid: TRAP wins over ERRNO", syscall(SYS_getuid));
	printf("  data %ld\n", trap_info[2]);
	return 0;
}

enum { PLAIN, BLOCKED, IGNORED };

/* A child whose getppid gets `action` (with SIGSYS blocked or ignored): how it ends. */
static void verdict(const char *what, uint32_t action, int sigsys)
{
	pid_t c = fork();
	if (c == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSYS);
		if (sigsys == BLOCKED)
			sigprocmask(SIG_BLOCK, &s, NULL);
		if (sigsys == IGNORED)
			signal(SIGSYS, SIG_IGN);
		deny(SYS_getppid, action);
		syscall(SYS_getppid);
		_exit(3);
	}
	report(what, c);
}

static int div_by_x0(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	struct insn f[] = {
		I(LD_ABS, 0, 0, OFF_NR), I(JEQ_K, 1, 0, SYS_getppid), I(RET_K, 0, 0, RET_ALLOW),
		I(LDX_IMM, 0, 0, 0), I(ALU_DIV_X, 0, 0, 0), I(RET_K, 0, 0, RET_ERRNO | 1),
	};
	if (install(f, 6, 0))
		return 4;
	syscall(SYS_getppid);
	return 3;
}

static volatile long filtered_tid;

static void *thread_filtered(void *arg)
{
	filtered_tid = syscall(SYS_gettid);
	deny(SYS_getppid, RET_KILL_THREAD);
	syscall(SYS_getppid);
	filtered_tid = -1;              /* never reached */
	return NULL;
}

/* KILL_THREAD with other threads: that thread alone ends; the filter was that thread's own.
   (Not joined: a libc may wait for what the thread would have done on its way out.) */
static int kill_thread(void)
{
	pthread_t t;
	pthread_create(&t, NULL, thread_filtered, NULL);
	int gone = 0;
	for (int i = 0; i < 5000 && !gone; i++) {
		long tid = filtered_tid;
		gone = tid > 0 && syscall(SYS_tgkill, getpid(), tid, 0) == -1 && errno == ESRCH;
		if (!gone)
			usleep(1000);
	}
	printf("  the thread ended: %s\n", gone ? "yes" : "no");
	RESULT("  the main thread's getppid", syscall(SYS_getppid) > 0);
	RESULT("  the main thread's mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	return 0;
}

static volatile int phase;
static volatile long thread_ret, thread_tid;

static void *thread_waits(void *arg)
{
	thread_tid = syscall(SYS_gettid);
	if (arg)
		deny(SYS_getgid, RET_ERRNO | 9);        /* a filter of its own */
	phase = 1;
	while (phase != 2)
		usleep(1000);
	thread_ret = syscall(SYS_getppid);
	thread_ret = thread_ret < 0 ? -errno : thread_ret > 0;
	return NULL;
}

static int tsync(void)
{
	pthread_t t;
	phase = 0;
	pthread_create(&t, NULL, thread_waits, NULL);
	while (phase != 1)
		usleep(1000);
	struct insn f[] = {
		I(LD_ABS, 0, 0, OFF_NR), I(JEQ_K, 0, 1, SYS_getppid), I(RET_K, 0, 0, RET_ERRNO | 13),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	RESULT("install with TSYNC", install(f, 4, FLAG_TSYNC));
	phase = 2;
	pthread_join(t, NULL);
	printf("  the other thread's getppid: %ld\n", thread_ret);
	return 0;
}

static int tsync_fails(void)
{
	pthread_t t;
	phase = 0;
	pthread_create(&t, NULL, thread_waits, (void *)1);
	while (phase != 1)
		usleep(1000);
	struct insn f[] = { I(RET_K, 0, 0, RET_ALLOW) };
	long r = install(f, 1, FLAG_TSYNC);
	printf("TSYNC with a thread of other filters returns its tid: %s\n",
	       r == thread_tid ? "yes" : "no");
	RESULT("the same with TSYNC_ESRCH", install(f, 1, FLAG_TSYNC | FLAG_TSYNC_ESRCH));
	RESULT("the caller's mode is unchanged", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	phase = 2;
	pthread_join(t, NULL);
	printf("  the other thread's getppid: %ld\n", thread_ret);
	return 0;
}

/* 4096-instruction filters until the path bound (32768, 4 more a filter) refuses one. */
static int too_many(void)
{
	static struct insn f[4096];
	for (int i = 0; i < 4096; i++)
		f[i] = I(RET_K, 0, 0, RET_ALLOW);
	for (int i = 1; i <= 10; i++) {
		long r = install(f, 4096, 0);
		if (r) {
			printf("filter %d: -1 %s\n", i, errname(errno));
			break;
		}
	}
	struct insn small[] = { I(RET_K, 0, 0, RET_ALLOW) };
	RESULT("a small one still fits", install(small, 1, 0));
	return 0;
}

/* The bound counts instructions as Linux converts them: jumps, returns of A and divisions by X
   each weigh differently. */
static int too_many_mixed(void)
{
	static struct insn f[4096];
	for (int i = 0; i < 4095; i++) {
		switch (i % 12) {
		case 0: case 6: f[i] = I(LDX_IMM, 0, 0, 1); break;
		case 1: case 7: f[i] = I(JEQ_K, 1, 1, 5); break;     /* Jxx and JA */
		case 3: case 9: f[i] = I(JEQ_K, 0, 0, 0x80000000u); break; /* top-bit constant */
		case 5: case 11: f[i] = I(JEQ_K, 0, 1, 7); break;    /* JNE */
		case 10: f[i] = I(ALU_DIV_X, 0, 0, 0); break;
		default: f[i] = I(LD_ABS, 0, 0, OFF_NR); break;
		}
	}
	f[4095] = I(RET_K, 0, 0, RET_ALLOW);
	f[4094] = I(LD_ABS, 0, 0, OFF_NR);
	for (int i = 1; i <= 10; i++) {
		long r = install(f, 4096, 0);
		if (r) {
			printf("filter %d: -1 %s\n", i, errname(errno));
			break;
		}
	}
	return 0;
}

static int inherit(void)
{
	RESULT("install", deny(SYS_getppid, RET_ERRNO | EPERM));
	pid_t c = fork();
	if (c == 0) {
		RESULT("fork child getppid", syscall(SYS_getppid));
		_exit(0);
	}
	waitpid(c, NULL, 0);
	execl("/proc/self/exe", "seccomp", "probe", (char *)NULL);
	printf("execl: %s\n", errname(errno));
	return 9;
}

static int probe(void)
{
	RESULT("after execve: getppid", syscall(SYS_getppid));
	RESULT("after execve: mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	status_lines();
	return 0;
}

static int strict_ok(void)
{
	if (prctl(PR_SET_SECCOMP, 1, 0, 0, 0))
		return 5;
	static const char msg[] = "  strict: write works\n";
	syscall(SYS_write, 1, msg, sizeof(msg) - 1);
	syscall(SYS_exit, 0);
	return 6;
}

static int strict_denied(void)
{
	if (seccomp_(SECCOMP_SET_MODE_STRICT, 0, NULL))
		return 5;
	syscall(SYS_getpid);
	return 6;
}

static int strict_exit_group(void)
{
	if (seccomp_(SECCOMP_SET_MODE_STRICT, 0, NULL))
		return 5;
	syscall(SYS_exit_group, 0);
	return 6;
}

static int filter_then_strict(void)
{
	deny(SYS_getppid, RET_ERRNO | 1);
	RESULT("strict after a filter", seccomp_(SECCOMP_SET_MODE_STRICT, 0, NULL));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "probe"))
		return probe();
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	in_child("errors", errors);
	in_child("privileges", privileges);
	in_child("errno action", errno_action);
	in_child("data", data_seen);
	in_child("precedence", precedence);
	in_child("trap", trap);
	verdict("trap blocked", RET_TRAP, BLOCKED);
	verdict("trap ignored", RET_TRAP, IGNORED);
	verdict("kill process", RET_KILL_PROCESS, PLAIN);
	verdict("kill process, SIGSYS ignored", RET_KILL_PROCESS, IGNORED);
	verdict("kill thread, alone", RET_KILL_THREAD, PLAIN);
	verdict("unknown action", 0x12340000u, PLAIN);
	in_child("division by X = 0", div_by_x0);
	in_child("kill thread", kill_thread);
	in_child("tsync", tsync);
	in_child("tsync fails", tsync_fails);
	in_child("too many instructions", too_many);
	in_child("too many, mixed", too_many_mixed);
	in_child("inherit", inherit);
	in_child("strict", strict_ok);
	in_child("strict denied", strict_denied);
	in_child("strict exit_group", strict_exit_group);
	in_child("filter then strict", filter_then_strict);
	return 0;
}
