/* Per-CPU state used by the entry layer (one vCPU today; the layout is ready for more). */
#ifndef K_CPU_H
#define K_CPU_H
#include <stdint.h>
#include "k/asm.h"

struct cpu {
	uint64_t trap_rsp;      /* program rsp at the last system-call entry */
	uint64_t ret_rsp;       /* core_return scratch */
	uint64_t ret_rip;
	uint64_t cr3;           /* the CR3 value loaded last */
	uint64_t in_core;       /* nonzero while the core handles an event (fault there = kernel bug) */
	uint64_t kstack_top;    /* core stack of the running task: entries build struct regs here */
};
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "cpu kstack_top");
_Static_assert(__builtin_offsetof(struct cpu, cr3) == CPU_CR3, "cpu cr3");
_Static_assert(__builtin_offsetof(struct cpu, ret_rip) == CPU_RET_RIP, "cpu ret_rip");
extern struct cpu cpu0;
#endif
