/* epoll: an interest list per epoll file, waited on through poll's machinery (syscalls/poll.h).

   Readiness is computed when the program waits. An EPOLLET entry is reported again only after
   a new event on its file (file_ops.event_seq moved: data came, room was made, the peer
   closed), as Linux reports an edge; files that keep no event counter are reported level-
   triggered, which only adds wake-ups a correct edge-triggered program already handles. The
   console's counter is kept by the host (vfs/console.c): a reported console entry stays in
   the wait, marked POLL_EDGE_K, so the host wakes it at its next edge.
   EPOLLONESHOT disables an entry after it is reported, until EPOLL_CTL_MOD. An entry goes when
   its file's last reference goes, as on Linux. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "k/sched.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "syscalls/poll.h"
#include "build/gen/syscall_decls.h"

#define EPOLL_CLOEXEC 02000000
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EP_PRIVATE (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
#define EP_EXCLUSIVE_OK (POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | \
			 EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4
#define EP_MAX_EVENTS (INT32_MAX / 12)

struct epoll_event_k {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct epitem {
	struct epitem *next;
	struct file *file;      /* not a reference: the entry goes when the file does */
	int fd;
	uint32_t events;        /* EPOLLERR and EPOLLHUP always included while enabled */
	uint64_t data;
	uint64_t seq;           /* EPOLLET: the file's event counter when last reported */
	bool reported;          /* ... and whether it was, since the entry was added or modified */
};

struct eventpoll {
	struct epitem *items;   /* in order of the next report: reported entries move to the end */
	struct eventpoll *next; /* all epoll files, for file_unwatch */
};

static struct eventpoll *all_eps;
static const struct file_ops epoll_ops;

static struct eventpoll *epoll_of(struct file *f)
{
	return f && f->ops == &epoll_ops ? f->priv : NULL;
}

static void epitem_free(struct epitem *it)
{
	it->file->watched--;
	kfree(it, sizeof(*it));
}

/* A watched file is going: drop its entries from every epoll file. */
static void epoll_unwatch(struct file *f)
{
	for (struct eventpoll *ep = all_eps; ep && f->watched; ep = ep->next)
		for (struct epitem **pp = &ep->items; *pp;) {
			struct epitem *it = *pp;
			if (it->file == f) {
				*pp = it->next;
				epitem_free(it);
			} else {
				pp = &it->next;
			}
		}
}

/* Readiness of the entries (for poll or epoll on an epoll file): console entries, which only the
   host can answer for, are not counted here. */
static uint32_t epoll_poll(struct file *f)
{
	for (struct epitem *it = epoll_of(f)->items; it; it = it->next)
		if (it->file->ops->poll && (it->file->ops->poll(it->file) & it->events))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	while (ep->items) {
		struct epitem *it = ep->items;
		ep->items = it->next;
		epitem_free(it);
	}
	for (struct eventpoll **pp = &all_eps; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	kfree(ep, sizeof(*ep));
}

static const struct file_ops epoll_ops = {
	.stat = anon_stat,
	.release = epoll_release,
	.poll = epoll_poll,
	.anon_name = "[eventpoll]",
};

static int64_t epoll_new(uint64_t flags)
{
	if (flags & ~(uint64_t)EPOLL_CLOEXEC)
		return -EINVAL;
	struct eventpoll *ep = kmalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	file_unwatch = epoll_unwatch;
	int fd = anon_fd_new(&epoll_ops, ep, sizeof(*ep), 02 /* O_RDWR */, flags & EPOLL_CLOEXEC);
	if (fd >= 0) {
		ep->next = all_eps;
		all_eps = ep;
	}
	return fd;
}

int64_t sys_epoll_create(uint64_t size, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	if ((int)size <= 0)
		return -EINVAL;
	return epoll_new(0);
}

int64_t sys_epoll_create1(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	return epoll_new(flags);
}

/* Would watching epoll file t from ep close a loop or nest deeper than Linux allows? */
static bool epoll_loops(struct eventpoll *ep, struct eventpoll *t, int depth)
{
	if (t == ep || depth >= EP_MAX_NESTS)
		return true;
	for (struct epitem *it = t->items; it; it = it->next) {
		struct eventpoll *inner = epoll_of(it->file);
		if (inner && epoll_loops(ep, inner, depth + 1))
			return true;
	}
	return false;
}

static int64_t epoll_ctl(struct eventpoll *ep, struct file *tf, int op, int fd,
			 const struct epoll_event_k *ev)
{
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (ev->events & ~EP_EXCLUSIVE_OK) || epoll_of(tf)))
		return -EINVAL;
	struct epitem **pp = &ep->items;
	while (*pp && ((*pp)->file != tf || (*pp)->fd != fd))
		pp = &(*pp)->next;
	struct epitem *it = *pp;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		if (epoll_of(tf) && epoll_loops(ep, epoll_of(tf), 0))
			return -ELOOP;
		it = kmalloc(sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->file = tf;
		it->fd = fd;
		tf->watched++;
		*pp = it;               /* at the end */
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		*pp = it->next;
		epitem_free(it);
		return 0;
	default:
		return -EINVAL;
	}
	it->events = ev->events | POLLERR | POLLHUP;
	it->data = ev->data;
	it->reported = false;   /* a ready file is reported once more, as on Linux */
	return 0;
}

int64_t sys_epoll_ctl(uint64_t epfd, uint64_t op, uint64_t fd, uint64_t uev, uint64_t a4,
		      uint64_t a5)
{
	struct epoll_event_k ev = { 0, 0 };
	if ((int)op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	struct file *f = fd_get(current_task->files, (int)epfd);
	if (!f)
		return -EBADF;
	struct file *tf = fd_get(current_task->files, (int)fd);
	int64_t r = -EBADF;
	if (tf) {
		struct eventpoll *ep = epoll_of(f);
		int host;
		bool console = console_host_fd(tf, &host);
		/* Files without a poll method cannot be watched; nor a console the host cannot poll
		   (output redirected to a file, input from /dev/null). */
		if (console ? (boot_info->tty_nopoll & (1u << host)) != 0 : !tf->ops->poll)
			r = -EPERM;
		else if (!ep || f == tf)
			r = -EINVAL;
		else
			r = epoll_ctl(ep, tf, (int)op, (int)fd, &ev);
		file_put(tf);
	}
	file_put(f);
	return r;
}

/* An edge-triggered entry already reported, with no event on its file since. */
static bool epitem_no_new_edge(const struct epitem *it)
{
	uint64_t seq;
	return (it->events & EPOLLET) && it->reported && it->file->ops->event_seq &&
	       it->file->ops->event_seq(it->file, &seq) && seq == it->seq;
}

static int64_t epoll_wait_common(int epfd, uint64_t uevents, int64_t maxevents, int64_t deadline,
				 const char *what)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	struct file *f = fd_get(current_task->files, epfd);
	if (!f)
		return -EBADF;
	struct eventpoll *ep = epoll_of(f);
	if (!ep) {
		file_put(f);
		return -EINVAL;
	}
	/* The entries being waited on, as poll entries, and where each came from. */
	struct pollfd_k *ep_fds;
	struct epitem **ep_from;
	uint64_t n;
	int64_t r;
	bool woken = false;
again:
	n = 0;
	for (struct epitem *it = ep->items; it; it = it->next)
		n++;
	ep_fds = task_buffer(n * (sizeof(*ep_fds) + sizeof(*ep_from)));
	if (!ep_fds) {
		file_put(f);
		return -ENOMEM;
	}
	ep_from = (struct epitem **)(ep_fds + n);
	n = 0;
	for (struct epitem *it = ep->items; it; it = it->next) {
		if (!(it->events & ~EP_PRIVATE))
			continue;       /* disabled by EPOLLONESHOT */
		struct file *cur = fd_get(current_task->files, it->fd);
		if (cur)
			file_put(cur);
		if (cur != it->file)
			continue;       /* its fd was closed (the file lives on through a dup) */
		int host, edge = 0;
		if (epitem_no_new_edge(it)) {
			if (!console_host_fd(it->file, &host))
				continue;
			edge = POLL_EDGE_K;     /* the host waits for its next edge */
		}
		ep_fds[n] = (struct pollfd_k){ .fd = it->fd,
					       .events = (int16_t)((it->events & 0x7fff) | edge) };
		ep_from[n++] = it;
	}
	r = poll_wait_ex(ep_fds, n, deadline, what, true, woken);
	woken = r == -EAGAIN;
	if (woken)
		goto again;     /* something changed while it waited: look at the list anew */
	int64_t done = 0;
	struct epitem *moved = NULL, **tail = &moved;
	for (uint64_t i = 0; r > 0 && i < n && done < maxevents; i++) {
		if (!ep_fds[i].revents)
			continue;
		struct epitem *it = ep_from[i];
		if ((ep_fds[i].events & POLL_EDGE_K) && epitem_no_new_edge(it)) {
			r--;            /* the console's edge was in the other direction */
			continue;
		}
		struct epoll_event_k out = { (uint16_t)ep_fds[i].revents, it->data };
		if (copy_to_user(uevents + (uint64_t)done * sizeof(out), &out, sizeof(out))) {
			r = -EFAULT;
			break;
		}
		done++;
		if ((it->events & EPOLLET) && it->file->ops->event_seq)
			it->reported = it->file->ops->event_seq(it->file, &it->seq);
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE;
		/* Reported entries go to the end, so the next wait reports the others first. */
		for (struct epitem **pp = &ep->items; *pp; pp = &(*pp)->next)
			if (*pp == it) {
				*pp = it->next;
				break;
			}
		it->next = NULL;
		*tail = it;
		tail = &it->next;
	}
	struct epitem **end = &ep->items;
	while (*end)
		end = &(*end)->next;
	*end = moved;
	if (r >= 0 && !done && deadline && (deadline < 0 || (int64_t)time_monotonic_ns() < deadline))
		goto again;     /* only such edges came: wait on */
	file_put(f);
	return r < 0 ? r : done;
}

int64_t sys_epoll_wait(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t timeout,
		       uint64_t a4, uint64_t a5)
{
	int ms = (int)timeout;
	return epoll_wait_common((int)epfd, uevents, (int)maxevents,
				 poll_deadline_after(ms < 0 ? -1 : (int64_t)ms * 1000000), "epoll_wait");
}

int64_t sys_epoll_pwait(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t timeout,
			uint64_t umask, uint64_t size)
{
	uint64_t saved;
	int64_t r = poll_sigmask_swap(umask, size, &saved);
	if (r)
		return r;
	int ms = (int)timeout;
	r = epoll_wait_common((int)epfd, uevents, (int)maxevents,
			      poll_deadline_after(ms < 0 ? -1 : (int64_t)ms * 1000000), "epoll_pwait");
	poll_sigmask_done(r, saved);
	return r;
}

int64_t sys_epoll_pwait2(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t uts,
			 uint64_t umask, uint64_t size)
{
	int64_t ns, r = poll_timeout_read(uts, false, &ns);
	if (r)
		return r;
	uint64_t saved;
	r = poll_sigmask_swap(umask, size, &saved);
	if (r)
		return r;
	r = epoll_wait_common((int)epfd, uevents, (int)maxevents, poll_deadline_after(ns),
			      "epoll_pwait2");
	poll_sigmask_done(r, saved);
	return r;
}
