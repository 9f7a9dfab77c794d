/* The socket file: creation, the file ops every socket shares (read, write, poll, ioctl, fstat,
   close), byte iterators over the program's iovecs, and waiting with SO_RCVTIMEO/SO_SNDTIMEO. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "net/socket.h"

#define O_RDWR 02
#define O_NONBLOCK 04000
#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define FIOSETOWN 0x8901
#define SIOCSPGRP 0x8902
#define FIOGETOWN 0x8903
#define SIOCGPGRP 0x8904

static struct superblock sockfs = { .dev = 0x8, .type = "sockfs" };
static const struct file_ops socket_file_ops;

void iter_init_user(struct iov_iter *it, const struct iovec_k *iov, uint32_t nr, uint64_t total)
{
	*it = (struct iov_iter){ .iov = iov, .nr = nr, .left = total };
}

void iter_init_kernel(struct iov_iter *it, struct iovec_k *one, void *buf, size_t len)
{
	one->base = (uint64_t)(uintptr_t)buf;
	one->len = len;
	*it = (struct iov_iter){ .iov = one, .nr = 1, .left = len, .kernel = true };
}

/* Moves n bytes between the iterator and kbuf (to_iter: into the iterator). */
static int iter_copy(struct iov_iter *it, void *kbuf, size_t n, bool to_iter)
{
	uint8_t *k = kbuf;
	while (n) {
		while (it->idx < it->nr && it->off == it->iov[it->idx].len) {
			it->idx++;
			it->off = 0;
		}
		if (it->idx >= it->nr)
			return -EFAULT;
		const struct iovec_k *v = &it->iov[it->idx];
		size_t c = (size_t)MIN(n, v->len - it->off);
		uint64_t at = v->base + it->off;
		int err = 0;
		if (it->kernel) {
			if (to_iter)
				memcpy((void *)(uintptr_t)at, k, c);
			else
				memcpy(k, (const void *)(uintptr_t)at, c);
		} else {
			err = to_iter ? copy_to_user(at, k, c) : copy_from_user(k, at, c);
		}
		if (err)
			return -EFAULT;
		it->off += c;
		it->left -= c;
		k += c;
		n -= c;
	}
	return 0;
}

int iter_copy_from(struct iov_iter *it, void *dst, size_t n)
{
	return iter_copy(it, dst, n, false);
}

int iter_copy_to(struct iov_iter *it, const void *src, size_t n)
{
	return iter_copy(it, (void *)src, n, true);
}

void scm_free(struct scm_k *scm)
{
	if (!scm)
		return;
	for (int i = 0; i < scm->nfds; i++)
		file_put(scm->files[i]);
	kfree(scm, sizeof(*scm));
}

int socket_create(int family, int type, int protocol, struct socket **out)
{
	struct socket *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->sndbuf = s->rcvbuf = SOCK_DEF_BUF;
	s->rcvlowat = 1;
	int err;
	switch (family) {
	case AF_UNIX:
		err = unix_create(s, type, protocol);
		break;
	case AF_INET:
	case AF_INET6:
		err = inet_create(s, type, protocol);
		break;
	case AF_NETLINK:
		err = netlink_create(s, type, protocol);
		break;
	default:
		err = -EAFNOSUPPORT;
	}
	if (!err) {
		s->inode = inode_new(&sockfs, S_IFSOCK | 0777, NULL);
		if (!s->inode) {
			s->ops->release(s);
			err = -ENOMEM;
		} else {
			s->inode->uid = current->fsuid;
			s->inode->gid = current->fsgid;
		}
	}
	if (err) {
		kfree(s, sizeof(*s));
		return err;
	}
	*out = s;
	return 0;
}

void socket_destroy(struct socket *s)
{
	s->ops->release(s);
	inode_put(s->inode);
	kfree(s, sizeof(*s));
}

int socket_install(struct socket *s, int flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f) {
		socket_destroy(s);
		return -ENFILE;
	}
	f->ops = &socket_file_ops;
	f->refs = 1;
	f->flags = O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
	f->priv = s;
	s->file = f;
	int fd = fd_install(current_task->files, f, 0, (flags & SOCK_CLOEXEC) ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_put(f);
	return fd;
}

struct socket *socket_of(struct file *f)
{
	return f->ops == &socket_file_ops ? f->priv : NULL;
}

uint64_t socket_ino(const struct socket *s)
{
	return s->inode->ino;
}

int64_t socket_deadline(int64_t timeo)
{
	return timeo > 0 ? (int64_t)time_monotonic_ns() + timeo : -1;
}

int socket_wait(int64_t deadline, const char *what)
{
	int r = file_wait(deadline, what);
	if (r == WAIT_TIMEOUT)
		return -EAGAIN;
	if (r < 0)
		return deadline < 0 ? -ERESTARTSYS : -EINTR;
	return 0;
}

int socket_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL)) {
		struct siginfo_k si = { .signo = SIGPIPE, .code = 0,
					.addr = (uint64_t)(uint32_t)current->pid |
						((uint64_t)current->uid << 32) };
		signal_raise_task(current_task, SIGPIPE, &si);
	}
	return -EPIPE;
}

static int64_t sockfile_read(struct file *f, void *buf, size_t len)
{
	struct socket *s = f->priv;
	struct iovec_k one;
	struct msg_k m = { 0 };
	iter_init_kernel(&m.it, &one, buf, len);
	int64_t r = s->ops->recvmsg(s, &m, 0, f->flags & O_NONBLOCK);
	scm_free(m.scm);
	return r;
}

/* buf may be the caller's shared bounce buffer: the socket is never left waiting on it. A full
   socket makes the caller wait and copy again (file_would_block). */
static int64_t sockfile_write(struct file *f, const void *buf, size_t len)
{
	struct socket *s = f->priv;
	struct iovec_k one;
	struct msg_k m = { 0 };
	iter_init_kernel(&m.it, &one, (void *)buf, len);
	int64_t r = s->ops->sendmsg(s, &m, 0, true);
	if (r == -EAGAIN && !(f->flags & O_NONBLOCK))
		return file_would_block("a write to a full socket");
	return r;
}

static int64_t sockfile_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct socket *s = f->priv;
	int64_t r = s->ops->ioctl ? s->ops->ioctl(s, req, arg) : -ENOIOCTLCMD;
	if (r == -ENOIOCTLCMD)
		r = ifioctl(s->family, req, arg);  /* every socket answers for the interfaces */
	if (r != -ENOIOCTLCMD)
		return r;
	int v;
	switch (req) {
	case FIOSETOWN:         /* Linux's sock_ioctl: F_SETOWN by another name */
	case SIOCSPGRP:
		if (copy_from_user(&v, arg, sizeof(v)))
			return -EFAULT;
		return fasync_setown(f, v);
	case FIOGETOWN:
	case SIOCGPGRP:
		v = fasync_getown(f);
		return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

static int sockfile_stat(struct file *f, struct stat *st)
{
	struct socket *s = f->priv;
	vfs_stat_inode(s->inode, st);
	st->st_size = 0;
	st->st_blksize = 4096;
	return 0;
}

static uint32_t sockfile_poll(struct file *f)
{
	struct socket *s = f->priv;
	return s->ops->poll(s);
}

static bool sockfile_event_seq(struct file *f, uint64_t *seq)
{
	struct socket *s = f->priv;
	return s->ops->event_seq && s->ops->event_seq(s, seq);
}

static void sockfile_release(struct file *f)
{
	socket_destroy(f->priv);
	file_changed();
}

static const struct file_ops socket_file_ops = {
	.fasync = true,
	.read = sockfile_read,
	.write = sockfile_write,
	.ioctl = sockfile_ioctl,
	.stat = sockfile_stat,
	.release = sockfile_release,
	.poll = sockfile_poll,
	.event_seq = sockfile_event_seq,
};
