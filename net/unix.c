/* AF_UNIX sockets: stream, datagram and seqpacket; pathname addresses (a socket file in the VFS)
   and abstract ones (a name only), autobind; connect, listen/accept, socketpair, shutdown, close
   with Linux's effects on the peer; poll; SO_PEERCRED. Data moves in net/unix_msg.c. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "syscalls/fs_util.h"
#include "vfs/procfs.h"
#include "net/unix.h"

#define SIOCINQ 0x541b
#define SIOCOUTQ 0x5411
#define SIOCATMARK 0x8905
#define SOMAXCONN 4096
#define OVERFLOW_ID 65534

static struct unix_sock *unix_bound_list, *unix_all;
static const struct sock_ops unix_stream_ops, unix_dgram_ops;

void unix_get(struct unix_sock *u)
{
	u->refs++;
}

void unix_put(struct unix_sock *u)
{
	if (--u->refs > 0)
		return;
	unix_purge(u);
	if (u->peer)
		unix_put(u->peer);
	for (struct unix_sock **pp = &unix_all; *pp; pp = &(*pp)->all_next)
		if (*pp == u) {
			*pp = u->all_next;
			break;
		}
	kfree(u, sizeof(*u));
}

void unix_current_cred(struct ucred_k *c, bool effective)
{
	c->pid = current->pid;
	c->uid = effective ? current->euid : current->uid;
	c->gid = effective ? current->egid : current->gid;
}

void unix_set_err(struct unix_sock *u, int err)
{
	if (u->sock)
		u->sock->err = err;
	else
		u->err = err;
}

int unix_take_err(struct unix_sock *u)
{
	int err = u->sock ? u->sock->err : u->err;
	if (u->sock)
		u->sock->err = 0;
	else
		u->err = 0;
	return err;
}

static struct unix_sock *unix_new(int type)
{
	struct unix_sock *u = kmalloc(sizeof(*u));
	if (u) {
		u->refs = 1;
		u->type = type;
		u->all_next = unix_all;
		unix_all = u;
	}
	return u;
}

int unix_create(struct socket *s, int type, int protocol)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;      /* as Linux */
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	struct unix_sock *u = unix_new(type);
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->type = type;
	s->priv = u;
	s->ops = type == SOCK_DGRAM ? &unix_dgram_ops : &unix_stream_ops;
	return 0;
}

/* Checks a sockaddr_un: Linux's EINVAL cases (too short, too long, another family). */
static int unix_addr_check(const uint8_t *addr, uint32_t len)
{
	if (len <= 2 || len > UNIX_ADDR_MAX)
		return -EINVAL;
	uint16_t family;
	memcpy(&family, addr, 2);
	return family == AF_UNIX ? 0 : -EINVAL;
}

/* A pathname address's path as a C string in buf (at most 108 bytes and a NUL). */
static void unix_addr_path(const uint8_t *addr, uint32_t len, char *buf)
{
	uint32_t n = len - 2;
	memcpy(buf, addr + 2, n);
	buf[n] = 0;
}

static bool unix_is_abstract(const uint8_t *addr)
{
	return addr[2] == 0;
}

int unix_find(const void *addr, uint32_t len, int type, struct unix_sock **out)
{
	const uint8_t *a = addr;
	int err = unix_addr_check(a, len);
	if (err)
		return err;
	struct unix_sock *found = NULL;
	if (unix_is_abstract(a)) {
		for (struct unix_sock *u = unix_bound_list; u; u = u->bound_next)
			if (!u->bound && u->addrlen == len && !memcmp(u->addr, a, len))
				found = u;
	} else {
		char name[UNIX_PATH_MAX + 1];
		unix_addr_path(a, len, name);
		struct path start, p;
		if ((err = fs_start(AT_FDCWD, name, &start)))
			return err;
		err = vfs_lookup(current_task->fs, &start, name, LOOKUP_FOLLOW, &p);
		path_put(&start);
		if (err)
			return err;
		struct inode *ino = p.d->inode;
		if ((ino->mode & S_IFMT) != S_IFSOCK)
			err = -ECONNREFUSED;
		else
			err = vfs_permission(ino, 2);
		for (struct unix_sock *u = unix_bound_list; !err && u; u = u->bound_next)
			if (u->bound && (u->bound == ino || (u->bound->sb == ino->sb &&
							     u->bound->ino == ino->ino)))
				found = u;
		path_put(&p);
		if (err)
			return err;
	}
	if (!found || found->dead)
		return -ECONNREFUSED;
	if (found->type != type)
		return -EPROTOTYPE;
	unix_get(found);
	*out = found;
	return 0;
}

static void unix_bind_insert(struct unix_sock *u)
{
	u->bound_next = unix_bound_list;
	unix_bound_list = u;
}

/* Binds u to a fresh abstract name of five hex digits, as Linux's autobind. */
static int unix_autobind(struct unix_sock *u)
{
	static uint32_t next = 0x10000;
	for (int tries = 0; tries < 0x100000; tries++) {
		uint32_t n = next++ & 0xfffff;
		uint8_t a[8] = { AF_UNIX, 0, 0 };
		for (int i = 0; i < 5; i++)
			a[3 + i] = "0123456789abcdef"[(n >> (16 - 4 * i)) & 0xf];
		bool taken = false;
		for (struct unix_sock *o = unix_bound_list; o && !taken; o = o->bound_next)
			taken = !o->bound && o->addrlen == 8 && !memcmp(o->addr, a, 8);
		if (taken)
			continue;
		memcpy(u->addr, a, 8);
		u->addrlen = 8;
		unix_bind_insert(u);
		return 0;
	}
	return -ENOSPC;
}

static bool unix_path_exists(const char *name)
{
	struct path start, p;
	if (fs_start(AT_FDCWD, name, &start))
		return false;
	int err = vfs_lookup(current_task->fs, &start, name, 0, &p);
	path_put(&start);
	if (!err)
		path_put(&p);
	return !err;
}

static int unix_bind(struct socket *s, const void *addr, uint32_t len)
{
	struct unix_sock *u = unix_sk(s);
	const uint8_t *a = addr;
	if (len == 2) {
		uint16_t family;
		memcpy(&family, a, 2);
		if (family != AF_UNIX)
			return -EINVAL;
		return u->addrlen ? 0 : unix_autobind(u);     /* bound already: nothing to do */
	}
	int err = unix_addr_check(a, len);
	if (err)
		return err;
	if (unix_is_abstract(a)) {
		if (u->addrlen)
			return -EINVAL;
		for (struct unix_sock *o = unix_bound_list; o; o = o->bound_next)
			if (!o->bound && o->addrlen == len && !memcmp(o->addr, a, len))
				return -EADDRINUSE;
		memcpy(u->addr, a, len);
		u->addrlen = len;
		unix_bind_insert(u);
		return 0;
	}
	char name[UNIX_PATH_MAX + 1];
	unix_addr_path(a, len, name);
	if (u->addrlen)
		return unix_path_exists(name) ? -EADDRINUSE : -EINVAL;  /* Linux makes the node first */
	struct inode *ino;
	err = fs_mknod(AT_FDCWD, name, S_IFSOCK | 0777, 0, &ino);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	u->bound = ino;
	/* The address as getsockname reports it: the path up to its NUL, and the NUL. */
	size_t n = strnlen(name, UNIX_PATH_MAX);
	memcpy(u->addr, a, 2);
	memcpy(u->addr + 2, name, n);
	u->addrlen = (uint32_t)(2 + n + (n < UNIX_PATH_MAX));
	unix_bind_insert(u);
	return 0;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = unix_sk(s);
	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (!u->addrlen || u->state == US_CONNECTED)
		return -EINVAL;
	if (backlog < 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	u->backlog = backlog;
	if (u->state != US_LISTENING) {
		u->state = US_LISTENING;
		unix_current_cred(&u->peercred, true);
		u->has_peercred = true;
	}
	file_changed();         /* connectors waiting on a full queue may go on */
	return 0;
}

/* Connects a stream or seqpacket socket: a new socket joins the listener's queue at once, as on
   Linux (the connection exists before accept). */
static int unix_stream_connect(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	struct unix_sock *u = unix_sk(s), *l;
	int err = unix_find(addr, len, u->type, &l);
	if (err)
		return err;
	int64_t deadline = socket_deadline(s->sndtimeo);
	for (;;) {
		/* Linux's order: the listener first, then our own state */
		if (l->dead || l->state != US_LISTENING)
			err = -ECONNREFUSED;
		else if (l->nacceptq > l->backlog)
			err = nonblock ? -EAGAIN : socket_wait(deadline, "a connect to a full listener");
		else if (u->state == US_CONNECTED)
			err = -EISCONN;
		else if (u->state == US_LISTENING)
			err = -EINVAL;
		else
			break;
		if (err) {
			unix_put(l);
			return err;
		}
	}
	struct unix_sock *n = unix_new(u->type);
	if (!n) {
		unix_put(l);
		return -ENOMEM;
	}
	/* The accepted end reports the listener's address and the connector's credentials; the
	   connector gets the listener's (from listen time). */
	memcpy(n->addr, l->addr, l->addrlen);
	n->addrlen = l->addrlen;
	unix_current_cred(&n->peercred, true);
	n->has_peercred = true;
	u->peercred = l->peercred;
	u->has_peercred = true;
	n->state = u->state = US_CONNECTED;
	n->peer = u;
	unix_get(u);
	u->peer = n;
	unix_get(n);
	/* the listener's queue holds n's creation reference */
	if (l->acceptq_tail)
		l->acceptq_tail->next_conn = n;
	else
		l->acceptq = n;
	l->acceptq_tail = n;
	l->nacceptq++;
	l->seq++;
	u->seq++;
	unix_put(l);
	file_changed();
	return 0;
}

static int unix_dgram_connect(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	struct unix_sock *u = unix_sk(s), *o;
	uint16_t family = AF_UNIX;
	if (len >= 2)
		memcpy(&family, addr, 2);
	if (len >= 2 && family == AF_UNSPEC) {
		/* dissolve the association */
		if (u->peer)
			unix_put(u->peer);
		u->peer = NULL;
		u->state = US_UNCONNECTED;
		file_changed();
		return 0;
	}
	int err = unix_find(addr, len, u->type, &o);
	if (err)
		return err;
	if (s->passcred && !u->addrlen && (err = unix_autobind(u))) {
		unix_put(o);
		return err;
	}
	if (u->peer)
		unix_put(u->peer);
	u->peer = o;
	u->state = US_CONNECTED;
	file_changed();
	return 0;
}

static int unix_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct unix_sock *u = unix_sk(s);
	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (u->state != US_LISTENING)
		return -EINVAL;
	int64_t deadline = socket_deadline(s->rcvtimeo);
	while (!u->acceptq) {
		if (nonblock)
			return -EAGAIN;
		int err = socket_wait(deadline, "an accept with no connection queued");
		if (err)
			return err;
		if (u->state != US_LISTENING)
			return -EINVAL;
	}
	struct unix_sock *n = u->acceptq;
	u->acceptq = n->next_conn;
	if (!u->acceptq)
		u->acceptq_tail = NULL;
	u->nacceptq--;
	n->next_conn = NULL;
	/* ns came with a fresh unix_sock of the same type: n takes its place */
	struct unix_sock *fresh = unix_sk(ns);
	fresh->sock = NULL;
	unix_put(fresh);
	n->sock = ns;
	ns->priv = n;
	ns->err = n->err;
	n->err = 0;
	file_changed();         /* a connector waiting for room may go on */
	return 0;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = unix_sk(s);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	int mode = how + 1;     /* SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, both */
	u->shutdown |= mode;
	u->seq++;
	struct unix_sock *p = u->peer;
	if (p && u->type != SOCK_DGRAM) {
		/* the peer sees the other half: our SHUT_WR is its end of input */
		if (mode & SEND_SHUTDOWN)
			p->shutdown |= RCV_SHUTDOWN;
		if (mode & RCV_SHUTDOWN)
			p->shutdown |= SEND_SHUTDOWN;
		p->seq++;
	}
	file_changed();
	return 0;
}

static int unix_getname(struct socket *s, void *addr, uint32_t *len, bool peer)
{
	struct unix_sock *u = unix_sk(s), *o = u;
	if (peer) {
		o = u->peer;
		if (!o || (u->type != SOCK_DGRAM && u->state != US_CONNECTED))
			return -ENOTCONN;
	}
	if (!o->addrlen) {
		uint16_t family = AF_UNIX;
		memcpy(addr, &family, 2);
		*len = 2;
	} else {
		memcpy(addr, o->addr, o->addrlen);
		*len = o->addrlen;
	}
	return 0;
}

/* AF_UNIX has no options of its own: other levels are EOPNOTSUPP, as Linux. */
static int unix_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	struct unix_sock *u = unix_sk(s);
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_PEERCRED) {
		struct ucred_k c = { 0, OVERFLOW_ID, OVERFLOW_ID };
		if (u->has_peercred)
			c = u->peercred;
		uint32_t n = MIN(*len, sizeof(c));
		memcpy(val, &c, n);
		*len = n;
		return 0;
	}
	if (name == SO_ACCEPTCONN) {
		int v = u->state == US_LISTENING;
		uint32_t n = MIN(*len, sizeof(v));
		memcpy(val, &v, n);
		*len = n;
		return 0;
	}
	return -ENOPROTOOPT;
}

static bool unix_event_seq(struct socket *s, uint64_t *seq)
{
	*seq = unix_sk(s)->seq;
	return true;
}

bool unix_writable(struct unix_sock *u)
{
	return u->state != US_LISTENING && u->sock && u->wmem * 4 <= u->sock->sndbuf;
}

/* Readiness as Linux's unix_poll: an unconnected stream socket reports a hang-up, a socket
   stays writable after its peer's shutdown so writers find out through EPIPE, and a pending
   out-of-band byte is POLLPRI. */
static uint32_t unix_stream_poll(struct socket *s)
{
	struct unix_sock *u = unix_sk(s);
	uint32_t mask = 0;
	if (s->err)
		mask |= POLLERR;
	if (u->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->rq || u->acceptq)
		mask |= POLLIN | POLLRDNORM;    /* a read out-of-band byte too, as Linux */
	if (u->oob)
		mask |= POLLPRI;
	if (u->state == US_UNCONNECTED)
		mask |= POLLHUP;
	if (unix_writable(u))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static uint32_t unix_dgram_poll(struct socket *s)
{
	struct unix_sock *u = unix_sk(s);
	uint32_t mask = 0;
	if (s->err)
		mask |= POLLERR;
	if (u->shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	if (u->rq)
		mask |= POLLIN | POLLRDNORM;
	bool writable = unix_writable(u);
	if (writable && u->peer && unix_other_full(u, u->peer))
		writable = false;
	if (writable)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static int64_t unix_ioctl(struct socket *s, unsigned long req, uint64_t arg)
{
	struct unix_sock *u = unix_sk(s);
	int v;
	if (req == SIOCINQ) {
		if (u->state == US_LISTENING)
			return -EINVAL;
		v = (int)unix_inq(u);
	} else if (req == SIOCOUTQ) {
		v = (int)u->wmem;
	} else if (req == SIOCATMARK) {
		if (u->type != SOCK_STREAM)
			return -EOPNOTSUPP;
		v = unix_oob_at_mark(u);
	} else {
		return -ENOIOCTLCMD;
	}
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int unix_pair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = unix_sk(a), *ub = unix_sk(b);
	ua->peer = ub;
	unix_get(ub);
	ub->peer = ua;
	unix_get(ua);
	ua->state = ub->state = US_CONNECTED;
	unix_current_cred(&ua->peercred, true);
	ub->peercred = ua->peercred;
	ua->has_peercred = ub->has_peercred = true;
	return 0;
}

static void unix_unbind(struct unix_sock *u)
{
	if (!u->addrlen)
		return;
	for (struct unix_sock **pp = &unix_bound_list; *pp; pp = &(*pp)->bound_next)
		if (*pp == u) {
			*pp = u->bound_next;
			break;
		}
	if (u->bound)
		inode_put(u->bound);
	u->bound = NULL;
}

/* The socket's file is closed (or an unaccepted connection goes with its listener). Its stream
   peer sees end of input and EPIPE, and ECONNRESET when data or the connection itself was lost
   unread, as on Linux. */
static void unix_close(struct unix_sock *u, bool embryo)
{
	u->dead = true;
	u->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
	unix_unbind(u);
	struct unix_sock *p = u->peer;
	if (p && u->type != SOCK_DGRAM && p->peer == u) {
		/* a message with nothing left at the head (an out-of-band byte read) loses nothing */
		struct umsg *unread = u->rq;
		if (unread && unread->off == unread->len)
			unread = unread->next;
		if (unread || embryo)
			unix_set_err(p, ECONNRESET);
		p->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
		p->seq++;
	}
	/* the survivor keeps its reference to u (getpeername) until it closes too */
	u->peer = NULL;
	if (p)
		unix_put(p);
	while (u->acceptq) {
		struct unix_sock *n = u->acceptq;
		u->acceptq = n->next_conn;
		unix_close(n, true);
		unix_put(n);
	}
	u->acceptq_tail = NULL;
	unix_purge(u);
	file_changed();
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = unix_sk(s);
	unix_close(u, false);
	u->sock = NULL;
	unix_put(u);
}

static const struct sock_ops unix_stream_ops = {
	.bind = unix_bind,
	.connect = unix_stream_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_stream_poll,
	.event_seq = unix_event_seq,
	.ioctl = unix_ioctl,
	.pair = unix_pair,
	.release = unix_release,
};

static const struct sock_ops unix_dgram_ops = {
	.bind = unix_bind,
	.connect = unix_dgram_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_dgram_poll,
	.event_seq = unix_event_seq,
	.ioctl = unix_ioctl,
	.pair = unix_pair,
	.release = unix_release,
};

/* /proc/net/unix, as Linux's unix_seq_show: abstract names start with '@' (a NUL inside them
   shows as '@' too); kernel addresses show as zeros, as to a program without CAP_SYSLOG. */
int procfs_show_net_unix(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	for (struct unix_sock *u = unix_all; u; u = u->all_next) {
		if (u->dead && !u->sock)
			continue;
		int st = u->sock ? (u->state == US_CONNECTED ? 3 : 1) :
				   (u->state == US_CONNECTED ? 2 : 4);
		procfs_printf(b, "0000000000000000: %08X 00000000 %08X %04X %02X %5lu", u->refs,
			      u->state == US_LISTENING ? 0x10000u : 0u, u->type, st,
			      u->sock ? socket_ino(u->sock) : 0);
		if (u->addrlen > 2) {
			char path[UNIX_PATH_MAX + 2];
			uint32_t len = u->addrlen - 2;
			if (u->bound && len && !u->addr[2 + len - 1])
				len--;          /* a pathname's trailing NUL */
			for (uint32_t i = 0; i < len; i++)
				path[i] = u->addr[2 + i] ? (char)u->addr[2 + i] : '@';
			path[len] = 0;
			procfs_printf(b, " %s", path);
		}
		procfs_puts(b, "\n");
	}
	return 0;
}
