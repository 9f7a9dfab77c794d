/* Clocks from the TSC (clock_gettime, clock_getres, gettimeofday, time), sleeps, the alarm, and
   CPU time (the CPU-time clocks, getrusage, times). */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "k/hc.h"
#include "k/itimer.h"
#include "k/proc.h"
#include "k/sched.h"
#include "build/gen/syscall_decls.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11

struct timespec_k {
	int64_t sec, nsec;
};

/* A CPU-time clock: the caller's process or thread, or (a negative id, Linux's encoding:
   ~pid << 3 | type, bit 2 for a thread) another one. ns, or -EINVAL. CPU time is everything a
   task ran, in the program or in the core (no user/system split is kept). */
static int64_t clock_cpu(int64_t id)
{
	if (id == CLOCK_PROCESS_CPUTIME_ID)
		return (int64_t)sched_proc_cpu(current);
	if (id == CLOCK_THREAD_CPUTIME_ID)
		return (int64_t)sched_task_cpu(current_task);
	if ((id & 3) == 3)
		return -EINVAL;
	int pid = (int)~(id >> 3);
	if (id & 4) {
		struct task *t = pid ? sched_find(pid) : current_task;
		return t ? (int64_t)sched_task_cpu(t) : -EINVAL;
	}
	struct proc *p = pid ? proc_find(pid) : current;
	return p && p->state == PROC_LIVE ? (int64_t)sched_proc_cpu(p) : -EINVAL;
}

/* The clocks that read the wall clock. */
static bool clock_is_wall(int64_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI ||
	       id == CLOCK_REALTIME_ALARM;
}

/* The clock's value in ns, or -EINVAL for an unknown clock. */
static int64_t clock_now(int64_t id)
{
	if (id < 0 || id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID)
		return clock_cpu(id);
	switch (id) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
		return time_realtime_ns();
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
		return (int64_t)time_monotonic_ns();
	default:
		return -EINVAL;
	}
}

int64_t sys_clock_gettime(uint64_t id, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	int64_t ns = clock_now((int64_t)(int)id);
	if (ns == -EINVAL)
		return -EINVAL;
	struct timespec_k ts = { ns / 1000000000, ns % 1000000000 };
	return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

int64_t sys_clock_getres(uint64_t id, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	int cid = (int)id;
	if (clock_now(cid) == -EINVAL)
		return -EINVAL;
	/* Linux: 1 ns for high-resolution clocks, a jiffy (4 ms at HZ=250) for the coarse ones. */
	struct timespec_k ts = { 0, (cid == CLOCK_REALTIME_COARSE || cid == CLOCK_MONOTONIC_COARSE)
				 ? 4000000 : 1 };
	if (!uts)
		return 0;
	return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static int32_t time_tz[2];      /* settimeofday's struct timezone, as gettimeofday gives it back */

int64_t sys_gettimeofday(uint64_t utv, uint64_t utz, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	int64_t ns = time_realtime_ns();
	if (utv) {
		struct timespec_k tv = { ns / 1000000000, (ns % 1000000000) / 1000 };
		if (copy_to_user(utv, &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz && copy_to_user(utz, time_tz, sizeof(time_tz)))
		return -EFAULT;
	return 0;
}

/* ---- setting the wall clock: the guest's own (the host's is never touched) ---- */

#define CAP_SYS_TIME 25

/* Linux's timespec64_valid_settod: a time after the epoch the kernel can represent. */
static bool settod_valid(int64_t sec, int64_t nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < 1000000000 && sec < (INT64_MAX / 1000000000) - 30;
}

int64_t sys_clock_settime(uint64_t id, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	if ((int)id != CLOCK_REALTIME)
		return -EINVAL;         /* only the wall clock is settable (CPU clocks too: EINVAL) */
	struct timespec_k ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (!settod_valid(ts.sec, ts.nsec))
		return -EINVAL;
	if (!capable(CAP_SYS_TIME))
		return -EPERM;
	time_set_realtime(ts.sec * 1000000000 + ts.nsec);
	return 0;
}

int64_t sys_settimeofday(uint64_t utv, uint64_t utz, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	struct timespec_k tv;           /* seconds and microseconds */
	int32_t tz[2];
	if (utv && copy_from_user(&tv, utv, sizeof(tv)))
		return -EFAULT;
	if (utv && (tv.nsec < 0 || tv.nsec >= 1000000 || !settod_valid(tv.sec, tv.nsec * 1000)))
		return -EINVAL;
	if (utz && copy_from_user(tz, utz, sizeof(tz)))
		return -EFAULT;
	if (utz && (tz[0] < -15 * 60 || tz[0] > 15 * 60))
		return -EINVAL;
	if ((utv || utz) && !capable(CAP_SYS_TIME))
		return -EPERM;
	if (utz)
		memcpy(time_tz, tz, sizeof(tz));
	if (utv)
		time_set_realtime(tv.sec * 1000000000 + tv.nsec * 1000);
	return 0;
}

/* struct timex (x86-64, 208 bytes). */
struct timex_k {
	uint32_t modes, pad0;
	int64_t offset, freq, maxerror, esterror;
	int32_t status, pad1;
	int64_t constant, precision, tolerance;
	int64_t time_sec, time_usec;
	int64_t tick, ppsfreq, jitter;
	int32_t shift, pad2;
	int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
	int32_t tai;
	int32_t pad3[11];
};
_Static_assert(sizeof(struct timex_k) == 208, "struct timex");

#define ADJ_OFFSET 0x0001
#define ADJ_SETOFFSET 0x0100
#define ADJ_NANO 0x2000
#define ADJ_OFFSET_SINGLESHOT 0x8001
#define ADJ_OFFSET_READONLY 0x2000
#define ADJ_ADJTIME 0x8000
#define STA_NANO 0x2000
#define TIME_OK 0

/* adjtimex on the wall clock: reading the state (the guest's clock runs on the TSC from the
   host's time: no NTP discipline, TIME_OK) and ADJ_SETOFFSET (a step). Linux's permission
   checks first; the slewing and frequency modes are not implemented (EINVAL). */
static int64_t adjtimex_common(uint64_t utx)
{
	struct timex_k tx;
	if (copy_from_user(&tx, utx, sizeof(tx)))
		return -EFAULT;
	uint32_t m = tx.modes;
	if (m & ADJ_ADJTIME) {
		if ((m & ADJ_OFFSET_SINGLESHOT) != ADJ_OFFSET_SINGLESHOT)
			return -EINVAL;
		if (!(m & ADJ_OFFSET_READONLY) && !capable(CAP_SYS_TIME))
			return -EPERM;
	} else if (m && !capable(CAP_SYS_TIME)) {
		return -EPERM;
	}
	bool nano = m & ADJ_NANO;
	if (m & ADJ_SETOFFSET) {
		int64_t frac_max = nano ? 1000000000 : 1000000;
		if (tx.time_usec < 0 || tx.time_usec >= frac_max)
			return -EINVAL;
	}
	uint32_t known = ADJ_SETOFFSET | ADJ_NANO;
	if ((m & ADJ_ADJTIME) ? (m & ~(uint32_t)(ADJ_OFFSET_SINGLESHOT | ADJ_OFFSET_READONLY)) :
				(m & ~known))
		return -EINVAL;         /* NTP slewing and frequency: not here */
	if ((m & ADJ_ADJTIME) && !(m & ADJ_OFFSET_READONLY) && tx.offset)
		return -EINVAL;
	if (m & ADJ_SETOFFSET)
		time_set_realtime(time_realtime_ns() + tx.time_sec * 1000000000 +
				  tx.time_usec * (nano ? 1 : 1000));
	int64_t ns = time_realtime_ns();
	memset(&tx, 0, sizeof(tx));
	tx.modes = m & ~(uint32_t)ADJ_SETOFFSET;
	tx.status = nano ? STA_NANO : 0;
	tx.constant = 2;
	tx.precision = 1;
	tx.tolerance = 500ll << 16;     /* MAXFREQ, scaled ppm */
	tx.time_sec = ns / 1000000000;
	tx.time_usec = nano ? ns % 1000000000 : ns % 1000000000 / 1000;
	tx.tick = 1000000 / 100;        /* USER_HZ */
	if (copy_to_user(utx, &tx, sizeof(tx)))
		return -EFAULT;
	return TIME_OK;
}

int64_t sys_adjtimex(uint64_t utx, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return adjtimex_common(utx);
}

int64_t sys_clock_adjtime(uint64_t id, uint64_t utx, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	int64_t cid = (int64_t)(int)id;
	if (cid == CLOCK_REALTIME)
		return adjtimex_common(utx);
	return clock_now(cid) == -EINVAL ? -EINVAL : -EOPNOTSUPP;
}

int64_t sys_time(uint64_t ut, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	int64_t t = time_realtime_ns() / 1000000000;
	if (ut && copy_to_user(ut, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

#define TIMER_ABSTIME 1

/* Sleeps until the clock reaches deadline (ns). Nothing else runs while this process sleeps, so
   the VM itself sleeps (one exit per sleep, no CPU burnt) until then or until the process's
   alarm is due; a signal that can be delivered ends the sleep with -EINTR. */
static int64_t sleep_until(int64_t id, int64_t deadline)
{
	bool wall = clock_is_wall(id);
	for (;;) {
		int64_t now = clock_now(id);
		if (now >= deadline)
			return 0;
		current_task->wait_rt_abs = wall;       /* a step of the wall clock moves it */
		int64_t r = wait_until((int64_t)time_monotonic_ns() + (deadline - now), 0, "a sleep");
		current_task->wait_rt_abs = false;
		if (r)
			return -EINTR;
	}
}

static int64_t nanosleep_common(int64_t id, int flags, uint64_t ureq, uint64_t urem)
{
	struct timespec_k req;
	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.sec < 0 || req.nsec < 0 || req.nsec >= 1000000000)
		return -EINVAL;
	/* A relative sleep on the wall clock runs on the monotonic clock, as Linux's: a step of
	   the wall clock does not change it. */
	if (!(flags & TIMER_ABSTIME) && clock_is_wall(id))
		id = CLOCK_MONOTONIC;
	int64_t now = clock_now(id);
	int64_t span = req.sec > 9000000000ll ? INT64_MAX / 2 : req.sec * 1000000000ll + req.nsec;
	int64_t deadline = (flags & TIMER_ABSTIME) ? span : now + span;
	int64_t r = sleep_until(id, deadline);
	if (r == -EINTR && urem && !(flags & TIMER_ABSTIME)) {
		int64_t left = deadline - clock_now(id);
		struct timespec_k rem = { left / 1000000000, left % 1000000000 };
		if (left < 0)
			rem.sec = rem.nsec = 0;
		copy_to_user(urem, &rem, sizeof(rem));
	}
	return r;
}

int64_t sys_nanosleep(uint64_t req, uint64_t rem, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	return nanosleep_common(CLOCK_MONOTONIC, 0, req, rem);
}

int64_t sys_clock_nanosleep(uint64_t id, uint64_t flags, uint64_t req, uint64_t rem,
			    uint64_t a4, uint64_t a5)
{
	int cid = (int)id;
	if (cid == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;         /* Linux refuses sleeping on one's own thread CPU clock */
	if (cid == CLOCK_PROCESS_CPUTIME_ID || cid == CLOCK_MONOTONIC_RAW ||
	    cid == CLOCK_REALTIME_COARSE || cid == CLOCK_MONOTONIC_COARSE)
		return -EOPNOTSUPP;     /* as Linux: not a sleepable clock here */
	if (clock_now(cid) == -EINVAL)
		return -EINVAL;
	return nanosleep_common(cid, (int)flags, req, rem);
}

/* ---- ITIMER_REAL: alarm, getitimer, setitimer (the timer itself: kernel/itimer.c) ---- */

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct itimerval_k {
	int64_t interval_sec, interval_usec, value_sec, value_usec;
};

/* The timer `which` of the current process: its due time and period, and the clock they are
   on (monotonic ns for ITIMER_REAL, the process's user ns for ITIMER_VIRTUAL, its CPU ns for
   ITIMER_PROF). */
static int64_t *itimer_fields(int which, int64_t **interval, int64_t *clock)
{
	struct proc *p = current;
	if (which == ITIMER_REAL) {
		*interval = &p->itimer_interval;
		*clock = (int64_t)time_monotonic_ns();
		return &p->itimer_next;
	}
	*clock = (int64_t)(which == ITIMER_VIRTUAL ? sched_proc_user(p) : sched_proc_cpu(p));
	*interval = which == ITIMER_VIRTUAL ? &p->vt_interval : &p->prof_interval;
	return which == ITIMER_VIRTUAL ? &p->vt_next : &p->prof_next;
}

/* The timer as an itimerval: time left (at least 1 µs while armed, as Linux) and period. */
static void itimer_get(int which, struct itimerval_k *v)
{
	itimer_check();
	int64_t *iv, now, *next = itimer_fields(which, &iv, &now), left = 0;
	if (*next) {
		left = *next - now;
		if (left < 1000)
			left = 1000;
	}
	*v = (struct itimerval_k){ *iv / 1000000000, *iv % 1000000000 / 1000, left / 1000000000,
				   left % 1000000000 / 1000 };
}

static void itimer_set(int which, int64_t value_ns, int64_t interval_ns)
{
	int64_t *iv, now, *next = itimer_fields(which, &iv, &now);
	*next = value_ns ? now + value_ns : 0;
	if (value_ns && !*next)
		*next = 1;
	*iv = value_ns ? interval_ns : 0;
	itimer_changed();
}

static int64_t itimer_which(uint64_t which)
{
	int w = (int)which;
	return w == ITIMER_REAL || w == ITIMER_VIRTUAL || w == ITIMER_PROF ? 0 : -EINVAL;
}

int64_t sys_getitimer(uint64_t which, uint64_t uval, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	int64_t e = itimer_which(which);
	if (e)
		return e;
	struct itimerval_k v;
	itimer_get((int)which, &v);
	return copy_to_user(uval, &v, sizeof(v)) ? -EFAULT : 0;
}

int64_t sys_setitimer(uint64_t which, uint64_t unew, uint64_t uold, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	struct itimerval_k in = { 0, 0, 0, 0 }, old;
	if (unew && copy_from_user(&in, unew, sizeof(in)))
		return -EFAULT;         /* no new value: Linux disarms */
	int64_t e = itimer_which(which);
	if (e)
		return e;
	if (in.value_sec < 0 || in.value_usec < 0 || in.value_usec >= 1000000 ||
	    in.interval_sec < 0 || in.interval_usec < 0 || in.interval_usec >= 1000000)
		return -EINVAL;
	itimer_get((int)which, &old);
	const int64_t cap = INT64_MAX / 4 / 1000000000;
	itimer_set((int)which, (in.value_sec > cap ? cap : in.value_sec) * 1000000000 +
		   in.value_usec * 1000,
		   (in.interval_sec > cap ? cap : in.interval_sec) * 1000000000 +
		   in.interval_usec * 1000);
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_alarm(uint64_t seconds, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	struct itimerval_k old;
	itimer_get(ITIMER_REAL, &old);
	bool armed = current->itimer_next != 0;
	itimer_set(ITIMER_REAL, (int64_t)(uint32_t)seconds * 1000000000, 0);
	if (!armed)
		return 0;
	/* Linux rounds to the nearest second, and never reports 0 for a pending alarm. */
	int64_t left = old.value_sec;
	if (old.value_usec >= 500000 || (!left && old.value_usec))
		left++;
	return left;
}

/* ---- CPU time: getrusage, times ---- */

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1
#define USER_HZ 100

int64_t sys_getrusage(uint64_t who, uint64_t uru, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	uint64_t ns, sys, maxrss;
	struct ru_counts c;
	switch ((int)who) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:             /* the peak is the address space's either way */
		proc_note_rss(current);
		maxrss = current->maxrss_kb;
		if ((int)who == RUSAGE_THREAD) {
			ns = sched_task_cpu(current_task);
			sys = sched_task_sys(current_task);
			c = current_task->ru;
		} else {
			ns = sched_proc_cpu(current);
			sys = sched_proc_sys(current);
			sched_proc_ru(current, &c);
		}
		break;
	case RUSAGE_CHILDREN:
		ns = current->cpu_children_ns;
		sys = current->sys_children_ns;
		c = current->ru_children;
		maxrss = current->cmaxrss_kb;
		break;
	default: return -EINVAL;
	}
	struct rusage_k ru;
	rusage_fill(&ru, ns, sys, &c, maxrss);
	return copy_to_user(uru, &ru, sizeof(ru)) ? -EFAULT : 0;
}

int64_t sys_times(uint64_t utms, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (utms) {
		const int64_t tick = 1000000000 / USER_HZ;
		uint64_t ns = sched_proc_cpu(current), sys = MIN(sched_proc_sys(current), ns);
		uint64_t cns = current->cpu_children_ns, csys = MIN(current->sys_children_ns, cns);
		int64_t tms[4] = { (int64_t)(ns - sys) / tick, (int64_t)sys / tick,
				   (int64_t)(cns - csys) / tick, (int64_t)csys / tick };
		if (copy_to_user(utms, tms, sizeof(tms)))
			return -EFAULT;
	}
	/* Clock ticks since an arbitrary point: Linux starts near -300 s to catch overflow bugs;
	   boot will do. */
	return (int64_t)(time_monotonic_ns() / (1000000000 / USER_HZ));
}
