/* Fast-mode entry layer: the libOS core runs at CPL3 beside the program. CPL0 holds only the stubs
   below, each a handful of instructions (CPL0 code is emulated ~2,400x slower on kvm_pvm), which hand
   the event to the core at CPL3 through a prebuilt iret frame. The core returns to the program at
   CPL3 without any privilege transition. Layout of struct regs: kernel/include/k/regs.h. */
#include "k/asm.h"

	.section .text.cpl0, "ax"
/* `syscall` from the program: rcx = user rip, r11 = user rflags, rsp = user rsp. */
	.globl fast_syscall_stub
fast_syscall_stub:
	movq %rsp, cpu0 + CPU_TRAP_RSP(%rip)
	leaq iret_to_sys_trap(%rip), %rsp
	iretq

/* Page fault, the hot exception: 5 instructions, straight from the gate (each costs ~3 us on
   kvm_pvm). Frame on the IST1 stack, from the top: ss rsp rflags cs rip err rax cr2; the core
   entry it goes to knows the vector. */
	.globl fast_exc_14
fast_exc_14:
	pushq %rax
	movq %cr2, %rax
	pushq %rax
	leaq iret_to_pf(%rip), %rsp
	iretq

/* Other exceptions: frame on the IST1 stack is, from the top: ss rsp rflags cs rip err vec rax cr2. */
exc_common:
	pushq %rax
	movq %cr2, %rax
	pushq %rax
	leaq iret_to_exc(%rip), %rsp
	iretq

/* #BP. The core asks for its two CPL0 services with an `int3` (its gate is open to CPL3; kvm_pvm
   answers `int n` from CPL3 with #UD) at a known place, the operand in rdi: arch_load_cr3 loads
   CR3 (which flushes the TLB), arch_invlpg invalidates one page. On kvm_pvm the way in costs
   about 13 us and every instruction here another 3 (they are emulated), so the paths are as
   short as they can be: the CR3 load is 4 instructions (the `ud2`-based service it replaces took
   11, 36 us a call against 26), and #BP needs no instruction skipped. Any other int3 is the
   program's breakpoint and goes to the core. */
	.globl fast_exc_3
fast_exc_3:
	cmpq $fast_cr3_ret, (%rsp)
	jne 1f
	movq %rdi, %cr3
	iretq
1:	cmpq $fast_invlpg_ret, (%rsp)
	jne 2f
	invlpg (%rdi)
	iretq
2:	pushq $0
	pushq $3
	jmp exc_common

.macro EXC vec, err
	.globl fast_exc_\vec
fast_exc_\vec:
	.if \err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
.endm
EXC 0,0; EXC 1,0; EXC 2,0; EXC 4,0; EXC 5,0; EXC 6,0; EXC 7,0
EXC 8,1; EXC 9,0; EXC 10,1; EXC 11,1; EXC 12,1; EXC 13,1
EXC 16,0; EXC 17,1; EXC 18,0; EXC 19,0; EXC 20,0; EXC 21,1
/* Isolated mode's preemption interrupt (UPCALL_VECTOR): the same path as an exception. */
EXC 32,0

	.data
	.balign 16
/* iretq frames into the core at CPL3, interrupts off. In isolated mode arch_init rewrites the
   selectors to CPL0 ones, so the same stubs enter the core at CPL0. */
	.globl iret_to_sys_trap, iret_to_exc, iret_to_pf
iret_to_sys_trap:
	.quad core_sys_trap, UNIK_SEL_UCODE, RFLAGS_CORE, core_sys_stack_top, UNIK_SEL_UDATA
iret_to_exc:
	.quad core_exc_entry, UNIK_SEL_UCODE, RFLAGS_CORE, core_exc_stack_top, UNIK_SEL_UDATA
iret_to_pf:
	.quad core_pf_entry, UNIK_SEL_UCODE, RFLAGS_CORE, core_exc_stack_top, UNIK_SEL_UDATA

	.text
/* Builds struct regs below the current rsp: the caller has pushed rsp, rflags, rip, cr2, err, vec. */
.macro PUSH_GPRS
	pushq %rax; pushq %rbx; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi; pushq %rbp
	pushq %r8; pushq %r9; pushq %r10; pushq %r11; pushq %r12; pushq %r13; pushq %r14; pushq %r15
.endm

/* System call that trapped through CPL0 (first call from a site, or a site not rewritten). */
	.globl core_sys_trap
core_sys_trap:
	pushq cpu0 + CPU_TRAP_RSP(%rip)
	pushq %r11
	pushq %rcx
	pushq $0; pushq $0; pushq $0
	PUSH_GPRS
	cld
	movq %rsp, %rdi
	call syscall_from_trap
	jmp core_return

/* System call through a rewritten site (`call *%rax` into the sled at address 0): the return address
   is at [rsp]; rcx and r11 are free (syscall clobbers them); flags are still the program's. */
	.globl core_sys_direct
core_sys_direct:
	movq %rsp, cpu0 + CPU_TRAP_RSP(%rip)
	movq cpu0 + CPU_KSTACK_TOP(%rip), %rsp
	pushq $0
	pushfq
	pushq $0
	pushq $0; pushq $0; pushq $0
	PUSH_GPRS
	movq cpu0 + CPU_TRAP_RSP(%rip), %rax
	movq (%rax), %rcx
	movq %rcx, REGS_RIP(%rsp)
	movq %rcx, cpu0 + CPU_DIRECT_RET(%rip)
	addq $8, %rax
	movq %rax, REGS_RSP(%rsp)
	movq %rax, cpu0 + CPU_DIRECT_RSP(%rip)
	cld
	movq %rsp, %rdi
	call syscall_from_direct
	jmp core_return

/* Exception: the CPL0 stub left its frame at the top of the IST1 stack; other GPRs are live. */
	.globl core_exc_entry
core_exc_entry:
	subq $48, %rsp              /* rsp, rflags, rip, cr2, err, vec: filled below */
	PUSH_GPRS
	movq cpu0_ist_top - 72 + 8(%rip), %rax   /* saved rax */
	movq %rax, REGS_RAX(%rsp)
	movq cpu0_ist_top - 72(%rip), %rax       /* cr2 */
	movq %rax, REGS_CR2(%rsp)
	movq cpu0_ist_top - 72 + 16(%rip), %rax  /* vec */
	movq %rax, REGS_VEC(%rsp)
	jmp core_exc_rest

/* Page fault: as core_exc_entry, from fast_exc_14's frame (no vector slot). */
	.globl core_pf_entry
core_pf_entry:
	subq $48, %rsp
	PUSH_GPRS
	movq cpu0_ist_top - 56(%rip), %rax       /* saved rax */
	movq %rax, REGS_RAX(%rsp)
	movq cpu0_ist_top - 64(%rip), %rax       /* cr2 */
	movq %rax, REGS_CR2(%rsp)
	movq $14, REGS_VEC(%rsp)
core_exc_rest:
	movq cpu0_ist_top - 72 + 24(%rip), %rax  /* err */
	movq %rax, REGS_ERR(%rsp)
	movq cpu0_ist_top - 72 + 32(%rip), %rax  /* rip */
	movq %rax, REGS_RIP(%rsp)
	movq cpu0_ist_top - 72 + 48(%rip), %rax  /* rflags */
	movq %rax, REGS_RFLAGS(%rsp)
	movq cpu0_ist_top - 72 + 56(%rip), %rax  /* rsp */
	movq %rax, REGS_RSP(%rsp)
	cld
	movq %rsp, %rdi
	call trap_from_exception
	jmp core_return

/* Return to the program at CPL3 from a struct regs at rsp. Fast mode: no privilege change, no
   register clobbered, nothing written below the program's rsp but the return address a direct
   system call's `call` left there. Isolated mode: iretq from CPL0.
   A direct system call that returns where it came from, with the stack where it was, returns
   with `ret`, which consumes the return-stack-buffer entry its `call *%rax` made: jumping back
   instead leaves that entry behind, and every `ret` of the program after it is mispredicted
   until the buffer drains (getppid through a rewritten site 425 -> 207 ns on a Xeon where native
   is 116). The slot is written again first (it holds that address already, unless the call
   itself changed it), so `ret` goes exactly where the jump would; if the write faults (the
   call unmapped its own stack) trap.c resumes the program as the jump would have. */
	.globl core_return
core_return:
	cmpb $0, arch_isolated(%rip)
	jne isolated_return
	movq REGS_RSP(%rsp), %rax
	movq %rax, cpu0 + CPU_RET_RSP(%rip)
	cmpq %rax, cpu0 + CPU_DIRECT_RSP(%rip)
	movq REGS_RIP(%rsp), %rax
	movq %rax, cpu0 + CPU_RET_RIP(%rip)
	jne 1f
	cmpq %rax, cpu0 + CPU_DIRECT_RET(%rip)
	jne 1f
	movq $0, cpu0 + CPU_DIRECT_RET(%rip)
	popq %r15; popq %r14; popq %r13; popq %r12; popq %r11; popq %r10; popq %r9; popq %r8
	popq %rbp; popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rbx; popq %rax
	leaq 32(%rsp), %rsp         /* vec, err, cr2, rip */
	popfq
	movq cpu0 + CPU_RET_RSP(%rip), %rsp
	.globl core_return_push
core_return_push:
	pushq cpu0 + CPU_RET_RIP(%rip)
	ret
1:	movq $0, cpu0 + CPU_DIRECT_RET(%rip)
	popq %r15; popq %r14; popq %r13; popq %r12; popq %r11; popq %r10; popq %r9; popq %r8
	popq %rbp; popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rbx; popq %rax
	leaq 32(%rsp), %rsp         /* vec, err, cr2, rip */
	popfq
	movq cpu0 + CPU_RET_RSP(%rip), %rsp
	jmp *cpu0 + CPU_RET_RIP(%rip)

/* The CPL0 service requests (see fast_exc_3): rdi = the new CR3, or the address to invalidate. */
	.globl arch_load_cr3
arch_load_cr3:
	int3
fast_cr3_ret:
	ret

	.globl arch_invlpg
arch_invlpg:
	int3
fast_invlpg_ret:
	ret

isolated_return:
	movq REGS_RIP(%rsp), %rax
	movq %rax, cpu0_iret(%rip)
	movq $UNIK_SEL_UCODE, cpu0_iret + 8(%rip)
	movq REGS_RFLAGS(%rsp), %rax
	andq $~0x3000, %rax         /* never hand the program IOPL */
	movq %rax, cpu0_iret + 16(%rip)
	movq REGS_RSP(%rsp), %rax
	movq %rax, cpu0_iret + 24(%rip)
	movq $UNIK_SEL_UDATA, cpu0_iret + 32(%rip)
	popq %r15; popq %r14; popq %r13; popq %r12; popq %r11; popq %r10; popq %r9; popq %r8
	popq %rbp; popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rbx; popq %rax
	leaq cpu0_iret(%rip), %rsp
	iretq

/* Task switch: rdi = where to save this context's stack pointer, rsi = the one to resume. */
	.globl arch_switch
arch_switch:
	pushq %rbp; pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx; popq %rbp
	ret

/* A new task's first run: rsp is at its struct regs (see sched_task_new). */
	.globl arch_task_entry
arch_task_entry:
	movq %rsp, %rdi
	call sched_task_entered
	jmp core_return

/* Upcall from the monitor (preemption, an alarm, host signals): it stopped the program, stored
   its registers as a struct regs at the running task's core stack and set rsp to them. */
	.globl core_upcall_entry
core_upcall_entry:
	cld
	movq %rsp, %rdi
	call upcall_entry
	jmp core_return

/* First instruction of the kernel in either mode (CPL3, rsp = boot stack). */
	.globl fast_start
fast_start:
	cld
	call kmain
1:	jmp 1b

/* Jump to the program for the first time: rdi = struct regs *. */
	.globl arch_enter_user
arch_enter_user:
	movq %rdi, %rsp
	jmp core_return

	.bss
	.balign 16
cpu0_iret:
	.space 40
	.balign 4096
	.globl core_sys_stack_top, core_exc_stack_top, cpu0_ist_top
	.space 16384
core_sys_stack_top:
	.space 16384
core_exc_stack_top:
	.space 4096
cpu0_ist_top:

	.section .note.GNU-stack, "", @progbits
