/* AF_UNIX internals shared by net/unix.c (addresses, connections, lifetime), net/unix_msg.c
   (message queues, send and receive) and net/unix_oob.c (a stream's out-of-band byte). */
#ifndef NET_UNIX_H
#define NET_UNIX_H
#include <stdint.h>
#include <stdbool.h>
#include "net/socket.h"

#define UNIX_PATH_MAX 108
#define UNIX_ADDR_MAX (2 + UNIX_PATH_MAX)      /* sizeof(struct sockaddr_un) */
#define UNIX_MAX_DGRAM_QLEN 10                 /* net.unix.max_dgram_qlen */
#define UNIX_MSG_MAX (2u << 20)                /* largest message kept (page list in one block) */

enum unix_state { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

/* A message in a receive queue: the data (inline for small ones, else pages), who sent it, its
   credentials and any files in flight. */
struct umsg {
	struct umsg *next;
	uint32_t len, off;              /* bytes, bytes already read (streams) */
	uint32_t npages;                /* 0: data in small */
	union {
		uint8_t *small;
		uint64_t *pages;        /* guest-physical */
	};
	struct unix_sock *from;         /* the sender (referenced): source address, wmem */
	uint32_t truesize;              /* what the sender is charged */
	struct ucred_k creds;
	struct scm_k *scm;              /* SCM_RIGHTS files; NULL: none */
	int64_t stamp;                  /* datagrams: SO_TIMESTAMP's time (CLOCK_REALTIME ns);
					   0: none yet */
};

struct unix_sock {
	struct socket *sock;            /* NULL once the socket's file is closed */
	int refs;
	int type;
	enum unix_state state;
	bool dead;                      /* closed: peers see EOF, EPIPE or ECONNREFUSED */
	int shutdown;                   /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	uint64_t seq;                   /* events so far: data in, room made, state changes */
	int err;                        /* pending error for a socket without a file yet */
	struct unix_sock *peer;         /* referenced */
	struct umsg *rq, *rq_tail;      /* receive queue */
	struct umsg *oob;               /* streams: the message in rq that is the pending
					   out-of-band byte; NULL: none */
	uint32_t rq_len;                /* messages queued */
	uint64_t wmem;                  /* what this socket's queued messages are charged */
	/* listening: connections not yet accepted (referenced, linked through next_conn) */
	struct unix_sock *acceptq, *acceptq_tail, *next_conn;
	int backlog, nacceptq;
	/* address: sun_path bytes as bound (pathname NUL-terminated, abstract from its NUL) */
	uint8_t addr[UNIX_ADDR_MAX];
	uint32_t addrlen;               /* 0: unbound */
	struct inode *bound;            /* pathname: the socket file (referenced) */
	struct unix_sock *bound_next;
	struct ucred_k peercred;        /* SO_PEERCRED */
	bool has_peercred;
	struct unix_sock *all_next;     /* every AF_UNIX socket (/proc/net/unix) */
};

static inline struct unix_sock *unix_sk(struct socket *s)
{
	return s->priv;
}

void unix_get(struct unix_sock *u);
void unix_put(struct unix_sock *u);
/* The creator's credentials as SO_PEERCRED reports them (tgid, euid, egid). */
void unix_current_cred(struct ucred_k *c, bool effective);
/* Finds the socket bound at the address (referenced): -ECONNREFUSED, -EPROTOTYPE, path errors. */
int unix_find(const void *addr, uint32_t len, int type, struct unix_sock **out);
/* Sets the error a socket reports (SO_ERROR and the next call). */
void unix_set_err(struct unix_sock *u, int err);
/* Takes and clears a pending error (0: none). */
int unix_take_err(struct unix_sock *u);

/* net/unix_msg.c */
int64_t unix_sendmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock);
int64_t unix_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock);
/* Frees every queued message (the socket is going). */
void unix_purge(struct unix_sock *u);
/* Takes msg out of u's receive queue and frees it (its sender has room again). */
void unix_drop(struct unix_sock *u, struct umsg *msg);
/* Copies n bytes of msg from byte off into it: 0 or -EFAULT. */
int umsg_copy_out(struct umsg *msg, uint32_t off, struct iov_iter *it, uint32_t n);
/* Bytes readable at once (FIONREAD): all queued for streams, the next message otherwise. */
uint64_t unix_inq(struct unix_sock *u);
/* May a message go from u to other now (dgram receive queue not full)? */
bool unix_other_full(struct unix_sock *u, struct unix_sock *other);
bool unix_writable(struct unix_sock *u);

/* net/unix_oob.c: MSG_OOB on streams, as Linux's af_unix. The last byte of a send(MSG_OOB) is a
   message of its own that u->oob points at while it is pending; a newer one takes the mark and
   leaves the old byte in the stream as data. recv(MSG_OOB) reads it (it stays queued, read, as
   the point where reads stop); a read without MSG_OOB stops before the mark and, at it, skips
   the byte (reads it with SO_OOBINLINE).
   queued: msg, just queued at p, is its out-of-band byte: the mark moves and p's owner gets
   SIGURG. skip: the message a stream read takes next, looking from msg (the head, or the one
   after what a peek copied) with copied bytes read so far: read and skipped out-of-band bytes
   are passed (and dropped unless peeking); NULL when the read must stop or nothing is left.
   recv: recv(MSG_OOB): 1 and the byte (none copied into a buffer of 0 bytes), EINVAL when none
   is pending or with SO_OOBINLINE. at_mark: SIOCATMARK. */
void unix_oob_queued(struct unix_sock *p, struct umsg *msg);
struct umsg *unix_oob_skip(struct unix_sock *u, struct umsg *msg, bool peek, uint64_t copied);
int64_t unix_oob_recv(struct socket *s, struct msg_k *m, int flags);
bool unix_oob_at_mark(const struct unix_sock *u);
#endif
