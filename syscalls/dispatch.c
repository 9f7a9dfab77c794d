/* System-call dispatch through the generated table; the two ways in from the entry layer. */
#include "k/kernel.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/stats.h"
#include "syscalls/syscall.h"

static uint8_t dispatch_reported[SYSCALL_NR / 8];

static int64_t dispatch_unknown(uint64_t nr)
{
	if ((boot_info->flags & UNIK_BOOT_TRACE) && nr < SYSCALL_NR &&
	    !(dispatch_reported[nr / 8] & (1u << (nr % 8)))) {
		dispatch_reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
		const char *name = syscall_table[nr].name;
		kprintf("unik: system call %s (%lu) is not implemented: -ENOSYS\n",
			name ? name : "?", nr);
	}
	return -ENOSYS;
}

void syscall_run(struct regs *r)
{
	uint64_t nr = r->rax;
	bool trace = boot_info->flags & UNIK_BOOT_TRACE;
	cpu0.in_core = 1;
	if (trace)
		trace_enter(r);
	const struct syscall_desc *d = nr < SYSCALL_NR ? &syscall_table[nr] : NULL;
	int64_t ret = (d && d->fn) ? d->fn(r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9)
				   : dispatch_unknown(nr);
	r->rax = (uint64_t)ret;
	if (trace)
		trace_exit(r, nr, ret);
	/* What Linux's return path leaves behind. */
	r->rcx = r->rip;
	r->r11 = r->rflags;
	cpu0.in_core = 0;
}

void syscall_from_trap(struct regs *r)
{
	stats.syscall_traps++;
	arch_rewrite_syscall(r->rip - 2);
	syscall_run(r);
}

void syscall_from_direct(struct regs *r)
{
	stats.syscall_direct++;
	syscall_run(r);
}
