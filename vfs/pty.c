/* Pseudo-terminal pairs: allocation through /dev/ptmx, the master's and the slave's files (read,
   write, poll, close), the hangup when the master closes, and the controlling terminal of a
   session. The slave's line discipline (vfs/pty_ldisc.c) does the processing between the two;
   everything waits on the VFS's one channel (file_changed), as pipes do. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "vfs/pty.h"
#include "vfs/tty.h"

#define O_NONBLOCK 04000
#define PTY_MAX 4096            /* Linux's kernel.pty.max */
#define SIGCONT 18
#define SI_KERNEL 0x80
#define SIGTTIN 21
#define SIGTTOU 22
#define NS_PER_DECISECOND 100000000ll

_Static_assert(offsetof(struct pty, ld) == 0, "the ldisc callbacks find their pty");
_Static_assert(sizeof(struct pty) <= 4096, "kmalloc");

static struct pty *pty_list;    /* every pair, by index */
static const struct file_ops pty_master_ops, pty_slave_ops;

void pty_changed(struct pty *p)
{
	p->events++;
	file_changed();
}

/* Linux's packet status: a stop cancels a start not yet read, and the reverse. */
static void pty_pkt(struct ldisc *ld, unsigned status)
{
	struct pty *p = (struct pty *)ld;
	if (!p->packet)
		return;
	if (status & (TIOCPKT_STOP | TIOCPKT_START))
		p->pktstatus &= (uint8_t)~(TIOCPKT_STOP | TIOCPKT_START);
	if (status & (TIOCPKT_NOSTOP | TIOCPKT_DOSTOP))
		p->pktstatus &= (uint8_t)~(TIOCPKT_NOSTOP | TIOCPKT_DOSTOP);
	p->pktstatus |= (uint8_t)status;
	pty_changed(p);
}

static void pty_isig(struct ldisc *ld, int sig)
{
	tty_signal_pgrp(((struct pty *)ld)->pgrp, sig);
}

bool pty_controls(int sid)
{
	if (sid == 1 && boot_info->tty[0].is_tty)
		return true;            /* the console, under -t */
	for (struct pty *p = pty_list; p; p = p->next)
		if (p->session == sid)
			return true;
	return false;
}

uint32_t pty_session_tty(int sid, int *fg)
{
	*fg = -1;
	for (struct pty *p = pty_list; p; p = p->next)
		if (p->session == sid) {
			*fg = p->pgrp ? p->pgrp : -1;
			return (p->index & 0xff) | (136u << 8) | ((p->index & ~0xffu) << 12);
		}
	if (sid == 1 && boot_info->tty[0].is_tty) {
		*fg = console_tty_pgrp();
		return 136u << 8;       /* the console is /dev/pts/0 */
	}
	return 0;
}

bool pty_is_ctty(const struct pty *p)
{
	return p->session && p->session == current->sid;
}

void pty_set_ctty(struct pty *p)
{
	p->session = current->sid;
	p->pgrp = current->pgid;
}

int pty_job_control(struct pty *p, int sig)
{
	return pty_is_ctty(p) ? tty_job_control(p->pgrp, sig) : 0;
}

void pty_disassociate(struct pty *p)
{
	tty_signal_pgrp(p->pgrp, SIGHUP);
	tty_signal_pgrp(p->pgrp, SIGCONT);
	p->session = p->pgrp = 0;
}

void pty_session_exit(int sid)
{
	for (struct pty *p = pty_list; p; p = p->next) {
		if (p->session != sid)
			continue;
		tty_signal_pgrp(p->pgrp, SIGHUP);
		p->session = p->pgrp = 0;
		pty_changed(p);
	}
}

struct inode *pty_node(unsigned n)
{
	for (struct pty *p = pty_list; p && p->index <= n; p = p->next)
		if (p->index == n && p->master_open)
			return p->node;
	return NULL;
}

bool pty_next_named(unsigned *n)
{
	for (struct pty *p = pty_list; p; p = p->next)
		if (p->index >= *n && p->master_open) {
			*n = p->index;
			return true;
		}
	return false;
}

static void pty_free_pages(struct ldisc *ld)
{
	for (int i = 0; i < LDISC_IN_SIZE / 4096; i++)
		if (ld->in.page[i])
			pmm_free(virt_to_phys(ld->in.page[i]));
	for (int i = 0; i < LDISC_OUT_SIZE / 4096; i++)
		if (ld->out.page[i])
			pmm_free(virt_to_phys(ld->out.page[i]));
}

/* Drops a file's hold on p; the last one frees the pair and its index. */
static void pty_put(struct pty *p)
{
	if (--p->refs > 0)
		return;
	for (struct pty **l = &pty_list; *l; l = &(*l)->next)
		if (*l == p) {
			*l = p->next;
			break;
		}
	p->node->priv = NULL;           /* the node may outlive the pair in the name cache */
	inode_put(p->node);
	pty_free_pages(&p->ld);
	kfree(p, sizeof(*p));
}

/* The lowest free index (from 1 when /dev/pts/0 is the console's), and where it goes in the
   list. */
static int pty_alloc_index(unsigned *out, struct pty ***at)
{
	unsigned n = devpts_console() ? 1 : 0;
	struct pty **l = &pty_list;
	while (*l && (*l)->index < n)
		l = &(*l)->next;
	while (*l && (*l)->index == n) {
		n++;
		l = &(*l)->next;
	}
	if (n >= PTY_MAX)
		return -ENOSPC;
	*out = n;
	*at = l;
	return 0;
}

int pty_open_master(struct file *f)
{
	unsigned index;
	struct pty **at;
	int err = pty_alloc_index(&index, &at);
	if (err)
		return err;
	struct pty *p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	uint8_t *pages[LDISC_PAGES];
	for (int i = 0; i < LDISC_PAGES; i++) {
		uint64_t pa = pmm_alloc();
		pages[i] = pa ? phys_to_virt(pa) : NULL;
		if (!pa)
			err = -ENOMEM;
	}
	ldisc_init(&p->ld, pages);
	p->node = err ? NULL : devpts_new_node(p, index);
	if (!p->node) {
		pty_free_pages(&p->ld);
		kfree(p, sizeof(*p));
		return -ENOMEM;
	}
	p->ld.isig = pty_isig;
	p->ld.pkt = pty_pkt;
	p->index = index;
	p->refs = 1;
	p->master_open = true;
	p->locked = true;
	p->next = *at;
	*at = p;
	f->ops = &pty_master_ops;
	f->priv = p;
	return 0;
}

int pty_open_slave(struct pty *p, struct file *f, bool noctty)
{
	if (!p || !p->master_open || p->locked)
		return -EIO;
	if (p->exclusive && !capable(CAP_SYS_ADMIN))
		return -EBUSY;
	p->slaves++;
	p->refs++;
	p->slave_closed = false;
	f->ops = &pty_slave_ops;
	f->priv = p;
	/* Linux: a session leader without a terminal acquires one it opens without O_NOCTTY. */
	if (!noctty && current->sid == current->pid && !p->session && !pty_controls(current->sid))
		pty_set_ctty(p);
	pty_changed(p);
	return 0;
}

int pty_open_ctty(struct file *f)
{
	for (struct pty *p = pty_list; p; p = p->next)
		if (pty_is_ctty(p))
			return p->hungup ? -EIO : pty_open_slave(p, f, true);
	return -ENXIO;
}

/* The master reads what the slave wrote and echoed (raw: its own line discipline does
   nothing), with a status byte first in packet mode; EIO once the slave is closed. */
static int64_t pty_master_read(struct file *f, void *buf, size_t len)
{
	struct pty *p = f->priv;
	uint8_t *b = buf;
	if (!len)
		return 0;
	for (;;) {
		if (p->packet && p->pktstatus) {
			b[0] = p->pktstatus;
			p->pktstatus = 0;
			return 1;
		}
		if (ldisc_out_count(&p->ld)) {
			size_t off = p->packet ? 1 : 0;
			if (off)
				b[0] = 0;       /* TIOCPKT_DATA */
			size_t n = ldisc_out_read(&p->ld, b + off, len - off);
			file_changed();         /* room for the slave's writers */
			return (int64_t)(off + n);
		}
		if (p->slave_closed)
			return -EIO;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (file_wait(-1, "a read from a pty master") < 0)
			return -ERESTARTSYS;
	}
}

/* The master's bytes are the slave's input, processed as they come. */
static int64_t pty_master_write(struct file *f, const void *buf, size_t len)
{
	struct pty *p = f->priv;
	size_t n = ldisc_receive(&p->ld, buf, len);
	if (n || !len) {
		p->input_ns = time_monotonic_ns();
		file_changed();
		return (int64_t)n;
	}
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	return file_would_block("a write to a pty master whose slave is full");
}

static uint32_t pty_master_poll(struct file *f)
{
	struct pty *p = f->priv;
	uint32_t mask = 0;
	if (ldisc_out_count(&p->ld))
		mask |= POLLIN | POLLRDNORM;
	if (p->packet && p->pktstatus)
		mask |= POLLPRI | POLLIN | POLLRDNORM;
	if (p->slave_closed)
		mask |= POLLHUP;
	if (ldisc_in_room(&p->ld))
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* The slave's read: one line in canonical mode; otherwise Linux's VMIN/VTIME rules (VMIN bytes,
   VTIME an inter-byte timer once one came; VMIN 0: whatever is there, waiting up to VTIME). */
static int64_t pty_slave_read(struct file *f, void *buf, size_t len)
{
	struct pty *p = f->priv;
	if (p->hungup)
		return 0;
	int jc = pty_job_control(p, SIGTTIN);
	if (jc || !len)
		return jc;
	int64_t start = (int64_t)time_monotonic_ns();
	for (;;) {
		if (p->hungup)
			return 0;
		const struct ktermios *t = &p->ld.t;
		bool canon = (t->lflag & ICANON) && !(t->lflag & EXTPROC);
		size_t avail = ldisc_in_raw(&p->ld);
		int64_t now = (int64_t)time_monotonic_ns(), until = -1;
		int64_t vtime = t->cc[VTIME] * NS_PER_DECISECOND;
		bool take = false;
		if (canon) {
			take = ldisc_readable(&p->ld, false);
		} else if (!t->cc[VMIN]) {
			if (!avail && (!vtime || now >= start + vtime))
				return 0;
			take = avail != 0;
			until = start + vtime;
		} else if (avail >= MIN((size_t)t->cc[VMIN], len)) {
			take = true;
		} else if (avail && vtime) {
			until = (int64_t)p->input_ns + vtime;
			take = now >= until;
		}
		if (!take && (f->flags & O_NONBLOCK)) {
			if (!avail || canon)
				return -EAGAIN;
			take = true;
		}
		if (take) {
			size_t n = ldisc_read(&p->ld, buf, len);
			file_changed();         /* room for the master's writers */
			return (int64_t)n;
		}
		if (file_wait(until, "a read from a pty") < 0)
			return -ERESTARTSYS;
	}
}

static int64_t pty_slave_write(struct file *f, const void *buf, size_t len)
{
	struct pty *p = f->priv;
	if (p->hungup)
		return -EIO;
	if (p->ld.t.lflag & TOSTOP) {
		int jc = pty_job_control(p, SIGTTOU);
		if (jc)
			return jc;
	}
	size_t n = ldisc_write(&p->ld, buf, len);
	if (n || !len) {
		file_changed();
		return (int64_t)n;
	}
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	return file_would_block("a write to a pty whose master does not read");
}

static uint32_t pty_slave_poll(struct file *f)
{
	struct pty *p = f->priv;
	if (p->hungup)
		return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	uint32_t mask = 0;
	if (ldisc_readable(&p->ld, true))
		mask |= POLLIN | POLLRDNORM;
	if (ldisc_out_room(&p->ld))
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* A side's events: data for it, room made for its writes, and the pair's changes of state
   (its own reads and writes are none, as on Linux). */
static bool pty_master_event_seq(struct file *f, uint64_t *seq)
{
	struct pty *p = f->priv;
	*seq = p->events + p->ld.out.head + p->ld.in.tail;
	return true;
}

static bool pty_slave_event_seq(struct file *f, uint64_t *seq)
{
	struct pty *p = f->priv;
	*seq = p->events + p->ld.in.head + p->ld.out.tail;
	return true;
}

/* The node's identity: /dev/ptmx for the master, /dev/pts/N (or /dev/tty) for the slave. */
static int pty_stat(struct file *f, struct stat *st)
{
	vfs_stat_inode(file_inode(f), st);
	if (devpts_owns(file_inode(f)))
		st->st_blksize = 1024;
	return 0;
}

static int64_t pty_master_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	return pty_ioctl(f, f->priv, true, req, arg);
}

static int64_t pty_slave_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	return pty_ioctl(f, f->priv, false, req, arg);
}

/* The master's close hangs the pair up (Linux's tty_vhangup of the slave): the name goes, slave
   files read 0 and write EIO, and the session leader gets SIGHUP and SIGCONT. */
static void pty_master_release(struct file *f)
{
	struct pty *p = f->priv;
	p->master_open = false;
	p->hungup = true;
	p->node->nlink = 0;
	struct proc *leader = p->session ? proc_find(p->session) : NULL;
	if (leader && leader->state == PROC_LIVE && leader->sid == leader->pid) {
		struct siginfo_k si = { .signo = SIGHUP, .code = SI_KERNEL };
		signal_raise_proc(leader, SIGHUP, &si);
		si.signo = SIGCONT;
		signal_raise_proc(leader, SIGCONT, &si);
	}
	p->session = p->pgrp = 0;
	pty_changed(p);
	path_put(&f->path);
	pty_put(p);
}

/* The last slave file's close: the master reads EIO from now on (after what is queued), and
   the session no longer has it as its terminal, as on Linux. */
static void pty_slave_release(struct file *f)
{
	struct pty *p = f->priv;
	if (--p->slaves == 0) {
		p->slave_closed = true;
		p->session = p->pgrp = 0;
	}
	pty_changed(p);
	path_put(&f->path);
	pty_put(p);
}

static const struct file_ops pty_master_ops = {
	.fasync = true,
	.read = pty_master_read,
	.write = pty_master_write,
	.ioctl = pty_master_ioctl,
	.stat = pty_stat,
	.release = pty_master_release,
	.poll = pty_master_poll,
	.event_seq = pty_master_event_seq,
};

static const struct file_ops pty_slave_ops = {
	.fasync = true,
	.read = pty_slave_read,
	.write = pty_slave_write,
	.ioctl = pty_slave_ioctl,
	.stat = pty_stat,
	.release = pty_slave_release,
	.poll = pty_slave_poll,
	.event_seq = pty_slave_event_seq,
};
