/* System-call dispatch through the generated table; the two ways in from the entry layer. */
#include "k/itimer.h"
#include "k/kernel.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/stats.h"
#include "syscalls/syscall.h"
#include "k/signal.h"
#include "k/sched.h"
#include "k/seccomp.h"
#include "k/rseq.h"
#include "vfs/file.h"

#define SYS_RT_SIGRETURN 15
#define SYS_GETTIMEOFDAY 96
#define SYS_TIME 201
#define SYS_CLOCK_GETTIME 228
#define SYS_GETCPU 309

/* The calls Linux answers in the vDSO, without entering the kernel: their time is user time. */
static inline bool dispatch_vdso_call(uint64_t nr)
{
	return nr == SYS_CLOCK_GETTIME || nr == SYS_GETTIMEOFDAY || nr == SYS_TIME ||
	       nr == SYS_GETCPU;
}
#include "build/gen/syscall_decls.h"

static uint8_t dispatch_reported[SYSCALL_NR / 8];

static int64_t dispatch_unknown(uint64_t nr)
{
	if ((boot_info->flags & UNIK_BOOT_TRACE) && nr < SYSCALL_NR &&
	    !(dispatch_reported[nr / 8] & (1u << (nr % 8)))) {
		dispatch_reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
		const char *name = syscall_table[nr].name;
		kprintf("unik: system call %s (%lu) is not implemented: -ENOSYS\n",
			name ? name : "?", nr);
	}
	return -ENOSYS;
}

void syscall_run(struct regs *r)
{
	uint64_t nr = r->rax;
	bool trace = boot_info->flags & UNIK_BOOT_TRACE;
	this_cpu()->in_core = 1;
	if (!dispatch_vdso_call(nr))
		sched_core_enter();
	current_task->uregs = r;
	console_flush_if_stale();
	if (trace)
		trace_enter(r);
	int64_t ret = 0;
	struct siginfo_k sigsys;
	enum seccomp_verdict sc = current_task->seccomp_mode ? seccomp_syscall(r, &ret, &sigsys)
							     : SECCOMP_GO;
	if (sc == SECCOMP_GO && nr == SYS_RT_SIGRETURN) {
		/* Restores every register from the signal frame: nothing else to set. */
		ret = signal_return(r);
		if (trace)
			trace_exit(r, nr, ret);
		rseq_resume(r);
		if (signal_pending_deliverable())
			signal_deliver_pending(r);
		sched_core_leave();
		this_cpu()->in_core = 0;
		return;
	}
	const struct syscall_desc *d = nr < SYSCALL_NR ? &syscall_table[nr] : NULL;
	if (sc == SECCOMP_GO)
		ret = (d && d->fn) ? d->fn(r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9)
				   : dispatch_unknown(nr);
	/* A call a signal interrupted, or a seccomp notification whose wait one ended (a skipped
	   call's -ERESTARTSYS, as Linux's, counts only with a signal to deliver). */
	if ((ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) &&
	    (sc == SECCOMP_GO || (sc == SECCOMP_SKIP && signal_pending_deliverable()))) {
		if (signal_restarts(ret == -ERESTARTSYS)) {
			r->rip -= 2;    /* `syscall` and the rewritten `call *%rax` are 2 bytes */
			ret = (int64_t)nr;
		} else {
			ret = -EINTR;
		}
	}
	r->rax = (uint64_t)ret;
	if (trace)
		trace_exit(r, nr, ret);
	/* What Linux's return path leaves behind. */
	r->rcx = r->rip;
	r->r11 = r->rflags;
	if (sc == SECCOMP_SIGSYS) {
		/* Forced as a fault is: blocked or ignored, it kills. */
		const struct sigfault why = { 0, 0, "system call refused by a seccomp filter" };
		signal_deliver(r, sigsys.signo, &sigsys, &why);
	}
	upcall_poll();
	sched_check_killed();
	itimer_check();
	rseq_resume(r);
	if (signal_pending_deliverable())
		signal_deliver_pending(r);
	sched_core_leave();
	this_cpu()->in_core = 0;
}

void syscall_trapped(struct regs *r)
{
	stats.syscall_traps++;
	arch_rewrite_syscall(r->rip - 2);
	syscall_run(r);
}

void syscall_from_trap(struct regs *r)
{
	core_lock();
	syscall_trapped(r);
	core_unlock();
}

void syscall_from_direct(struct regs *r)
{
	core_lock();
	if (!arch_direct_site(r->rip - 2)) {
		trap_stray_call(r);     /* the program's own call or jump into the first page */
		core_unlock();
		return;
	}
	stats.syscall_direct++;
	syscall_run(r);
	core_unlock();
}

/* rt_sigreturn needs the whole register frame, so syscall_run handles it before the table;
   the table entry exists for --trace and docs/syscalls.md. */
int64_t sys_rt_sigreturn(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	panic("rt_sigreturn reached the table");
}
