/* rseq: restartable sequences. Registration and its errno values (EINVAL, EPERM, EBUSY, EFAULT),
 * the CPU numbers the kernel writes, a critical section sent to its abort handler by a signal
 * (the handler's frame saves the abort address) and by being switched out for another thread on
 * the same CPU, the descriptor pointer cleared outside a section, the checks that end the
 * process with SIGSEGV (signature, version, abort address, flags, unreadable descriptor,
 * unwritable area), fork keeping the registration and exec dropping it, and membarrier's RSEQ
 * commands. The program pins itself to CPU 0 so the CPU numbers do not depend on the machine.
 * glibc registers an area of its own at start: it is unregistered first, so both libcs start
 * alike. */
#include "compat.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define SIG 0x53053053u
#define UNREGISTER 1

struct rs {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;
	uint32_t flags, node_id, mm_cid;
} __attribute__((aligned(32)));

struct rs_cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));

static struct rs area[2], thread_area;

/* cs_spin(field, desc): stores desc in the rseq_cs field, then spins inside the section
 * [cs_start, cs_end) until the kernel moves it to cs_abort, which returns 1. The signature sits
 * right before the abort handler, as rseq requires. */
__asm__(".text\n"
	".globl cs_spin\n"
	"cs_spin:\n"
	"	movq %rsi, (%rdi)\n"
	"cs_start:\n"
	"	jmp cs_start\n"
	"cs_end:\n"
	"	.long 0x53053053\n"
	"cs_abort:\n"
	"	movl $1, %eax\n"
	"	ret\n"
	"	.long 0x12345678\n"
	"cs_bad_abort:\n"
	"	movl $2, %eax\n"
	"	ret\n");
extern long cs_spin(uint64_t *field, const struct rs_cs *desc);
extern char cs_start[], cs_end[], cs_abort[], cs_bad_abort[];

static struct rs_cs good_cs, other_cs;

static long sys_rseq(void *p, uint32_t len, int flags, uint32_t sig)
{
	return syscall(SYS_rseq, p, len, flags, sig);
}

extern const unsigned int __rseq_size __attribute__((weak));
extern const ptrdiff_t __rseq_offset __attribute__((weak));

/* Drops the registration glibc made for this thread, if any (glibc registers a new thread only
 * when the thread that made it had one: in_thread tolerates none). */
static void drop_libc_rseq(int in_thread)
{
	if (&__rseq_size && __rseq_size &&
	    sys_rseq((char *)__builtin_thread_pointer() + __rseq_offset, 32, UNREGISTER, SIG) &&
	    !(in_thread && errno == EINVAL)) {
		printf("cannot unregister the libc's rseq area: %s\n", errname(errno));
		exit(1);
	}
}

static void pin_cpu0(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		printf("sched_setaffinity: %s\n", errname(errno));
		exit(1);
	}
}

static void set_descs(void)
{
	good_cs = (struct rs_cs){ 0, 0, (uintptr_t)cs_start, (uintptr_t)(cs_end - cs_start),
				  (uintptr_t)cs_abort };
	other_cs = good_cs;     /* a valid section elsewhere: the caller is never inside it */
}

static void registration(void)
{
	struct rs *a = &area[0], *b = &area[1];
	memset(a, 0xee, sizeof(*a));
	a->rseq_cs = 0;
	a->flags = 0;
	RESULT("register", sys_rseq(a, 32, 0, SIG));
	printf("cpu_id_start %u cpu_id %u node_id %u mm_cid %u\n", a->cpu_id_start, a->cpu_id,
	       a->node_id, a->mm_cid);
	RESULT("register again", sys_rseq(a, 32, 0, SIG));
	RESULT("register again, other signature", sys_rseq(a, 32, 0, 1));
	RESULT("register another area", sys_rseq(b, 32, 0, SIG));
	RESULT("register again, other length", sys_rseq(a, 64, 0, SIG));
	RESULT("unregister another area", sys_rseq(b, 32, UNREGISTER, SIG));
	RESULT("unregister, other length", sys_rseq(a, 64, UNREGISTER, SIG));
	RESULT("unregister, other signature", sys_rseq(a, 32, UNREGISTER, 1));
	RESULT("unregister with flags 3", sys_rseq(a, 32, 3, SIG));
	RESULT("unregister", sys_rseq(a, 32, UNREGISTER, SIG));
	printf("after: cpu_id_start %u cpu_id %d node_id %u mm_cid %u\n", a->cpu_id_start,
	       (int)a->cpu_id, a->node_id, a->mm_cid);
	RESULT("unregister when none", sys_rseq(a, 32, UNREGISTER, SIG));
	RESULT("flags 2", sys_rseq(a, 32, 2, SIG));

	static const struct { const char *what; uintptr_t off; uint32_t len; } sizes[] = {
		{ "length 16", 0, 16 }, { "length 28", 0, 28 }, { "length 31", 0, 31 },
		{ "length 33", 0, 33 }, { "length 64", 0, 64 }, { "length 1 GiB", 0, 1u << 30 },
		{ "aligned on 8", 8, 32 }, { "aligned on 4, length 64", 4, 64 },
		{ "aligned on 16, length 40", 16, 40 },
	};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = (char *)a + sizes[i].off;
		long r = sys_rseq(p, sizes[i].len, 0, SIG);
		result(sizes[i].what, r, errno);
		if (r == 0)
			RESULT("  and unregister", sys_rseq(p, sizes[i].len, UNREGISTER, SIG));
	}
	RESULT("kernel address", sys_rseq((void *)0xffff800000000000ul, 32, 0, SIG));
	RESULT("ending past the user range", sys_rseq((void *)0x7fffffffffe0ul, 32, 0, SIG));
	RESULT("length past the user range", sys_rseq((void *)0x7ffffff00000ul, 1u << 31, 0, SIG));
	RESULT("address 0", sys_rseq(NULL, 32, 0, SIG));
	char *m = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	RESULT("a PROT_NONE page", sys_rseq(m, 32, 0, SIG));
	mprotect(m, 4096, PROT_READ | PROT_WRITE);
	RESULT("64 bytes of which 32 are in a PROT_NONE page", sys_rseq(m + 4064, 64, 0, SIG));
	RESULT("  and unregister", sys_rseq(m + 4064, 64, UNREGISTER, SIG));
	munmap(m, 8192);
	RESULT("an unmapped page", sys_rseq(m, 32, 0, SIG));
	/* The descriptor pointer is cleared at registration, unchecked. */
	static struct rs_cs version1 = { 1, 0, 0, 0, 0 };
	a->rseq_cs = (uintptr_t)&version1;
	RESULT("with a version 1 descriptor in rseq_cs", sys_rseq(a, 32, 0, SIG));
	fact("  rseq_cs cleared", a->rseq_cs == 0);
	RESULT("  and unregister", sys_rseq(a, 32, UNREGISTER, SIG));
}

static volatile sig_atomic_t handled;
static uintptr_t handler_rip;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	handler_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	handled++;
}

static void handle(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static void arm_alarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void by_signal(void)
{
	struct rs *a = &area[0];
	RESULT("register", sys_rseq(a, 32, 0, SIG));
	handle(SIGALRM);
	handled = 0;
	arm_alarm();
	/* Being switched out aborts the section too: enter it again until the signal came. */
	long r;
	do {
		r = cs_spin(&a->rseq_cs, &good_cs);
	} while (!handled);
	printf("signal in the section: returned %ld, handler ran %d time(s)\n", r, (int)handled);
	fact("the handler's frame holds the abort address", handler_rip == (uintptr_t)cs_abort);
	fact("rseq_cs cleared", a->rseq_cs == 0);
	/* Outside a section the kernel clears the pointer too, at the signal. */
	a->rseq_cs = (uintptr_t)&other_cs;
	handle(SIGUSR1);
	raise(SIGUSR1);
	fact("signal outside the section: rseq_cs cleared", a->rseq_cs == 0);
	fact("cpu_id after the signals is 0", a->cpu_id == 0 && a->cpu_id_start == 0);
	/* Deprecated flags outside a section do not matter. */
	struct rs_cs flagged = good_cs;
	flagged.flags = 1;
	a->rseq_cs = (uintptr_t)&flagged;
	raise(SIGUSR1);
	fact("flags in a descriptor, outside the section: cleared, no SIGSEGV", a->rseq_cs == 0);
	/* membarrier's RSEQ command aimed at this CPU is an rseq event for the caller. */
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ, unregistered", syscall(SYS_membarrier, 128, 0, 0));
	RESULT("membarrier REGISTER_PRIVATE_EXPEDITED_RSEQ", syscall(SYS_membarrier, 256, 0, 0));
	RESULT("membarrier GET_REGISTRATIONS", syscall(SYS_membarrier, 512, 0, 0));
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ", syscall(SYS_membarrier, 128, 0, 0));
	RESULT("membarrier PRIVATE_EXPEDITED (not registered)", syscall(SYS_membarrier, 8, 0, 0));
	/* (What becomes of rseq_cs here is not printed: any preemption on the way clears it.) */
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ on every CPU", syscall(SYS_membarrier, 128, 0, 0));
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ on CPU 100000", syscall(SYS_membarrier, 128, 1, 100000));
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ on CPU 0", syscall(SYS_membarrier, 128, 1, 0));
	RESULT("membarrier PRIVATE_EXPEDITED_RSEQ with flags 2", syscall(SYS_membarrier, 128, 2, 0));
	RESULT("unregister", sys_rseq(a, 32, UNREGISTER, SIG));
}

static volatile int stop_spinner;

static void *spinner(void *arg)
{
	(void)arg;
	drop_libc_rseq(1);
	while (!stop_spinner)
		;
	return NULL;
}

static void *registers(void *arg)
{
	(void)arg;
	drop_libc_rseq(1);
	long r = sys_rseq(&thread_area, 32, 0, SIG);
	result("a new thread registers its own area", r, errno);
	return NULL;
}

static void by_preemption(void)
{
	struct rs *a = &area[0];
	RESULT("register", sys_rseq(a, 32, 0, SIG));
	pthread_t t;
	pthread_create(&t, NULL, registers, NULL);
	pthread_join(t, NULL);
	/* Another thread on the same CPU: the section is switched out for it at some point. */
	pthread_create(&t, NULL, spinner, NULL);
	long r = cs_spin(&a->rseq_cs, &good_cs);
	stop_spinner = 1;
	pthread_join(t, NULL);
	printf("switched out in the section: returned %ld\n", r);
	RESULT("unregister", sys_rseq(a, 32, UNREGISTER, SIG));
}

/* Each case runs in a child: how it ends. */
static void ends(const char *what, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		printf("  (went on)\n");
		fflush(stdout);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

static struct rs_cs bad;

static void spin_with_bad(void)
{
	sys_rseq(&area[0], 32, 0, SIG);
	handle(SIGALRM);
	arm_alarm();
	cs_spin(&area[0].rseq_cs, &bad);
}

static void raise_with_bad(void)
{
	sys_rseq(&area[0], 32, 0, SIG);
	area[0].rseq_cs = (uintptr_t)&bad;
	handle(SIGUSR1);
	raise(SIGUSR1);
}

static void bad_signature(void) { bad = good_cs; bad.abort_ip = (uintptr_t)cs_bad_abort; spin_with_bad(); }
static void bad_version(void) { bad = other_cs; bad.version = 1; raise_with_bad(); }
static void bad_abort_inside(void) { bad = other_cs; bad.abort_ip = bad.start_ip; raise_with_bad(); }
static void bad_flags_inside(void) { bad = good_cs; bad.flags = 1; spin_with_bad(); }
static void bad_range(void) { bad = other_cs; bad.post_commit_offset = ~0ull; raise_with_bad(); }

static void area_flags_inside(void)
{
	bad = good_cs;
	area[0].flags = 1;
	spin_with_bad();
}

static void switched_with_bad(void)
{
	bad = other_cs;
	bad.version = 1;
	sys_rseq(&area[0], 32, 0, SIG);
	area[0].rseq_cs = (uintptr_t)&bad;
	usleep(2000);
}

static void unreadable_desc(void)
{
	sys_rseq(&area[0], 32, 0, SIG);
	area[0].rseq_cs = 4096;
	handle(SIGUSR1);
	raise(SIGUSR1);
}

static void kernel_desc(void)
{
	sys_rseq(&area[0], 32, 0, SIG);
	area[0].rseq_cs = 0xffff800000000000ull;
	handle(SIGUSR1);
	raise(SIGUSR1);
}

static void read_only_area(void)
{
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sys_rseq(m, 32, 0, SIG);
}

static void fork_child(void)
{
	RESULT("fork child: register the same area again", sys_rseq(&area[0], 32, 0, SIG));
	fact("fork child: cpu_id 0", area[0].cpu_id == 0);
}

static int after_exec(void)
{
	pin_cpu0();
	drop_libc_rseq(0);
	RESULT("after exec: register the same area", sys_rseq(&area[0], 32, 0, SIG));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return after_exec();
	pin_cpu0();
	drop_libc_rseq(0);
	set_descs();
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "register")) {
		registration();
	} else if (!strcmp(what, "signal")) {
		by_signal();
	} else if (!strcmp(what, "preempt")) {
		by_preemption();
	} else if (!strcmp(what, "bad")) {
		ends("wrong signature before the abort handler", bad_signature);
		ends("descriptor version 1", bad_version);
		ends("abort handler inside the section", bad_abort_inside);
		ends("descriptor flags inside the section", bad_flags_inside);
		ends("area flags inside the section", area_flags_inside);
		ends("section wrapping around", bad_range);
		ends("descriptor version 1, switched out by a sleep", switched_with_bad);
		ends("descriptor at an unmapped address", unreadable_desc);
		ends("descriptor at a kernel address", kernel_desc);
		ends("area on a read-only page", read_only_area);
	} else if (!strcmp(what, "fork")) {
		RESULT("register", sys_rseq(&area[0], 32, 0, SIG));
		child_run(fork_child);
		child_exec_self("rseq", "exec");
		RESULT("parent: unregister", sys_rseq(&area[0], 32, UNREGISTER, SIG));
	} else {
		printf("usage: rseq register|signal|preempt|bad|fork\n");
		return 2;
	}
	return 0;
}
