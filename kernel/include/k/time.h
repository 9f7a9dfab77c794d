/* Time from the TSC, calibrated by the monitor (no exit per clock read). */
#ifndef K_TIME_H
#define K_TIME_H
#include <stdint.h>

void time_init(void);
/* Nanoseconds since the VM booted. */
uint64_t time_monotonic_ns(void);
/* The TSC now, and a span of TSC ticks in ns. */
uint64_t time_tsc(void);
uint64_t time_tsc_ns(uint64_t ticks);
/* Nanoseconds since the epoch: the host's wall clock at boot, moved by clock_settime. */
int64_t time_realtime_ns(void);
/* Steps the wall clock to ns (clock_settime, settimeofday, ADJ_SETOFFSET), as Linux's
   clock_was_set: waits with an absolute CLOCK_REALTIME deadline, absolute CLOCK_REALTIME
   timers and timerfds move with it; waiters on files look again (a timerfd's expiry, its
   TFD_TIMER_CANCEL_ON_SET). */
void time_set_realtime(int64_t ns);
/* Bumped by each step of the wall clock (TFD_TIMER_CANCEL_ON_SET). */
extern uint64_t time_realtime_generation;
/* POSIX timers (syscalls/sys_timer.c): absolute CLOCK_REALTIME ones move by delta ns. */
void ptimer_clock_was_set(int64_t delta);
#endif
