/* ITIMER_REAL (alarm, setitimer), POSIX timers (timer_create), and the waits they can end.

   There is no timer interrupt yet: the timer is checked at every system call and by the
   scheduler, whose idle sleep ends when it is due. A program that makes no system call at all is
   signalled at its next one (docs/syscalls.md). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/hc.h"
#include "k/signal.h"
#include "k/itimer.h"
#include "k/sched.h"
#include "k/sigqueue.h"
#include "vfs/vfs.h"

#define SI_KERNEL 0x80
#define SIGVTALRM 26
#define SIGPROF 27
#define SI_TIMER (-2)
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4

/* Re-arms a periodic timer from its expiry, dropping missed periods as Linux does; returns how
   many periods were missed. One-shot timers are disarmed. */
static int timer_rearm(int64_t *next, int64_t interval, int64_t now)
{
	if (!interval) {
		*next = 0;
		return 0;
	}
	int64_t missed = (now - *next) / interval;
	*next += (missed + 1) * interval;
	return missed > INT32_MAX ? INT32_MAX : (int)missed;
}

/* A POSIX timer expired: its signal, queued with the timer's own entry; while that is still
   queued, one more overrun (missed periods included), reported when the signal is taken. */
static void ptimer_fire(struct proc *p, int id, struct ptimer *t, int missed)
{
	if (t->notify == SIGEV_NONE)
		return;
	struct task *target = NULL;
	if (t->notify == SIGEV_THREAD_ID) {
		target = sched_find(t->tid);
		if (!target || target->proc != p)
			return;         /* the thread is gone */
	}
	if (sigqueue_timer_queued(t->sq)) {
		/* re-armed since it was queued: the signal stands for this expiry */
		if (sigqueue_timer_refresh(t->sq))
			t->overrun_acc = missed;
		else
			t->overrun_acc = (int)MIN((int64_t)t->overrun_acc + 1 + missed, INT32_MAX);
		return;
	}
	t->overrun_acc = missed;
	struct siginfo_k si = { .signo = t->signo, .code = SI_TIMER, .addr = (uint32_t)id };
	memcpy(si.rest, &t->value, 8);  /* si_value follows si_tid and si_overrun */
	signal_raise_timer(p, target, t->sq, &si);
}

void ptimer_signal_taken(struct siginfo_k *si)
{
	int id = (int32_t)si->addr;
	if (id < 0 || id >= PTIMER_MAX || !current->ptimers[id].used)
		return;
	struct ptimer *t = &current->ptimers[id];
	t->overrun_last = t->overrun_acc;
	si->addr = (uint64_t)(uint32_t)id | ((uint64_t)(uint32_t)t->overrun_acc << 32);
}

void ptimer_delete_all(struct proc *p)
{
	for (int i = 0; i < PTIMER_MAX; i++)
		if (p->ptimers[i].used)
			sigqueue_timer_free(p->ptimers[i].sq);
	memset(p->ptimers, 0, sizeof(p->ptimers));
	p->nptimers = 0;
	itimer_changed();
}

int64_t itimer_cpu_now(const struct ptimer *t)
{
	if (t->cpu_tid) {
		struct task *k = sched_find(t->cpu_tid);
		return k ? (int64_t)sched_task_cpu(k) : -1;
	}
	struct proc *p = proc_find(t->cpu_pid);
	return p && p->state == PROC_LIVE ? (int64_t)sched_proc_cpu(p) : -1;
}

/* When (monotonic ns) a timer may first be due: its time, or for a CPU-time clock the moment
   the clock could reach it at the earliest (it advances at most as fast as real time); -1 for a
   CPU clock whose process or thread is gone. */
static int64_t ptimer_due(const struct ptimer *t)
{
	if (!t->cpu_pid && !t->cpu_tid)
		return t->next;
	int64_t cpu = itimer_cpu_now(t);
	if (cpu < 0)
		return -1;
	int64_t left = t->next - cpu;
	return (int64_t)time_monotonic_ns() + (left > 0 ? left : 0);
}

/* The earliest due time of every armed timer (-1: none), so that the check at each system
   call is one comparison. Recomputed when a timer fires or changes (itimer_changed). */
static int64_t itimer_earliest = -1;

static void itimer_recompute(void)
{
	int64_t due = -1;
	for (struct proc *p = proc_list; p; p = p->next) {
		if (p->state != PROC_LIVE)
			continue;
		if (p->itimer_next && (due < 0 || p->itimer_next < due))
			due = p->itimer_next;
		if (p->vt_next || p->prof_next) {
			/* CPU time advances at most as fast as the clock: look again when it could
			   first reach the nearer of the two. */
			int64_t cpu = (int64_t)sched_proc_cpu(p), now = (int64_t)time_monotonic_ns();
			int64_t left = INT64_MAX;
			if (p->vt_next)
				left = p->vt_next - (int64_t)sched_proc_user(p);
			if (p->prof_next && p->prof_next - cpu < left)
				left = p->prof_next - cpu;
			int64_t at = now + (left > 0 ? left : 0);
			if (due < 0 || at < due)
				due = at;
		}
		for (int i = 0; p->nptimers && i < PTIMER_MAX; i++) {
			const struct ptimer *t = &p->ptimers[i];
			int64_t at = t->used && t->next ? ptimer_due(t) : -1;
			if (at >= 0 && (due < 0 || at < due))
				due = at;
		}
	}
	itimer_earliest = due;
}

void itimer_changed(void)
{
	itimer_recompute();
	sched_publish_due();            /* the monitor interrupts a busy program when it is due */
}

void itimer_check(void)
{
	if (itimer_earliest < 0)
		return;
	int64_t now = (int64_t)time_monotonic_ns();
	if (now < itimer_earliest)
		return;
	for (struct proc *p = proc_list; p; p = p->next) {
		if (p->state != PROC_LIVE)
			continue;
		if (p->itimer_next && now >= p->itimer_next) {
			timer_rearm(&p->itimer_next, p->itimer_interval, now);
			struct siginfo_k si = { .signo = SIGALRM, .code = SI_KERNEL };
			signal_raise_proc(p, SIGALRM, &si);
		}
		if (p->vt_next || p->prof_next) {
			int64_t cpu = (int64_t)sched_proc_cpu(p), user = (int64_t)sched_proc_user(p);
			if (p->vt_next && user >= p->vt_next) {
				timer_rearm(&p->vt_next, p->vt_interval, user);
				struct siginfo_k si = { .signo = SIGVTALRM, .code = SI_KERNEL };
				signal_raise_proc(p, SIGVTALRM, &si);
			}
			if (p->prof_next && cpu >= p->prof_next) {
				timer_rearm(&p->prof_next, p->prof_interval, cpu);
				struct siginfo_k si = { .signo = SIGPROF, .code = SI_KERNEL };
				signal_raise_proc(p, SIGPROF, &si);
			}
		}
		for (int i = 0; p->nptimers && i < PTIMER_MAX; i++) {
			struct ptimer *t = &p->ptimers[i];
			if (!t->used || !t->next)
				continue;
			int64_t clock = t->cpu_pid || t->cpu_tid ? itimer_cpu_now(t) : now;
			if (clock >= 0 && clock >= t->next)
				ptimer_fire(p, i, t, timer_rearm(&t->next, t->interval, clock));
		}
	}
	itimer_changed();
}

int64_t itimer_due(void)
{
	return itimer_earliest;
}

int64_t wait_until(int64_t deadline, uint64_t wanted, const char *what)
{
	int r = sched_wait(NULL, NULL, deadline, wanted, what);
	return r == WAIT_SIGNAL_WANTED ? 1 : r == WAIT_TIMEOUT ? 0 : -EINTR;
}
