/* Upcalls from the monitor (include/unik/abi.h, struct unik_upcall): the monitor stops a program
   that keeps the CPU while other tasks wait for it, or while its alarm is due, or when the host
   sent `unik run` a signal, and resumes the vCPU here with the program's registers saved. The
   same requests left while the core runs are taken at the next system-call exit and by the
   scheduler. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/itimer.h"
#include "k/cpu.h"
#include "k/regs.h"
#include "k/stats.h"
#include "k/rseq.h"
#include "vfs/file.h"
#include "vfs/hostfs.h"


bool upcall_take(void)
{
	struct unik_upcall *u = &boot_info->upcall;
	if (!u->host_signals && !u->resched)
		return false;
	/* The monitor writes while the vCPU is stopped, which may be between any two guest
	   instructions: take each field with one exchange. */
	uint64_t sigs = __atomic_exchange_n(&u->host_signals, 0, __ATOMIC_SEQ_CST);
	uint32_t resched = __atomic_exchange_n(&u->resched, 0, __ATOMIC_SEQ_CST);
	while (sigs) {
		int sig = __builtin_ctzll(sigs) + 1;
		sigs &= sigs - 1;
		/* From outside the container: no sender pid or uid, as from another pid namespace.
		   docker sends to the container's pid 1; with -t, the terminal's signals (Ctrl-C,
		   Ctrl-\\, a resize) go to its foreground process group. */
		struct siginfo_k si = { .signo = sig, .code = SI_USER, .addr = 0 };
		bool tty_sig = (boot_info->flags & UNIK_BOOT_TTY) &&
			       (sig == SIGINT || sig == SIGQUIT || sig == SIGWINCH);
		int pgrp = console_tty_pgrp();
		bool sent = false;
		for (struct proc *p = proc_list; p; p = p->next)
			if (p->state == PROC_LIVE && (tty_sig ? p->pgid == pgrp : p->pid == 1)) {
				signal_raise_proc(p, sig, &si);
				sent = true;
			}
		if (!sent)
			signal_raise_proc(proc_find(1) ? proc_find(1) : current, sig, &si);
	}
	return resched != 0;
}

void upcall_poll(void)
{
	if (boot_info->fs_events)
		hostfs_events_take();   /* host changes of watched volume files */
	if (upcall_take() | sched_preempt_due())
		sched_yield_now(false);
}

void upcall_entry(struct regs *r)
{
	core_lock();
	upcall_from_monitor(r);
	core_unlock();
}

void upcall_from_monitor(struct regs *r)
{
	this_cpu()->in_core = 1;
	stats.interrupts++;
	current_task->uregs = r;
	upcall_poll();
	sched_check_killed();
	itimer_check();
	console_flush_if_stale();
	rseq_resume(r);
	if (signal_pending_deliverable())
		signal_deliver_pending(r);
	this_cpu()->in_core = 0;
}
