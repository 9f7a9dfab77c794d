/* Sockets: the file every socket is, the options and waiting all families share, and the ops an
   address family implements (AF_UNIX in net/unix.c). System calls (syscalls/sys_socket.c) copy in
   and validate, then call these with kernel types. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct file;
struct inode;
struct socket;

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

#define SOL_SOCKET 1
#define SOL_IP 0
#define SOL_IPV6 41
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_NO_CHECK 11
#define SO_PRIORITY 12
#define SO_LINGER 13
#define SO_BSDCOMPAT 14
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#define SO_ACCEPTCONN 30
#define SO_PEERSEC 31
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SO_TIMESTAMP_OLD 29
#define SO_TIMESTAMPNS_OLD 35
#define SO_PEEK_OFF 42
#define SO_TIMESTAMP_NEW 63
#define SO_TIMESTAMPNS_NEW 64
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_ERRQUEUE 0x2000
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

/* Linux's defaults (net.core.[rw]mem_default, [rw]mem_max) and floors for SO_SNDBUF/SO_RCVBUF. */
#define SOCK_DEF_BUF 212992u
#define SOCK_MAX_BUF 212992u
#define SOCK_MIN_SNDBUF 4608u
#define SOCK_MIN_RCVBUF 2304u

/* Linux's struct ucred (SCM_CREDENTIALS, SO_PEERCRED). */
struct ucred_k {
	int32_t pid;
	uint32_t uid, gid;
};

struct iovec_k {
	uint64_t base, len;
};

/* Where the bytes of a send come from or those of a receive go: the program's iovecs, or one
   kernel buffer (the file read/write ops, sendfile). Advances as bytes move. */
struct iov_iter {
	const struct iovec_k *iov;
	uint32_t nr, idx;
	uint64_t off;           /* into iov[idx] */
	uint64_t left;          /* bytes still to move */
	bool kernel;            /* iov[].base are kernel pointers */
};
void iter_init_user(struct iov_iter *it, const struct iovec_k *iov, uint32_t nr, uint64_t total);
void iter_init_kernel(struct iov_iter *it, struct iovec_k *one, void *buf, size_t len);
/* Copies n bytes (n <= it->left) out of / into the iterator: 0 or -EFAULT (partial). */
int iter_copy_from(struct iov_iter *it, void *dst, size_t n);
int iter_copy_to(struct iov_iter *it, const void *src, size_t n);

/* Ancillary data of one message: the files of SCM_RIGHTS (references held) and credentials. */
#define SCM_MAX_FD 253
struct scm_k {
	int nfds;
	bool has_creds;
	struct ucred_k creds;
	struct file *files[SCM_MAX_FD];
};
/* Drops the files an scm holds and frees it (NULL is fine). */
void scm_free(struct scm_k *scm);

/* A control message the family handles: of a send, one of the IP levels (SOL_IP, SOL_IPV6)
   for the family to check and use (len is the message's own; data holds its first bytes); of a
   receive, one the family gives (SO_TIMESTAMP's, the IP levels'), written in order before
   SCM_CREDENTIALS and SCM_RIGHTS. */
#define MSG_IPCTL_MAX 8
#define MSG_IPCTL_DATA 48               /* IPV6_RECVERR's error and offender, the largest */
struct msg_ipctl {
	int level, type;
	uint64_t len;
	uint8_t data[MSG_IPCTL_DATA];
};

/* One sendmsg/recvmsg: data through it; addr (kernel, up to 128 bytes) is the destination of a
   send or receives the source of a receive (addrlen then says its full length); scm carries
   ancillary data in (send) or out (receive, allocated by the family). */
struct msg_k {
	struct iov_iter it;
	uint8_t addr[128];
	uint32_t addrlen;
	bool want_addr;         /* recv: the caller asked for the source address */
	struct scm_k *scm;
	uint32_t flags_out;     /* recv: MSG_TRUNC, MSG_CTRUNC (set by the syscall layer) */
	struct msg_ipctl ipctl[MSG_IPCTL_MAX];
	uint32_t nipctl;
};

struct sock_ops {
	int (*bind)(struct socket *s, const void *addr, uint32_t len);
	int (*connect)(struct socket *s, const void *addr, uint32_t len, bool nonblock);
	int (*listen)(struct socket *s, int backlog);
	/* Takes a connection from the queue into ns, a new socket of the same kind (no file yet). */
	int (*accept)(struct socket *s, struct socket *ns, bool nonblock);
	/* Bytes sent or received, or -errno; nonblock folds in O_NONBLOCK and MSG_DONTWAIT. */
	int64_t (*sendmsg)(struct socket *s, struct msg_k *m, int flags, bool nonblock);
	int64_t (*recvmsg)(struct socket *s, struct msg_k *m, int flags, bool nonblock);
	int (*shutdown)(struct socket *s, int how);
	/* The local (peer false) or remote address; *len gets its length. */
	int (*getname)(struct socket *s, void *addr, uint32_t *len, bool peer);
	/* Options the shared code does not handle (levels other than SOL_SOCKET and SOL_SOCKET
	   options a family owns): -ENOPROTOOPT when unknown. */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, uint32_t len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, uint32_t *len);
	uint32_t (*poll)(struct socket *s);
	/* The counter of events on s for edge-triggered epoll (see file_ops.event_seq); NULL:
	   not tracked. */
	bool (*event_seq)(struct socket *s, uint64_t *seq);
	/* Family ioctls (FIONREAD...); -ENOIOCTLCMD when not the family's. */
	int64_t (*ioctl)(struct socket *s, unsigned long req, uint64_t arg);
	/* Connects two new sockets of this family to each other (socketpair). */
	int (*pair)(struct socket *a, struct socket *b);
	void (*release)(struct socket *s);
	/* SO_SNDBUF or SO_RCVBUF (or a FORCE form) set sndbuf or rcvbuf: the family applies
	   them where it does not read them at each use. NULL: nothing to do. */
	void (*bufs_changed)(struct socket *s);
};
#define ENOIOCTLCMD 515

struct socket {
	int family, type, protocol;
	const struct sock_ops *ops;
	struct file *file;              /* the file this socket is (not a reference) */
	struct inode *inode;            /* its sockfs inode: st_ino, socket:[N] */
	int err;                        /* SO_ERROR, cleared when read */
	uint32_t sndbuf, rcvbuf;
	/* the program set sndbuf/rcvbuf (Linux's SOCK_SNDBUF_LOCK, SOCK_RCVBUF_LOCK): TCP sizes
	   the connection by them rather than by its own defaults */
	bool sndbuf_lock, rcvbuf_lock;
	int64_t rcvtimeo, sndtimeo;     /* ns; 0: wait without limit */
	int rcvlowat, priority;
	int linger_on, linger_sec;
	bool reuseaddr, reuseport, keepalive, broadcast, oobinline, passcred, dontroute, debug;
	/* SO_TIMESTAMP(NS)(_NEW): receives carry the arrival time (sock_cmsg_timestamp; the
	   family says which receives do); tstamp_ns: as a timespec; tstamp_new: the _NEW types */
	bool tstamp, tstamp_ns, tstamp_new;
	void *priv;                     /* the family's state */
};

/* A new socket of family/type/protocol, without a file: -EAFNOSUPPORT, -ESOCKTNOSUPPORT,
   -EPROTONOSUPPORT, -ENOMEM. */
int socket_create(int family, int type, int protocol, struct socket **out);
/* Installs s as a file at the lowest free fd (flags: SOCK_NONBLOCK/SOCK_CLOEXEC). On failure s
   is released. fd or -errno. */
int socket_install(struct socket *s, int flags);
/* Frees a socket that never got a file. */
void socket_destroy(struct socket *s);
/* The socket behind f, or NULL (ENOTSOCK). */
struct socket *socket_of(struct file *f);
/* The sockfs inode number of s. */
uint64_t socket_ino(const struct socket *s);

/* The absolute monotonic deadline of a wait bounded by timeo ns (0: none, -1). */
int64_t socket_deadline(int64_t timeo);
/* Waits until something changes on any file (file_changed), the deadline or a signal: 0 to look
   again; -EAGAIN at the deadline; -ERESTARTSYS or (with a timeout set, as Linux) -EINTR. */
int socket_wait(int64_t deadline, const char *what);
/* SIGPIPE to the calling thread unless MSG_NOSIGNAL; returns -EPIPE. */
int socket_epipe(int flags);

/* Shared SOL_SOCKET options (net/sockopt.c). */
int sockopt_set(struct socket *s, int level, int name, const void *val, uint32_t len);
int sockopt_get(struct socket *s, int level, int name, void *val, uint32_t *len);
/* Appends a control message of a receive to m (dropped past MSG_IPCTL_MAX; len at most
   MSG_IPCTL_DATA). */
void msg_ctl_add(struct msg_k *m, int level, int type, const void *data, uint32_t len);
/* The SO_TIMESTAMP message of a receive whose data arrived at stamp (CLOCK_REALTIME ns), in
   the kind the socket chose, when it asked for one (Linux's __sock_recv_timestamp). */
void sock_cmsg_timestamp(const struct socket *s, int64_t stamp, struct msg_k *m);

/* Address families. */
int unix_create(struct socket *s, int type, int protocol);
int inet_create(struct socket *s, int type, int protocol);    /* net/inet.c */
int netlink_create(struct socket *s, int type, int protocol); /* net/netlink.c */

/* The interface requests (SIOCGIF*, SIOCSIF*; net/ifioctl.c) on a socket of family:
   -ENOIOCTLCMD for others. */
int64_t ifioctl(int family, unsigned long req, uint64_t arg);
#endif
