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
#endif
