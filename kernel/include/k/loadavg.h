/* Load averages, as Linux's avenrun (kernel/loadavg.c). */
#ifndef K_LOADAVG_H
#define K_LOADAVG_H
#include <stdint.h>

#define LOADAVG_FSHIFT 11               /* the averages are fixed point with this many bits */
/* The 1, 5 and 15 minute averages, brought up to date. */
void loadavg_get(uint64_t out[3]);
/* Tasks runnable now (the running one included). */
int loadavg_runnable(void);
#endif
