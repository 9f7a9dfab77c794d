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
/* Nanoseconds since the epoch. */
int64_t time_realtime_ns(void);
#endif
