/* A process: identity, address space, limits, signal dispositions, fd table. */
#ifndef K_PROC_H
#define K_PROC_H
#include <stdint.h>
#include "k/mm.h"
#include "k/signal.h"
#include "k/sched.h"

#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)
#define RLIMIT_SIGPENDING 11

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct rlimit64 {
	uint64_t cur, max;
};

struct fdtable;
struct fs_context;

/* A POSIX timer (timer_create). */
#define PTIMER_MAX 32
struct ptimer {
	bool used;
	int clock;                      /* CLOCK_REALTIME, MONOTONIC, BOOTTIME... */
	bool abs_rt;                    /* armed for a wall-clock time: moves with the clock */
	int notify;                     /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	int signo, tid;                 /* the signal, and the thread for SIGEV_THREAD_ID */
	uint64_t value;                 /* sigev_value */
	int64_t next, interval;         /* due (monotonic ns, or CPU ns for a CPU-time clock; 0:
					   disarmed), period */
	int cpu_pid, cpu_tid;           /* a CPU-time clock: of this process, or this thread */
	int overrun_acc, overrun_last;  /* expirations while its signal was pending; the count
					   its last signal taken reported (timer_getoverrun) */
	struct sigqueue *sq;            /* its signal's entry, queued at most once */
};

enum proc_state { PROC_LIVE, PROC_ZOMBIE };
enum { REPORT_NONE, REPORT_STOPPED, REPORT_CONTINUED };

struct proc {
	int pid, ppid, pgid, sid;
	enum proc_state state;
	int wait_status;                        /* a zombie's status as wait4 reports it */
	int exit_signal;                        /* sent to the parent at exit (SIGCHLD) */
	struct proc *parent, *children, *sibling;
	struct proc *next;                      /* every process, for kill, wait and /proc */
	bool vfork_done;                        /* a CLONE_VFORK child has exec'd or ended */
	bool did_exec;                          /* has called execve (setpgid: EACCES) */
	bool stopped;                           /* by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU, until SIGCONT */
	int stop_sig;
	int report;                             /* a stop or continue its parent's wait may report */
	bool subreaper;                         /* PR_SET_CHILD_SUBREAPER */
	bool no_new_privs;                      /* PR_SET_NO_NEW_PRIVS */
	bool not_dumpable;                      /* PR_SET_DUMPABLE 0 */
	int pdeathsig;                          /* PR_SET_PDEATHSIG: sent when the parent ends */
	uint64_t timerslack;                    /* PR_SET_TIMERSLACK (ns) */
	uint64_t sig_generated;                 /* signals made pending: signalfd's EPOLLET edges */
	uint32_t securebits;                    /* SECBIT_* (k/cap.h); execve clears KEEP_CAPS */
	uint32_t personality;                   /* personality(2): PER_LINUX plus flags */
	/* Capability sets (k/cap.h): effective, permitted, inheritable, bounding, ambient. */
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
	bool thp_disable;                       /* PR_SET_THP_DISABLE (no huge pages here anyway) */
	uint8_t mce_kill;                       /* PR_MCE_KILL_SET policy + 1; 0: the default */
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t groups[65536 / 256];   /* NGROUPS: up to 256 here */
	struct mm *mm;                  /* shared by threads, and by a CLONE_VM child until it execs */
	struct k_sigaction sigaction[NSIG];
	struct sigpending pending;              /* signals sent to the process (kill, the alarm) */
	int nthreads;                           /* live tasks */
	uint64_t cpu_dead_ns;                   /* CPU time of its ended threads */
	uint64_t cpu_children_ns;               /* of its reaped children (and theirs) */
	uint64_t sys_dead_ns, sys_children_ns;  /* the system part of those */
	struct ru_counts ru_dead, ru_children;  /* faults and switches, the same way */
	/* Peak resident set in KiB (getrusage's ru_maxrss): of this process's address spaces as
	   last measured (at exec, exit and getrusage), and the most of its reaped children. */
	uint64_t maxrss_kb, cmaxrss_kb;
	uint64_t rss_noted_ns;                  /* monotonic ns of the last measure at a munmap */
	int64_t itimer_next, itimer_interval;   /* ITIMER_REAL: due (monotonic ns, 0: off), period */
	int64_t vt_next, vt_interval;           /* ITIMER_VIRTUAL: due (process CPU ns, 0: off) */
	int64_t prof_next, prof_interval;       /* ITIMER_PROF: the same (CPU time is not split) */
	struct ptimer ptimers[PTIMER_MAX];
	int nptimers;                           /* of them in use */
	struct rlimit64 rlim[RLIM_NLIMITS];
	char comm[16];
	/* Where exec put the argv and envp strings on the stack (/proc/<pid>/cmdline, environ). */
	uint64_t arg_start, arg_end, env_start, env_end;
};

extern struct proc *proc_list;                  /* every process, live and zombie */

struct proc *proc_find(int pid);
/* The fd table and fs context /proc/<pid> shows: its main thread's, or while that one is gone
   another live thread's (as Linux's thread-group leader); NULL for a zombie. */
struct fdtable *proc_files(struct proc *p);
struct fs_context *proc_fs(struct proc *p);
/* fork, vfork and clone without CLONE_THREAD: a new process running a copy of the caller (its
   own copy-on-write address space, or the caller's with CLONE_VM). The child's pid or -errno. */
int64_t proc_fork(uint64_t flags, uint64_t sp, uint64_t parent_tid, uint64_t child_tid,
		  uint64_t tls, int exit_signal);
/* Whether the caller's real user is at its RLIMIT_NPROC: Linux counts every task (threads, and
   zombies until they are reaped) of the user; root is exempt, as Linux's INIT_USER. */
bool proc_nproc_reached(void);
/* Linux's ptrace_may_access with real credentials: the caller's own process, CAP_SYS_PTRACE, or
   a dumpable target whose real, effective and saved uids and gids are all the caller's real
   ones (pidfd_getfd, process_vm_readv/writev). */
bool proc_ptrace_allowed(const struct proc *p);
/* Frees a reaped zombie. */
void proc_reap(struct proc *p);
/* Ends the process with a wait status (exit code << 8, or the signal number): pid 1 ends the
   VM with exit_code; others become zombies for their parent. Never returns. */
__attribute__((noreturn)) void proc_exit_status(int wait_status, int exit_code);
/* Default action of a stop signal: the process stops (its parent is told) and the current task
   waits until SIGCONT or SIGKILL. */
void proc_stop(int signo);
/* A task of a stopped process waits here until it continues (or must die). */
void proc_stop_wait(void);
/* SIGCONT generated for p: it continues if stopped (its parent is told). */
void proc_continue(struct proc *p);
/* The VM's end with pid 1's status. */
__attribute__((noreturn)) void proc_report_exit(int exit_code);
/* Drops a process's hold on an address space (the last user frees it). */
void proc_mm_put(struct mm *mm);
/* A CLONE_VFORK child has exec'd or is ending: its parent goes on. */
void proc_vfork_release(struct proc *p);
/* The same for a thread made with CLONE_VFORK and CLONE_THREAD: the thread that made it goes on. */
void thread_vfork_release(struct task *t);
/* Ends the other threads of the current process and waits until they are gone. */
void proc_kill_other_threads(void);
/* A thread's last duties: its robust futex list, clear_child_tid and its wake. */
void thread_exit_cleanup(struct task *t);
/* The fd table and fs context of a new task made from `from`: shared (CLONE_FILES, CLONE_FS in
   flags) or copied. 0 or -ENOMEM. */
int task_share_or_copy(struct task *from, uint64_t flags, struct fdtable **files,
		       struct fs_context **fs);
/* Gives the task its own copy of its fd table (files) and fs context (fs) where another task
   shares them: unshare. 0 or -ENOMEM, and then nothing changed. */
int task_unshare_files(struct task *t, bool files, bool fs);
/* Drops a reference to each (NULL: none). */
void files_fs_put(struct fdtable *files, struct fs_context *fs);
/* Drops the task's references to its fd table and fs context (its end). */
void task_release_files(struct task *t);
/* System V semaphore undo lists (syscalls/sys_sem.c). Before a clone: under CLONE_SYSVSEM the
   caller gets a list if it has none, to share (0 or -ENOMEM). Then the new task t shares from's
   list under CLONE_SYSVSEM, else starts with none. A task's end and unshare(CLONE_SYSVSEM) drop
   its share; the last one applies the adjustments. */
int sem_undo_prepare(uint64_t flags);
void sem_undo_share(struct task *t, const struct task *from, uint64_t flags);
void sem_undo_exit(struct task *t);
/* Sends sig to process p, waking a thread that takes it (kill to another process). 0, or
   -EAGAIN when the real-time signal does not fit in the queue of p's user (k/sigqueue.h). */
int signal_raise_proc(struct proc *p, int signo, const struct siginfo_k *si);
/* Sends a POSIX timer's signal with its own entry e (k/sigqueue.h), to thread t of p if given. */
void signal_raise_timer(struct proc *p, struct task *t, struct sigqueue *e,
			const struct siginfo_k *si);
/* Discards the pending instances of the signals of mask, the process's and its threads'
   (a disposition that ignores them, SIGCONT and the stop signals). */
void signal_discard(struct proc *p, uint64_t mask);
/* sigaction changed p's disposition of signo: one that ignores it discards what is pending. */
void signal_action_changed(struct proc *p, int signo);

/* Ends the VM with the program's status (exit_group of the last process). */
__attribute__((noreturn)) void proc_exit(int status);
/* Kills the process with signal signo: reports why (unless NULL) and exits 128+signo. */
__attribute__((noreturn)) void proc_kill(int signo, const char *why);
/* Records p's address space's resident set in its peak (maxrss_kb): before it goes (exit,
   exec) and when the peak is asked for. */
void proc_note_rss(struct proc *p);

/* Linux's struct rusage, filled from CPU time (ns, of it sys in the core), the counts and the
   peak resident set in KiB (getrusage, wait4, waitid). */
struct rusage_k {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
	int64_t msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct rusage_k) == 144, "rusage");
void rusage_fill(struct rusage_k *ru, uint64_t ns, uint64_t sys, const struct ru_counts *c,
		 uint64_t maxrss_kb);
#endif
