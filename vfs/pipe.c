/* Pipes and FIFOs: a ring of up to 256 pages (1 MiB, Linux's pipe-max-size) with Linux's
   capacity (64 KiB by default, F_SETPIPE_SZ), PIPE_BUF atomicity, EOF when the last writer goes,
   EPIPE (and SIGPIPE) when the last reader goes. Every change of state calls file_changed, which
   wakes the tasks waiting for pipes (here, in poll and in epoll). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "k/signal.h"
#include "k/sched.h"
#include "k/itimer.h"
#include "vfs/vfs.h"
#include "vfs/pipe.h"

#define PIPE_MAX_PAGES 256
#define PIPE_DEF_PAGES 16
#define PIPE_BUF 4096
#define O_ACCMODE 03
#define O_WRONLY 01
#define O_RDWR 02
#define O_NONBLOCK 04000
#define FIONREAD 0x541b
#define FIONBIO 0x5421

struct pipe {
	uint64_t page[PIPE_MAX_PAGES];  /* guest-physical pages, allocated on first use */
	uint64_t head, tail;            /* bytes written / read so far */
	uint32_t pages;                 /* capacity in pages */
	int readers, writers;
	int refs;
	uint64_t closes;                /* ends closed so far (edge-triggered epoll) */
	struct inode *inode;            /* the pipe's inode (anonymous, or the FIFO) */
};

static struct pipe *pipe_of(struct file *f)
{
	return f->priv;
}

/* Waits for another task to change the pipe. A signal interrupts the wait as on Linux (EINTR,
   or a restart after an SA_RESTART handler): -ERESTARTSYS; 0 to look again. */
static int pipe_block(const char *what)
{
	return file_wait(-1, what) < 0 ? -ERESTARTSYS : 0;
}

static uint8_t *pipe_byte(struct pipe *p, uint64_t pos, bool alloc)
{
	uint64_t idx = (pos / PAGE_SIZE) % p->pages;
	if (!p->page[idx]) {
		if (!alloc)
			return NULL;
		p->page[idx] = pmm_alloc();
		if (!p->page[idx])
			return NULL;
	}
	return (uint8_t *)phys_to_virt(p->page[idx]) + pos % PAGE_SIZE;
}

static int64_t pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = pipe_of(f);
	while (p->head == p->tail) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = pipe_block("a read from an empty pipe");
		if (r)
			return r;
	}
	size_t done = 0;
	while (done < len && p->tail < p->head) {
		size_t n = (size_t)MIN(len - done, p->head - p->tail);
		n = MIN(n, PAGE_SIZE - p->tail % PAGE_SIZE);
		memcpy((char *)buf + done, pipe_byte(p, p->tail, false), n);
		p->tail += n;
		done += n;
	}
	file_changed();
	return (int64_t)done;
}

static int64_t pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = pipe_of(f);
	if (!p->readers) {
		/* SIGPIPE to the writing thread (its default action ends the process once the call
		   has returned); ignored or handled, EPIPE. */
		struct siginfo_k si = { .signo = SIGPIPE, .code = 0,
					.addr = (uint64_t)(uint32_t)current->pid |
						((uint64_t)current->uid << 32) };
		signal_raise_task(current_task, SIGPIPE, &si);
		return -EPIPE;
	}
	uint64_t cap = (uint64_t)p->pages * PAGE_SIZE, room = cap - (p->head - p->tail);
	/* Writes of at most PIPE_BUF bytes are atomic: all or nothing. */
	if (room == 0 || (len <= PIPE_BUF && room < len)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* buf is the caller's shared bounce buffer: it waits and copies again */
		return file_would_block("a write to a full pipe");
	}
	size_t done = 0;
	while (done < len && p->head - p->tail < cap) {
		size_t n = (size_t)MIN(len - done, cap - (p->head - p->tail));
		n = MIN(n, PAGE_SIZE - p->head % PAGE_SIZE);
		uint8_t *dst = pipe_byte(p, p->head, true);
		if (!dst)
			return done ? (int64_t)done : -ENOMEM;
		memcpy(dst, (const char *)buf + done, n);
		p->head += n;
		done += n;
	}
	file_changed();
	return (int64_t)done;
}

static int64_t pipe_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct pipe *p = pipe_of(f);
	if (req == FIONREAD) {
		int n = (int)(p->head - p->tail);
		return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

static int pipe_stat(struct file *f, struct stat *st)
{
	vfs_stat_inode(pipe_of(f)->inode, st);
	st->st_size = 0;
	return 0;
}

static void pipe_put(struct pipe *p)
{
	if (--p->refs > 0)
		return;
	if (p->inode->pipe == p)
		p->inode->pipe = NULL;
	for (int i = 0; i < PIPE_MAX_PAGES; i++)
		if (p->page[i])
			pmm_free(p->page[i]);
	kfree(p, sizeof(*p));
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != 0)
		p->writers--;
	p->closes++;
	if ((p->inode->mode & S_IFMT) == S_IFIFO && !p->readers && !p->writers)
		p->head = p->tail = 0;          /* a FIFO's data goes with its last opener */
	file_changed();                 /* EOF for readers, EPIPE for writers */
	/* The pipe first: it may still point at the inode the path or reference keeps alive. */
	struct inode *ino = p->inode;
	pipe_put(p);
	if (f->path.d)
		path_put(&f->path);
	else
		inode_put(ino);
}

struct inode *pipe_inode(struct file *f)
{
	return f->ops == &pipe_ops ? pipe_of(f)->inode : NULL;
}

/* As Linux: readable while data is queued, hung up when the last writer has gone, writable while
   a page of room is left (Linux counts page-sized slots), an error when no reader is left. */
static uint32_t pipe_poll(struct file *f)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;
	uint32_t mask = 0;
	if (acc != O_WRONLY) {
		if (p->head != p->tail)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (acc != 0) {
		uint64_t cap = (uint64_t)p->pages * PAGE_SIZE;
		if (cap - (p->head - p->tail) >= PAGE_SIZE)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

/* A read end's events are data coming and the other end closing; a write end's, room made. */
static bool pipe_event_seq(struct file *f, uint64_t *seq)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;
	*seq = p->closes + (acc != O_WRONLY ? p->head : 0) + (acc != 0 ? p->tail : 0);
	return true;
}

const struct file_ops pipe_ops = {
	.fasync = true,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.stat = pipe_stat,
	.release = pipe_release,
	.poll = pipe_poll,
	.event_seq = pipe_event_seq,
};

static struct pipe *pipe_new(struct inode *ino)
{
	struct pipe *p = kmalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->pages = PIPE_DEF_PAGES;
	p->refs = 1;
	p->inode = ino;
	return p;
}

/* Attaches f to p as a reader and/or writer according to its access mode. */
static void pipe_attach(struct pipe *p, struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	if (acc != O_WRONLY)
		p->readers++;
	if (acc != 0)
		p->writers++;
	p->refs++;
	f->ops = &pipe_ops;
	f->priv = p;
}

/* Where the inodes of pipe(2)'s pipes live (FIFOs are in the filesystems that hold them). */
static struct superblock pipefs = { .dev = 0xc, .type = "pipefs" };

int pipe_create(struct file **rd, struct file **wr)
{
	struct inode *ino = inode_new(&pipefs, S_IFIFO | 0600, NULL);
	struct pipe *p = ino ? pipe_new(ino) : NULL;
	struct file *r = p ? kmalloc(sizeof(*r)) : NULL, *w = r ? kmalloc(sizeof(*w)) : NULL;
	if (!w) {
		if (r)
			kfree(r, sizeof(*r));
		if (p)
			kfree(p, sizeof(*p));
		inode_put(ino);
		return -ENFILE;
	}
	r->refs = w->refs = 1;
	r->flags = 0;
	w->flags = O_WRONLY;
	pipe_attach(p, r);
	pipe_attach(p, w);
	inode_get(ino);         /* one for each end; released in pipe_release */
	p->refs--;              /* the creation reference becomes the two ends' */
	ino->pipe = p;          /* /proc/self/fd/N reopens it as a FIFO */
	*rd = r;
	*wr = w;
	return 0;
}

int pipe_fifo_open(struct inode *ino, struct file *f)
{
	struct pipe **slot = (struct pipe **)&ino->pipe;
	if (!*slot && !(*slot = pipe_new(ino)))
		return -ENOMEM;
	struct pipe *p = *slot;
	int acc = f->flags & O_ACCMODE;
	/* Linux: a non-blocking writer with no reader gets ENXIO; a blocking open waits for the
	   other end. Not for a pipe(2) pipe reopened through /proc/self/fd (Linux's is_pipe): a
	   reader whose writers are gone reads EOF, a writer with no reader gets EPIPE. */
	bool fifo = ino->sb != &pipefs;
	if (fifo && acc == O_WRONLY && !p->readers && (f->flags & O_NONBLOCK))
		return -ENXIO;
	pipe_attach(p, f);
	file_changed();
	while (fifo && ((acc == O_WRONLY && !p->readers) ||
			(acc == 0 && !p->writers && !(f->flags & O_NONBLOCK)))) {
		const char *what = acc ? "opening a FIFO for writing"
				       : "opening a FIFO for reading";
		if (pipe_block(what))
			return -ERESTARTSYS;    /* the caller's file_put detaches f again */
	}
	return 0;
}

int64_t pipe_fcntl_size(struct file *f, int set, uint64_t size)
{
	if (f->ops != &pipe_ops)
		return -EBADF;
	struct pipe *p = pipe_of(f);
	if (!set)
		return (int64_t)p->pages * PAGE_SIZE;
	if (size > (uint64_t)PIPE_MAX_PAGES * PAGE_SIZE)
		return current->euid ? -EPERM : -EINVAL;
	uint32_t pages = 1;
	while ((uint64_t)pages * PAGE_SIZE < size)
		pages <<= 1;
	if (p->head - p->tail > (uint64_t)pages * PAGE_SIZE)
		return -EBUSY;
	/* Re-layout the ring: copy the unread bytes into a fresh ring of the new size. */
	struct pipe *tmp = pipe_new(p->inode);
	if (!tmp)
		return -ENOMEM;
	tmp->pages = pages;
	while (p->tail < p->head) {
		uint8_t *dst = pipe_byte(tmp, tmp->head, true);
		if (!dst) {
			pipe_put(tmp);
			return -ENOMEM;
		}
		*dst = *pipe_byte(p, p->tail++, false);
		tmp->head++;
	}
	for (int i = 0; i < PIPE_MAX_PAGES; i++) {
		if (p->page[i])
			pmm_free(p->page[i]);
		p->page[i] = tmp->page[i];
		tmp->page[i] = 0;
	}
	p->head = tmp->head;
	p->tail = 0;
	p->pages = pages;
	pipe_put(tmp);
	return (int64_t)pages * PAGE_SIZE;
}
