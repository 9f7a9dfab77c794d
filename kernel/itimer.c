/* ITIMER_REAL (alarm, setitimer) and the waits it can end.

   There is no timer interrupt yet: the timer is checked at every system call and by the
   scheduler, whose idle sleep ends when it is due. A program that makes no system call at all is
   signalled at its next one (docs/syscalls.md). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/hc.h"
#include "k/signal.h"
#include "k/itimer.h"
#include "k/sched.h"
#include "vfs/vfs.h"

#define SI_KERNEL 0x80

void itimer_check(void)
{
	struct proc *p = current;
	sched_publish_due();            /* the monitor interrupts a busy program when it is due */
	if (!p->itimer_next)
		return;
	int64_t now = (int64_t)time_monotonic_ns();
	if (now < p->itimer_next)
		return;
	if (p->itimer_interval)         /* Linux re-arms from the expiry, dropping missed periods */
		p->itimer_next += ((now - p->itimer_next) / p->itimer_interval + 1) *
				  p->itimer_interval;
	else
		p->itimer_next = 0;
	sched_publish_due();
	struct siginfo_k si = { .signo = SIGALRM, .code = SI_KERNEL };
	signal_raise(SIGALRM, &si);
}

int64_t itimer_due(void)
{
	return current->itimer_next ? current->itimer_next : -1;
}

int64_t wait_until(int64_t deadline, uint64_t wanted, const char *what)
{
	int r = sched_wait(NULL, NULL, deadline, wanted, what);
	return r == WAIT_SIGNAL_WANTED ? 1 : r == WAIT_TIMEOUT ? 0 : -EINTR;
}
