/* Exceptions from the program: demand paging, and synchronous faults turned into signals. */
#include "k/kernel.h"
#include "k/regs.h"
#include "k/cpu.h"
#include "k/proc.h"
#include "k/signal.h"
#include "k/stats.h"
#include "k/uaccess.h"
#include "k/arch.h"
#include "syscalls/syscall.h"

#define PF_INSTR 0x10

extern char core_return_push[];

const char *signal_name(int signo)
{
	static const char *const names[] = {
		"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};
	return signo > 0 && signo < (int)ARRAY_SIZE(names) ? names[signo] : "SIGRT";
}

/* A rewritten site called with a number past the sled: the fetch at address rax faults with the
   site's return address on the stack. Treat it as the system call it is (it will be -ENOSYS). */
static bool trap_is_far_syscall(struct regs *r)
{
	if (r->vec != 14 || !(r->err & PF_INSTR) || r->cr2 != r->rip || r->rip != r->rax)
		return false;
	uint64_t ret;
	uint8_t insn[2];
	if (copy_from_user(&ret, r->rsp, 8) || ret < 2 || copy_from_user(insn, ret - 2, 2))
		return false;
	if (insn[0] != 0xff || insn[1] != 0xd0 || !arch_direct_site(ret - 2))
		return false;
	r->rip = ret;
	r->rsp += 8;
	return true;
}

/* The sled was entered by something other than a rewritten site: the program called or jumped
   into the first page (a NULL function pointer). Linux faults at the fetch there: the program
   gets SIGSEGV with rip at the address it went to (the register of a `call *%reg`, else 0) and
   the return address of its call pushed. */
void trap_stray_call(struct regs *r)
{
	uint8_t insn[3] = { 0 };
	uint64_t ret = r->rip, to = 0;
	if (ret >= 3 && !copy_from_user(insn, ret - 3, 3) && insn[1] == 0xff &&
	    (insn[2] & 0xf8) == 0xd0) {
		static const size_t reg[16] = {
			offsetof(struct regs, rax), offsetof(struct regs, rcx),
			offsetof(struct regs, rdx), offsetof(struct regs, rbx),
			offsetof(struct regs, rsp), offsetof(struct regs, rbp),
			offsetof(struct regs, rsi), offsetof(struct regs, rdi),
			offsetof(struct regs, r8), offsetof(struct regs, r9),
			offsetof(struct regs, r10), offsetof(struct regs, r11),
			offsetof(struct regs, r12), offsetof(struct regs, r13),
			offsetof(struct regs, r14), offsetof(struct regs, r15),
		};
		unsigned n = (insn[2] & 7) + ((insn[0] & 0xf1) == 0x41 ? 8 : 0);   /* REX.B */
		to = *(const uint64_t *)((const uint8_t *)r + reg[n]);
	}
	r->rsp -= 8;                    /* the return address the call pushed stays */
	r->rip = to;
	sched_core_enter();
	char why[96];
	ksnprintf(why, sizeof(why), "invalid jump at address 0x%lx, from 0x%lx", to, ret);
	struct siginfo_k si = { .signo = SIGSEGV, .code = 1 /* SEGV_MAPERR */, .addr = to };
	struct sigfault f = { PF_INSTR | 4 /* user */, 14, why };
	signal_deliver(r, SIGSEGV, &si, &f);
	sched_core_leave();
}

/* kvm_pvm delivers `syscall` from CPL3 to LSTAR without raising the privilege level. With the
   core's pages supervisor-only (isolated mode) that fetch faults; the fault is the system call. */
static bool trap_is_stranded_syscall(struct regs *r)
{
	extern char fast_syscall_stub[];
	if (r->vec != 14 || !(r->err & PF_INSTR) || r->rip != (uint64_t)fast_syscall_stub ||
	    r->cr2 != r->rip)
		return false;
	r->rip = r->rcx;
	r->rflags = r->r11;
	return true;
}

/* The signal and si_code Linux sends for an exception (other than #PF). */
static int trap_signal(uint64_t vec, int *code)
{
	switch (vec) {
	case 0: *code = 1; return SIGFPE;               /* FPE_INTDIV */
	case 16: case 19: *code = 7; return SIGFPE;     /* FPE_FLTINV (approximate) */
	case 1: *code = 2; return SIGTRAP;              /* TRAP_TRACE */
	case 3: *code = 0x80; return SIGTRAP;           /* SI_KERNEL, as Linux's int3 */
	case 6: *code = 2; return SIGILL;               /* ILL_ILLOPN */
	case 17: *code = 2; return SIGBUS;              /* BUS_ADRERR */
	default: *code = 0x80; return SIGSEGV;          /* SI_KERNEL: #GP and the rest */
	}
}

static void trap_exception(struct regs *r);

/* An exception from the program: its handling is system time. */
void trap_from_exception(struct regs *r)
{
	if (this_cpu()->in_core)
		panic("kernel fault: vector %lu error %lx at ip %lx (cr2 %lx)", r->vec, r->err,
		      r->rip, r->cr2);
	core_lock();
	sched_core_enter();
	trap_exception(r);
	sched_core_leave();
	core_unlock();
}

static void trap_exception(struct regs *r)
{
	char why[128];
	if (r->vec == UPCALL_VECTOR && arch_isolated) {
		upcall_from_monitor(r);         /* the monitor's preemption interrupt */
		return;
	}
	if (r->vec == 14 && r->rip == (uint64_t)core_return_push) {
		/* The return address of a direct system call could not be written back (the call
		   unmapped or write-protected its own stack): resume as the jump does. */
		r->rip = this_cpu()->ret_rip;
		r->rsp = this_cpu()->ret_rsp;
		return;
	}
	if (r->vec == 14) {
		if (arch_isolated && trap_is_stranded_syscall(r)) {
			syscall_trapped(r);
			return;
		}
		stats.page_faults++;
		struct mm_fault_info info;
		if (mm_fault(current->mm, r->cr2, r->err, &info) == 0) {
			current_task->ru.minflt++;
			return;
		}
		if (trap_is_far_syscall(r)) {
			stats.syscall_direct++;
			syscall_run(r);
			return;
		}
		if (info.signo == SIGKILL) {
			ksnprintf(why, sizeof(why), "out of memory (the VM has %lu MiB: -m) at address "
				  "0x%lx", boot_info->mem_size >> 20, r->cr2);
			proc_kill(SIGKILL, why);
		}
		ksnprintf(why, sizeof(why), "%s at address 0x%lx, ip 0x%lx (error 0x%lx)",
			  (r->err & 2) ? "invalid write" : (r->err & PF_INSTR) ? "invalid jump" :
			  "invalid read", r->cr2, r->rip, r->err);
		struct siginfo_k si = { .signo = info.signo, .code = info.code, .addr = r->cr2 };
		struct sigfault f = { r->err | 4 /* user */, 14, why };
		signal_deliver(r, info.signo, &si, &f);
		return;
	}
	stats.other_faults++;
	ksnprintf(why, sizeof(why), "exception %lu at ip 0x%lx", r->vec, r->rip);
	int code;
	int signo = trap_signal(r->vec, &code);
	/* Linux's force_sig (SI_KERNEL: #GP, int3...) carries no address; the others the rip. */
	struct siginfo_k si = { .signo = signo, .code = code, .addr = code == 0x80 ? 0 : r->rip };
	struct sigfault f = { r->err, r->vec, why };
	signal_deliver(r, signo, &si, &f);
}
