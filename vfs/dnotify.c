/* dnotify (fcntl F_NOTIFY): a signal to the registering process when entries of a directory
   change, on fsnotify marks, as Linux's fs/notify/dnotify. Registrations belong to an open file
   and the fd table that made them; closing any of that table's fds to the file ends them. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/signal.h"
#include "vfs/vfs.h"
#include "vfs/fsnotify.h"

#define DN_ACCESS 0x1
#define DN_MODIFY 0x2
#define DN_CREATE 0x4
#define DN_DELETE 0x8
#define DN_RENAME 0x10
#define DN_ATTRIB 0x20
#define DN_MULTISHOT 0x80000000u
#define SIGIO_ 29
#define SI_KERNEL 0x80
#define POLL_MSG 3
#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)

struct dnotify {
	struct fsnotify_mark mark;      /* first: on the directory */
	struct dnotify *next;           /* all registrations */
	struct file *file;              /* not referenced: ended at its fds' close */
	struct fdtable *owner;
	int fd, pid;
	bool multishot;
};
static struct dnotify *dnotify_list;

static void dnotify_free(struct dnotify *d)
{
	for (struct dnotify **l = &dnotify_list; *l; l = &(*l)->next) {
		if (*l == d) {
			*l = d->next;
			break;
		}
	}
	kfree(d, sizeof(*d));
}

/* Linux's send_sigio for POLL_MSG: the F_SETSIG signal with the fd and band in its siginfo,
   or a plain SIGIO (also when the real-time signal does not fit in the queue). */
static void dnotify_signal(struct dnotify *d)
{
	struct proc *p = proc_find(d->pid);
	if (!p)
		return;
	struct siginfo_k si = { .signo = SIGIO_, .code = SI_KERNEL };
	if (d->file->sig) {
		si.signo = d->file->sig;
		si.code = POLL_MSG;
		si.addr = POLLIN | POLLRDNORM | 0x400;  /* si_band: POLLMSG's band */
		memcpy(si.rest, &d->fd, sizeof(d->fd));         /* si_fd */
	}
	if (signal_raise_proc(p, si.signo, &si) == -EAGAIN) {
		struct siginfo_k io = { .signo = SIGIO_, .code = SI_KERNEL };
		signal_raise_proc(p, SIGIO_, &io);
	}
}

static void dnotify_event(struct fsnotify_mark *m, uint32_t mask, const char *name, size_t len,
			  uint32_t cookie)
{
	struct dnotify *d = (struct dnotify *)m;
	dnotify_signal(d);
	if (!d->multishot) {
		fsnotify_mark_remove(m);
		dnotify_free(d);
	}
}

static void dnotify_gone(struct fsnotify_mark *m)
{
	dnotify_free((struct dnotify *)m);
}

static const struct fsnotify_mark_ops dnotify_ops = { .event = dnotify_event, .gone = dnotify_gone };

void dnotify_flush_(struct fdtable *t, struct file *f)
{
	for (struct dnotify *d = dnotify_list, *next; d; d = next) {
		next = d->next;
		if (d->file == f && d->owner == t) {
			fsnotify_mark_remove(&d->mark);
			dnotify_free(d);
		}
	}
}

/* Linux's convert_arg: DN_* to the events that report them. */
static uint32_t dnotify_events(uint32_t arg)
{
	uint32_t mask = 0;
	if (arg & DN_DELETE)
		mask |= FS_DELETE | FS_MOVED_FROM;
	if (arg & DN_MODIFY)
		mask |= FS_MODIFY;
	if (arg & DN_ACCESS)
		mask |= FS_ACCESS;
	if (arg & DN_ATTRIB)
		mask |= FS_ATTRIB;
	if (arg & DN_RENAME)
		mask |= FS_DN_RENAME;
	if (arg & DN_CREATE)
		mask |= FS_CREATE | FS_MOVED_TO;
	return mask;
}

int dnotify_fcntl(struct fdtable *t, int fd, struct file *f, uint32_t arg)
{
	if (!(arg & ~DN_MULTISHOT)) {
		if (fsnotify_marks)
			dnotify_flush_(t, f);
		return 0;
	}
	struct inode *ino = file_inode(f);
	if (!ino || !S_ISDIR_(ino->mode))
		return -ENOTDIR;
	uint32_t mask = dnotify_events(arg);
	for (struct dnotify *d = dnotify_list; d; d = d->next) {
		if (d->file == f && d->owner == t) {     /* more events for the same file */
			d->fd = fd;
			d->mark.mask |= mask;
			d->multishot |= !!(arg & DN_MULTISHOT);
			d->pid = current->pid;
			fsnotify_marks_changed(ino);    /* a volume's host watch follows */
			return 0;
		}
	}
	struct dnotify *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->mark.mask = mask;
	d->mark.ops = &dnotify_ops;
	d->file = f;
	d->owner = t;
	d->fd = fd;
	d->pid = current->pid;
	d->multishot = arg & DN_MULTISHOT;
	int err = fsnotify_mark_add(&d->mark, ino);
	if (err) {
		kfree(d, sizeof(*d));
		return err;
	}
	d->next = dnotify_list;
	dnotify_list = d;
	return 0;
}
