/* Clocks from the TSC: clock_gettime, clock_getres, gettimeofday, time. */
#include "k/kernel.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "k/hc.h"
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

/* The clock's value in ns, or -EINVAL for an unknown clock. The program is the only thing running,
   so its CPU time is the time since boot (an upper bound, documented in docs/syscalls.md). */
static int64_t clock_now(int64_t id)
{
	switch (id) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
		return time_realtime_ns();
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
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

int64_t sys_gettimeofday(uint64_t utv, uint64_t utz, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	int64_t ns = time_realtime_ns();
	if (utv) {
		struct timespec_k tv = { ns / 1000000000, (ns % 1000000000) / 1000 };
		if (copy_to_user(utv, &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz) {
		int32_t tz[2] = { 0, 0 };
		if (copy_to_user(utz, tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

int64_t sys_time(uint64_t ut, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	int64_t t = time_realtime_ns() / 1000000000;
	if (ut && copy_to_user(ut, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

#define TIMER_ABSTIME 1

/* Sleeps until the clock reaches deadline (ns). Nothing else can run or send a signal while this
   process sleeps, so the VM itself sleeps (one exit per sleep, no CPU burnt). */
static int64_t sleep_until(int64_t id, int64_t deadline)
{
	for (;;) {
		int64_t now = clock_now(id);
		if (now >= deadline)
			return 0;
		if (hc_sleep(deadline - now) == -EINTR)
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
