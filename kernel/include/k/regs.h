/* The register frame every entry into the core builds (layout fixed by k/asm.h). */
#ifndef K_REGS_H
#define K_REGS_H
#include <stdint.h>
#include "k/asm.h"

struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err, cr2;
	uint64_t rip, rflags, rsp;
};
_Static_assert(sizeof(struct regs) == REGS_SIZE, "regs layout");
_Static_assert(sizeof(struct regs) == sizeof(struct unik_regs), "the monitor's view of regs");
_Static_assert(__builtin_offsetof(struct regs, rax) == REGS_RAX, "regs rax");
_Static_assert(__builtin_offsetof(struct regs, rip) == REGS_RIP, "regs rip");
_Static_assert(__builtin_offsetof(struct regs, rsp) == REGS_RSP, "regs rsp");
_Static_assert(__builtin_offsetof(struct regs, cr2) == REGS_CR2, "regs cr2");
#endif
