/* Upcalls into the guest and the watchdog thread that asks for them (monitor/upcall.c). */
#ifndef MONITOR_UPCALL_H
#define MONITOR_UPCALL_H
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>

struct vm;

/* The signal the watchdog sends the vCPU thread to end KVM_RUN. */
#define UPCALL_KICK_SIGNAL (SIGRTMIN + 1)

/* Starts the watchdog; the calling thread is the vCPU thread. guest_epoch: host CLOCK_MONOTONIC
   ns at the guest's monotonic time 0. */
void upcall_start(struct vm *vm, int64_t guest_epoch);
void upcall_stop(void);
/* Makes the watchdog kick the vCPU thread once CLOCK_MONOTONIC passes deadline (0: never). */
void upcall_set_stop_deadline(int64_t deadline);
int64_t upcall_clock(void);
/* Hands host signals (bit N-1 for signal N) and/or the end of a time slice to the guest, and
   redirects the program to the core when it, not the core, was running. vCPU stopped. */
void upcall_deliver(struct vm *vm, uint64_t host_signals, bool resched);
#endif
