/* Pending signals as Linux queues them: a set for the fast checks and, in arrival order, one
   entry per instance with its siginfo, counted against the real user's RLIMIT_SIGPENDING. */
#ifndef K_SIGQUEUE_H
#define K_SIGQUEUE_H
#include <stdint.h>
#include <stdbool.h>

struct siginfo_k;
struct sigqueue;                /* one queued instance (kernel/sigqueue.c) */

/* What is pending for a thread or a process. A signal in set without an entry is pending
   without its siginfo (SIGKILL, or one sent while the user's queue was full): it is taken as
   SI_USER with no sender. All zero is an empty queue. */
struct sigpending {
	uint64_t set;
	struct sigqueue *head, *tail;
};

#define SIGQUEUE_RTMIN 32       /* signals from here on are queued, one entry per instance */

/* Linux's send rules for signo into q, the siginfo counted for uid against limit: a standard
   signal already pending is dropped (the first siginfo stays); SIGKILL takes no entry; past
   the limit a standard signal, or a real-time one sent by kill (si_code SI_USER), is still made
   pending without its siginfo, while another real-time one fails. A standard signal with a
   kernel or kill code (si_code >= 0) is queued past the limit. Returns 1 (made pending), 0
   (dropped: already pending) or -EAGAIN (the queue is full). */
int sigqueue_send(struct sigpending *q, int signo, const struct siginfo_k *si, uint32_t uid,
		  uint64_t limit);
/* The signal of mask pending in q that Linux takes next: the lowest synchronous one (SIGILL,
   SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS), else the lowest; 0 if none. */
int sigqueue_next(const struct sigpending *q, uint64_t mask);

/* How sigqueue_collect found the instance it took. */
enum sigqueue_kind {
	SIGQUEUE_PLAIN,         /* an ordinary instance, or one without its siginfo */
	SIGQUEUE_TIMER,         /* a POSIX timer's: the caller fills in si_overrun */
	SIGQUEUE_DROPPED,       /* a timer's that was re-armed or deleted since: nothing to take */
};
/* Takes the first instance of pending signal signo out of q into *si (128 bytes, zero past
   what a queued siginfo keeps); the signal stays pending while other instances remain. */
enum sigqueue_kind sigqueue_collect(struct sigpending *q, int signo, struct siginfo_k *si);
/* Discards the pending signals of mask and their instances (a timer's own entry waits for its
   next expiry). */
void sigqueue_flush(struct sigpending *q, uint64_t mask);
/* Signals counted for uid: its queued instances and its POSIX timers (/proc/<pid>/status SigQ). */
uint64_t sigqueue_user_count(uint32_t uid);

/* A POSIX timer's own entry, as Linux preallocates it: counted for uid from timer_create on
   (NULL past limit, or without memory), queued at most once however often the timer expires. */
struct sigqueue *sigqueue_timer_new(uint32_t uid, uint64_t limit);
/* Is the timer's signal queued (pending, not yet taken)? */
bool sigqueue_timer_queued(const struct sigqueue *e);
/* Queues the timer's signal in q with siginfo si. False, with nothing changed, when its entry is
   queued already: sigqueue_timer_refresh says then whether the expiry is an overrun. */
bool sigqueue_timer_send(struct sigpending *q, struct sigqueue *e, const struct siginfo_k *si);
/* An expiry while e is queued: true if the timer was re-armed since it was queued (the queued
   signal stands for this expiry, whose overruns start again), false for an overrun. */
bool sigqueue_timer_refresh(struct sigqueue *e);
/* The timer is re-armed or disarmed: a signal it queued before is dropped when taken. */
void sigqueue_timer_rearmed(struct sigqueue *e);
/* The timer is deleted: its entry goes now, or when its queued signal is taken (dropped). */
void sigqueue_timer_free(struct sigqueue *e);
#endif
