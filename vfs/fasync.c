/* O_ASYNC, as Linux's fasync: a file that has it set (FIOASYNC, or F_SETFL with O_ASYNC) and an
   owner (F_SETOWN, F_SETOWN_EX) sends its owner SIGIO, or the F_SETSIG signal with si_code,
   si_band and si_fd, when it becomes ready for input or output, and on each new arrival of input.
   Sockets, pipes and FIFOs, ptys and inotify descriptors take it, as Linux's with a fasync
   method; other files answer FIOASYNC with ENOTTY and F_SETFL leaves their O_ASYNC off. The files with O_ASYNC are kept on one list,
   looked at when any file's readiness changes (file_changed): nothing is done while it is
   empty. Urgent data on a TCP socket, and an AF_UNIX stream's out-of-band byte, signal the
   owner SIGURG (fasync_urgent). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "vfs/file.h"

#define O_ASYNC_ 020000
#define SIGIO_ 29
#define SIGURG_ 23
#define SI_KERNEL_ 0x80
#define POLL_IN 1
#define POLL_OUT 2
#define POLL_ERR 4
#define POLL_PRI 5
#define POLL_HUP 6
#define POLLIN_ 0x001
#define POLLPRI_ 0x002
#define POLLOUT_ 0x004
#define POLLERR_ 0x008
#define POLLHUP_ 0x010
#define POLLRDNORM_ 0x040
#define POLLRDBAND_ 0x080
#define POLLWRNORM_ 0x100
#define POLLWRBAND_ 0x200

static struct file *fasync_list;
static void fasync_check(void);
static void fasync_release(struct file *f);

bool fasync_capable(const struct file *f)
{
	return f->ops->fasync;
}

static void fasync_unlink(struct file *f)
{
	for (struct file **l = &fasync_list; *l; l = &(*l)->async_next)
		if (*l == f) {
			*l = f->async_next;
			f->async_next = NULL;
			return;
		}
}

void fasync_set(struct file *f, int fd, bool on)
{
	fasync_unlink(f);
	if (on) {
		f->flags |= O_ASYNC_;
		f->async_fd = fd;
		f->async_last = f->ops->poll ? f->ops->poll(f) : 0;
		if (!f->ops->event_seq || !f->ops->event_seq(f, &f->async_seq))
			f->async_seq = 0;
		f->async_next = fasync_list;
		fasync_list = f;
		file_async_check = fasync_check;
		file_async_release = fasync_release;
	} else {
		f->flags &= ~(unsigned)O_ASYNC_;
	}
}

static void fasync_release(struct file *f)
{
	if (f->flags & O_ASYNC_)
		fasync_unlink(f);
}

/* si to one recipient, a thread t or else a process p; a real-time signal that does not fit
   in the queue falls back to a plain SIGIO, as Linux's send_sigio_to_task. */
static void fasync_raise_one(struct task *t, struct proc *p, const struct siginfo_k *si)
{
	int r = t ? signal_raise_task(t, si->signo, si) : signal_raise_proc(p, si->signo, si);
	if (r == -EAGAIN) {
		struct siginfo_k io = { .signo = SIGIO_, .code = SI_KERNEL_ };
		if (t)
			signal_raise_task(t, SIGIO_, &io);
		else
			signal_raise_proc(p, SIGIO_, &io);
	}
}

/* si to f's owner (F_SETOWN, F_SETOWN_EX): a thread, a process or a process group. */
static void fasync_owner_raise(struct file *f, struct siginfo_k *si)
{
	if (f->owner_type == F_OWNER_TID) {
		struct task *t = sched_find(f->owner);
		if (t)
			fasync_raise_one(t, NULL, si);
	} else if (f->owner_type == F_OWNER_PGRP) {
		for (struct proc *p = proc_list; p; p = p->next)
			if (p->state == PROC_LIVE && p->pgid == f->owner)
				fasync_raise_one(NULL, p, si);
	} else {
		struct proc *p = proc_find(f->owner);
		if (p && p->state == PROC_LIVE)
			fasync_raise_one(NULL, p, si);
	}
}

int fasync_setown_ex(struct file *f, int type, int pid)
{
	if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
		return -EINVAL;
	bool found = !pid;
	if (pid && type == F_OWNER_TID)
		found = sched_find(pid) != NULL;
	else if (pid && type == F_OWNER_PID)
		found = proc_find(pid) != NULL;
	else if (pid)
		for (struct proc *p = proc_list; p && !found; p = p->next)
			found = p->state == PROC_LIVE && p->pgid == pid;
	if (!found)
		return -ESRCH;
	f->owner = pid;
	f->owner_type = type;
	return 0;
}

int fasync_setown(struct file *f, int who)
{
	if (who == INT32_MIN)
		return -EINVAL;
	return fasync_setown_ex(f, who < 0 ? F_OWNER_PGRP : F_OWNER_PID, who < 0 ? -who : who);
}

int fasync_getown(const struct file *f)
{
	return f->owner_type == F_OWNER_PGRP ? -f->owner : f->owner;
}

/* Linux's send_sigio_to_task: SIGIO (SI_KERNEL), or the F_SETSIG signal carrying the reason. */
static void fasync_send(struct file *f, int reason)
{
	static const uint32_t band[] = {
		POLLIN_ | POLLRDNORM_, POLLOUT_ | POLLWRNORM_ | POLLWRBAND_, POLLIN_ | POLLRDNORM_ | 0x400,
		POLLERR_, POLLPRI_ | POLLRDBAND_, POLLHUP_ | POLLERR_,
	};
	struct siginfo_k si = { .signo = SIGIO_, .code = SI_KERNEL_ };
	if (f->sig) {
		si.signo = f->sig;
		si.code = reason;
		si.addr = band[reason - POLL_IN];               /* si_band */
		memcpy(si.rest, &f->async_fd, sizeof(int));      /* si_fd */
	}
	fasync_owner_raise(f, &si);
}

void fasync_urgent(struct file *f)
{
	if (!f->owner)
		return;
	struct siginfo_k si = { .signo = SIGURG_, .code = SI_KERNEL_ };
	fasync_owner_raise(f, &si);
	if (f->flags & O_ASYNC_)
		fasync_send(f, POLL_PRI);
}

static void fasync_check(void)
{
	for (struct file *f = fasync_list; f; f = f->async_next) {
		uint32_t m = f->ops->poll ? f->ops->poll(f) : 0;
		uint64_t seq = f->async_seq;
		bool moved = f->ops->event_seq && f->ops->event_seq(f, &seq) && seq != f->async_seq;
		uint32_t rising = m & ~f->async_last;
		f->async_last = m;
		f->async_seq = seq;
		if (!f->owner)
			continue;
		if ((rising & POLLIN_) || (moved && (m & POLLIN_)))
			fasync_send(f, POLL_IN);
		if (rising & POLLOUT_)
			fasync_send(f, POLL_OUT);
		if (rising & POLLHUP_)
			fasync_send(f, POLL_HUP);
		else if (rising & POLLERR_)
			fasync_send(f, POLL_ERR);
	}
}
