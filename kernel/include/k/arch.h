/* What the core asks of the entry layer (kernel/arch/): the privileged operations, each of which
   costs a CPL0 entry in fast mode. */
#ifndef K_ARCH_H
#define K_ARCH_H
#include <stdbool.h>
#include <stdint.h>
#include "k/regs.h"

/* Builds IDT, TSS and GDT entries and the syscall sled; runs before anything can trap. */
void arch_init(void);
/* Maps the syscall sled at address 0 of an address space (fast mode). */
int arch_map_sled(uint64_t pml4);
/* Loads an address space (CR3) on this CPU. */
void arch_switch_mm(uint64_t pml4);
void arch_set_fs_base(uint64_t base);
uint64_t arch_get_fs_base(void);
void arch_set_gs_base(uint64_t base);
uint64_t arch_get_gs_base(void);
/* Rewrites the 2-byte `syscall` at user address site into `call *%rax` when it is one. */
void arch_rewrite_syscall(uint64_t site);
/* The record of rewritten sites (kernel/arch/sites.c): whether the call instruction at user
   address site is one (a direct system call rather than the program's own call into the first
   page); a site recorded (false: no room, leave it alone); a page's sites kept by its copy and
   dropped with it. */
bool arch_direct_site(uint64_t site);
bool arch_site_add(uint64_t pa);
void arch_page_copied(uint64_t from, uint64_t to);
void arch_page_freed(uint64_t pa);
extern uint64_t arch_sites_gen;
/* CPUID (kernel/arch/cpuid.c): the vCPU's answers, from the monitor's table. */
void arch_cpuid_init(void);
void arch_cpuid(uint32_t fn, uint32_t index, uint32_t r[4]);
/* Sets the program's initial protection-key rights (PKRU) as Linux does. */
void arch_init_user_fpu(void);
/* The core stack entries from the program use from now on (the running task's). */
void arch_set_kstack(uint64_t top);
/* Saves the callee-saved registers and stack pointer into *save_ksp and resumes the context saved
   at ksp; returns when something switches back. */
void arch_switch(uint64_t *save_ksp, uint64_t ksp);
/* Where a new task's first switch lands: it returns to the program from the struct regs above. */
void arch_task_entry(void);
/* FPU and vector state (XSAVE of every feature the CPU has enabled). */
uint32_t arch_xsave_size(void);
uint64_t arch_xsave_features(void);
void arch_fpu_save(void *area);         /* area: 64-byte aligned, arch_xsave_size() bytes */
void arch_fpu_restore(const void *area);
/* Starts the program: never returns. */
__attribute__((noreturn)) void arch_enter_user(struct regs *r);
extern int arch_rewrite_enabled;
extern int arch_has_pku;
extern uint8_t arch_isolated;      /* the core runs at CPL0 (isolated mode) */
#define UPCALL_VECTOR 32                /* isolated mode: the monitor's preemption interrupt */
#endif
