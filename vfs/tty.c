/* Job control and terminal signals, shared by the console and the pseudo-terminals. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "vfs/tty.h"

#define SIG_IGN 1
#define SIGTTIN 21
#define SI_KERNEL 0x80

bool tty_pgrp_orphaned(int pgid, int sid)
{
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->state == PROC_LIVE && p->pgid == pgid && p->parent &&
		    p->parent->pgid != pgid && p->parent->sid == sid)
			return false;
	return true;
}

void tty_signal_pgrp(int pgrp, int sig)
{
	if (!pgrp)
		return;
	struct siginfo_k si = { .signo = sig, .code = SI_KERNEL };
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->state == PROC_LIVE && p->pgid == pgrp)
			signal_raise_proc(p, sig, &si);
}

int tty_job_control(int fg_pgrp, int sig)
{
	if (!fg_pgrp || current->pgid == fg_pgrp)
		return 0;
	const struct k_sigaction *ka = &current->sigaction[sig - 1];
	if (ka->handler == SIG_IGN || (current_task->sigmask & (1ull << (sig - 1))))
		return sig == SIGTTIN ? -EIO : 0;
	if (tty_pgrp_orphaned(current->pgid, current->sid))
		return -EIO;
	tty_signal_pgrp(current->pgid, sig);
	return -ERESTARTSYS;
}

int tty_pgrp_check(int pgrp, int sid)
{
	int err = -ESRCH;
	for (struct proc *p = proc_list; p; p = p->next) {
		if (p->state != PROC_LIVE || p->pgid != pgrp)
			continue;
		if (p->sid == sid)
			return 0;
		err = -EPERM;
	}
	return err;
}
