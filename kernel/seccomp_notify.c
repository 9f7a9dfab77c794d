/* Seccomp's user notification, as Linux's kernel/seccomp.c: a filter attached with
   SECCOMP_FILTER_FLAG_NEW_LISTENER has a listener, an fd on the anonymous inode "seccomp notify".
   A call the filter answers with SECCOMP_RET_USER_NOTIF waits in its task while whoever holds
   the listener receives it (SECCOMP_IOCTL_NOTIF_RECV), may add fds to the task (ADDFD) and
   answers it (SEND): a value, an error, or "run it" (CONTINUE). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/random.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/uaccess.h"
#include "kernel/seccomp_filter.h"
#include "vfs/file.h"

#define SECCOMP_USER_NOTIF_FLAG_CONTINUE 1u
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1u
#define SECCOMP_ADDFD_FLAG_SETFD 1u
#define SECCOMP_ADDFD_FLAG_SEND 2u
#define O_RDWR_ 02u
#define O_CLOEXEC_ 02000000u
#define O_PATH_ 010000000u

/* Linux's structures. */
struct seccomp_notif {
	uint64_t id;
	uint32_t pid;
	uint32_t flags;
	struct seccomp_data data;
};
struct seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
struct seccomp_notif_addfd {
	uint64_t id;
	uint32_t flags;
	uint32_t srcfd;
	uint32_t newfd;
	uint32_t newfd_flags;
};
_Static_assert(sizeof(struct seccomp_notif) == 80, "seccomp_notif");
_Static_assert(sizeof(struct seccomp_notif_resp) == 24, "seccomp_notif_resp");
_Static_assert(sizeof(struct seccomp_notif_addfd) == 24, "seccomp_notif_addfd");

/* The ioctls: type '!', numbered as Linux's _IOWR/_IOW/_IOR make them. */
#define SECCOMP_IOC(dir, nr, size) ((dir) << 30 | (uint32_t)(size) << 16 | '!' << 8 | (nr))
#define NOTIF_RECV SECCOMP_IOC(3u, 0u, sizeof(struct seccomp_notif))
#define NOTIF_SEND SECCOMP_IOC(3u, 1u, sizeof(struct seccomp_notif_resp))
#define NOTIF_ID_VALID SECCOMP_IOC(1u, 2u, 8u)
#define NOTIF_ID_VALID_WRONG_DIR SECCOMP_IOC(2u, 2u, 8u)       /* the number it first had */
#define NOTIF_ADDFD SECCOMP_IOC(1u, 3u, sizeof(struct seccomp_notif_addfd))
#define NOTIF_SET_FLAGS SECCOMP_IOC(1u, 4u, 8u)
/* ADDFD is extensible: any direction and size match it (Linux's EA_IOCTL). */
#define IOC_NR_TYPE(cmd) ((cmd) & 0xffffu)
#define IOC_SIZE(cmd) (((cmd) >> 16) & 0x3fffu)

enum notify_state { NOTIFY_INIT, NOTIFY_SENT, NOTIFY_REPLIED };

/* An ADDFD request, on the supervisor's stack while the target takes it. */
struct seccomp_kaddfd {
	struct seccomp_kaddfd *next;
	struct file *file;
	uint32_t fd;                    /* SETFD: where */
	bool setfd;
	unsigned fdflags;               /* FD_CLOEXEC or 0 */
	uint32_t ioctl_flags;
	int ret;                        /* the fd in the target, or -errno */
	bool done;
};

/* A call waiting for its answer, on its task's stack. */
struct seccomp_knotif {
	struct seccomp_knotif *next;    /* the listener's list, oldest first */
	uint64_t id;
	struct task *task;
	const struct seccomp_data *data;
	enum notify_state state;        /* queued, received, answered */
	int32_t error;
	int64_t val;
	uint32_t flags;
	struct seccomp_kaddfd *addfd;   /* ADDFD requests the task has yet to take, newest first */
};

struct seccomp_listener {
	struct seccomp_knotif *list;
	uint64_t next_id;               /* from a random start, as Linux's */
	/* Notifications queued and not yet taken by a RECV. As Linux's count, a call withdrawn
	   (a signal) before it was received stays counted: the next RECV then finds nothing. */
	int requests;
	uint32_t flags;                 /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (a hint) */
	uint64_t seq;                   /* readiness changes (edge-triggered epoll) */
};

/* Pollers and RECV look again. */
static void listener_changed(struct seccomp_listener *l)
{
	l->seq++;
	file_changed();
}

static struct seccomp_knotif *listener_find(struct seccomp_listener *l, uint64_t id)
{
	struct seccomp_knotif *n = l->list;
	while (n && n->id != id)
		n = n->next;
	return n;
}

static void listener_unlink(struct seccomp_listener *l, struct seccomp_knotif *n)
{
	struct seccomp_knotif **pp = &l->list;
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
}

/* ---- the target's side ---- */

/* Takes the newest ADDFD request, in the target as Linux's receive_fd: the fd is the
   target's, under its RLIMIT_NOFILE. With SEND it is also the call's answer. */
static void notify_take_addfd(struct seccomp_knotif *n)
{
	struct seccomp_kaddfd *a = n->addfd;
	n->addfd = a->next;
	struct fdtable *t = current_task->files;
	a->file->refs++;
	int fd;
	if (!a->setfd) {
		fd = fd_install(t, a->file, 0, a->fdflags);
	} else if (a->fd >= (uint32_t)fd_rlimit()) {
		fd = -EBADF;
	} else {
		fd = fd_install_at(t, (int)a->fd, a->file, a->fdflags);
		fd = fd ? fd : (int)a->fd;
	}
	if (fd < 0)
		file_put(a->file);
	a->ret = fd;
	if (a->ioctl_flags & SECCOMP_ADDFD_FLAG_SEND) {
		if (fd < 0) {
			n->state = NOTIFY_SENT;         /* not answered after all */
		} else {
			n->flags = 0;
			n->error = 0;
			n->val = fd;
		}
	}
	a->done = true;
	sched_wake(a, NULL, 1, ~0u);
}

/* Waits until n is answered: 0, or -EINTR when a signal (only a fatal one once received, for
   a WAIT_KILLABLE_RECV filter) or the task's end comes first. ADDFD requests are taken on the
   way. */
static int notify_wait_answer(struct seccomp_filter *match, struct seccomp_knotif *n)
{
	for (;;) {
		if (n->addfd) {
			notify_take_addfd(n);
			continue;
		}
		if (n->state == NOTIFY_REPLIED)
			return 0;
		bool killable = match->wait_killable && n->state == NOTIFY_SENT;
		const char *what = "a seccomp notification's answer";
		int r = killable ? sched_wait_killable(n, NULL, what)
				 : sched_wait(n, NULL, -1, 0, what);
		if (r >= 0 || n->addfd || n->state == NOTIFY_REPLIED)
			continue;
		/* Received while it waited: from now on only a fatal signal ends the wait. */
		if (!killable && match->wait_killable && n->state == NOTIFY_SENT)
			continue;
		return -EINTR;
	}
}

enum seccomp_verdict seccomp_notify_wait(struct seccomp_filter *match,
					 const struct seccomp_data *d, int64_t *ret)
{
	struct seccomp_listener *l = match->listener;
	if (!l) {
		*ret = -ENOSYS;
		return SECCOMP_SKIP;
	}
	struct seccomp_knotif n = { .id = l->next_id++, .task = current_task, .data = d,
				    .state = NOTIFY_INIT };
	struct seccomp_knotif **pp = &l->list;
	while (*pp)
		pp = &(*pp)->next;
	*pp = &n;
	l->requests++;
	listener_changed(l);
	int err = notify_wait_answer(match, &n);      /* leaves no ADDFD request behind */
	/* A closed listener took its list with it (and answered ENOSYS). */
	if (match->listener)
		listener_unlink(match->listener, &n);
	if (err) {
		*ret = -ERESTARTSYS;    /* the call runs again after a stop or an SA_RESTART handler */
		return SECCOMP_SKIP;
	}
	if (n.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return SECCOMP_GO;
	*ret = n.error ? (int64_t)n.error : n.val;      /* Linux's syscall_set_return_value */
	return SECCOMP_SKIP;
}

void seccomp_listener_orphaned(struct seccomp_filter *f)
{
	if (f->listener)
		listener_changed(f->listener);
}

/* ---- the listener's ioctls ---- */

/* Linux's check_zeroed_user: 1 when the n bytes at uaddr are all 0, 0 when not, or -EFAULT. */
static int notify_zeroed_user(uint64_t uaddr, size_t n)
{
	uint8_t buf[64];
	while (n) {
		size_t chunk = MIN(n, sizeof(buf));
		if (copy_from_user(buf, uaddr, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (buf[i])
				return 0;
		uaddr += chunk;
		n -= chunk;
	}
	return 1;
}

/* Waits for a notification to take (or for the filter to lose its last user). */
static int64_t notify_recv_wait(struct seccomp_filter *f)
{
	struct seccomp_listener *l = f->listener;
	int r = 0;
	for (;;) {
		if (f->users == 0)
			return 0;
		if (l->requests > 0) {
			l->requests--;
			return 0;
		}
		if (r < 0)
			return -ERESTARTSYS;
		r = file_wait(-1, "a seccomp notification");
	}
}

static int64_t notify_recv(struct seccomp_filter *f, uint64_t ubuf)
{
	struct seccomp_notif un;
	int z = notify_zeroed_user(ubuf, sizeof(un));
	if (z <= 0)
		return z < 0 ? z : -EINVAL;
	int64_t err = notify_recv_wait(f);
	if (err)
		return err;
	struct seccomp_listener *l = f->listener;
	struct seccomp_knotif *n = l->list;
	while (n && n->state != NOTIFY_INIT)
		n = n->next;
	if (!n)
		return -ENOENT;
	memset(&un, 0, sizeof(un));
	un.id = n->id;
	un.pid = (uint32_t)n->task->tid;
	un.data = *n->data;
	if (copy_to_user(ubuf, &un, sizeof(un))) {
		l->requests++;          /* kept for another RECV */
		listener_changed(l);
		return -EFAULT;
	}
	n->state = NOTIFY_SENT;
	listener_changed(l);
	return 0;
}

static int64_t notify_send(struct seccomp_filter *f, uint64_t ubuf)
{
	struct seccomp_notif_resp resp;
	if (copy_from_user(&resp, ubuf, sizeof(resp)))
		return -EFAULT;
	if (resp.flags & ~SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return -EINVAL;
	if ((resp.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) && (resp.error || resp.val))
		return -EINVAL;
	struct seccomp_knotif *n = listener_find(f->listener, resp.id);
	if (!n)
		return -ENOENT;
	if (n->state != NOTIFY_SENT)
		return -EINPROGRESS;    /* not received yet, or answered already */
	n->state = NOTIFY_REPLIED;
	n->error = resp.error;
	n->val = resp.val;
	n->flags = resp.flags;
	sched_wake(n, NULL, 1, ~0u);
	return 0;
}

static int64_t notify_id_valid(struct seccomp_filter *f, uint64_t uid)
{
	uint64_t id;
	if (copy_from_user(&id, uid, sizeof(id)))
		return -EFAULT;
	struct seccomp_knotif *n = listener_find(f->listener, id);
	return n && n->state == NOTIFY_SENT ? 0 : -ENOENT;
}

/* The request as the program gave it: size bytes, those past Linux's structure all 0. */
static int64_t addfd_copy_in(struct seccomp_notif_addfd *a, uint64_t ubuf, uint32_t size)
{
	if (size < sizeof(*a) || size >= PAGE_SIZE)
		return -EINVAL;
	int z = notify_zeroed_user(ubuf + sizeof(*a), size - sizeof(*a));
	if (z <= 0)
		return z < 0 ? z : -E2BIG;
	if (copy_from_user(a, ubuf, sizeof(*a)))
		return -EFAULT;
	if (a->newfd_flags & ~O_CLOEXEC_)
		return -EINVAL;
	if (a->flags & ~(SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND))
		return -EINVAL;
	if (a->newfd && !(a->flags & SECCOMP_ADDFD_FLAG_SETFD))
		return -EINVAL;
	return 0;
}

/* Hands the request to the waiting target and waits until it has taken it. */
static int64_t addfd_queue(struct seccomp_knotif *n, struct seccomp_kaddfd *k)
{
	if (n->state != NOTIFY_SENT)
		return -EINPROGRESS;    /* not before RECV, not after the answer */
	if (k->ioctl_flags & SECCOMP_ADDFD_FLAG_SEND) {
		if (n->addfd)
			return -EBUSY;
		n->state = NOTIFY_REPLIED;      /* one answer only */
	}
	k->next = n->addfd;
	n->addfd = k;
	sched_wake(n, NULL, 1, ~0u);
	while (!k->done) {
		if (sched_wait(k, NULL, -1, 0, "a seccomp ADDFD") >= 0 || k->done)
			continue;
		struct seccomp_kaddfd **pp = &n->addfd;    /* not taken: n still waits */
		while (*pp != k)
			pp = &(*pp)->next;
		*pp = k->next;
		return -ERESTARTSYS;
	}
	return k->ret;
}

static int64_t notify_addfd(struct seccomp_filter *f, uint64_t ubuf, uint32_t size)
{
	struct seccomp_notif_addfd a;
	int64_t err = addfd_copy_in(&a, ubuf, size);
	if (err)
		return err;
	struct seccomp_kaddfd k = {
		.file = fd_get(current_task->files, (int)a.srcfd), .fd = a.newfd,
		.setfd = a.flags & SECCOMP_ADDFD_FLAG_SETFD,
		.fdflags = (a.newfd_flags & O_CLOEXEC_) ? FD_CLOEXEC : 0, .ioctl_flags = a.flags,
	};
	if (k.file && (k.file->flags & O_PATH_)) {
		file_put(k.file);       /* as Linux's fget: an O_PATH fd is no file to hand over */
		k.file = NULL;
	}
	if (!k.file)
		return -EBADF;
	struct seccomp_knotif *n = listener_find(f->listener, a.id);
	err = n ? addfd_queue(n, &k) : -ENOENT;
	file_put(k.file);
	return err;
}

static int64_t notify_set_flags(struct seccomp_filter *f, uint64_t flags)
{
	if (flags & ~(uint64_t)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
		return -EINVAL;
	/* Linux wakes the target on the supervisor's CPU; with one vCPU there is nothing to do. */
	f->listener->flags = (uint32_t)flags;
	return 0;
}

static int64_t listener_ioctl(struct file *file, unsigned long req, uint64_t arg)
{
	struct seccomp_filter *f = file->priv;
	uint32_t cmd = (uint32_t)req;
	switch (cmd) {
	case NOTIF_RECV:
		return notify_recv(f, arg);
	case NOTIF_SEND:
		return notify_send(f, arg);
	case NOTIF_ID_VALID:
	case NOTIF_ID_VALID_WRONG_DIR:
		return notify_id_valid(f, arg);
	case NOTIF_SET_FLAGS:
		return notify_set_flags(f, arg);
	}
	if (IOC_NR_TYPE(cmd) == IOC_NR_TYPE(NOTIF_ADDFD))
		return notify_addfd(f, arg, IOC_SIZE(cmd));
	return -EINVAL;
}

static uint32_t listener_poll(struct file *file)
{
	struct seccomp_filter *f = file->priv;
	uint32_t mask = 0;
	for (struct seccomp_knotif *n = f->listener->list; n; n = n->next) {
		if (n->state == NOTIFY_INIT)
			mask |= POLLIN | POLLRDNORM;
		if (n->state == NOTIFY_SENT)
			mask |= POLLOUT | POLLWRNORM;
	}
	if (f->users == 0)
		mask |= POLLHUP;
	return mask;
}

static bool listener_event_seq(struct file *file, uint64_t *seq)
{
	*seq = ((struct seccomp_filter *)file->priv)->listener->seq;
	return true;
}

/* The last close: every call still waiting is answered ENOSYS, and later ones get ENOSYS. */
static void listener_release(struct file *file)
{
	struct seccomp_filter *f = file->priv;
	struct seccomp_listener *l = f->listener;
	for (struct seccomp_knotif *n = l->list; n; n = n->next) {
		if (n->state == NOTIFY_REPLIED)
			continue;
		n->state = NOTIFY_REPLIED;
		n->error = -ENOSYS;
		n->val = 0;
		sched_wake(n, NULL, 1, ~0u);
	}
	f->listener = NULL;
	kfree(l, sizeof(*l));
	seccomp_filter_put(f);
}

static const struct file_ops listener_ops = {
	.ioctl = listener_ioctl,
	.stat = anon_stat,
	.release = listener_release,
	.poll = listener_poll,
	.event_seq = listener_event_seq,
	.anon_name = "seccomp notify",
};

int seccomp_listener_open(struct seccomp_filter *f)
{
	struct seccomp_listener *l = kmalloc(sizeof(*l));
	if (!l)
		return -ENOMEM;
	random_bytes(&l->next_id, sizeof(l->next_id));
	struct file *file = anon_file_new(&listener_ops, f, O_RDWR_);
	if (!file) {
		kfree(l, sizeof(*l));
		return -ENOMEM;
	}
	f->listener = l;
	f->refs++;
	int fd = fd_install(current_task->files, file, 0, FD_CLOEXEC);
	if (fd < 0)
		file_put(file);         /* its release undoes the rest */
	return fd;
}

int64_t seccomp_notify_sizes(uint64_t usizes)
{
	const uint16_t sizes[3] = { sizeof(struct seccomp_notif), sizeof(struct seccomp_notif_resp),
				    sizeof(struct seccomp_data) };
	return copy_to_user(usizes, sizes, sizeof(sizes)) ? -EFAULT : 0;
}
