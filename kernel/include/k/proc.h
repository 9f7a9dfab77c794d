/* A process: identity, address space, limits, signal dispositions, fd table. */
#ifndef K_PROC_H
#define K_PROC_H
#include <stdint.h>
#include "k/mm.h"
#include "k/signal.h"
#include "k/sched.h"

#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct rlimit64 {
	uint64_t cur, max;
};

struct fdtable;
struct fs_context;

struct proc {
	int pid, ppid;
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t groups[65536 / 256];   /* NGROUPS: up to 256 here */
	struct mm mm;
	struct k_sigaction sigaction[NSIG];
	uint64_t sigpending;                    /* signals sent to the process (kill, the alarm) */
	struct siginfo_k siginfo[NSIG];         /* of each of them */
	int nthreads;                           /* live tasks */
	int64_t itimer_next, itimer_interval;   /* ITIMER_REAL: due (monotonic ns, 0: off), period */
	struct rlimit64 rlim[RLIM_NLIMITS];
	struct fdtable *files;
	struct fs_context *fs;
	char comm[16];
	/* Where exec put the argv and envp strings on the stack (/proc/<pid>/cmdline, environ). */
	uint64_t arg_start, arg_end, env_start, env_end;
};

extern struct proc *current;

/* Ends the VM with the program's status (exit_group of the last process). */
__attribute__((noreturn)) void proc_exit(int status);
/* Kills the process with signal signo: reports why (unless NULL) and exits 128+signo. */
__attribute__((noreturn)) void proc_kill(int signo, const char *why);
#endif
