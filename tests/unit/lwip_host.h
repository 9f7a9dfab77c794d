/* The kernel's side of lwIP's port for host tests (tests/unit/lwip_host.c). */
#ifndef TESTS_UNIT_LWIP_HOST_H
#define TESTS_UNIT_LWIP_HOST_H
#include <stdint.h>

extern uint32_t fake_ms;        /* what sys_now() returns; pump advances it */
extern long heap_live;          /* kmalloc blocks not yet freed */
extern int heap_bad_frees;      /* kfree with a size other than kmalloc's */
extern int heap_oversize;       /* kmalloc requests past the kernel's page limit */
extern long pages_given;        /* pages handed out for big blocks (kept, never returned) */

/* One round of the kernel's network poll: loopback delivery, due timers; then the clock moves
   on by step_ms. */
void pump(uint32_t step_ms);
#endif
