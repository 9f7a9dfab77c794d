/* The ioctls of a pseudo-terminal's two sides. As on Linux, settings and window size requests on
   the master act on the slave; the controlling-terminal requests follow Linux's tty_ioctl. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/pty.h"
#include "vfs/tty.h"

#define TIOCEXCL 0x540c
#define TIOCNXCL 0x540d
#define TIOCOUTQ 0x5411
#define TIOCSTI 0x5412
#define FIONREAD 0x541b
#define TIOCPKT 0x5420
#define TIOCSETD 0x5423
#define TIOCGETD 0x5424
#define TCSBRKP 0x5425
#define TIOCSBRK 0x5427
#define TIOCCBRK 0x5428
#define TCGETS2 0x802c542a
#define TCSETS2 0x402c542b
#define TCSETSW2 0x402c542c
#define TCSETSF2 0x402c542d
#define TIOCGPTN 0x80045430
#define TIOCSPTLCK 0x40045431
#define TIOCGDEV 0x80045432
#define TIOCSIG 0x40045436
#define TIOCGPKT 0x80045438
#define TIOCGPTLCK 0x80045439
#define TIOCGEXCL 0x80045440
#define TIOCGPTPEER 0x5441

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_NOCTTY 0400
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define SIGINT 2
#define SIGQUIT 3
#define SIGTSTP 20
#define SIGTTOU 22
#define CBAUD 0010017
#define CBAUDEX 0010000
#define CIBAUD 002003600000
#define IBSHIFT 16

static int64_t put_int(uint64_t arg, int v)
{
	int32_t x = v;
	return copy_to_user(arg, &x, sizeof(x)) ? -EFAULT : 0;
}

static int64_t get_int(uint64_t arg, int *v)
{
	int32_t x;
	if (copy_from_user(&x, arg, sizeof(x)))
		return -EFAULT;
	*v = x;
	return 0;
}

/* The speed a Bnnn code in c_cflag stands for (BOTHER: the given one). */
static uint32_t pty_baud(uint32_t code, uint32_t given)
{
	static const uint32_t low[16] = { 0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800,
					  2400, 4800, 9600, 19200, 38400 };
	static const uint32_t high[16] = { 0, 57600, 115200, 230400, 460800, 500000, 576000,
					   921600, 1000000, 1152000, 1500000, 2000000, 2500000,
					   3000000, 3500000, 4000000 };
	if (!(code & CBAUDEX))
		return low[code & 017];
	return (code & 017) ? high[code & 017] : given;
}

/* TCSETS and its variants. v2: struct termios2 with its own speeds; flush: TCSETSF. */
static int64_t pty_set_termios(struct pty *p, uint64_t arg, bool v2, bool flush)
{
	struct ktermios t = p->ld.t;
	if (copy_from_user(&t, arg, v2 ? sizeof(t) : KTERMIOS_V1_SIZE))
		return -EFAULT;
	int jc = pty_job_control(p, SIGTTOU);
	if (jc)
		return jc;
	uint32_t icode = (t.cflag & CIBAUD) >> IBSHIFT;
	t.ospeed = pty_baud(t.cflag & CBAUD, t.ospeed);
	t.ispeed = icode ? pty_baud(icode, t.ispeed) : t.ospeed;
	if (flush)
		ldisc_flush_in(&p->ld);
	ldisc_set_termios(&p->ld, &t);  /* output needs no draining: the master holds it */
	pty_changed(p);
	return 0;
}

static int64_t pty_set_winsize(struct pty *p, uint64_t arg)
{
	uint16_t ws[4];
	if (copy_from_user(ws, arg, sizeof(ws)))
		return -EFAULT;
	if (memcmp(ws, p->winsize, sizeof(ws))) {
		memcpy(p->winsize, ws, sizeof(ws));
		tty_signal_pgrp(p->pgrp, SIGWINCH);
	}
	return 0;
}

/* TIOCSCTTY, as Linux's tiocsctty: a session leader without a terminal takes this one; root may
   steal it from another session with arg 1. */
static int64_t pty_set_ctty_ioctl(struct file *f, struct pty *p, uint64_t arg)
{
	if (current->sid == current->pid && p->session == current->sid)
		return 0;
	if (current->sid != current->pid || pty_controls(current->sid))
		return -EPERM;
	if (p->session && !(arg == 1 && capable(CAP_SYS_ADMIN)))
		return -EPERM;
	if ((f->flags & O_ACCMODE) == O_WRONLY && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	pty_set_ctty(p);
	return 0;
}

static int64_t pty_set_pgrp(struct pty *p, uint64_t arg)
{
	int jc = pty_job_control(p, SIGTTOU);
	if (jc)
		return jc == -EIO ? -ENOTTY : jc;
	if (!pty_is_ctty(p))
		return -ENOTTY;
	int pg;
	if (get_int(arg, &pg))
		return -EFAULT;
	if (pg < 0)
		return -EINVAL;
	int err = tty_pgrp_check(pg, current->sid);
	if (!err)
		p->pgrp = pg;
	return err;
}

/* TCFLSH: on the slave, its input or the output the master has not read; on the master, what
   it has not read (its own output was the slave's input, processed already). */
static int64_t pty_flush(struct pty *p, bool master, uint64_t arg)
{
	if (arg > 2)
		return -EINVAL;
	int jc = pty_job_control(p, SIGTTOU);
	if (jc)
		return jc;
	bool in = arg != 1, out = arg != 0;
	if (master && in)
		p->ld.out.tail = p->ld.out.head;
	if (!master && in)
		ldisc_flush_in(&p->ld);
	if (!master && out)
		ldisc_flush_out(&p->ld);
	pty_changed(p);
	return 0;
}

/* TIOCGPTPEER: a slave file for the master's holder without a lookup by name. */
static int64_t pty_open_peer(struct pty *p, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct path path;
	int err = devpts_node_path(p->node, &path);
	if (err)
		return err;
	struct file *f = file_inode_new(&path, (int)(flags & (O_ACCMODE | O_NONBLOCK)));
	path_put(&path);
	if (!f)
		return -ENOMEM;
	err = pty_open_slave(p, f, flags & O_NOCTTY);
	int fd = err ? err : fd_install(current_task->files, f, 0, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* The master's own requests (Linux's pty_unix98_ioctl). */
static int64_t pty_master_only(struct pty *p, unsigned long req, uint64_t arg)
{
	int v;
	switch (req) {
	case TIOCGPTN:
		return put_int(arg, (int)p->index);
	case TIOCSPTLCK:
		if (get_int(arg, &v))
			return -EFAULT;
		p->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		return put_int(arg, p->locked);
	case TIOCPKT:
		if (get_int(arg, &v))
			return -EFAULT;
		if (v && !p->packet)
			p->pktstatus = 0;
		p->packet = v != 0;
		pty_changed(p);
		return 0;
	case TIOCGPKT:
		return put_int(arg, p->packet);
	case TIOCSIG:
		if (arg != SIGINT && arg != SIGQUIT && arg != SIGTSTP)
			return -EINVAL;
		tty_signal_pgrp(p->pgrp, (int)arg);
		return 0;
	case TIOCGPTPEER:
		return pty_open_peer(p, arg);
	default:
		return -ENOTTY;
	}
}

/* Requests about the controlling terminal and the session. */
static int64_t pty_ctty_ioctl(struct file *f, struct pty *p, bool master, unsigned long req,
			      uint64_t arg)
{
	switch (req) {
	case TIOCSCTTY:
		return pty_set_ctty_ioctl(f, p, arg);
	case TIOCNOTTY:
		if (master || !pty_is_ctty(p))
			return -ENOTTY;
		/* A leader takes the terminal from its session; another process of the session
		   would lose only its own, which this model (one terminal per session) cannot
		   express: it keeps it (docs/syscalls.md). */
		if (current->sid == current->pid)
			pty_disassociate(p);
		return 0;
	case TIOCGPGRP:
		if (!master && !pty_is_ctty(p))
			return -ENOTTY;
		return put_int(arg, p->pgrp);
	case TIOCSPGRP:
		return pty_set_pgrp(p, arg);
	case TIOCGSID:
		if ((!master && !pty_is_ctty(p)) || !p->session)
			return -ENOTTY;
		return put_int(arg, p->session);
	default:
		return master ? pty_master_only(p, req, arg) : -ENOTTY;
	}
}

int64_t pty_ioctl(struct file *f, struct pty *p, bool master, unsigned long req, uint64_t arg)
{
	int v;
	if (!master && p->hungup)
		return req == TIOCSPGRP ? -ENOTTY : -EIO;   /* Linux's hung_up_tty_ioctl */
	switch (req) {
	case TCGETS:
	case TCGETS2:
		return copy_to_user(arg, &p->ld.t, req == TCGETS ? KTERMIOS_V1_SIZE
								  : sizeof(p->ld.t)) ? -EFAULT : 0;
	case TCSETS: case TCSETSW: case TCSETSF:
		return pty_set_termios(p, arg, false, req == TCSETSF);
	case TCSETS2: case TCSETSW2: case TCSETSF2:
		return pty_set_termios(p, arg, true, req == TCSETSF2);
	case TIOCGWINSZ:
		return copy_to_user(arg, p->winsize, sizeof(p->winsize)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		return pty_set_winsize(p, arg);
	case FIONREAD:
		return put_int(arg, (int)(master ? ldisc_out_count(&p->ld) : ldisc_in_count(&p->ld)));
	case TIOCOUTQ:
		return put_int(arg, 0);         /* nothing waits in a driver: the other side has it */
	case TCFLSH:
		return pty_flush(p, master, arg);
	case TCXONC:
		if (arg > 3)
			return -EINVAL;
		if ((v = pty_job_control(p, SIGTTOU)))
			return v;
		if (!master && arg == 0)
			ldisc_stop(&p->ld);
		if (!master && arg == 1)
			ldisc_start(&p->ld);
		pty_changed(p);
		return 0;               /* TCIOFF/TCION send nothing (docs/syscalls.md) */
	case TCSBRK: case TCSBRKP:
		return pty_job_control(p, SIGTTOU);     /* nothing to drain */
	case TIOCSBRK: case TIOCCBRK:
		return 0;
	case TIOCEXCL: case TIOCNXCL:
		p->exclusive = req == TIOCEXCL;
		return 0;
	case TIOCGEXCL:
		return put_int(arg, p->exclusive);
	case TIOCGETD:
		return put_int(arg, 0);         /* N_TTY */
	case TIOCSETD:
		if (get_int(arg, &v))
			return -EFAULT;
		return v ? -EINVAL : 0;
	case TIOCGDEV:
		return put_int(arg, (int)((136u << 8) | (p->index & 0xff) | ((p->index & ~0xffu) << 12)));
	case TIOCSTI: {
		uint8_t c;
		if (master || !capable(CAP_SYS_ADMIN))
			return -EIO;            /* Linux without legacy TIOCSTI: privileged only */
		if (copy_from_user(&c, arg, 1))
			return -EFAULT;
		ldisc_receive(&p->ld, &c, 1);
		pty_changed(p);
		return 0;
	}
	default:
		return pty_ctty_ioctl(f, p, master, req, arg);
	}
}
