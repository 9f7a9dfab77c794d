/* inotify: watches on inodes (fsnotify marks, vfs/fsnotify.h) whose events queue up on a
   descriptor of Linux's anonymous inode, read as struct inotify_event records; Linux's merging
   of a repeated event, queue overflow, per-user limits and IN_IGNORED rules
   (fs/notify/inotify/). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "vfs/fsnotify.h"
#include "vfs/hostfs.h"
#include "vfs/inotify.h"
#include "vfs/procfs.h"
#include "build/gen/syscall_decls.h"

#define IN_NONBLOCK 04000
#define IN_CLOEXEC 02000000
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_EXCL_UNLINK FS_EXCL_UNLINK  /* the mark's own flag */
#define IN_MASK_CREATE 0x10000000
#define IN_MASK_ADD 0x20000000
#define IN_ONESHOT 0x80000000
/* Bits inotify_add_watch knows (Linux's ALL_INOTIFY_BITS); those a watch keeps. */
#define IN_ALL_BITS (FS_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | \
		     IN_MASK_CREATE | IN_MASK_ADD | FS_ISDIR | IN_ONESHOT)
#define IN_WATCH_BITS (FS_ALL_EVENTS | IN_EXCL_UNLINK | IN_ONESHOT)
#define IN_MARK_BITS (FS_ALL_EVENTS | IN_EXCL_UNLINK)    /* what fsnotify looks at */
#define FIONREAD 0x541b
#define EVENT_HEAD 16           /* sizeof(struct inotify_event) */

unsigned inotify_max_queued_events = 16384;
unsigned inotify_max_user_instances = 128;

/* Linux's default: 1% of memory over the cost of a watch (a mark and two inodes, 1760 bytes
   on x86-64), within [8192, 1048576]. */
unsigned inotify_max_user_watches(void)
{
	uint64_t n = boot_info->mem_size / 100 / 1760;
	return (unsigned)MIN(MAX(n, 8192u), 1048576u);
}

/* Instances and watches per user (Linux's ucounts), by effective uid. */
struct inotify_ucount {
	struct inotify_ucount *next;
	uint32_t uid;
	unsigned instances, watches;
};
static struct inotify_ucount *inotify_ucounts;

static struct inotify_ucount *inotify_ucount(uint32_t uid)
{
	struct inotify_ucount *u;
	for (u = inotify_ucounts; u; u = u->next)
		if (u->uid == uid)
			return u;
	if ((u = kmalloc(sizeof(*u)))) {
		u->uid = uid;
		u->next = inotify_ucounts;
		inotify_ucounts = u;
	}
	return u;
}

struct inotify_ev {
	struct inotify_ev *next;
	int32_t wd;
	uint32_t mask, cookie;
	uint32_t namelen;       /* without the NUL */
	char name[];
};

struct inotify {
	struct inotify_watch *watches;
	struct inotify_ev *head, *tail;
	unsigned queued, max_queued;
	uint64_t bytes;         /* what the queue reads as (FIONREAD) */
	bool overflow_queued;   /* an IN_Q_OVERFLOW waits to be read: no second one */
	int last_wd;
	uint64_t seq;           /* events queued so far (edge-triggered epoll) */
	struct inotify_ucount *uc;
	unsigned host_watches;  /* watches of files that change behind the guest (volumes) */
};

struct inotify_watch {
	struct fsnotify_mark mark;      /* first: the mark is the watch */
	struct inotify *in;
	struct inotify_watch *next;
	int wd;
	uint32_t mask;                  /* IN_WATCH_BITS as given */
	bool host;                      /* the inode's changes come from the host too (hostfs) */
};

/* A record's size: the name, if any, NUL-padded so the next record is aligned to 16 bytes. */
static size_t inotify_ev_size(const struct inotify_ev *e)
{
	return EVENT_HEAD + (e->namelen ? (e->namelen + 1 + 15) / 16 * 16 : 0);
}

static size_t inotify_ev_alloc(uint32_t namelen)
{
	return sizeof(struct inotify_ev) + namelen + 1;
}

/* Queues an event as Linux's fsnotify_insert_event: once max_queued wait, one IN_Q_OVERFLOW
   (wd -1) and nothing more until it is read; an event equal to the last one queued (mask, wd
   and name; not after an IN_IGNORED) merges into it. */
static void inotify_queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
			  const char *name, size_t len)
{
	if (in->queued >= in->max_queued) {
		if (in->overflow_queued)
			return;
		in->overflow_queued = true;
		wd = -1;
		mask = FS_Q_OVERFLOW;
		cookie = 0;
		len = 0;
	} else if (in->tail && !(in->tail->mask & FS_IN_IGNORED) && in->tail->mask == mask &&
		   in->tail->wd == wd && in->tail->namelen == len &&
		   !memcmp(in->tail->name, name, len)) {
		return;
	}
	struct inotify_ev *e = kmalloc(inotify_ev_alloc((uint32_t)len));
	if (!e)
		return;         /* Linux queues an overflow then; memory is short here anyway */
	e->wd = wd;
	e->mask = mask;
	e->cookie = cookie;
	e->namelen = (uint32_t)len;
	memcpy(e->name, name, len);
	if (in->tail)
		in->tail->next = e;
	else
		in->head = e;
	in->tail = e;
	in->queued++;
	in->bytes += inotify_ev_size(e);
	in->seq++;
	file_changed();
}

/* The watch ends: IN_IGNORED for it, and its wd is free. The mark is already unhooked. */
static void inotify_watch_end(struct inotify_watch *w)
{
	struct inotify *in = w->in;
	inotify_queue(in, w->wd, FS_IN_IGNORED, 0, NULL, 0);
	for (struct inotify_watch **l = &in->watches; *l; l = &(*l)->next) {
		if (*l == w) {
			*l = w->next;
			break;
		}
	}
	in->uc->watches--;
	in->host_watches -= w->host;
	kfree(w, sizeof(*w));
}

/* With nothing queued, what the host has already reported of watched volume files is taken
   first (one exit): a change the host made before the guest looked is there, as on Linux, not
   only once the next upcall brings it. */
static void inotify_sync(struct inotify *in)
{
	if (!in->head && in->host_watches)
		hostfs_events_take();
}

static void inotify_mark_event(struct fsnotify_mark *m, uint32_t mask, const char *name,
			       size_t len, uint32_t cookie)
{
	struct inotify_watch *w = (struct inotify_watch *)m;
	inotify_queue(w->in, w->wd, mask & ~FS_DN_RENAME, cookie, name, len);
	if (w->mask & IN_ONESHOT) {
		fsnotify_mark_remove(m);
		inotify_watch_end(w);
	}
}

static void inotify_mark_gone(struct fsnotify_mark *m)
{
	inotify_watch_end((struct inotify_watch *)m);
}

/* Events were lost (on the host): one IN_Q_OVERFLOW waits at most, as Linux's one overflow
   event per group. */
static void inotify_mark_overflow(struct fsnotify_mark *m)
{
	struct inotify *in = ((struct inotify_watch *)m)->in;
	if (in->overflow_queued)
		return;
	inotify_queue(in, -1, FS_Q_OVERFLOW, 0, NULL, 0);
	in->overflow_queued = true;
}

static const struct fsnotify_mark_ops inotify_mark_ops = {
	.event = inotify_mark_event,
	.gone = inotify_mark_gone,
	.overflow = inotify_mark_overflow,
};

static int64_t inotify_read(struct file *f, void *buf, size_t len)
{
	struct inotify *in = f->priv;
	inotify_sync(in);
	while (!in->head) {
		if (f->flags & IN_NONBLOCK)
			return -EAGAIN;
		/* An event from another task ends the wait; a signal interrupts it. */
		if (file_wait(-1, "reading an inotify fd") < 0)
			return -ERESTARTSYS;
	}
	size_t done = 0;
	struct inotify_ev *e;
	while ((e = in->head) && inotify_ev_size(e) <= len - done) {
		size_t n = inotify_ev_size(e);
		char *out = (char *)buf + done;
		memset(out, 0, n);
		memcpy(out, &e->wd, 4);
		memcpy(out + 4, &e->mask, 4);
		memcpy(out + 8, &e->cookie, 4);
		uint32_t padded = (uint32_t)(n - EVENT_HEAD);
		memcpy(out + 12, &padded, 4);
		memcpy(out + EVENT_HEAD, e->name, e->namelen);
		done += n;
		in->head = e->next;
		if (!in->head)
			in->tail = NULL;
		in->queued--;
		in->bytes -= n;
		if (e->mask & FS_Q_OVERFLOW)
			in->overflow_queued = false;
		kfree(e, inotify_ev_alloc(e->namelen));
	}
	return done ? (int64_t)done : -EINVAL;  /* the buffer cannot hold the next record */
}

static int64_t inotify_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct inotify *in = f->priv;
	if (req != FIONREAD)
		return -ENOTTY;
	inotify_sync(in);
	int n = (int)in->bytes;
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static uint32_t inotify_poll(struct file *f)
{
	inotify_sync(f->priv);
	return ((struct inotify *)f->priv)->head ? POLLIN | POLLRDNORM : 0;
}

static bool inotify_event_seq(struct file *f, uint64_t *seq)
{
	*seq = ((struct inotify *)f->priv)->seq;
	return true;
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	while (in->watches) {
		struct inotify_watch *w = in->watches;
		in->watches = w->next;
		fsnotify_mark_remove(&w->mark);
		in->uc->watches--;
		in->host_watches -= w->host;
		kfree(w, sizeof(*w));
	}
	while (in->head) {
		struct inotify_ev *e = in->head;
		in->head = e->next;
		kfree(e, inotify_ev_alloc(e->namelen));
	}
	in->uc->instances--;
	kfree(in, sizeof(*in));
}

/* /proc/<pid>/fdinfo/<n>: a line per watch, as Linux's inotify_show_fdinfo (no file handle). */
static void inotify_show_fdinfo(struct file *f, struct procfs_buf *b)
{
	struct inotify *in = f->priv;
	for (struct inotify_watch *w = in->watches; w; w = w->next) {
		struct inode *ino = w->mark.inode;
		procfs_printf(b, "inotify wd:%x ino:%lx sdev:%lx mask:%x ignored_mask:0\n", w->wd,
			      ino->ino, ino->sb ? ino->sb->dev : 0, w->mask);
	}
}

static const struct file_ops inotify_ops = {
	.fasync = true,
	.read = inotify_read,
	.ioctl = inotify_ioctl,
	.stat = anon_stat,
	.release = inotify_release,
	.poll = inotify_poll,
	.event_seq = inotify_event_seq,
	.show_fdinfo = inotify_show_fdinfo,
	.anon_name = "inotify",
};

static int64_t inotify_new(uint64_t flags)
{
	if (flags & ~(uint64_t)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	struct inotify_ucount *uc = inotify_ucount(current->euid);
	if (!uc)
		return -ENOMEM;
	if (uc->instances >= inotify_max_user_instances)
		return -EMFILE;
	struct inotify *in = kmalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->max_queued = inotify_max_queued_events;
	in->uc = uc;
	uc->instances++;        /* released with the file, also when fd_install fails */
	return anon_fd_new(&inotify_ops, in, sizeof(*in), (unsigned)flags & IN_NONBLOCK,
			   flags & IN_CLOEXEC);
}

int64_t sys_inotify_init(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	return inotify_new(0);
}

int64_t sys_inotify_init1(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	return inotify_new(flags);
}

/* The instance behind fd: -EBADF without a file, -EINVAL for another kind of file. */
static int inotify_get(int fd, struct file **out)
{
	struct file *f = fd_get(current_task->files, fd);
	if (!f)
		return -EBADF;
	if (f->ops != &inotify_ops) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

/* The next free wd after the last one given, as Linux's idr_alloc_cyclic from 1. */
static int inotify_next_wd(struct inotify *in)
{
	for (int wd = in->last_wd + 1;; wd++) {
		if (wd <= 0)
			wd = 1;
		struct inotify_watch *w = in->watches;
		while (w && w->wd != wd)
			w = w->next;
		if (!w)
			return in->last_wd = wd;
	}
}

static int inotify_watch(struct inotify *in, struct inode *ino, uint32_t mask)
{
	uint32_t bits = mask & IN_WATCH_BITS;
	for (struct inotify_watch *w = in->watches; w; w = w->next) {
		if (w->mark.inode != ino)
			continue;
		if (mask & IN_MASK_CREATE)
			return -EEXIST;
		w->mask = (mask & IN_MASK_ADD) ? w->mask | bits : bits;
		w->mark.mask = w->mask & IN_MARK_BITS;
		fsnotify_marks_changed(ino);    /* the host's watch of a volume file follows */
		return w->wd;
	}
	if (in->uc->watches >= inotify_max_user_watches())
		return -ENOSPC;
	struct inotify_watch *w = kmalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->in = in;
	w->mask = bits;
	w->mark.mask = bits & IN_MARK_BITS;
	w->mark.ops = &inotify_mark_ops;
	w->wd = inotify_next_wd(in);    /* taken even when the mark fails, as Linux's cyclic idr */
	int err = fsnotify_mark_add(&w->mark, ino);
	if (err) {
		kfree(w, sizeof(*w));
		return err;
	}
	w->next = in->watches;
	in->watches = w;
	in->uc->watches++;
	w->host = ino->ops && ino->ops->watch;
	in->host_watches += w->host;
	return w->wd;
}

int64_t sys_inotify_add_watch(uint64_t fd, uint64_t upath, uint64_t umask, uint64_t a3,
			      uint64_t a4, uint64_t a5)
{
	uint32_t mask = (uint32_t)umask;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & IN_ALL_BITS))
		return -EINVAL;
	struct file *f;
	int err = inotify_get((int)fd, &f);
	if (err)
		return err;
	struct path p;
	err = fs_resolve(AT_FDCWD, upath, ((mask & IN_DONT_FOLLOW) ? 0 : LOOKUP_FOLLOW) |
			 ((mask & IN_ONLYDIR) ? LOOKUP_DIRECTORY : 0), &p);
	if (!err) {
		err = vfs_permission(p.d->inode, 4);
		if (!err)
			err = inotify_watch(f->priv, p.d->inode, mask);
		path_put(&p);
	}
	file_put(f);
	return err;
}

int64_t sys_inotify_rm_watch(uint64_t fd, uint64_t wd, uint64_t a2, uint64_t a3, uint64_t a4,
			     uint64_t a5)
{
	struct file *f;
	int err = inotify_get((int)fd, &f);
	if (err)
		return err;
	struct inotify *in = f->priv;
	struct inotify_watch *w = in->watches;
	while (w && w->wd != (int)wd)
		w = w->next;
	if (w) {
		fsnotify_mark_remove(&w->mark);
		inotify_watch_end(w);
	}
	file_put(f);
	return w ? 0 : -EINVAL;
}
