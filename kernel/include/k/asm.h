/* Constants shared by assembly and C: offsets into struct regs and struct cpu, flag values. */
#ifndef K_ASM_H
#define K_ASM_H
#include "unik/abi.h"

#define RFLAGS_CORE 0x2             /* reserved bit only: interrupts off, IOPL 0 */

/* struct regs (k/regs.h): 15 GPRs pushed r15 last, then vec, err, cr2, rip, rflags, rsp. */
#define REGS_R15 0
#define REGS_R11 32
#define REGS_RCX 96
#define REGS_RAX 112
#define REGS_VEC 120
#define REGS_ERR 128
#define REGS_CR2 136
#define REGS_RIP 144
#define REGS_RFLAGS 152
#define REGS_RSP 160
#define REGS_SIZE 168

/* struct cpu (k/cpu.h) */
#define CPU_TRAP_RSP 0
#define CPU_RET_RSP 8
#define CPU_RET_RIP 16
#define CPU_CR3 24
#define CPU_KSTACK_TOP 40
#define CPU_DIRECT_RET 48
#define CPU_DIRECT_RSP 56
#endif
