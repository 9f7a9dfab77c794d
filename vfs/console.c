/* The console files behind fds 0, 1 and 2: the host's stdin, stdout and stderr. Terminal facts
   come from the boot info so TCGETS and TIOCGWINSZ need no exit. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/kheap.h"
#include "k/hc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/stat.h"
#include "vfs/dev.h"
#include "vfs/tty.h"
#include "k/time.h"

#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define O_NONBLOCK 04000
#define SIGTTIN 21
#define SIGTTOU 22
#define TOSTOP 0400
#define TERMIOS_LFLAG 12        /* offset of c_lflag in the kernel's struct termios */

/* The terminal's foreground process group (-t): job-control shells set it; terminal signals
   (Ctrl-C, Ctrl-\\, a resize) go to it. */
static int console_fg_pgrp = 1;

/* Job control on the terminal (-t): the container command's session (1) is the terminal's. */
static int console_job_control(int sig)
{
	return current->sid == 1 ? tty_job_control(console_fg_pgrp, sig) : 0;
}

static int console_fd(struct file *f)
{
	return (int)(uint64_t)f->priv;
}

/* Reads come from the host's stdin whatever the console file (fd 0, /dev/tty); writes go to the
   host fd the file stands for (stdout for fd 0, as a terminal would take them). Access modes are
   checked by the system calls. */
static int64_t console_read(struct file *f, void *buf, size_t len)
{
	if (boot_info->tty[0].is_tty) {
		int jc = console_job_control(SIGTTIN);
		if (jc)
			return jc;
	}
	console_flush();        /* a prompt must be out before the program waits for input */
	if (sched_live_tasks > 1) {
		/* The host read would hold the whole VM: wait for input with the other tasks
		   running, then read what is there. */
		static const uint32_t in[3] = { POLLIN, 0, 0 };
		uint32_t rev[3] = { 0, 0, 0 };
		while (!(rev[0] & (POLLIN | POLLHUP | POLLERR)))     /* other files wake it too */
			if (file_wait_console(in, rev, -1, "a read from the console") < 0)
				return -ERESTARTSYS;
	}
	int64_t n = hc_read(buf, len);
	if (n == -EINTR) {
		upcall_take();          /* a host signal cut the read short: it interrupts it */
		return -ERESTARTSYS;
	}
	return n;
}

/* Output is batched: each hypercall is a VM exit (8-25 us here), and many programs write line by
   line. Bytes for one host fd collect here and go out when the buffer fills, when output
   switches to the other fd (keeping the order between stdout and stderr), before any read of
   stdin, before the program ends, and at the first system call more than CONSOLE_DELAY_NS after
   the oldest buffered byte. A write error from the host (EPIPE) is reported by the next write. */
#define CONSOLE_BUF (64u << 10)
#define CONSOLE_DELAY_NS 1000000ull
static uint8_t console_buf[CONSOLE_BUF];
static size_t console_len;
static int console_buf_fd;
static uint64_t console_since;
static int64_t console_error;

void console_flush(void)
{
	if (!console_len)
		return;
	size_t done = 0;
	while (done < console_len) {
		int64_t n = hc_write(console_buf_fd, console_buf + done, console_len - done);
		if (n <= 0) {
			console_error = n < 0 ? n : -EIO;
			break;
		}
		done += (size_t)n;
	}
	console_len = 0;
	boot_info->console_len = 0;
	sched_publish_due();            /* nothing batched is due any more */
}

int64_t console_flush_due(void)
{
	return console_len ? (int64_t)(console_since + CONSOLE_DELAY_NS) : -1;
}

void console_flush_if_stale(void)
{
	if (console_len && time_monotonic_ns() - console_since > CONSOLE_DELAY_NS)
		console_flush();
}

static int64_t console_write(struct file *f, const void *buf, size_t len)
{
	int fd = console_fd(f) == 2 ? 2 : 1;
	const struct unik_tty *tty = &boot_info->tty[fd];
	if (tty->is_tty && (tty->termios[TERMIOS_LFLAG + 1] & (TOSTOP >> 8))) {
		int jc = console_job_control(SIGTTOU);
		if (jc)
			return jc;
	}
	if (console_error) {
		int64_t e = console_error;
		console_error = 0;
		return e;
	}
	if (console_len && fd != console_buf_fd)
		console_flush();
	if (len > CONSOLE_BUF - console_len) {
		console_flush();
		if (len >= CONSOLE_BUF / 2)
			return hc_write(fd, buf, len);  /* big writes go straight out */
	}
	bool first = !console_len;
	if (first)
		console_since = time_monotonic_ns();
	memcpy(console_buf + console_len, buf, len);
	console_len += len;
	if (first)
		sched_publish_due();    /* a program that goes on computing still gets it out */
	console_buf_fd = fd;
	/* Published for the monitor in case the VM ends before the next flush. */
	boot_info->console_buf = virt_to_phys(console_buf);
	boot_info->console_fd = (uint32_t)fd;
	boot_info->console_len = console_len;
	return (int64_t)len;
}

int console_tty_pgrp(void)
{
	return console_fg_pgrp;
}

/* The requests of a terminal beyond TCGETS and TIOCGWINSZ. */
static int64_t console_tty_ioctl(unsigned long req, uint64_t arg)
{
	if (req == TCSETS || req == TCSETSW || req == TCSETSF || req == TIOCSPGRP ||
	    req == TCFLSH || req == TCXONC || req == TCSBRK) {
		int jc = console_job_control(SIGTTOU);
		if (jc)
			return jc;
	}
	switch (req) {
	case TCSETS: case TCSETSW: case TCSETSF: {
		uint8_t t[36];
		if (copy_from_user(t, arg, sizeof(t)))
			return -EFAULT;
		console_flush();        /* output written under the old modes goes out under them */
		int64_t r = hc_tty((uint32_t)(req - TCSETS), t);
		if (!r)
			for (int fd = 0; fd < 3; fd++)  /* one terminal behind all three */
				if (boot_info->tty[fd].is_tty)
					memcpy(boot_info->tty[fd].termios, t, sizeof(t));
		return r;
	}
	case TIOCSWINSZ: {
		uint16_t ws[4];
		if (copy_from_user(ws, arg, sizeof(ws)))
			return -EFAULT;
		for (int fd = 0; fd < 3; fd++) {
			struct unik_tty *t = &boot_info->tty[fd];
			if (t->is_tty) {
				t->ws_row = ws[0];
				t->ws_col = ws[1];
				t->ws_xpixel = ws[2];
				t->ws_ypixel = ws[3];
			}
		}
		return 0;
	}
	case TIOCGPGRP: {
		int32_t pg = console_fg_pgrp;
		return copy_to_user(arg, &pg, sizeof(pg)) ? -EFAULT : 0;
	}
	case TIOCSPGRP: {
		int32_t pg;
		if (copy_from_user(&pg, arg, sizeof(pg)))
			return -EFAULT;
		if (pg < 0)
			return -EINVAL;
		bool found = false;     /* a group of the terminal's session (1) */
		for (struct proc *p = proc_list; p; p = p->next)
			if (p->state == PROC_LIVE && p->pgid == pg && p->sid == 1)
				found = true;
		if (!found)
			return -EPERM;
		console_fg_pgrp = pg;
		return 0;
	}
	case TIOCGSID: {
		int32_t sid = 1;        /* the container's command leads the terminal's session */
		return copy_to_user(arg, &sid, sizeof(sid)) ? -EFAULT : 0;
	}
	case TCSBRK:
		console_flush();        /* tcdrain: the host writes synchronously once flushed */
		return 0;
	case TIOCSCTTY: case TIOCNOTTY: case TCFLSH: case TCXONC:
		return 0;               /* accepted without effect (docs/syscalls.md) */
	default:
		return -ENOTTY;
	}
}

static int64_t console_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	const struct unik_tty *tty = &boot_info->tty[console_fd(f)];
	switch (req) {
	case TCGETS:
		if (!tty->is_tty)
			return -ENOTTY;
		return copy_to_user(arg, tty->termios, 36) ? -EFAULT : 0;  /* kernel struct termios */
	case TIOCGWINSZ: {
		if (!tty->is_tty)
			return -ENOTTY;
		uint16_t ws[4] = { tty->ws_row, tty->ws_col, tty->ws_xpixel, tty->ws_ypixel };
		return copy_to_user(arg, ws, sizeof(ws)) ? -EFAULT : 0;
	}
	default:
		return tty->is_tty ? console_tty_ioctl(req, arg) : -ENOTTY;
	}
}

/* The program's own fds 0, 1 and 2. A terminal among them is /dev/pts/0 (devfs made that node):
   the same device and inode, so ttyname() finds it where /proc/self/fd/N points. Another
   character device (/dev/null) has the host's device number: a pty's would make the libc think
   it a terminal and buffer output by lines. */
static int console_stat(struct file *f, struct stat *st)
{
	const struct unik_tty *tty = &boot_info->tty[console_fd(f)];
	const struct inode *pts = devfs_pts0();
	memset(st, 0, sizeof(*st));
	st->st_mode = tty->st_mode ? tty->st_mode : (S_IFCHR | 0620);
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = 3 + console_fd(f);
	st->st_dev = 0x16;
	if (tty->is_tty && pts) {
		vfs_stat_inode(pts, st);
		st->st_blksize = 1024;
	}
	if ((st->st_mode & S_IFMT) == S_IFCHR)
		st->st_rdev = tty->is_tty ? 0x8800u + (uint64_t)console_fd(f) : boot_info->tty_rdev[console_fd(f)];
	return 0;
}

/* /dev/tty, /dev/console, /dev/pts/0 opened by name: the node's own identity, as on Linux. */
static int console_tty_stat(struct file *f, struct stat *st)
{
	vfs_stat_inode(file_inode(f), st);
	return 0;
}

static void console_tty_release(struct file *f)
{
	path_put(&f->path);
}

/* Edge-triggered epoll: the host counts the events of its fd (boot_info->console_seq_in/out,
   brought up to date by every POLL hypercall), input and output apart, as a pipe's ends count
   theirs; a file's counter is that of the directions it was opened for. Not tracked (level-
   triggered) when the host cannot watch its fd. */
static bool console_event_seq(struct file *f, uint64_t *seq)
{
	int h = console_fd(f), acc = f->flags & 3;
	uint64_t in = boot_info->console_seq_in[h], out = boot_info->console_seq_out[h];
	*seq = (acc != 1 ? in : 0) + (acc != 0 ? out : 0);
	return in && out;
}

uint64_t console_edges(int hostfd)
{
	return boot_info->console_seq_in[hostfd] + boot_info->console_seq_out[hostfd];
}

/* /dev/tty and /dev/console opened by name. */
const struct file_ops console_tty_ops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.stat = console_tty_stat,
	.release = console_tty_release,
	.event_seq = console_event_seq,
};

static const struct file_ops console_ops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.stat = console_stat,
	.event_seq = console_event_seq,
};

bool console_host_fd(struct file *f, int *hostfd)
{
	if (f->ops != &console_ops && f->ops != &console_tty_ops)
		return false;
	*hostfd = console_fd(f);
	return true;
}

struct file *console_open(int hostfd)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = &console_ops;
	f->refs = 1;
	f->flags = hostfd == 0 ? 0 : 1;     /* O_RDONLY / O_WRONLY */
	f->priv = (void *)(uint64_t)hostfd;
	return f;
}
