/* Threads (tasks) and the scheduler: one vCPU, tasks switch at the points where they wait. The
   state Linux keeps per thread lives here; what the threads of a process share is in struct proc.
   Written for one CPU today; the lists are touched only by the core with interrupts off. */
#ifndef K_SCHED_H
#define K_SCHED_H
#include <stdint.h>
#include <stdbool.h>
#include "k/signal.h"
#include "k/cpu.h"
#include "k/sigqueue.h"

#define NSIG 64

enum task_state { TASK_RUNNABLE, TASK_BLOCKED, TASK_DEAD };

/* How a wait ended (sched_wait). */
#define WAIT_TIMEOUT 0
#define WAIT_SIGNAL_WANTED 1    /* a signal of the wanted set is pending (sigtimedwait, signalfd) */
#define WAIT_WOKEN 2            /* sched_wake on its key, or the console became ready */

struct proc;
struct fdtable;

/* What getrusage counts besides time: page faults the program took (all minor: nothing here
   waits for a disk), and the times a task gave up the CPU by waiting (voluntary) or had it
   taken (involuntary), as Linux's min_flt, nvcsw and nivcsw. */
struct ru_counts {
	uint64_t minflt, nvcsw, nivcsw;
};

static inline void ru_add(struct ru_counts *to, const struct ru_counts *c)
{
	to->minflt += c->minflt;
	to->nvcsw += c->nvcsw;
	to->nivcsw += c->nivcsw;
}
struct fs_context;
struct regs;

struct task {
	int tid;
	enum task_state state;
	struct proc *proc;
	/* Usually shared by every thread of the process (CLONE_FILES, CLONE_FS); a thread made
	   without them, or that called unshare, has its own. */
	struct fdtable *files;
	struct fs_context *fs;
	struct task *run_next;          /* run queue: runnable and not running */
	struct task *next, *prev;       /* list of every live task */
	uint64_t ksp;                   /* core stack pointer while switched out */
	uint64_t kstack_top;            /* where an entry from the program builds its struct regs */
	void *kstack_mem;               /* the allocation holding this struct and its core stack */
	struct regs *uregs;             /* the program's registers at the system call in progress */
	uint8_t *xsave;                 /* FPU and vector state while switched out (64-aligned) */
	void *scratch;                  /* 16 KiB for calls that wait (poll's and epoll's fd lists) */
	void *big;                      /* a larger buffer for them, kept once needed (task_buffer) */
	size_t big_pages;
	uint64_t fs_base, gs_base;
	/* What the task waits for while TASK_BLOCKED. */
	const void *wait_key, *wait_key2;
	uint32_t wait_bits;             /* FUTEX_WAIT_BITSET's bitset (~0 for others) */
	uint64_t wait_seq;              /* order of arrival: wakes go to the oldest waiter first */
	int64_t wait_deadline;          /* monotonic ns, < 0: none */
	bool wait_rt_abs;               /* the deadline is a wall-clock time: a step of the wall
					   clock moves it (time_set_realtime) */
	uint64_t wait_signals;          /* signals that end the wait even while blocked */
	uint32_t console_events[3];     /* poll events wanted on host fds 0-2, or 0; with
					   UNIK_POLL_EDGE only after a new edge (epoll's EPOLLET) */
	uint32_t console_revents[3];
	uint64_t console_since[3];      /* console_edges() when the wait began */
	int wake_reason;
	bool killed;                    /* ends where it next leaves the core (exit_group, execve) */
	uint64_t cpu_ns;                /* CPU time used, up to run_start while it runs */
	/* Of it, in the core (system time), in TSC ticks: sys_tsc up to core_tsc, when the task
	   entered the core (a system call, a fault) or last got the CPU there; 0 outside. */
	uint64_t sys_tsc, core_tsc;
	int nice;                       /* -20..19 (setpriority): the task's weight */
	int policy;                     /* SCHED_OTHER, SCHED_BATCH or SCHED_IDLE (weight 3) */
	bool reset_on_fork;             /* SCHED_RESET_ON_FORK: children start at nice >= 0 */
	/* Weighted fair share (sched.c): CPU time scaled by 1024/weight; the runnable task with
	   the least runs next. vr_cpu: the CPU time counted in so far. */
	uint64_t vruntime, vr_cpu;
	bool vr_woken;                  /* queued by a wake: placed at the least vruntime first */
	uint64_t run_start;             /* monotonic ns it last got the CPU */
	const char *wait_what;          /* names the wait (--trace, when nothing can end it) */
	/* Per-thread state as Linux keeps it. */
	uint64_t clear_child_tid;
	uint64_t robust_list, robust_len;
	uint64_t sigaltstack[3];        /* ss_sp, ss_flags, ss_size */
	uint64_t sigmask;
	uint64_t sigmask_restore;       /* rt_sigsuspend: the mask a handler returns to */
	bool restore_sigmask;
	struct sigpending pending;      /* signals sent to this thread (tgkill, timers to it) */
	/* clone with CLONE_VFORK and CLONE_THREAD: the new thread names the thread that waits
	   for its exec or end (0: none), which keeps vfork_waiting until then. */
	int vfork_waiter;
	bool vfork_waiting;
	uint8_t seccomp_mode;           /* SECCOMP_MODE_* (k/seccomp.h) */
	struct seccomp_filter *seccomp; /* its newest filter, or NULL */
	struct sem_undo_list *sysvsem;  /* System V semaphore adjustments, shared under
					   CLONE_SYSVSEM (syscalls/sys_sem.c) */
	struct ru_counts ru;
	/* Restartable sequences (syscalls/sys_rseq.c): the registered struct rseq or 0. */
	uint64_t rseq;
	uint32_t rseq_len, rseq_sig;
	bool rseq_resume;               /* to fix up and update before the program runs again */
	bool rseq_event;                /* switched out or signalled since: a section aborts */
};

extern struct task *sched_tasks;        /* every live task */
#define SCHED_FOR_EACH(t) for (struct task *t = sched_tasks; t; t = t->next)
extern int sched_live_tasks;            /* tasks not yet dead, of every process */

/* Makes the boot task of the first process (on the static core stack). */
void sched_init(struct proc *p);
/* A new task of process p, a copy of the current one's registers r; NULL without memory. The
   caller fixes up its registers (task_regs) and then calls sched_start. */
struct task *sched_task_new(struct proc *p, const struct regs *r);
struct regs *task_regs(struct task *t);
void sched_start(struct task *t);
/* Drops an ended process's address space once the CPU no longer has it loaded (at the next
   switch to another process). */
struct mm;
void sched_mm_put_later(struct mm *mm);
struct task *sched_find(int tid);

/* Blocks the current task until sched_wake on (key, key2), the monotonic deadline (< 0: none), a
   pending signal it does not block, or one in wanted. Returns WAIT_WOKEN, WAIT_SIGNAL_WANTED,
   WAIT_TIMEOUT or -EINTR. what names the wait for --trace when nothing in the VM can end it. */
int sched_wait(const void *key, const void *key2, int64_t deadline, uint64_t wanted,
	       const char *what);
/* The same for a futex waiter: sched_wake with bits that meet these ends the wait. */
int sched_wait_bits(const void *key, const void *key2, uint32_t bits, int64_t deadline,
		    uint64_t wanted, const char *what);
/* sched_wait with no deadline that only a signal ending the process (signal_fatal_pending)
   interrupts, as Linux's killable waits; other signals stay pending. WAIT_WOKEN or -EINTR. */
int sched_wait_killable(const void *key, const void *key2, const char *what);
/* The same until the monotonic deadline: WAIT_WOKEN, WAIT_TIMEOUT or -EINTR. */
int sched_wait_killable_until(const void *key, const void *key2, int64_t deadline,
			      const char *what);
/* Wakes up to n tasks waiting on (key, key2) whose wait_bits meet bits, oldest first. */
int sched_wake(const void *key, const void *key2, int n, uint32_t bits);
/* Moves up to n waiters from one key to another (FUTEX_REQUEUE). */
int sched_requeue(const void *key, const void *key2, const void *to, const void *to2, int n);
/* Wakes t if it waits and sig ends its wait. */
void sched_signal_wake(struct task *t, int sig);
/* CPU time (ns) of a task, and of all tasks of a process (ended ones included). */
uint64_t sched_task_cpu(const struct task *t);
uint64_t sched_proc_cpu(const struct proc *p);
/* The system part of them (time in the core: system calls and faults). */
uint64_t sched_task_sys(const struct task *t);
uint64_t sched_proc_sys(const struct proc *p);
/* Its faults and switches: its live tasks' and its ended ones'. */
void sched_proc_ru(const struct proc *p, struct ru_counts *out);
/* The process's user time (CPU time less system time): ITIMER_VIRTUAL's clock. */
uint64_t sched_proc_user(const struct proc *p);
/* The running task enters and leaves the core (system time). */
void sched_core_enter(void);
void sched_core_leave(void);
/* Tells the monitor when the next timed event is due (a wait's deadline, the alarm). */
void sched_publish_due(void);
/* A decision point: with to_others (sched_yield) another runnable task runs if there is one;
   otherwise (the end of a time slice) the one with the least virtual runtime, maybe the caller. */
void sched_yield_now(bool to_others);
/* The running task's buffer of at least bytes for a call that waits: its scratch when that is
   enough, else contiguous memory it keeps until it ends (NULL without memory). */
void *task_buffer(size_t bytes);
/* A new task's scheduling parameters from the task that made it (fork, clone), as Linux's
   sched_fork: nice and policy, a negative nice reset to 0 under SCHED_RESET_ON_FORK. */
void sched_params_inherit(struct task *t, const struct task *parent);
/* sched_wait on key that the console (host fds 0-2) becoming ready for events also ends:
   revents tells what the console brought (all 0 when something else ended the wait). */
int sched_wait_console(const void *key, const uint32_t events[3], uint32_t revents[3],
		       int64_t deadline, const char *what);
/* Takes the monitor's requests (kernel/upcall.c): raises the host signals and returns whether
   the running task's time slice is over; upcall_poll also yields then. */
bool upcall_take(void);
void upcall_poll(void);
/* Whether a task woken since the last decision should take the CPU from the running one now
   (upcall_poll then yields). */
bool sched_preempt_due(void);
/* The program was stopped by the monitor (an upcall, or in isolated mode the interrupt of
   UPCALL_VECTOR) with its registers at r: requests, timers and signals are taken now. */
struct regs;
void upcall_from_monitor(struct regs *r);
/* The same from the entry layer, which has not taken the core lock. */
void upcall_entry(struct regs *r);
/* Asks another task to end: its wait ends with -EINTR and it exits where it leaves the core. */
void sched_kill_request(struct task *t);
/* At the points a task leaves the core: ends it if it was asked to. */
void sched_check_killed(void);
/* Ends the current task (not the process); never returns. */
__attribute__((noreturn)) void sched_exit_task(void);
#endif
