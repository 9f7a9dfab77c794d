/* A sampling profiler for developers (monitor/profile.c): with UNIK_PROFILE=FILE in the
   environment of `unik run`, the vCPU is stopped every UNIK_PROFILE_US microseconds (default
   500) and the guest's instruction pointer recorded; FILE gets one "rip cpl count" line per
   address at the end (and "lost - N" for samples past its 65,536 distinct addresses).
   scripts/profile-report.sh names kernel addresses. Each sample is a VM
   exit (~25 µs here), so the run is slowed by about 5% at the default rate. */
#ifndef MONITOR_PROFILE_H
#define MONITOR_PROFILE_H
#include <stdbool.h>

struct vm;

/* Starts sampling when UNIK_PROFILE is set; the calling thread is the vCPU thread. */
void profile_start(struct vm *vm);
/* After KVM_RUN returned EINTR: records a sample if one was asked for. */
void profile_sample(struct vm *vm);
/* Stops sampling and writes the file. */
void profile_stop(void);
#endif
