/* System-call dispatch: the generated table and the entry points the arch layer calls. */
#ifndef SYSCALLS_SYSCALL_H
#define SYSCALLS_SYSCALL_H
#include <stdint.h>
#include <stddef.h>
#include "k/regs.h"

#define SYSCALL_NR 512

typedef int64_t (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

struct syscall_desc {
	const char *name;       /* NULL: unknown number */
	syscall_fn fn;          /* NULL: -ENOSYS */
	const char *args;       /* --trace argument format (see syscall_64.tbl) */
};
extern const struct syscall_desc syscall_table[SYSCALL_NR];

/* Called by the entry layer with the program's registers; sets rax (and rcx/r11 as Linux's
   sysret leaves them). syscall_from_trap also rewrites the call site when it can. Both take
   the core lock; syscall_trapped is syscall_from_trap for a caller that holds it. */
void syscall_from_trap(struct regs *r);
void syscall_from_direct(struct regs *r);
void syscall_trapped(struct regs *r);
/* Runs one system call for r (dispatch, trace). */
void syscall_run(struct regs *r);
/* A direct entry that did not come from a rewritten site (kernel/trap.c): the program's SIGSEGV
   for its jump into the first page. The core lock is held. */
void trap_stray_call(struct regs *r);

/* Wakes up to n waiters of the futex word at uaddr of the current process. */
int futex_wake(uint64_t uaddr, int n);

/* clone's CLONE_PIDFD (sys_process.c): a close-on-exec pidfd made before the child exists, so a
   full fd table fails the clone rather than leaving a child without its pidfd (fd, or -errno);
   then settled: pointed at the child (pid > 0), or closed (pid <= 0: the clone failed). */
int pidfd_prepare(void);
void pidfd_settle(int fd, int pid);

/* --trace output (syscalls/trace.c). */
void trace_enter(const struct regs *r);
void trace_exit(const struct regs *r, uint64_t nr, int64_t ret);
#endif
