/* Spin locks for the core: ticket locks (FIFO, so a CPU waiting for one is served in turn), each
   remembering the CPU that holds it. The core is never interrupted (upcalls and isolated mode's
   interrupt only stop the program: docs/architecture.md), so no lock needs an interrupt-saving
   variant. Written for several CPUs; the VM has one today, where a lock taken twice by the same
   CPU would spin forever: that is a kernel bug, reported as one. */
#ifndef K_SPINLOCK_H
#define K_SPINLOCK_H
#include <stdint.h>
#include <stdbool.h>

typedef struct spinlock {
	uint32_t next;          /* the ticket the next taker draws */
	uint32_t serving;       /* the ticket that holds the lock */
	int holder;             /* the holding CPU's id, or -1 */
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, 0, -1, (n) }

/* The CPU id of the caller (k/cpu.h) and the report of a lock taken twice (kernel/main.c). */
int spin_cpu_id(void);
__attribute__((noreturn)) void spin_recursion(const spinlock_t *l);

static inline void spin_lock(spinlock_t *l)
{
	int me = spin_cpu_id();
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me)
		spin_recursion(l);
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
	__atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->holder, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

static inline bool spin_held_here(const spinlock_t *l)
{
	return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == spin_cpu_id();
}
#endif
