/* membarrier: Linux's commands (kernel/sched/membarrier.c) with their registration rules and
   errno values. The barriers themselves have nothing to wait for: the VM has one vCPU, so every
   thread of every process runs on it, one at a time, and another thread only runs after a switch
   through the libOS core. A CPU sees its own memory accesses in program order, so by the time any
   other thread runs again it sees every store the caller made before the call (what
   MEMBARRIER_CMD_GLOBAL and the EXPEDITED commands promise), and code the caller modified is seen
   by the same CPU's instruction fetch after the branches of that switch (what SYNC_CORE
   promises). So the commands only check what Linux checks, and return.
   The registrations live in the address space (mm->membarrier_state, Linux's state bits): the
   threads of a process and a CLONE_VM child share them, a fork's child keeps them (Linux copies
   the mm; checked natively on 6.18), and an exec starts without them (membarrier_exec_mmap).
   PRIVATE_EXPEDITED_RSEQ restarts the rseq critical sections the process's threads are in on
   other CPUs: there are none, since a thread that is not running was switched out and aborts its
   section anyway when it runs again (sys_rseq.c); the caller, in a system call, is in none. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/mm.h"
#include "build/gen/syscall_decls.h"

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL 1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED 2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ 128
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ 256
#define MEMBARRIER_CMD_GET_REGISTRATIONS 512
#define MEMBARRIER_CMD_FLAG_CPU 1

/* What QUERY answers: every command. */
#define MEMBARRIER_CMD_BITMASK                                                          \
	(MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |                     \
	 MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED | \
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |                                   \
	 MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE |                                  \
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |                         \
	 MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ |                                       \
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_GET_REGISTRATIONS)

/* Linux's MEMBARRIER_STATE_* bits: a registration sets its state bit, then its ready bit. The
   SYNC_CORE and RSEQ registrations also set the private state bit (not its ready bit):
   GET_REGISTRATIONS then reports REGISTER_PRIVATE_EXPEDITED too, while PRIVATE_EXPEDITED stays
   EPERM. */
#define MB_PRIVATE_READY 0x01u
#define MB_PRIVATE 0x02u
#define MB_GLOBAL_READY 0x04u
#define MB_GLOBAL 0x08u
#define MB_SYNC_CORE_READY 0x10u
#define MB_SYNC_CORE 0x20u
#define MB_RSEQ_READY 0x40u
#define MB_RSEQ 0x80u

static int64_t membarrier_registrations(uint32_t state)
{
	int64_t mask = 0;
	if (state & (MB_GLOBAL | MB_GLOBAL_READY))
		mask |= MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
	if (state & (MB_PRIVATE | MB_PRIVATE_READY))
		mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
	if (state & (MB_SYNC_CORE | MB_SYNC_CORE_READY))
		mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
	if (state & (MB_RSEQ | MB_RSEQ_READY))
		mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;
	return mask;
}

int64_t sys_membarrier(uint64_t cmd_, uint64_t flags_, uint64_t cpu_id, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	int cmd = (int)cmd_;
	unsigned flags = (unsigned)flags_;
	uint32_t *state = &current->mm->membarrier_state;
	if (flags && !(cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ &&
		       flags == MEMBARRIER_CMD_FLAG_CPU))
		return -EINVAL;
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_CMD_BITMASK;
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:   /* needs no registration of the caller */
		return 0;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
		*state |= MB_GLOBAL | MB_GLOBAL_READY;
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		return (*state & MB_PRIVATE_READY) ? 0 : -EPERM;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
		*state |= MB_PRIVATE | MB_PRIVATE_READY;
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
		return (*state & MB_SYNC_CORE_READY) ? 0 : -EPERM;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		*state |= MB_PRIVATE | MB_SYNC_CORE | MB_SYNC_CORE_READY;
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
		if (!(*state & MB_RSEQ_READY))
			return -EPERM;
		return 0;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ:
		*state |= MB_PRIVATE | MB_RSEQ | MB_RSEQ_READY;
		return 0;
	case MEMBARRIER_CMD_GET_REGISTRATIONS:
		return membarrier_registrations(*state);
	default:
		return -EINVAL;
	}
}
