/* poll, ppoll, select, pselect6.

   Readiness is computed by asking each file (level-triggered, as Linux reports it); the console
   (host fds 0, 1, 2) is asked of the host. A task that finds nothing ready waits on the files'
   channel (file_changed) and, for console fds, on the host through the scheduler's idle sleep. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/hc.h"
#include "k/itimer.h"
#include "k/signal.h"
#include "k/sched.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "syscalls/poll.h"
#include "build/gen/syscall_decls.h"

#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))
#define NS 1000000000ll

struct timespec_k {
	int64_t sec, nsec;
};

/* The earliest time (monotonic ns) a file polled in this pass becomes ready by itself (timerfd)
   or the alarm is due, or -1. */
static int64_t poll_wake;

/* Readiness of one fd, or POLLNVAL. Console fds are left for the host: *host is then 0-2. */
static uint32_t poll_one(int fd, int *host)
{
	*host = -1;
	struct file *f = fd_get(current_task->files, fd);
	if (!f)
		return POLLNVAL;
	uint32_t mask;
	if (console_host_fd(f, host)) {
		mask = 0;
	} else {
		mask = f->ops->poll ? f->ops->poll(f) : POLL_DEFAULT_MASK;
		int64_t at = f->ops->ready_at ? f->ops->ready_at(f) : -1;
		if (at >= 0 && (poll_wake < 0 || at < poll_wake))
			poll_wake = at;
	}
	file_put(f);
	return mask;
}

/* One pass over the fds: fills revents and returns how many are ready. Console fds collect in
   host_events; their readiness comes from host_revents when given (what a wait brought), else
   from the host when something else is ready or look_only (a zero-timeout question), else they
   are left for the wait. With edges, a host fd whose entries all carry POLL_EDGE_K is asked
   with UNIK_POLL_EDGE. */
static int64_t poll_scan(struct pollfd_k *p, uint64_t n, bool look_only, bool edges,
			 uint32_t host_events[3], const uint32_t *host_revents)
{
	int64_t ready = 0;
	bool level[3] = { false, false, false };
	host_events[0] = host_events[1] = host_events[2] = 0;
	poll_wake = itimer_due();       /* the alarm ends a wait too */
	for (uint64_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		int host;
		uint32_t want = (uint16_t)p[i].events | POLLERR | POLLHUP | POLLNVAL;
		uint32_t mask = poll_one(p[i].fd, &host);
		if (host >= 0) {
			host_events[host] |= (uint16_t)p[i].events;
			level[host] |= !edges || !(p[i].events & POLL_EDGE_K);
		}
		p[i].revents = (int16_t)(mask & want);
		ready += p[i].revents != 0;
	}
	if (!(host_events[0] | host_events[1] | host_events[2]))
		return ready;
	/* Linux's POLLIN/POLLOUT imply their RDNORM/WRNORM twins; ask the host for the plain ones. */
	for (int h = 0; h < 3; h++) {
		uint32_t e = host_events[h];
		host_events[h] = (e & (POLLIN | POLLRDNORM) ? POLLIN : 0) |
				 (e & (POLLOUT | POLLWRNORM) ? POLLOUT : 0);
		if (e && !host_events[h])
			host_events[h] = POLLIN;        /* only errors and hang-ups wanted */
		if (e && !level[h])
			host_events[h] |= UNIK_POLL_EDGE;
	}
	uint32_t asked[3];
	if (!host_revents) {
		if (!ready && !look_only)
			return 0;
		if (hc_poll(host_events, asked, 0) < 0)
			return ready;
		host_revents = asked;
	}
	for (uint64_t i = 0; i < n; i++) {
		int host;
		if (p[i].fd < 0 || p[i].revents)
			continue;
		if (poll_one(p[i].fd, &host) || host < 0)
			continue;
		uint32_t m = host_revents[host];
		if (m & POLLIN)
			m |= POLLRDNORM;
		if (m & POLLOUT)
			m |= POLLWRNORM;
		p[i].revents = (int16_t)(m & ((uint16_t)p[i].events | POLLERR | POLLHUP | POLLNVAL));
		ready += p[i].revents != 0;
	}
	return ready;
}

/* Polls until something is ready or the deadline (monotonic ns; < 0: none; 0: just look) passes.
   A signal already pending and unblocked interrupts a wait, as on Linux. Other tasks run while
   it waits; what they change in files (file_changed) or the console's readiness wakes it. */
int64_t poll_wait(struct pollfd_k *p, uint64_t n, int64_t deadline, const char *what)
{
	return poll_wait_ex(p, n, deadline, what, false, false);
}

int64_t poll_wait_ex(struct pollfd_k *p, uint64_t n, int64_t deadline, const char *what,
		     bool once, bool ask_host)
{
	const uint32_t *host_revents = NULL;
	uint32_t host_events[3], rev[3];
	for (;;) {
		itimer_check();
		bool look_only = deadline == 0 ||
				 (deadline > 0 && (int64_t)time_monotonic_ns() >= deadline);
		int64_t r = poll_scan(p, n, look_only || ask_host || signal_pending_deliverable(),
				      once, host_events, host_revents);
		host_revents = NULL;
		ask_host = false;
		if (r || look_only)
			return r;
		if (signal_pending_deliverable())
			return -EINTR;
		int64_t until = deadline;
		if (poll_wake >= 0 && (until < 0 || poll_wake < until))
			until = poll_wake;      /* a timerfd or the alarm fires first */
		int w = file_wait_console(host_events, rev, until, what);
		if (w < 0)
			return -EINTR;
		if (once)
			return -EAGAIN;
		if (w == WAIT_WOKEN && (rev[0] | rev[1] | rev[2]))
			host_revents = rev;     /* the console is ready: no need to ask again */
	}
}

/* Copies the fds in, waits, copies revents out. */
static int64_t do_poll(uint64_t ufds, uint64_t nfds, int64_t deadline, const char *what)
{
	if (nfds > (uint64_t)fd_rlimit())       /* RLIMIT_NOFILE, as Linux */
		return -EINVAL;
	size_t bytes = nfds * sizeof(struct pollfd_k);
	struct pollfd_k *poll_fds = task_buffer(bytes);
	if (!poll_fds)
		return -ENOMEM;
	if (copy_from_user(poll_fds, ufds, bytes))
		return -EFAULT;
	int64_t r = poll_wait(poll_fds, nfds, deadline, what);
	for (uint64_t i = 0; r >= 0 && i < nfds; i++)
		if (copy_to_user(ufds + i * sizeof(struct pollfd_k) + 6, &poll_fds[i].revents, 2))
			r = -EFAULT;
	return r;
}

int64_t poll_deadline_after(int64_t ns)
{
	if (ns < 0)
		return -1;
	if (ns == 0)
		return 0;
	int64_t now = (int64_t)time_monotonic_ns();
	return ns > INT64_MAX / 2 ? INT64_MAX / 2 : now + ns;
}

/* Writes the time left before deadline back to a timespec (ppoll, pselect6) or timeval (select),
   as Linux does; a zero timeout is left alone and a failed write is ignored (the wait is done). */
static void timeout_left(uint64_t uts, int64_t deadline, bool timeval)
{
	if (!uts || deadline <= 0)
		return;
	int64_t left = deadline - (int64_t)time_monotonic_ns();
	if (left < 0)
		left = 0;
	struct timespec_k ts = { left / NS, left % NS };
	if (timeval)
		ts.nsec /= 1000;
	copy_to_user(uts, &ts, sizeof(ts));
}

int64_t poll_timeout_read(uint64_t uts, bool timeval, int64_t *ns)
{
	*ns = -1;
	if (!uts)
		return 0;
	struct timespec_k ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (timeval) {          /* Linux carries whole seconds out of tv_usec */
		ts.sec += ts.nsec / 1000000;
		ts.nsec = ts.nsec % 1000000 * 1000;
	}
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= NS)
		return -EINVAL;
	*ns = ts.sec > INT64_MAX / NS / 2 ? INT64_MAX / 2 : ts.sec * NS + ts.nsec;
	return 0;
}

int64_t poll_sigmask_swap(uint64_t umask, uint64_t size, uint64_t *saved)
{
	*saved = current_task->sigmask;
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	uint64_t m;
	if (copy_from_user(&m, umask, sizeof(m)))
		return -EFAULT;
	current_task->sigmask = m & ~UNBLOCKABLE;
	return 0;
}

/* After the wait: an interrupted call keeps the temporary mask until the handler's frame is built
   (the frame restores the old one); otherwise the old mask comes back now. */
void poll_sigmask_done(int64_t r, uint64_t saved)
{
	if (r == -EINTR && current_task->sigmask != saved) {
		current_task->sigmask_restore = saved;
		current_task->restore_sigmask = true;
	} else {
		current_task->sigmask = saved;
	}
}

int64_t sys_poll(uint64_t ufds, uint64_t nfds, uint64_t timeout, uint64_t a3, uint64_t a4,
		 uint64_t a5)
{
	int ms = (int)timeout;
	return do_poll(ufds, nfds, poll_deadline_after(ms < 0 ? -1 : (int64_t)ms * 1000000), "poll");
}

int64_t sys_ppoll(uint64_t ufds, uint64_t nfds, uint64_t uts, uint64_t umask, uint64_t size,
		  uint64_t a5)
{
	int64_t ns, e = poll_timeout_read(uts, false, &ns);
	if (e)
		return e;
	uint64_t saved;
	int64_t r = poll_sigmask_swap(umask, size, &saved);
	if (r)
		return r;
	int64_t deadline = poll_deadline_after(ns);
	r = do_poll(ufds, nfds, deadline, "ppoll");
	poll_sigmask_done(r, saved);
	timeout_left(uts, deadline, false);
	return r;
}

/* select's three bit sets (in, out, ex) and the poll entries made of them, in one buffer. */
struct fdsets {
	uint64_t *in, *out, *ex;
	struct pollfd_k *fds;
};

#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX POLLPRI

static int64_t do_select(int64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex,
			 int64_t deadline, const char *what)
{
	if (nfds < 0 || nfds > INT32_MAX)
		return -EINVAL;
	int cap = fd_capacity(current_task->files);
	if (nfds > cap)
		nfds = cap;             /* Linux clips to the size of the fd table */
	size_t bytes = (size_t)(nfds + 63) / 64 * 8;
	uint64_t *buf = task_buffer(3 * bytes + (size_t)nfds * sizeof(struct pollfd_k));
	if (!buf)
		return -ENOMEM;
	struct fdsets sets = { buf, buf + bytes / 8, buf + 2 * bytes / 8,
			       (struct pollfd_k *)(buf + 3 * bytes / 8) }, *s = &sets;
	struct pollfd_k *poll_fds = s->fds;
	memset(buf, 0, 3 * bytes);
	if ((uin && copy_from_user(s->in, uin, bytes)) ||
	    (uout && copy_from_user(s->out, uout, bytes)) ||
	    (uex && copy_from_user(s->ex, uex, bytes)))
		return -EFAULT;
	uint64_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		int16_t ev = 0;
		if (s->in[fd / 64] & bit)
			ev |= POLLIN | POLLRDNORM;
		if (s->out[fd / 64] & bit)
			ev |= POLLOUT | POLLWRNORM;
		if (s->ex[fd / 64] & bit)
			ev |= POLLPRI;
		if (!ev)
			continue;
		int host;
		if (poll_one(fd, &host) == POLLNVAL)
			return -EBADF;
		poll_fds[n++] = (struct pollfd_k){ .fd = fd, .events = ev };
	}
	int64_t r = poll_wait(poll_fds, n, deadline, what);
	if (r < 0)
		return r;
	memset(buf, 0, 3 * bytes);
	int64_t bits = 0;
	for (uint64_t i = 0; i < n; i++) {
		int fd = poll_fds[i].fd;
		uint64_t bit = 1ull << (fd % 64);
		uint32_t rev = (uint16_t)poll_fds[i].revents, ev = (uint16_t)poll_fds[i].events;
		if ((ev & POLLIN) && (rev & SEL_IN)) {
			s->in[fd / 64] |= bit;
			bits++;
		}
		if ((ev & POLLOUT) && (rev & SEL_OUT)) {
			s->out[fd / 64] |= bit;
			bits++;
		}
		if ((ev & POLLPRI) && (rev & SEL_EX)) {
			s->ex[fd / 64] |= bit;
			bits++;
		}
	}
	if ((uin && copy_to_user(uin, s->in, bytes)) || (uout && copy_to_user(uout, s->out, bytes)) ||
	    (uex && copy_to_user(uex, s->ex, bytes)))
		return -EFAULT;
	return bits;
}

int64_t sys_select(uint64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t utv,
		   uint64_t a5)
{
	int64_t ns, e = poll_timeout_read(utv, true, &ns);
	if (e)
		return e;
	int64_t deadline = poll_deadline_after(ns);
	int64_t r = do_select((int)nfds, uin, uout, uex, deadline, "select");
	timeout_left(utv, deadline, true);
	return r;
}

int64_t sys_pselect6(uint64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t uts,
		     uint64_t usig)
{
	int64_t ns, e = poll_timeout_read(uts, false, &ns);
	if (e)
		return e;
	/* The sixth argument points at { const sigset_t *ss; size_t ss_len; }. */
	uint64_t sig[2] = { 0, 0 };
	if (usig && copy_from_user(sig, usig, sizeof(sig)))
		return -EFAULT;
	uint64_t saved;
	int64_t r = poll_sigmask_swap(sig[0], sig[1], &saved);
	if (r)
		return r;
	int64_t deadline = poll_deadline_after(ns);
	r = do_select((int)nfds, uin, uout, uex, deadline, "pselect6");
	poll_sigmask_done(r, saved);
	timeout_left(uts, deadline, false);
	return r;
}
