/* Restartable sequences (syscalls/sys_rseq.c): the hooks the scheduler, the signal code and the
   return paths call for a task that registered an rseq area. */
#ifndef K_RSEQ_H
#define K_RSEQ_H
#include <stdint.h>
#include <stdbool.h>

/* What the auxiliary vector says (AT_RSEQ_FEATURE_SIZE: offsetof(struct rseq, end), the fields
   kept up to date; AT_RSEQ_ALIGN: the alignment a registration needs). */
#define RSEQ_FEATURE_SIZE 28u
#define RSEQ_ALIGN 32u

struct task;
struct regs;

/* On the way back to the program after a switch or a registration (Linux's notify-resume):
   aborts a critical section the task was preempted in and writes the CPU numbers. A broken
   rseq area or descriptor kills the process with SIGSEGV, as Linux's force_sigsegv ends. */
void rseq_resume(struct regs *r);
/* Before a handler's frame is built (Linux's rseq_signal_deliver): the frame then saves the
   abort handler's address rather than one inside the section. */
void rseq_signal(struct regs *r);
/* A child with its own address space keeps the registration (a thread or a CLONE_VM child
   starts without one, as every task does). */
void rseq_fork(struct task *child, const struct task *parent);
/* execve drops it. */
void rseq_exec(struct task *t);
#endif
