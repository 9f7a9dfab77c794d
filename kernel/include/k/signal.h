/* Signal numbers and names (Linux x86-64). */
#ifndef K_SIGNAL_H
#define K_SIGNAL_H
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGWINCH 28
#define SIGSTOP 19
/* "SIGSEGV" for 11; "SIGRTMIN+3" style names are not needed for faults. */
const char *signal_name(int signo);

#include <stdint.h>
#include <stdbool.h>
struct regs;

/* Linux's siginfo (128 bytes), with the fields faults and kill use. */
#define SI_USER 0               /* si_code of kill(): addr holds the sender's pid and uid */
struct siginfo_k {
	int32_t signo, errno_, code, pad;
	uint64_t addr;          /* SIGSEGV/SIGBUS/SIGILL/SIGFPE: fault address; kill: pid, uid */
	uint8_t rest[104];
};
_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo");
/* What a synchronous fault adds: the trap number and error code for the sigcontext, and the
   report printed when the fault kills. */
struct sigfault {
	uint64_t err, trapno;
	const char *why;
};

/* Delivers signo now: runs the default action or builds the handler frame on the program's
   stack in r. fault != NULL marks a synchronous fault, which kills if blocked or ignored. */
void signal_deliver(struct regs *r, int signo, const struct siginfo_k *si,
		    const struct sigfault *fault);
struct task;
/* Makes signo pending for this process (kill, the alarm) and wakes a thread that takes it:
   queued as Linux queues it (k/sigqueue.h). 0, or -EAGAIN when a real-time signal does not fit
   in the user's queue (sigqueue). */
int signal_raise(int signo, const struct siginfo_k *si);
/* The same for thread t (tgkill, tkill, rt_tgsigqueueinfo). */
int signal_raise_task(struct task *t, int signo, const struct siginfo_k *si);
/* The signals pending for the current thread: its own and its process's. */
uint64_t signal_pending_set(void);
/* Takes one instance of a pending signal of set, from the thread's own first, the next as
   Linux takes them (synchronous ones, then the lowest number), into si; returns its number,
   or 0 if none (or only a re-armed timer's, which is dropped). */
int signal_take(uint64_t set, struct siginfo_k *si);
/* Delivers the pending unblocked signals into r. */
void signal_deliver_pending(struct regs *r);
bool signal_pending_deliverable(void);
/* Is a signal pending that will end the process when delivered (SIGKILL, or one not blocked
   whose default action ends it, without a handler)? What ends Linux's killable waits. */
bool signal_fatal_pending(void);
/* Does the call a signal interrupted run again: the signal delivered next runs none (a stop,
   or a signal ignored), or, with after_handler, a handler installed with SA_RESTART? */
bool signal_restarts(bool after_handler);
/* Returned by a system call that a signal interrupted and that Linux restarts after an
   SA_RESTART handler; the dispatcher turns it into a restart or -EINTR. Never seen by programs. */
#define ERESTARTSYS 512
/* The same for a call Linux restarts only when no handler runs (System V IPC waits): after any
   handler, SA_RESTART or not, it is -EINTR (signal(7)). */
#define ERESTARTNOHAND 514
/* rt_sigreturn: restores r from the frame the handler returned through. */
int64_t signal_return(struct regs *r);
#endif
