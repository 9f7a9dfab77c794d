/* timerfd_create, timerfd_settime, timerfd_gettime: timers read as expiration counts.

   The counter is brought up to date from the clock whenever the timer is looked at (read, poll,
   gettime), so no interrupt is needed; poll/select/epoll learn through ready_at when the next
   expiration is due and wait until then. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/itimer.h"
#include "k/signal.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define TFD_NONBLOCK 04000
#define TFD_CLOEXEC 02000000
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define NS 1000000000ll

struct itimerspec_k {
	int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};

struct timerfd {
	bool rt_clock;          /* made on CLOCK_REALTIME(_ALARM) */
	bool realtime;          /* armed for a wall-clock time (absolute on a realtime clock): its
				   expirations follow the wall clock; relative ones, as Linux's
				   hrtimers, run on the monotonic clock */
	bool might_cancel;      /* TFD_TIMER_CANCEL_ON_SET: a step of the wall clock cancels it */
	uint64_t rt_gen;        /* time_realtime_generation it last saw */
	int64_t next;           /* the next expiration on the timer's clock (ns); 0: disarmed */
	int64_t interval;       /* ns; 0: one shot */
	uint64_t ticks;         /* expirations not yet read */
	uint64_t seq;           /* expirations ever counted: edge-triggered epoll's events */
};

static const struct file_ops timerfd_ops;

static int64_t timerfd_now(const struct timerfd *t)
{
	return t->realtime ? time_realtime_ns() : (int64_t)time_monotonic_ns();
}

/* Counts the expirations that have passed. */
static void timerfd_update(struct timerfd *t)
{
	int64_t now = timerfd_now(t);
	if (!t->next || now < t->next)
		return;
	if (!t->interval) {
		t->ticks++;
		t->seq++;
		t->next = 0;
		return;
	}
	uint64_t n = (uint64_t)(now - t->next) / (uint64_t)t->interval + 1;
	t->ticks += n;
	t->seq++;                       /* one wake-up, however many periods it covers */
	t->next += (int64_t)n * t->interval;
}

/* Was the wall clock stepped since a TFD_TIMER_CANCEL_ON_SET arming last looked? */
static bool timerfd_canceled(const struct timerfd *t)
{
	return t->might_cancel && t->rt_gen != time_realtime_generation;
}

static int64_t timerfd_read(struct file *f, void *buf, size_t len)
{
	struct timerfd *t = f->priv;
	if (len < 8)
		return -EINVAL;
	if (timerfd_canceled(t)) {
		/* Linux: ECANCELED once per step, taking the expirations the step brought; the
		   timer stays armed */
		t->rt_gen = time_realtime_generation;
		timerfd_update(t);
		t->ticks = 0;
		return -ECANCELED;
	}
	timerfd_update(t);
	while (!t->ticks) {
		if (f->flags & TFD_NONBLOCK)
			return -EAGAIN;
		/* Until it expires, or another task re-arms it (timerfd_settime: file_changed). */
		int64_t at = t->next ? (int64_t)time_monotonic_ns() + (t->next - timerfd_now(t)) : -1;
		if (file_wait(at, "reading a disarmed timerfd") < 0)
			return -ERESTARTSYS;    /* a signal came first: EINTR, or SA_RESTART */
		if (timerfd_canceled(t))
			return timerfd_read(f, buf, len);
		timerfd_update(t);
	}
	memcpy(buf, &t->ticks, 8);
	t->ticks = 0;
	return 8;
}

static uint32_t timerfd_poll(struct file *f)
{
	struct timerfd *t = f->priv;
	timerfd_update(t);
	return t->ticks || timerfd_canceled(t) ? POLLIN | POLLRDNORM : 0;
}

static int64_t timerfd_ready_at(struct file *f)
{
	struct timerfd *t = f->priv;
	if (!t->next)
		return -1;
	int64_t mono = (int64_t)time_monotonic_ns(), left = t->next - timerfd_now(t);
	return mono + (left < 0 ? 0 : left);
}

static bool timerfd_event_seq(struct file *f, uint64_t *seq)
{
	struct timerfd *t = f->priv;
	timerfd_update(t);
	*seq = t->seq;
	return true;
}

static void timerfd_release(struct file *f)
{
	kfree(f->priv, sizeof(struct timerfd));
}

static const struct file_ops timerfd_ops = {
	.read = timerfd_read,
	.stat = anon_stat,
	.release = timerfd_release,
	.poll = timerfd_poll,
	.ready_at = timerfd_ready_at,
	.event_seq = timerfd_event_seq,
	.anon_name = "[timerfd]",
};

int64_t sys_timerfd_create(uint64_t clockid, uint64_t flags, uint64_t a2, uint64_t a3,
			   uint64_t a4, uint64_t a5)
{
	int c = (int)clockid;
	if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC && c != CLOCK_BOOTTIME &&
	    c != CLOCK_REALTIME_ALARM && c != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (flags & ~(uint64_t)(TFD_NONBLOCK | TFD_CLOEXEC))
		return -EINVAL;
	struct timerfd *t = kmalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->rt_clock = c == CLOCK_REALTIME || c == CLOCK_REALTIME_ALARM;
	return anon_fd_new(&timerfd_ops, t, sizeof(*t), (flags & TFD_NONBLOCK) /* O_RDONLY */,
			   flags & TFD_CLOEXEC);
}

/* The timerfd behind fd with a reference held, or NULL and *err (EBADF, EINVAL). */
static struct file *timerfd_get(int fd, int64_t *err)
{
	struct file *f = fd_get(current_task->files, fd);
	*err = f ? -EINVAL : -EBADF;
	if (f && f->ops != &timerfd_ops) {
		file_put(f);
		return NULL;
	}
	return f;
}

static void timerfd_current(struct timerfd *t, struct itimerspec_k *cur)
{
	timerfd_update(t);
	int64_t left = t->next ? t->next - timerfd_now(t) : 0;     /* > 0 once brought up to date */
	*cur = (struct itimerspec_k){ t->interval / NS, t->interval % NS, left / NS, left % NS };
}

static bool ts_valid(int64_t sec, int64_t nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < NS;
}

int64_t sys_timerfd_settime(uint64_t fd, uint64_t flags, uint64_t unew, uint64_t uold,
			    uint64_t a4, uint64_t a5)
{
	struct itimerspec_k in, old;
	if (copy_from_user(&in, unew, sizeof(in)))
		return -EFAULT;
	if (!ts_valid(in.interval_sec, in.interval_nsec) || !ts_valid(in.value_sec, in.value_nsec))
		return -EINVAL;
	if (flags & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	int64_t err;
	struct file *f = timerfd_get((int)fd, &err);
	if (!f)
		return err;
	struct timerfd *t = f->priv;
	timerfd_current(t, &old);
	const int64_t cap = INT64_MAX / 4;
	int64_t value = in.value_sec > cap / NS ? cap : in.value_sec * NS + in.value_nsec;
	int64_t interval = in.interval_sec > cap / NS ? cap : in.interval_sec * NS + in.interval_nsec;
	t->ticks = 0;
	t->interval = value ? interval : 0;
	t->realtime = t->rt_clock && (flags & TFD_TIMER_ABSTIME);
	t->might_cancel = t->realtime && (flags & TFD_TIMER_CANCEL_ON_SET);
	t->rt_gen = time_realtime_generation;
	if (!value)
		t->next = 0;
	else if (flags & TFD_TIMER_ABSTIME)
		t->next = value;
	else
		t->next = timerfd_now(t) + value;
	file_put(f);
	file_changed();         /* readers and pollers look at the new expiry */
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_timerfd_gettime(uint64_t fd, uint64_t ucur, uint64_t a2, uint64_t a3, uint64_t a4,
			    uint64_t a5)
{
	int64_t err;
	struct file *f = timerfd_get((int)fd, &err);
	if (!f)
		return err;
	struct itimerspec_k cur;
	timerfd_current(f->priv, &cur);
	file_put(f);
	return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}
