/* Event counters for `unik run --stats`, copied to the boot info at exit. */
#ifndef K_STATS_H
#define K_STATS_H
#include "unik/abi.h"
extern struct unik_stats stats;
#endif
