/* Seccomp: strict mode and classic-BPF system-call filters per thread, as Linux's
   kernel/seccomp.c. A filter sees Linux's struct seccomp_data (number, AUDIT_ARCH_X86_64, the
   address after the system call instruction, the six arguments); filters stack and are kept
   across fork, clone and execve. SECCOMP_RET_USER_NOTIF hands the call to a supervisor through
   the filter's listener fd (kernel/seccomp_notify.c). What is not here: tracers
   (SECCOMP_RET_TRACE with no tracer gives -ENOSYS, as on Linux). */
#ifndef K_SECCOMP_H
#define K_SECCOMP_H
#include <stdint.h>
#include <stdbool.h>
#include "k/signal.h"

#define SECCOMP_MODE_DISABLED 0
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2

struct regs;
struct task;

/* What the dispatcher does with a system call of a task under seccomp. */
enum seccomp_verdict {
	SECCOMP_GO,             /* run it */
	SECCOMP_SKIP,           /* not run: *ret is its result (-ERESTARTSYS: a signal ended
				   a user notification's wait; the call runs again as Linux's) */
	SECCOMP_SIGSYS,         /* not run: deliver SIGSYS with *si (rax keeps the number) */
};

/* Runs the task's filters (or strict mode's rule) on the system call in r. Kills the thread or
   the process where the filter says so (does not return then); waits for the listener's answer
   where it says SECCOMP_RET_USER_NOTIF. */
enum seccomp_verdict seccomp_syscall(struct regs *r, int64_t *ret, struct siginfo_k *si);

/* A new task takes its creator's mode and filters; an ending one drops its hold on them (at
   its exit, as Linux's do_exit: a filter no task uses any more tells its listener, POLLHUP). */
void seccomp_task_inherit(struct task *child, const struct task *parent);
void seccomp_task_release(struct task *t);
/* How many filters the task has (/proc/<pid>/status Seccomp_filters). */
int seccomp_filter_count(const struct task *t);

/* prctl(PR_SET_SECCOMP, mode, filter). */
int64_t seccomp_prctl_set(uint64_t mode, uint64_t filter);
#endif
