/* signalfd and signalfd4: pending signals read as struct signalfd_siginfo. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/signal.h"
#include "k/itimer.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define SFD_NONBLOCK 04000
#define SFD_CLOEXEC 02000000
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))
#define SIGSYS_ 31
#define SI_KERNEL 0x80
#define SI_TIMER (-2)
#define SI_SIGIO (-5)
#define NSIGPOLL 6

/* Linux's struct signalfd_siginfo (128 bytes). */
struct signalfd_siginfo_k {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	uint8_t pad[46];
};
_Static_assert(sizeof(struct signalfd_siginfo_k) == 128, "signalfd_siginfo");

struct sigfd {
	uint64_t mask;
};

static const struct file_ops signalfd_ops;

/* Which fields of a siginfo hold what, as Linux's siginfo_layout tells them apart. */
enum signalfd_layout { SIL_KILL, SIL_TIMER, SIL_POLL, SIL_FAULT, SIL_CHLD, SIL_RT };

static enum signalfd_layout signalfd_layout(int sig, int code)
{
	if (code == SI_KERNEL)
		return SIL_KILL;
	if (code > 0) {                 /* a code of the signal's own, or the poll codes */
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
		    sig == SIGTRAP || sig == SIGSYS_)
			return SIL_FAULT;
		if (sig == SIGCHLD)
			return SIL_CHLD;
		return code <= NSIGPOLL ? SIL_POLL : SIL_KILL;
	}
	if (code == SI_TIMER)
		return SIL_TIMER;
	if (code == SI_SIGIO)
		return SIL_POLL;
	return code < 0 ? SIL_RT : SIL_KILL;
}

/* Takes one instance of the next pending signal in mask into *out; false if none was left. */
static bool signalfd_take(uint64_t mask, struct signalfd_siginfo_k *out)
{
	struct siginfo_k si;
	int sig = signal_take(mask, &si);
	if (!sig)
		return false;
	memset(out, 0, sizeof(*out));
	out->signo = (uint32_t)sig;
	out->errno_ = si.errno_;
	out->code = si.code;
	uint32_t lo = (uint32_t)si.addr, hi = (uint32_t)(si.addr >> 32);
	int32_t word;                   /* the 4 bytes after si_pid and si_uid (or si_band) */
	memcpy(&word, si.rest, sizeof(word));
	switch (signalfd_layout(sig, si.code)) {
	case SIL_FAULT:
		out->addr = si.addr;
		break;
	case SIL_POLL:
		out->band = lo;
		out->fd = word;
		break;
	case SIL_TIMER:                 /* si_tid, si_overrun, si_value */
		out->tid = lo;
		out->overrun = hi;
		memcpy(&out->ptr, si.rest, 8);
		out->int_ = word;
		break;
	case SIL_CHLD:                  /* si_pid, si_uid, si_status, si_utime, si_stime */
		out->pid = lo;
		out->uid = hi;
		out->status = word;
		memcpy(&out->utime, si.rest + 8, 8);
		memcpy(&out->stime, si.rest + 16, 8);
		break;
	case SIL_RT:                    /* si_pid, si_uid, si_value */
		memcpy(&out->ptr, si.rest, 8);
		out->int_ = word;
		/* fall through */
	case SIL_KILL:
		out->pid = lo;
		out->uid = hi;
		break;
	}
	return true;
}

static int64_t signalfd_read(struct file *f, void *buf, size_t len)
{
	struct sigfd *s = f->priv;
	size_t n = len / sizeof(struct signalfd_siginfo_k);
	if (!n)
		return -EINVAL;
	itimer_check();
	struct signalfd_siginfo_k *out = buf;
	size_t done = 0;
	while (!done) {
		while (done < n && signalfd_take(s->mask, out + done))
			done++;
		if (done)
			break;
		if (f->flags & SFD_NONBLOCK)
			return -EAGAIN;
		int64_t r = wait_until(-1, s->mask, "reading a signalfd");
		if (r < 0)
			return -ERESTARTSYS;    /* a signal outside the mask: EINTR, or SA_RESTART */
	}
	return (int64_t)(done * sizeof(struct signalfd_siginfo_k));
}

static uint32_t signalfd_poll(struct file *f)
{
	struct sigfd *s = f->priv;
	itimer_check();
	return (signal_pending_set() & s->mask) ? POLLIN | POLLRDNORM : 0;
}

/* Every signal made pending for the process is an event, as Linux wakes a signalfd's waiters on
   each (edge-triggered epoll reports it again). */
static bool signalfd_event_seq(struct file *f, uint64_t *seq)
{
	itimer_check();
	*seq = current->sig_generated;
	return true;
}

/* The alarm makes a signalfd watching SIGALRM ready when it is due. */
static int64_t signalfd_ready_at(struct file *f)
{
	struct sigfd *s = f->priv;
	return (s->mask & (1ull << (SIGALRM - 1))) ? itimer_due() : -1;
}

static void signalfd_release(struct file *f)
{
	kfree(f->priv, sizeof(struct sigfd));
}

static const struct file_ops signalfd_ops = {
	.read = signalfd_read,
	.stat = anon_stat,
	.release = signalfd_release,
	.poll = signalfd_poll,
	.ready_at = signalfd_ready_at,
	.event_seq = signalfd_event_seq,
	.anon_name = "[signalfd]",
};

static int64_t signalfd_common(int fd, uint64_t umask, uint64_t size, uint64_t flags)
{
	if (size != 8 || (flags & ~(uint64_t)(SFD_NONBLOCK | SFD_CLOEXEC)))
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~UNBLOCKABLE;
	if (fd != -1) {                 /* change the mask of an existing signalfd */
		struct file *f = fd_get(current_task->files, fd);
		if (!f)
			return -EBADF;
		int64_t r = -EINVAL;
		if (f->ops == &signalfd_ops) {
			((struct sigfd *)f->priv)->mask = mask;
			r = fd;
		}
		file_put(f);
		return r;
	}
	struct sigfd *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	return anon_fd_new(&signalfd_ops, s, sizeof(*s), 02 | (flags & SFD_NONBLOCK),  /* O_RDWR */
			   flags & SFD_CLOEXEC);
}

int64_t sys_signalfd(uint64_t fd, uint64_t umask, uint64_t size, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return signalfd_common((int)fd, umask, size, 0);
}

int64_t sys_signalfd4(uint64_t fd, uint64_t umask, uint64_t size, uint64_t flags, uint64_t a4,
		      uint64_t a5)
{
	return signalfd_common((int)fd, umask, size, flags);
}
