/* POSIX timers: timer_create/settime/gettime/getoverrun/delete on the real-time and monotonic
   clocks, notifying by a signal to the process (SIGEV_SIGNAL), to one thread (SIGEV_THREAD_ID,
   which glibc's SIGEV_THREAD uses) or not at all (SIGEV_NONE). kernel/itimer.c fires them. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/sigqueue.h"
#include "k/time.h"
#include "k/itimer.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1
#define NS 1000000000ll

struct sigevent_k {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	int32_t pad[11];
};
_Static_assert(sizeof(struct sigevent_k) == 64, "sigevent");

struct itimerspec_k {
	int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};

static bool timer_realtime(int clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_TAI || clock == CLOCK_REALTIME_ALARM;
}

static struct ptimer *timer_get(uint64_t id)
{
	if ((int64_t)(int32_t)id < 0 || (int32_t)id >= PTIMER_MAX)
		return NULL;
	struct ptimer *t = &current->ptimers[(int32_t)id];
	return t->used ? t : NULL;
}

/* A CPU-time clock as a timer's target: the caller's process or thread, or (Linux's negative
   encoding, ~pid << 3 | type, bit 2 for a thread) another one. 0, or -EINVAL. */
static int timer_cpu_target(int c, int *pid, int *tid)
{
	*pid = *tid = 0;
	if (c == CLOCK_PROCESS_CPUTIME_ID) {
		*pid = current->pid;
		return 0;
	}
	if (c == CLOCK_THREAD_CPUTIME_ID) {
		*tid = current_task->tid;
		return 0;
	}
	if (c >= 0 || (c & 3) == 3)
		return -EINVAL;
	int id = ~(c >> 3);
	if (c & 4) {
		struct task *t = id ? sched_find(id) : current_task;
		if (!t)
			return -EINVAL;
		*tid = t->tid;
		return 0;
	}
	struct proc *p = id ? proc_find(id) : current;
	if (!p || p->state != PROC_LIVE)
		return -EINVAL;
	*pid = p->pid;
	return 0;
}

int64_t sys_timer_create(uint64_t clock, uint64_t uevp, uint64_t uid, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	int c = (int)clock, cpu_pid = 0, cpu_tid = 0;
	if (c < 0 && (c & 7) == 3)
		return -EOPNOTSUPP;     /* a dynamic clock (an fd's): no timers on those, as Linux */
	if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC && c != CLOCK_BOOTTIME && c != CLOCK_TAI &&
	    c != CLOCK_REALTIME_ALARM && c != CLOCK_BOOTTIME_ALARM &&
	    timer_cpu_target(c, &cpu_pid, &cpu_tid))
		return -EINVAL;
	struct sigevent_k ev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	bool given = uevp != 0;
	if (given && copy_from_user(&ev, uevp, sizeof(ev)))
		return -EFAULT;
	int id = -1;
	for (int i = 0; i < PTIMER_MAX && id < 0; i++)
		if (!current->ptimers[i].used)
			id = i;
	/* Linux preallocates the timer's signal, counted for the user from now on. */
	struct sigqueue *sq = id < 0 ? NULL
			      : sigqueue_timer_new(current->uid, current->rlim[RLIMIT_SIGPENDING].cur);
	if (!sq)
		return -EAGAIN;
	int64_t err = -EPERM;           /* the alarm clocks need CAP_WAKE_ALARM */
	if (c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM)
		goto fail;
	err = -EINVAL;                  /* SIGEV_THREAD is the C library's, never the kernel's */
	if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD_ID)
		goto fail;
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > NSIG))
		goto fail;
	if (ev.notify == SIGEV_THREAD_ID) {
		struct task *t = sched_find(ev.tid);
		if (!t || t->proc != current)
			goto fail;
	}
	int32_t uidv = id;
	err = -EFAULT;
	if (copy_to_user(uid, &uidv, sizeof(uidv)))
		goto fail;
	struct ptimer *t = &current->ptimers[id];
	*t = (struct ptimer){ .used = true, .clock = c, .notify = ev.notify, .signo = ev.signo,
			      .tid = ev.tid, .value = given ? ev.value : (uint64_t)id,
			      .cpu_pid = cpu_pid, .cpu_tid = cpu_tid, .sq = sq };
	current->nptimers++;
	return 0;
fail:
	sigqueue_timer_free(sq);
	return err;
}

/* The timer's state as an itimerspec: time left and period. */
static bool timer_cpu(const struct ptimer *t)
{
	return t->cpu_pid || t->cpu_tid;
}

/* The timer's clock now: monotonic ns, or the CPU-time clock's (-1: its owner is gone). */
static int64_t timer_clock_now(const struct ptimer *t)
{
	return timer_cpu(t) ? itimer_cpu_now(t) : (int64_t)time_monotonic_ns();
}

static void timer_current(const struct ptimer *t, struct itimerspec_k *v)
{
	int64_t left = 0;
	if (t->next) {
		int64_t now = timer_clock_now(t);
		left = now < 0 ? 0 : t->next - now;
		if (left < 1)
			left = 1;
	}
	*v = (struct itimerspec_k){ t->interval / NS, t->interval % NS, left / NS, left % NS };
}

void ptimer_clock_was_set(int64_t delta)
{
	for (struct proc *p = proc_list; p; p = p->next)
		for (int i = 0; i < PTIMER_MAX; i++) {
			struct ptimer *t = &p->ptimers[i];
			if (t->used && t->next && t->abs_rt)
				t->next = MAX(t->next - delta, (int64_t)1);
		}
	itimer_changed();               /* the earliest due time may have moved */
}

int64_t sys_timer_settime(uint64_t id, uint64_t flags, uint64_t unew, uint64_t uold, uint64_t a4,
			  uint64_t a5)
{
	struct ptimer *t = timer_get(id);
	if (!t)
		return -EINVAL;
	struct itimerspec_k in, old;
	if (!unew || copy_from_user(&in, unew, sizeof(in)))
		return -EFAULT;
	if (in.value_sec < 0 || in.value_nsec < 0 || in.value_nsec >= NS || in.interval_sec < 0 ||
	    in.interval_nsec < 0 || in.interval_nsec >= NS)
		return -EINVAL;
	itimer_check();                 /* an expiry that is due belongs to the old setting */
	timer_current(t, &old);
	const int64_t cap = INT64_MAX / 4 / NS;
	int64_t value = (in.value_sec > cap ? cap : in.value_sec) * NS + in.value_nsec;
	int64_t interval = (in.interval_sec > cap ? cap : in.interval_sec) * NS + in.interval_nsec;
	int64_t now = timer_clock_now(t);
	if (now < 0)
		return -EINVAL;         /* the clock's thread or process has ended */
	t->abs_rt = false;
	if (!value) {
		t->next = 0;
	} else if (timer_cpu(t)) {
		/* CPU time: relative to the clock now, or an absolute CPU time */
		t->next = (flags & TIMER_ABSTIME) ? (value > now ? value : now) : now + value;
		if (t->next <= 0)
			t->next = 1;
	} else if (flags & TIMER_ABSTIME) {
		t->abs_rt = timer_realtime(t->clock);
		int64_t clock_now = timer_realtime(t->clock) ? time_realtime_ns() : now;
		t->next = value <= clock_now ? now : now + (value - clock_now);
		if (t->next <= 0)
			t->next = 1;
	} else {
		t->next = now + value;
	}
	t->interval = value ? interval : 0;
	t->overrun_acc = 0;
	sigqueue_timer_rearmed(t->sq);  /* a signal the old setting queued is dropped */
	itimer_changed();
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_timer_gettime(uint64_t id, uint64_t ucur, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	struct ptimer *t = timer_get(id);
	if (!t)
		return -EINVAL;
	itimer_check();
	struct itimerspec_k v;
	timer_current(t, &v);
	return copy_to_user(ucur, &v, sizeof(v)) ? -EFAULT : 0;
}

int64_t sys_timer_getoverrun(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			     uint64_t a5)
{
	struct ptimer *t = timer_get(id);
	return t ? t->overrun_last : -EINVAL;
}

int64_t sys_timer_delete(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	struct ptimer *t = timer_get(id);
	if (!t)
		return -EINVAL;
	sigqueue_timer_free(t->sq);     /* a signal it queued is dropped when taken */
	memset(t, 0, sizeof(*t));
	current->nptimers--;
	itimer_changed();
	return 0;
}
