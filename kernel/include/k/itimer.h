/* ITIMER_REAL and waiting for it (kernel/itimer.c). */
#ifndef K_ITIMER_H
#define K_ITIMER_H
#include <stdint.h>

/* Fires every process's timers that are due: ITIMER_REAL (SIGALRM) and POSIX timers (their
   signal, or an overrun), re-arming periodic ones. */
void itimer_check(void);
/* After a timer was set, disarmed or deleted, or a process with timers ended. */
void itimer_changed(void);
/* When the next of them is due (monotonic ns), or -1 when none is armed. */
int64_t itimer_due(void);
/* Waits until the monotonic deadline (< 0: none) while other tasks run: 0 at the deadline, 1
   once a signal in wanted (a mask, blocked or not) is pending, -EINTR once a signal can be
   delivered. what names the wait for --trace when nothing in the VM can end it. */
int64_t wait_until(int64_t deadline, uint64_t wanted, const char *what);
struct ptimer;
/* A CPU-time POSIX timer's clock now (ns), or -1 when its process or thread is gone. */
int64_t itimer_cpu_now(const struct ptimer *t);
struct siginfo_k;
/* The current process took a signal its POSIX timer si->si_tid queued: the overruns counted
   since go into si (si_overrun) and become what timer_getoverrun reports. */
void ptimer_signal_taken(struct siginfo_k *si);
struct proc;
/* Deletes p's POSIX timers (exec, exit); a signal one of them queued is dropped when taken. */
void ptimer_delete_all(struct proc *p);
#endif
