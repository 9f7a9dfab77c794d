/* Per-CPU state: the fields the entry layer reaches from assembly first (their offsets are in
   k/asm.h), then what the core keeps per CPU. The VM has one vCPU today (cpu0); the core reaches
   its CPU's state through this_cpu(), never through cpu0, so a second CPU needs only its own
   struct and a this_cpu() that finds it (a per-CPU base register), plus the entry layer's
   assembly, which still names cpu0. */
#ifndef K_CPU_H
#define K_CPU_H
#include <stdint.h>
#include <stdbool.h>
#include "k/asm.h"

#define NR_CPUS 1

struct task;
struct proc;
struct mm;

struct cpu {
	uint64_t trap_rsp;      /* program rsp at the last system-call entry */
	uint64_t ret_rsp;       /* core_return scratch */
	uint64_t ret_rip;
	uint64_t cr3;           /* the CR3 value loaded last */
	uint64_t in_core;       /* nonzero while the core handles an event (fault there = kernel bug) */
	uint64_t kstack_top;    /* core stack of the running task: entries build struct regs here */
	uint64_t direct_ret;    /* the return address a direct system call left (0: none) */
	uint64_t direct_rsp;    /* and the program's rsp above it */
	/* C only from here. */
	int id;
	struct task *task;      /* the task running here (current_task) */
	struct proc *proc;      /* its process (current) */
	struct mm *dead_mm;     /* an ended process's address space, still loaded here */
	bool need_resched;      /* a woken task should preempt the running one */
};
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "cpu kstack_top");
_Static_assert(__builtin_offsetof(struct cpu, cr3) == CPU_CR3, "cpu cr3");
_Static_assert(__builtin_offsetof(struct cpu, ret_rip) == CPU_RET_RIP, "cpu ret_rip");
_Static_assert(__builtin_offsetof(struct cpu, direct_ret) == CPU_DIRECT_RET, "cpu direct_ret");
_Static_assert(__builtin_offsetof(struct cpu, direct_rsp) == CPU_DIRECT_RSP, "cpu direct_rsp");
extern struct cpu cpu0;

static inline struct cpu *this_cpu(void)
{
	return &cpu0;
}

#define current_task (this_cpu()->task)
#define current (this_cpu()->proc)

/* The core lock (kernel/main.c): every entry into the core from the program takes it before it
   touches shared state and drops it on the way back; a task switch hands it from the old task
   to the new one; an idle CPU drops it while the host sleeps for it. */
void core_lock(void);
void core_unlock(void);
#endif
