/* Socket system calls: copy in and validate (addresses, iovecs, control messages), call the
   socket's family through net/socket.h, copy results out with Linux's length rules. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "net/socket.h"
#include "syscalls/sys_socket.h"
#include "build/gen/syscall_decls.h"

#define O_NONBLOCK 04000
#define AF_MAX 46
#define SOCK_MAX 11
#define SOCKADDR_MAX 128        /* sizeof(struct sockaddr_storage) */
#define UIO_MAXIOV 1024
#define INT_MAX 0x7fffffff
#define OPT_MAX 256

struct msghdr_k {
	uint64_t name;
	uint32_t namelen, _pad;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags;
	uint32_t _pad2;
};
_Static_assert(sizeof(struct msghdr_k) == 56, "msghdr");

struct cmsghdr_k {
	uint64_t len;
	int32_t level, type;
};
#define CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
#define CMSG_HDR sizeof(struct cmsghdr_k)

/* The socket at fd (its file referenced in *fp), or NULL with *err -EBADF or -ENOTSOCK. */
static struct socket *sock_get(uint64_t fd, struct file **fp, int64_t *err)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	struct socket *s = f ? socket_of(f) : NULL;
	*err = f ? -ENOTSOCK : -EBADF;
	if (f && !s)
		file_put(f);
	*fp = f;
	return s;
}

static bool sock_nonblock(struct file *f, int flags)
{
	return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

/* A sockaddr from the program: -EINVAL for a bad length, -EFAULT. */
static int sock_addr_in(uint64_t uaddr, uint64_t len, uint8_t *addr)
{
	if ((int)len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	return copy_from_user(addr, uaddr, len) ? -EFAULT : 0;
}

/* Writes an address back as Linux does: as much as the program's *ulen allows, then the full
   length into *ulen. */
static int sock_addr_out(const void *addr, uint32_t len, uint64_t uaddr, uint64_t ulen)
{
	int32_t room;
	if (copy_from_user(&room, ulen, sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if (len && copy_to_user(uaddr, addr, MIN((uint32_t)room, len)))
		return -EFAULT;
	return copy_to_user(ulen, &len, sizeof(len)) ? -EFAULT : 0;
}

int64_t sys_socket(uint64_t family, uint64_t type, uint64_t protocol, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	int flags = (int)type & ~SOCK_TYPE_MASK, t = (int)type & SOCK_TYPE_MASK;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((int)family < 0 || (int)family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (t >= SOCK_MAX)
		return -EINVAL;
	struct socket *s;
	int err = socket_create((int)family, t, (int)protocol, &s);
	return err ? err : socket_install(s, flags);
}

int64_t sys_socketpair(uint64_t family, uint64_t type, uint64_t protocol, uint64_t usv,
		       uint64_t a4, uint64_t a5)
{
	int flags = (int)type & ~SOCK_TYPE_MASK, t = (int)type & SOCK_TYPE_MASK;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((int)family < 0 || (int)family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (t >= SOCK_MAX)
		return -EINVAL;
	struct socket *a, *b;
	int err = socket_create((int)family, t, (int)protocol, &a);
	if (err)
		return err;
	if ((err = socket_create((int)family, t, (int)protocol, &b))) {
		socket_destroy(a);
		return err;
	}
	if (!a->ops->pair || (err = a->ops->pair(a, b))) {
		socket_destroy(a);
		socket_destroy(b);
		return err ? err : -EOPNOTSUPP;
	}
	int sv[2] = { socket_install(a, flags), -1 };
	if (sv[0] < 0) {
		socket_destroy(b);
		return sv[0];
	}
	if ((sv[1] = socket_install(b, flags)) < 0) {
		fd_close(current_task->files, sv[0]);
		return sv[1];
	}
	if (copy_to_user(usv, sv, sizeof(sv))) {
		fd_close(current_task->files, sv[0]);
		fd_close(current_task->files, sv[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_bind(uint64_t fd, uint64_t uaddr, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint8_t addr[SOCKADDR_MAX];
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	if (!(err = sock_addr_in(uaddr, len, addr)))
		err = s->ops->bind(s, addr, (uint32_t)len);
	file_put(f);
	return err;
}

int64_t sys_connect(uint64_t fd, uint64_t uaddr, uint64_t len, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	uint8_t addr[SOCKADDR_MAX];
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	if (!(err = sock_addr_in(uaddr, len, addr)))
		err = s->ops->connect(s, addr, (uint32_t)len, f->flags & O_NONBLOCK);
	file_put(f);
	return err == -ERESTARTSYS ? -EINTR : err;      /* Linux never restarts connect */
}

int64_t sys_listen(uint64_t fd, uint64_t backlog, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = s->ops->listen(s, (int)backlog);
	file_put(f);
	return err;
}

int64_t sys_accept4(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t flags, uint64_t a4,
		    uint64_t a5)
{
	if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err), *ns = NULL;
	if (!s)
		return err;
	if ((err = socket_create(s->family, s->type, s->protocol, &ns)))
		goto out;
	if ((err = s->ops->accept(s, ns, f->flags & O_NONBLOCK))) {
		socket_destroy(ns);
		goto out;
	}
	if (uaddr) {
		uint8_t addr[SOCKADDR_MAX];
		uint32_t len = 0;
		if ((err = ns->ops->getname(ns, addr, &len, true)) == -ENOTCONN)
			err = 0;        /* the peer has already gone: the address is empty */
		if (!err && (err = sock_addr_out(addr, len, uaddr, ulen))) {
			socket_destroy(ns);     /* the connection is lost, as on Linux */
			goto out;
		}
	}
	err = socket_install(ns, (int)flags);
out:
	file_put(f);
	return err;
}

int64_t sys_accept(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	return sys_accept4(fd, uaddr, ulen, 0, 0, 0);
}

static int64_t sock_name(uint64_t fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	uint8_t addr[SOCKADDR_MAX];
	uint32_t len = 0;
	if (!(err = s->ops->getname(s, addr, &len, peer)))
		err = sock_addr_out(addr, len, uaddr, ulen);
	file_put(f);
	return err;
}

int64_t sys_getsockname(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	return sock_name(fd, uaddr, ulen, false);
}

int64_t sys_getpeername(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	return sock_name(fd, uaddr, ulen, true);
}

int64_t sys_shutdown(uint64_t fd, uint64_t how, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = s->ops->shutdown(s, (int)how);
	file_put(f);
	return err;
}

int64_t sys_setsockopt(uint64_t fd, uint64_t level, uint64_t name, uint64_t uval, uint64_t len,
		       uint64_t a5)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	uint8_t val[OPT_MAX];
	if ((int)len < 0)
		err = -EINVAL;
	else if (copy_from_user(val, uval, MIN((uint32_t)len, OPT_MAX)))
		err = -EFAULT;
	else
		err = sockopt_set(s, (int)level, (int)name, val, MIN((uint32_t)len, OPT_MAX));
	file_put(f);
	return err;
}

int64_t sys_getsockopt(uint64_t fd, uint64_t level, uint64_t name, uint64_t uval, uint64_t ulen,
		       uint64_t a5)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	int32_t room;
	uint8_t val[OPT_MAX];
	uint32_t len;
	if (copy_from_user(&room, ulen, sizeof(room)))
		err = -EFAULT;
	else if (room < 0)
		err = -EINVAL;
	else if (!(err = sockopt_get(s, (int)level, (int)name, val,
				     (len = MIN((uint32_t)room, OPT_MAX), &len)))) {
		/* len may say more than room (NETLINK_LIST_MEMBERSHIPS tells the size it needs) */
		if (copy_to_user(uval, val, MIN(len, (uint32_t)room)) ||
		    copy_to_user(ulen, &len, sizeof(len)))
			err = -EFAULT;
	}
	file_put(f);
	return err;
}

/* Reads a program's iovec array into the task's scratch area (room for UIO_MAXIOV). */
static int64_t sock_iov_in(uint64_t uiov, uint64_t n, struct iov_iter *it)
{
	if (n > UIO_MAXIOV)
		return -EMSGSIZE;
	struct iovec_k *iov = current_task->scratch;
	if (n && copy_from_user(iov, uiov, n * sizeof(*iov)))
		return -EFAULT;
	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++) {
		if ((int64_t)iov[i].len < 0)
			return -EINVAL;
		total += iov[i].len;
		if (total > 0x7ffff000ull) {
			/* Linux caps the transfer, as for read and write */
			iov[i].len -= total - 0x7ffff000ull;
			total = 0x7ffff000ull;
			n = i + 1;
			break;
		}
	}
	iter_init_user(it, iov, (uint32_t)n, total);
	return 0;
}

static int scm_cred_check(const struct ucred_k *c)
{
	/* Linux's scm_check_creds: each field its own capability. */
	const struct proc *p = current;
	if (c->pid != p->pid && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (c->uid != p->uid && c->uid != p->euid && c->uid != p->suid && !capable(CAP_SETUID))
		return -EPERM;
	if (c->gid != p->gid && c->gid != p->egid && c->gid != p->sgid && !capable(CAP_SETGID))
		return -EPERM;
	return 0;
}

/* One SCM_RIGHTS message: the files of its fds join scm. */
static int scm_rights_in(struct scm_k *scm, const uint8_t *data, uint64_t len)
{
	uint64_t n = len / sizeof(int);
	if (!n || scm->nfds + n > SCM_MAX_FD)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(int));
		struct file *f = fd_get(current_task->files, fd);
		if (!f)
			return -EBADF;
		scm->files[scm->nfds++] = f;
	}
	return 0;
}

/* The IP levels' control messages go to the family with the message (msg_k.ipctl). */
static int ipctl_in(struct msg_k *m, const struct cmsghdr_k *h, const uint8_t *data,
		    uint64_t dlen)
{
	if (m->nipctl >= MSG_IPCTL_MAX)
		return -EINVAL;         /* more than any meaningful send carries */
	struct msg_ipctl *c = &m->ipctl[m->nipctl++];
	c->level = h->level;
	c->type = h->type;
	c->len = dlen;
	memcpy(c->data, data, MIN(dlen, sizeof(c->data)));
	return 0;
}

/* Parses the control messages of a sendmsg into m->scm (NULL when there are none) and
   m->ipctl. */
static int scm_in(uint64_t uctl, uint64_t len, struct msg_k *m)
{
	struct scm_k **out = &m->scm;
	*out = NULL;
	if (len > INT_MAX)
		return -ENOBUFS;
	if (len < CMSG_HDR)
		return 0;
	uint8_t *buf = current_task->scratch;
	if (len > 16384)
		return -ENOBUFS;
	if (copy_from_user(buf, uctl, len))
		return -EFAULT;
	struct scm_k *scm = kmalloc(sizeof(*scm));
	if (!scm)
		return -ENOMEM;
	int err = 0;
	for (uint64_t off = 0; !err && len - off >= CMSG_HDR;) {
		struct cmsghdr_k h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < CMSG_HDR || h.len > len - off) {
			err = -EINVAL;
			break;
		}
		const uint8_t *data = buf + off + CMSG_HDR;
		uint64_t dlen = h.len - CMSG_HDR;
		if (h.level == SOL_IP || h.level == SOL_IPV6)
			err = ipctl_in(m, &h, data, dlen);
		else if (h.level != SOL_SOCKET)
			;               /* other levels are the protocol's; AF_UNIX has none */
		else if (h.type == SCM_RIGHTS)
			err = scm_rights_in(scm, data, dlen);
		else if (h.type == SCM_CREDENTIALS && dlen == sizeof(struct ucred_k)) {
			memcpy(&scm->creds, data, sizeof(scm->creds));
			scm->has_creds = true;
			err = scm_cred_check(&scm->creds);
		} else
			err = -EINVAL;
		off += CMSG_ALIGN(h.len);
	}
	if (err) {
		scm_free(scm);
		return err;
	}
	*out = scm;
	return 0;
}

static int64_t sock_send(struct file *f, struct socket *s, struct msg_k *m, int flags)
{
	int64_t r = s->ops->sendmsg(s, m, flags, sock_nonblock(f, flags));
	scm_free(m->scm);
	return r;
}

/* One sendmsg; the msghdr is already in kernel memory. */
static int64_t sock_sendmsg_k(struct file *f, struct socket *s, const struct msghdr_k *h, int flags)
{
	struct msg_k *m = kmalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	int64_t r = 0;
	if (h->name && h->namelen) {
		uint32_t len = MIN(h->namelen, SOCKADDR_MAX);  /* Linux clamps it */
		if (copy_from_user(m->addr, h->name, len))
			r = -EFAULT;
		else
			m->addrlen = len;
	}
	if (!r)
		r = scm_in(h->control, h->controllen, m);
	if (!r && (r = sock_iov_in(h->iov, h->iovlen, &m->it)))
		scm_free(m->scm);
	if (!r)
		r = sock_send(f, s, m, flags);
	kfree(m, sizeof(*m));
	return r;
}

int64_t sys_sendto(uint64_t fd, uint64_t buf, uint64_t len, uint64_t flags, uint64_t uaddr,
		   uint64_t alen)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	struct iovec_k one = { buf, MIN(len, 0x7ffff000ull) };
	struct msghdr_k h = { .name = uaddr, .namelen = uaddr ? (uint32_t)alen : 0,
			      .iov = 0, .iovlen = 0 };
	if (uaddr && ((int)alen < 0 || alen > SOCKADDR_MAX))
		err = -EINVAL;
	else {
		struct msg_k *m = kmalloc(sizeof(*m));
		err = -ENOMEM;
		if (m) {
			iter_init_user(&m->it, &one, 1, one.len);
			err = 0;
			if (h.namelen && copy_from_user(m->addr, uaddr, h.namelen))
				err = -EFAULT;
			m->addrlen = h.namelen;
			if (!err)
				err = sock_send(f, s, m, (int)flags);
			kfree(m, sizeof(*m));
		}
	}
	file_put(f);
	return err;
}

/* Writes one control message into the program's buffer at *off, as Linux's put_cmsg: truncated
   (MSG_CTRUNC) when the room runs out. */
static int cmsg_put_level(uint64_t uctl, uint64_t room, uint64_t *off, int level, int type,
			  const void *data, uint64_t dlen, uint32_t *flags_out)
{
	if (room - *off < CMSG_HDR) {
		*flags_out |= MSG_CTRUNC;
		return 0;
	}
	uint64_t clen = CMSG_HDR + dlen;
	if (room - *off < clen) {
		*flags_out |= MSG_CTRUNC;
		clen = room - *off;
	}
	struct cmsghdr_k h = { clen, level, type };
	if (copy_to_user(uctl + *off, &h, sizeof(h)) ||
	    copy_to_user(uctl + *off + CMSG_HDR, data, clen - CMSG_HDR))
		return -EFAULT;
	*off = MIN(room, *off + CMSG_ALIGN(CMSG_HDR + dlen));
	return 0;
}

static int cmsg_put(uint64_t uctl, uint64_t room, uint64_t *off, int type, const void *data,
		    uint64_t dlen, uint32_t *flags_out)
{
	return cmsg_put_level(uctl, room, off, SOL_SOCKET, type, data, dlen, flags_out);
}

/* SCM_RIGHTS on receipt: installs as many fds as the room allows; the rest are closed. */
static int scm_rights_out(struct scm_k *scm, uint64_t uctl, uint64_t room, uint64_t *off,
			  int flags, uint32_t *flags_out)
{
	uint64_t left = room - *off;
	int max = left > CMSG_HDR ? (int)MIN((left - CMSG_HDR) / sizeof(int), SCM_MAX_FD) : 0;
	int *fds = current_task->scratch, n = 0;
	for (; n < scm->nfds && n < max; n++) {
		int fd = fd_install(current_task->files, scm->files[n], 0,
				    (flags & MSG_CMSG_CLOEXEC) ? FD_CLOEXEC : 0);
		if (fd < 0)
			break;
		fds[n] = fd;
		scm->files[n] = NULL;   /* the fd table holds it now */
	}
	int err = 0;
	if (n)
		err = cmsg_put(uctl, room, off, SCM_RIGHTS, fds, n * sizeof(int), flags_out);
	if (n < scm->nfds)
		*flags_out |= MSG_CTRUNC;
	/* the files not installed stay for scm_free to drop; installed slots are NULL */
	int kept = 0;
	for (int i = 0; i < scm->nfds; i++)
		if (scm->files[i])
			scm->files[kept++] = scm->files[i];
	scm->nfds = kept;
	return err;
}

/* Control messages of a receive: the IP levels' (the family's), then credentials, then files,
   as Linux's recvmsg and scm_recv. Returns the bytes of control data written, or -EFAULT. */
static int64_t scm_out(struct msg_k *m, uint64_t uctl, uint64_t room, int flags,
		       uint32_t *flags_out)
{
	struct scm_k *scm = m->scm;
	uint64_t off = 0;
	if (!uctl)
		room = 0;
	int err = 0;
	for (uint32_t i = 0; !err && i < m->nipctl; i++)
		err = cmsg_put_level(uctl, room, &off, m->ipctl[i].level, m->ipctl[i].type,
				     m->ipctl[i].data, m->ipctl[i].len, flags_out);
	if (err || !scm)
		return err ? err : (int64_t)off;
	if (scm->has_creds)
		err = cmsg_put(uctl, room, &off, SCM_CREDENTIALS, &scm->creds, sizeof(scm->creds),
			       flags_out);
	if (!err && scm->nfds)
		err = scm_rights_out(scm, uctl, room, &off, flags, flags_out);
	return err ? err : (int64_t)off;
}

/* One recvmsg into the program's msghdr at umsg (h is its kernel copy); updates its name and
   control lengths and flags. */
static int64_t sock_recvmsg_k(struct file *f, struct socket *s, struct msghdr_k *h, uint64_t umsg,
			      int flags)
{
	struct msg_k *m = kmalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	int64_t r = sock_iov_in(h->iov, h->iovlen, &m->it);
	if (r)
		goto out;
	m->want_addr = h->name != 0;
	if (!umsg && !m->it.left)
		r = 0;          /* read and readv of nothing return at once */
	else
		r = s->ops->recvmsg(s, m, flags, sock_nonblock(f, flags));
	if (r < 0)
		goto out;
	int64_t ctl = scm_out(m, h->control, h->controllen, flags, &m->flags_out);
	if (ctl < 0) {
		r = ctl;
		goto out;
	}
	uint32_t namelen = m->want_addr ? m->addrlen : 0;
	if (namelen && copy_to_user(h->name, m->addr, MIN(namelen, h->namelen)))
		r = -EFAULT;
	h->namelen = namelen;
	h->controllen = (uint64_t)ctl;
	h->flags = (int32_t)m->flags_out;
	if (umsg && (copy_to_user(umsg + offsetof(struct msghdr_k, namelen), &h->namelen, 4) ||
		     copy_to_user(umsg + offsetof(struct msghdr_k, controllen), &h->controllen, 8) ||
		     copy_to_user(umsg + offsetof(struct msghdr_k, flags), &h->flags, 4)))
		r = -EFAULT;
out:
	scm_free(m->scm);
	kfree(m, sizeof(*m));
	return r;
}

/* sendmsg and recvmsg: the socket and the program's msghdr. */
static int64_t sock_msg(uint64_t fd, uint64_t umsg, int flags, bool send)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	struct msghdr_k h;
	if (copy_from_user(&h, umsg, sizeof(h)))
		err = -EFAULT;
	else
		err = send ? sock_sendmsg_k(f, s, &h, flags) : sock_recvmsg_k(f, s, &h, umsg, flags);
	file_put(f);
	return err;
}

int64_t sys_sendmsg(uint64_t fd, uint64_t umsg, uint64_t flags, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return sock_msg(fd, umsg, (int)flags, true);
}

int64_t sys_recvmsg(uint64_t fd, uint64_t umsg, uint64_t flags, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return sock_msg(fd, umsg, (int)flags, false);
}

int64_t sys_recvfrom(uint64_t fd, uint64_t buf, uint64_t len, uint64_t flags, uint64_t uaddr,
		     uint64_t ulen)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	struct msg_k *m = kmalloc(sizeof(*m));
	struct iovec_k one = { buf, MIN(len, 0x7ffff000ull) };
	err = -ENOMEM;
	if (m) {
		iter_init_user(&m->it, &one, 1, one.len);
		m->want_addr = uaddr != 0;
		err = s->ops->recvmsg(s, m, (int)flags, sock_nonblock(f, (int)flags));
		if (err >= 0 && uaddr) {
			int e = sock_addr_out(m->addr, m->addrlen, uaddr, ulen);
			if (e)
				err = e;
		}
		scm_free(m->scm);
		kfree(m, sizeof(*m));
	}
	file_put(f);
	return err;
}

struct mmsghdr_k {
	struct msghdr_k hdr;
	uint32_t len, _pad;
};

/* sendmmsg and recvmmsg: up to vlen messages, each one's length stored in its mmsghdr; the
   count done, or the first error when none was. recvmmsg looks at its deadline only after each
   datagram, as Linux does. */
static int64_t sock_mmsg(uint64_t fd, uint64_t uvec, uint64_t vlen, int flags, int64_t deadline,
			 bool send)
{
	struct file *f;
	int64_t err;
	struct socket *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	vlen = MIN(vlen, UIO_MAXIOV);
	uint64_t done = 0;
	err = 0;
	int fl = flags & ~MSG_WAITFORONE;
	for (; done < vlen; done++) {
		uint64_t at = uvec + done * sizeof(struct mmsghdr_k);
		struct msghdr_k h;
		if (copy_from_user(&h, at, sizeof(h))) {
			err = -EFAULT;
			break;
		}
		int64_t r = send ? sock_sendmsg_k(f, s, &h, fl) : sock_recvmsg_k(f, s, &h, at, fl);
		uint32_t n = (uint32_t)r;
		if (r < 0 || copy_to_user(at + offsetof(struct mmsghdr_k, len), &n, sizeof(n))) {
			err = r < 0 ? r : -EFAULT;
			break;
		}
		if (flags & MSG_WAITFORONE)
			fl |= MSG_DONTWAIT;
		if (deadline >= 0 && (int64_t)time_monotonic_ns() >= deadline) {
			done++;
			break;
		}
	}
	file_put(f);
	return done ? (int64_t)done : err;
}

int64_t sys_sendmmsg(uint64_t fd, uint64_t uvec, uint64_t vlen, uint64_t flags, uint64_t a4,
		     uint64_t a5)
{
	return sock_mmsg(fd, uvec, vlen, (int)flags & ~MSG_WAITFORONE, -1, true);
}

int64_t sys_recvmmsg(uint64_t fd, uint64_t uvec, uint64_t vlen, uint64_t flags, uint64_t uts,
		     uint64_t a5)
{
	int64_t deadline = -1;
	if (uts) {
		struct { int64_t sec, nsec; } ts;
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		deadline = (int64_t)time_monotonic_ns() + ts.sec * 1000000000 + ts.nsec;
	}
	int64_t r = sock_mmsg(fd, uvec, vlen, (int)flags, deadline, false);
	return r == -ERESTARTSYS && uts ? -EINTR : r;
}

int64_t socket_rw(struct file *f, uint64_t uiov, uint64_t n, bool is_write)
{
	struct socket *s = socket_of(f);
	struct msghdr_k h = { .iov = uiov, .iovlen = n };
	if (is_write)
		return sock_sendmsg_k(f, s, &h, 0);
	return sock_recvmsg_k(f, s, &h, 0, 0);
}
