/* Signal delivery with Linux's x86-64 frame (struct rt_sigframe: return address, ucontext with
   sigcontext and signal mask, siginfo, then the XSAVE area with its software-reserved bytes), so
   libc handlers, siglongjmp and rt_sigreturn work unchanged. Faults and signals a process sends
   itself are delivered; default actions end the program with 128+N. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/signal.h"
#include "k/uaccess.h"
#include "k/mm.h"
#include "k/regs.h"
#include "k/arch.h"
#include "k/sched.h"
#include "k/rseq.h"
#include "k/sigqueue.h"
#include "k/itimer.h"
#include "vfs/file.h"

#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000u
#define SA_RESTART 0x10000000
#define SIG_DFL 0
#define SIG_IGN 1
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define RFLAGS_DF 0x400
#define RFLAGS_TF 0x100
#define RFLAGS_USER_MASK 0x254dd5ull   /* flags a program may change (Linux FIX_EFLAGS) */

struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext");

struct ucontext_k {
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct sigcontext_k mc;
	uint64_t sigmask;
};
_Static_assert(sizeof(struct ucontext_k) == 304, "ucontext");

struct rt_sigframe_k {
	uint64_t pretcode;
	struct ucontext_k uc;
	struct siginfo_k info;
};
_Static_assert(sizeof(struct rt_sigframe_k) == 440, "rt_sigframe");

static uint64_t sig_bit(int signo)
{
	return 1ull << (signo - 1);
}

/* Signals whose default action is to do nothing. */
static bool sig_default_ignored(int signo)
{
	return signo == 17 || signo == 18 || signo == 23 || signo == 28;  /* CHLD CONT URG WINCH */
}

/* The default action: stop ignoring a signal that cannot be handled. */
static bool sig_stops(int signo)
{
	return signo == SIGSTOP || signo == 20 || signo == 21 || signo == 22;  /* TSTP TTIN TTOU */
}

static void signal_default(int signo, const char *why)
{
	if (sig_default_ignored(signo))
		return;
	if (sig_stops(signo)) {
		proc_stop(signo);
		return;
	}
	proc_kill(signo, why);
}

/* Builds the frame on the program's stack and points r at the handler. */
static int signal_frame(struct regs *r, int signo, const struct siginfo_k *si,
			const struct k_sigaction *ka, const struct sigfault *fault)
{
	struct task *t = current_task;
	uint64_t signal_xsave_size = arch_xsave_size(), signal_xcr0 = arch_xsave_features();
	uint64_t sp = r->rsp - 128;                     /* skip the red zone */
	uint64_t ss_sp = t->sigaltstack[0], ss_size = t->sigaltstack[2];
	bool on_alt = ss_size && r->rsp > ss_sp && r->rsp <= ss_sp + ss_size;
	if ((ka->flags & SA_ONSTACK) && ss_size && !on_alt)
		sp = ss_sp + ss_size;
	/* Isolated mode saves the legacy FXSAVE image (kvm_pvm's CPL0 emulator has no XSAVE), as
	   Linux does on a CPU without XSAVE: no extended-state magic, no UC_FP_XSTATE. */
	bool fx = arch_isolated;
	uint64_t fpsize = fx ? 512 : signal_xsave_size + 4;     /* + FP_XSTATE_MAGIC2 */
	uint64_t fp = (sp - fpsize) & ~63ull;
	uint64_t frame = ((fp - sizeof(struct rt_sigframe_k)) & ~15ull) - 8;
	if (mm_populate(current->mm, frame, sp - frame, true))
		return -EFAULT;
	/* The FPU state the program had: the core never touches it (general registers only).
	   XSAVE leaves bytes 16-63 of the XSAVE header alone and XRSTOR refuses them nonzero. */
	static const uint8_t zero_hdr[64];
	if (fx) {
		__asm__ volatile("fxsave64 (%0)" : : "r"(fp) : "memory");
		if (copy_to_user(fp + 464, zero_hdr, 48))
			return -EFAULT;
	} else {
		if (copy_to_user(fp + 512, zero_hdr, sizeof(zero_hdr)))
			return -EFAULT;
		__asm__ volatile("xsave64 (%0)" : : "r"(fp), "a"((uint32_t)signal_xcr0),
				 "d"((uint32_t)(signal_xcr0 >> 32)) : "memory");
		uint32_t sw[12] = { FP_XSTATE_MAGIC1, (uint32_t)fpsize, (uint32_t)signal_xcr0,
				    (uint32_t)(signal_xcr0 >> 32), (uint32_t)signal_xsave_size };
		uint32_t magic2 = FP_XSTATE_MAGIC2;
		if (copy_to_user(fp + 464, sw, sizeof(sw)) ||
		    copy_to_user(fp + signal_xsave_size, &magic2, 4))
			return -EFAULT;
	}
	struct rt_sigframe_k f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = (fx ? 0 : UC_FP_XSTATE) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.ss_sp = ss_sp;
	f.uc.ss_flags = !ss_size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
	f.uc.ss_size = ss_size;
	struct sigcontext_k *mc = &f.uc.mc;
	mc->r8 = r->r8; mc->r9 = r->r9; mc->r10 = r->r10; mc->r11 = r->r11;
	mc->r12 = r->r12; mc->r13 = r->r13; mc->r14 = r->r14; mc->r15 = r->r15;
	mc->rdi = r->rdi; mc->rsi = r->rsi; mc->rbp = r->rbp; mc->rbx = r->rbx;
	mc->rdx = r->rdx; mc->rax = r->rax; mc->rcx = r->rcx; mc->rsp = r->rsp;
	mc->rip = r->rip; mc->eflags = r->rflags;
	mc->cs = UNIK_SEL_UCODE;
	mc->ss = UNIK_SEL_UDATA;
	mc->err = fault ? fault->err : 0;
	mc->trapno = fault ? fault->trapno : 0;
	mc->cr2 = fault && fault->trapno == 14 ? si->addr : 0;
	uint64_t back = t->restore_sigmask ? t->sigmask_restore : t->sigmask;
	t->restore_sigmask = false;
	mc->oldmask = back;
	mc->fpstate = fp;
	f.uc.sigmask = back;
	f.info = *si;
	if (copy_to_user(frame, &f, sizeof(f)))
		return -EFAULT;
	r->rsp = frame;
	r->rip = ka->handler;
	r->rdi = (uint64_t)signo;
	r->rsi = frame + __builtin_offsetof(struct rt_sigframe_k, info);
	r->rdx = frame + __builtin_offsetof(struct rt_sigframe_k, uc);
	r->rax = 0;
	r->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF);
	return 0;
}

void signal_deliver(struct regs *r, int signo, const struct siginfo_k *si,
		    const struct sigfault *fault)
{
	bool forced = fault != NULL;
	struct task *t = current_task;
	struct k_sigaction *ka = &current->sigaction[signo - 1];
	bool blocked = t->sigmask & sig_bit(signo);
	/* A fault that cannot reach a handler (blocked or ignored) kills, as Linux's force_sig. */
	if (forced && (blocked || ka->handler == SIG_IGN)) {
		ka->handler = SIG_DFL;
		blocked = false;
	}
	if (ka->handler == SIG_IGN)
		return;
	if (ka->handler == SIG_DFL) {
		char why[64];
		if (!fault)
			ksnprintf(why, sizeof(why), "signal %d sent by the program", signo);
		/* A signal the host sent `unik run` ends it quietly, as it would end a container. */
		bool from_host = !fault && si->code == 0 && si->addr == 0;
		signal_default(signo, fault ? fault->why : from_host ? NULL : why);
		return;
	}
	if (!(ka->flags & SA_RESTORER)) {
		proc_kill(SIGSEGV, "signal handler without a restorer (SA_RESTORER)");
		return;
	}
	struct k_sigaction saved = *ka;
	rseq_signal(r);
	if (signal_frame(r, signo, si, &saved, fault)) {
		/* Linux: a frame that cannot be written is SIGSEGV, forced. */
		proc_kill(SIGSEGV, "cannot write the signal frame on the stack");
		return;
	}
	t->sigmask |= saved.mask;
	if (!(saved.flags & SA_NODEFER))
		t->sigmask |= sig_bit(signo);
	t->sigmask &= ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
	if (saved.flags & SA_RESETHAND)
		ka->handler = SIG_DFL;
}

/* Does p's disposition ignore signo (SIG_IGN, or the default of a signal ignored by default)? */
static bool signal_ignored(const struct proc *p, int signo)
{
	const struct k_sigaction *ka = &p->sigaction[signo - 1];
	return ka->handler == SIG_IGN || (ka->handler == SIG_DFL && sig_default_ignored(signo));
}

/* Discarded at generation, as Linux does, when ignored: unless every candidate thread blocks it,
   since the disposition may change before it is unblocked and sigwait or a signalfd may take it. */
static bool signal_discarded(struct proc *p, int signo, uint64_t blocked_by_all)
{
	return !(blocked_by_all & sig_bit(signo)) && signal_ignored(p, signo);
}

/* A container's init (UNIK_BOOT_CONTAINER) as Linux shields the first process of a pid namespace:
   a signal it has no handler for is dropped, except SIGKILL and SIGSTOP sent from outside (the
   host: a kill with no sender pid). Faults are not raised here and still kill. */
static bool signal_init_shielded(struct proc *p, int signo, const struct siginfo_k *si)
{
	if (p->pid != 1 || !(boot_info->flags & UNIK_BOOT_CONTAINER) ||
	    p->sigaction[signo - 1].handler != SIG_DFL)
		return false;
	bool from_host = si->code == SI_USER && si->addr == 0;
	return !(from_host && (signo == SIGKILL || signo == SIGSTOP));
}

int signal_raise(int signo, const struct siginfo_k *si)
{
	return signal_raise_proc(current, signo, si);
}

void signal_discard(struct proc *p, uint64_t mask)
{
	sigqueue_flush(&p->pending, mask);
	SCHED_FOR_EACH(t)
		if (t->proc == p)
			sigqueue_flush(&t->pending, mask);
}

void signal_action_changed(struct proc *p, int signo)
{
	if (signal_ignored(p, signo))
		signal_discard(p, sig_bit(signo));
}

/* Linux's rules at generation: SIGCONT continues the process and discards pending stop
   signals; a stop signal discards a pending SIGCONT; SIGKILL wakes a stopped process to die. */
static void signal_generate_effects(struct proc *p, int signo)
{
	uint64_t stops = sig_bit(SIGSTOP) | sig_bit(20) | sig_bit(21) | sig_bit(22);
	if (signo == 18) {              /* SIGCONT */
		signal_discard(p, stops);
		proc_continue(p);
	} else if (sig_stops(signo)) {
		signal_discard(p, sig_bit(18));
	} else if (signo == SIGKILL && p->stopped) {
		sched_wake(&p->stopped, NULL, INT32_MAX, ~0u);
	}
}

/* Queues signo in q, p's or one of its threads', by Linux's rules (or a timer's own entry e).
   1 when it became pending (signalfd readiness changes), 0 when dropped, or -EAGAIN. */
static int signal_queue(struct proc *p, struct sigpending *q, int signo,
			const struct siginfo_k *si, struct sigqueue *e)
{
	int r = e ? sigqueue_timer_send(q, e, si)
		  : sigqueue_send(q, signo, si, p->uid, p->rlim[RLIMIT_SIGPENDING].cur);
	if (r == 1) {
		p->sig_generated++;
		file_changed();
	}
	return r;
}

static int signal_send_proc(struct proc *p, int signo, const struct siginfo_k *si,
			    struct sigqueue *e)
{
	if (!signo || p->state != PROC_LIVE || signal_init_shielded(p, signo, si))
		return 0;
	signal_generate_effects(p, signo);
	/* The thread to interrupt: this one unless it blocks the signal, else any that does not. */
	struct task *target = NULL;
	uint64_t all_block = ~0ull;
	SCHED_FOR_EACH(t) {
		if (t->proc != p)
			continue;
		all_block &= t->sigmask;
		if (!(t->sigmask & sig_bit(signo)) && (!target || t == current_task))
			target = t;
	}
	if (signal_discarded(p, signo, all_block))
		return 0;
	int r = signal_queue(p, &p->pending, signo, si, e);
	if (r != 1)
		return r;
	if (target)
		sched_signal_wake(target, signo);
	SCHED_FOR_EACH(t)               /* sigwaitinfo and signalfd readers wait with it blocked */
		if (t->proc == p && t != target && (t->wait_signals & sig_bit(signo)))
			sched_signal_wake(t, signo);
	return 0;
}

static int signal_send_task(struct task *t, int signo, const struct siginfo_k *si,
			    struct sigqueue *e)
{
	if (!signo || signal_init_shielded(t->proc, signo, si))
		return 0;
	signal_generate_effects(t->proc, signo);
	if (signal_discarded(t->proc, signo, t->sigmask))
		return 0;
	int r = signal_queue(t->proc, &t->pending, signo, si, e);
	if (r != 1)
		return r;
	sched_signal_wake(t, signo);
	return 0;
}

int signal_raise_proc(struct proc *p, int signo, const struct siginfo_k *si)
{
	return signal_send_proc(p, signo, si, NULL);
}

int signal_raise_task(struct task *t, int signo, const struct siginfo_k *si)
{
	return signal_send_task(t, signo, si, NULL);
}

void signal_raise_timer(struct proc *p, struct task *t, struct sigqueue *e,
			const struct siginfo_k *si)
{
	if (t)
		signal_send_task(t, si->signo, si, e);
	else
		signal_send_proc(p, si->signo, si, e);
}

uint64_t signal_pending_set(void)
{
	return current_task->pending.set | current->pending.set;
}

bool signal_pending_deliverable(void)
{
	return signal_pending_set() & ~current_task->sigmask;
}

bool signal_fatal_pending(void)
{
	uint64_t ready = signal_pending_set() & ~current_task->sigmask;
	for (; ready; ready &= ready - 1) {
		int signo = __builtin_ctzll(ready) + 1;
		if (current->sigaction[signo - 1].handler == SIG_DFL && !sig_default_ignored(signo) &&
		    !sig_stops(signo))
			return true;
	}
	return false;
}

/* The signal of set taken next: the thread's own first, then its process's (Linux's order). */
static int signal_next_of(uint64_t set, struct sigpending **q)
{
	*q = &current_task->pending;
	int signo = sigqueue_next(*q, set);
	if (!signo) {
		*q = &current->pending;
		signo = sigqueue_next(*q, set);
	}
	return signo;
}

int signal_take(uint64_t set, struct siginfo_k *si)
{
	struct sigpending *q;
	int signo;
	while ((signo = signal_next_of(set, &q))) {
		enum sigqueue_kind kind = sigqueue_collect(q, signo, si);
		if (kind == SIGQUEUE_DROPPED)
			continue;
		if (kind == SIGQUEUE_TIMER)
			ptimer_signal_taken(si);
		return signo;
	}
	return 0;
}

/* The pending unblocked signal delivered next, or 0. */
static int signal_next(void)
{
	struct sigpending *q;
	return signal_next_of(~current_task->sigmask, &q);
}

/* Does the signal run a handler (rather than its default action, or nothing)? */
static bool signal_has_handler(int signo)
{
	const struct k_sigaction *ka = &current->sigaction[signo - 1];
	return ka->handler != SIG_DFL && ka->handler != SIG_IGN;
}

bool signal_restarts(bool after_handler)
{
	int signo = signal_next();
	if (!signo)
		return false;
	/* Linux restarts a call no handler interrupts: one a stop signal (a terminal's SIGTTIN,
	   SIGTTOU, SIGTSTP) suspended goes on after SIGCONT. */
	if (!signal_has_handler(signo))
		return sig_stops(signo) || sig_default_ignored(signo) ||
		       current->sigaction[signo - 1].handler == SIG_IGN;
	return after_handler && (current->sigaction[signo - 1].flags & SA_RESTART);
}

/* Delivers every pending signal the thread does not block, as Linux's return to the program
   does: each handler's frame goes on top of the one before it, with that handler's mask added,
   so the signal taken last runs first. A stop and the SIGKILL or SIGCONT that ends it are all
   taken before the program runs again. */
void signal_deliver_pending(struct regs *r)
{
	int signo;
	while ((signo = signal_next())) {
		struct siginfo_k si;
		if (signal_take(sig_bit(signo), &si))   /* else a re-armed timer's, dropped */
			signal_deliver(r, signo, &si, NULL);
	}
}

int64_t signal_return(struct regs *r)
{
	struct task *t = current_task;
	uint64_t signal_xsave_size = arch_xsave_size(), signal_xcr0 = arch_xsave_features();
	uint64_t frame = r->rsp - 8;
	struct rt_sigframe_k f;
	if (copy_from_user(&f, frame, sizeof(f))) {
		proc_kill(SIGSEGV, "rt_sigreturn with a bad frame");
		return -EFAULT;
	}
	const struct sigcontext_k *mc = &f.uc.mc;
	r->r8 = mc->r8; r->r9 = mc->r9; r->r10 = mc->r10; r->r11 = mc->r11;
	r->r12 = mc->r12; r->r13 = mc->r13; r->r14 = mc->r14; r->r15 = mc->r15;
	r->rdi = mc->rdi; r->rsi = mc->rsi; r->rbp = mc->rbp; r->rbx = mc->rbx;
	r->rdx = mc->rdx; r->rax = mc->rax; r->rcx = mc->rcx; r->rsp = mc->rsp;
	r->rip = mc->rip;
	r->rflags = (r->rflags & ~RFLAGS_USER_MASK) | (mc->eflags & RFLAGS_USER_MASK);
	t->sigmask = f.uc.sigmask & ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
	if (mc->fpstate && arch_isolated) {
		/* the FXSAVE image, checked in a core copy: reserved MXCSR bits would fault */
		static uint8_t fx[512] __attribute__((aligned(16)));
		if (copy_from_user(fx, mc->fpstate, sizeof(fx))) {
			proc_kill(SIGSEGV, "rt_sigreturn with a bad FPU state");
			return -EFAULT;
		}
		uint32_t mxcsr;
		memcpy(&mxcsr, fx + 24, 4);
		mxcsr &= 0xffff;
		memcpy(fx + 24, &mxcsr, 4);
		__asm__ volatile("fxrstor64 (%0)" : : "r"(fx) : "memory");
	} else if (mc->fpstate) {
		uint8_t probe[64];
		if ((mc->fpstate & 63) || copy_from_user(probe, mc->fpstate, 64) ||
		    mm_populate(current->mm, mc->fpstate, signal_xsave_size, false)) {
			proc_kill(SIGSEGV, "rt_sigreturn with a bad FPU state");
			return -EFAULT;
		}
		/* xrstor faults on a malformed header; the mask restores only enabled features */
		uint64_t hdr[8];
		if (copy_from_user(hdr, mc->fpstate + 512, sizeof(hdr)) ||
		    (hdr[0] & ~signal_xcr0) || hdr[1] || hdr[2] || hdr[3] || hdr[4] || hdr[5] ||
		    hdr[6] || hdr[7]) {
			proc_kill(SIGSEGV, "rt_sigreturn with a bad XSAVE header");
			return -EFAULT;
		}
		__asm__ volatile("xrstor64 (%0)" : : "r"(mc->fpstate), "a"((uint32_t)signal_xcr0),
				 "d"((uint32_t)(signal_xcr0 >> 32)) : "memory");
	}
	/* restore_altstack: the sigaltstack settings saved in uc_stack */
	if (f.uc.ss_flags != SS_ONSTACK && !(f.uc.ss_flags & SS_DISABLE) && f.uc.ss_size) {
		t->sigaltstack[0] = f.uc.ss_sp;
		t->sigaltstack[2] = f.uc.ss_size;
	}
	return (int64_t)r->rax;
}
