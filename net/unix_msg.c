/* AF_UNIX data: messages queued at the receiver and charged to the sender (SO_SNDBUF), stream
   reads that join messages, datagram and seqpacket reads that keep their boundaries,
   SCM_RIGHTS/SCM_CREDENTIALS carried with the data, and SO_TIMESTAMP's time of datagram and
   seqpacket messages (stream reads carry none), as Linux's af_unix does. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "net/unix.h"

#define UMSG_SMALL 2048         /* up to this, the data lives in one kmalloc block */
#define UMSG_OVERHEAD 512       /* charged per message on top of its bytes, like an sk_buff */
#define STREAM_CHUNK 65536      /* largest message a stream send makes */

static void umsg_free(struct umsg *m)
{
	if (m->npages) {
		for (uint32_t i = 0; i < m->npages; i++)
			if (m->pages[i])
				pmm_free(m->pages[i]);
		kfree(m->pages, m->npages * sizeof(uint64_t));
	} else if (m->small) {
		kfree(m->small, m->len);
	}
	scm_free(m->scm);
	if (m->from) {
		m->from->wmem -= m->truesize;
		unix_put(m->from);
	}
	kfree(m, sizeof(*m));
}

/* The address of byte off of m's data, and how many bytes follow it contiguously. */
static uint8_t *umsg_at(struct umsg *m, uint32_t off, uint32_t *run)
{
	if (!m->npages) {
		*run = m->len - off;
		return m->small + off;
	}
	*run = MIN(m->len - off, PAGE_SIZE - off % PAGE_SIZE);
	return (uint8_t *)phys_to_virt(m->pages[off / PAGE_SIZE]) + off % PAGE_SIZE;
}

/* A message of len bytes taken from it, sent by u. 0, -ENOMEM or -EFAULT. */
static int umsg_new(struct unix_sock *u, uint32_t len, struct iov_iter *it, struct umsg **out)
{
	struct umsg *m = kmalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->len = len;
	int err = 0;
	if (len > UMSG_SMALL) {
		m->npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
		m->pages = kmalloc(m->npages * sizeof(uint64_t));
		if (!m->pages) {
			m->npages = 0;
			err = -ENOMEM;
		}
		for (uint32_t i = 0; !err && i < m->npages; i++)
			if (!(m->pages[i] = pmm_alloc()))
				err = -ENOMEM;
	} else if (len && !(m->small = kmalloc(len))) {
		err = -ENOMEM;
	}
	for (uint32_t off = 0, run; !err && off < len; off += run) {
		uint8_t *p = umsg_at(m, off, &run);
		err = iter_copy_from(it, p, run);
	}
	m->from = u;
	unix_get(u);
	m->truesize = len + UMSG_OVERHEAD;
	u->wmem += m->truesize;
	if (err) {
		umsg_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int umsg_copy_out(struct umsg *m, uint32_t off, struct iov_iter *it, uint32_t n)
{
	for (uint32_t run; n; off += run, n -= run) {
		uint8_t *p = umsg_at(m, off, &run);
		run = MIN(run, n);
		if (iter_copy_to(it, p, run))
			return -EFAULT;
	}
	return 0;
}

static void unix_enqueue(struct unix_sock *o, struct umsg *m)
{
	if (o->rq_tail)
		o->rq_tail->next = m;
	else
		o->rq = m;
	o->rq_tail = m;
	o->rq_len++;
	o->seq++;
	file_changed();
}

void unix_drop(struct unix_sock *u, struct umsg *m)
{
	struct umsg **l = &u->rq, *prev = NULL;
	while (*l != m) {
		prev = *l;
		l = &prev->next;
	}
	*l = m->next;
	if (u->rq_tail == m)
		u->rq_tail = prev;
	u->rq_len--;
	if (m->from)
		m->from->seq++;         /* its sender has room again */
	umsg_free(m);
	file_changed();         /* the sender has room again */
}

void unix_purge(struct unix_sock *u)
{
	u->oob = NULL;
	while (u->rq)
		unix_drop(u, u->rq);
}

uint64_t unix_inq(struct unix_sock *u)
{
	if (u->type == SOCK_DGRAM)
		return u->rq ? u->rq->len : 0;
	uint64_t n = 0;
	for (struct umsg *m = u->rq; m; m = m->next)
		n += m->len - m->off;
	return n;
}

bool unix_other_full(struct unix_sock *u, struct unix_sock *o)
{
	return o->type == SOCK_DGRAM && o->peer != u && o->rq_len > UNIX_MAX_DGRAM_QLEN;
}

/* The credentials a message carries: those the sender gave (checked by the caller) or its own. */
static void unix_msg_creds(struct umsg *msg, const struct msg_k *m)
{
	if (m->scm && m->scm->has_creds)
		msg->creds = m->scm->creds;
	else
		unix_current_cred(&msg->creds, false);
}

/* Hands the files of the send to the message (only the first one of a stream send). */
static void unix_msg_take_scm(struct umsg *msg, struct msg_k *m)
{
	if (m->scm && m->scm->nfds) {
		msg->scm = m->scm;
		m->scm = NULL;
	}
}

/* A MSG_OOB send's last byte goes as a message of its own, after the others, and becomes the
   receiver's out-of-band byte (net/unix_oob.c); a send of no bytes cannot have one. */
static int64_t unix_stream_send(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct unix_sock *u = unix_sk(s);
	bool oob = flags & MSG_OOB;
	if (oob && !m->it.left)
		return -EOPNOTSUPP;
	if (m->addrlen)
		return u->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (u->state != US_CONNECTED)
		return -ENOTCONN;
	uint64_t total = m->it.left, normal = total - oob, sent = 0;
	int64_t deadline = socket_deadline(s->sndtimeo);
	while (sent < total) {
		struct unix_sock *p = u->peer;
		if ((u->shutdown & SEND_SHUTDOWN) || !p || p->dead || (p->shutdown & RCV_SHUTDOWN))
			return sent ? (int64_t)sent : socket_epipe(flags);
		if (u->wmem >= s->sndbuf) {
			int err = nonblock ? -EAGAIN : socket_wait(deadline, "a send to a full socket");
			if (err)
				return sent ? (int64_t)sent : err;
			continue;
		}
		uint32_t chunk = sent == normal ? 1 :
			(uint32_t)MIN(normal - sent, MIN(s->sndbuf / 2 - 64, STREAM_CHUNK));
		struct umsg *msg;
		int err = umsg_new(u, chunk, &m->it, &msg);
		if (err)
			return sent ? (int64_t)sent : err;
		unix_msg_creds(msg, m);
		if (!sent)
			unix_msg_take_scm(msg, m);
		if (sent == normal)
			unix_oob_queued(p, msg);        /* SIGURG before the data's wakeups */
		unix_enqueue(p, msg);
		sent += chunk;
	}
	return (int64_t)sent;
}

/* The receiver of a datagram or seqpacket send (referenced), or -errno. */
static int unix_dgram_target(struct unix_sock *u, struct msg_k *m, struct unix_sock **out)
{
	if (u->type == SOCK_SEQPACKET) {
		if (u->state != US_CONNECTED)
			return -ENOTCONN;
		if (!u->peer || u->peer->dead)
			return -EPIPE;
		*out = u->peer;
	} else if (m->addrlen) {
		return unix_find(m->addr, m->addrlen, SOCK_DGRAM, out);
	} else {
		if (!u->peer)
			return -ENOTCONN;
		*out = u->peer;
	}
	unix_get(*out);
	return 0;
}

static int64_t unix_dgram_send(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct unix_sock *u = unix_sk(s), *o;
	uint64_t len = m->it.left;
	int err = unix_dgram_target(u, m, &o);
	if (err)
		return err;
	if (len > s->sndbuf - 32 || len > UNIX_MSG_MAX) {
		unix_put(o);
		return -EMSGSIZE;
	}
	int64_t deadline = socket_deadline(s->sndtimeo);
	for (;;) {
		if (o->peer && o->peer != u && o->type == SOCK_DGRAM)
			err = -EPERM;
		else if (o->dead)
			err = u->type == SOCK_SEQPACKET ? -EPIPE : -ECONNREFUSED;
		else if ((o->shutdown & RCV_SHUTDOWN) || (u->shutdown & SEND_SHUTDOWN))
			err = -EPIPE;
		else if (u->wmem >= s->sndbuf || unix_other_full(u, o))
			err = nonblock ? -EAGAIN : socket_wait(deadline, "a send to a full socket");
		else
			break;
		if (err)
			goto out;
	}
	struct umsg *msg;
	if ((err = umsg_new(u, (uint32_t)len, &m->it, &msg)))
		goto out;
	unix_msg_creds(msg, m);
	unix_msg_take_scm(msg, m);
	if (o->sock && o->sock->tstamp)
		msg->stamp = time_realtime_ns();        /* the receiver asked: stamped as queued */
	unix_enqueue(o, msg);
out:
	if (err == -ECONNREFUSED && u->peer == o) {
		/* the connected peer is gone: the association dissolves, as on Linux */
		u->peer = NULL;
		u->state = US_UNCONNECTED;
		unix_put(o);
	}
	unix_put(o);
	if (err == -EPIPE)
		return socket_epipe(flags);
	return err ? err : (int64_t)len;
}

int64_t unix_sendmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct unix_sock *u = unix_sk(s);
	if (u->type == SOCK_STREAM)
		return unix_stream_send(s, m, flags, nonblock);
	if (flags & MSG_OOB)    /* a seqpacket socket says first that it is not connected */
		return u->type == SOCK_SEQPACKET && u->state != US_CONNECTED ? -ENOTCONN : -EOPNOTSUPP;
	return unix_dgram_send(s, m, flags, nonblock);
}

/* A copy of scm's files for a MSG_PEEK (references taken), or NULL. */
static struct scm_k *scm_dup(const struct scm_k *scm)
{
	struct scm_k *c = kmalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->nfds = scm->nfds;
	for (int i = 0; i < scm->nfds; i++) {
		c->files[i] = scm->files[i];
		c->files[i]->refs++;
	}
	return c;
}

/* Gives the receive the files of msg (moved, or copied for a peek). */
static void unix_recv_scm(struct msg_k *m, struct umsg *msg, bool peek)
{
	if (!msg->scm || m->scm)
		return;
	if (peek) {
		m->scm = scm_dup(msg->scm);
	} else {
		m->scm = msg->scm;
		msg->scm = NULL;
	}
}

static int unix_recv_creds(struct msg_k *m, const struct ucred_k *c)
{
	if (!m->scm && !(m->scm = kmalloc(sizeof(*m->scm))))
		return -ENOMEM;
	m->scm->has_creds = true;
	m->scm->creds = *c;
	return 0;
}

static void unix_recv_addr(struct msg_k *m, struct umsg *msg)
{
	struct unix_sock *from = msg->from;
	m->addrlen = 0;
	if (m->want_addr && from && from->addrlen) {
		memcpy(m->addr, from->addr, from->addrlen);
		m->addrlen = from->addrlen;
	}
}

/* Nothing to read yet: 0 to look again, or what the read returns (0 at end of input). */
static int64_t unix_recv_wait(struct unix_sock *u, bool nonblock, int64_t deadline)
{
	int err = unix_take_err(u);
	if (err)
		return -err;
	if (u->shutdown & RCV_SHUTDOWN)
		return 1;
	if (nonblock)
		return -EAGAIN;
	return socket_wait(deadline, "a receive from an empty socket");
}

static bool creds_eq(const struct ucred_k *a, const struct ucred_k *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* As Linux's unix_stream_read_generic: a read joins messages up to the out-of-band mark (never
   past it), a peek copies from one message after another without waiting once it has bytes,
   and even a read of no bytes waits for one. */
static int64_t unix_stream_recv(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct unix_sock *u = unix_sk(s);
	if (u->state != US_CONNECTED)
		return -EINVAL;
	m->addrlen = 0;
	if (flags & MSG_OOB)
		return unix_oob_recv(s, m, flags);
	bool peek = flags & MSG_PEEK, check_creds = false;
	uint64_t len = m->it.left, copied = 0;
	uint64_t target = MAX((flags & MSG_WAITALL) ? len : MIN((uint64_t)s->rcvlowat, len), 1);
	int64_t deadline = socket_deadline(s->rcvtimeo);
	struct ucred_k creds;
	struct umsg *msg = u->rq;
	for (;;) {
		if (msg && !(msg = unix_oob_skip(u, msg, peek, copied)) && copied)
			break;
		if (!msg) {
			if (copied >= target)
				break;
			int64_t r = unix_recv_wait(u, nonblock, deadline);
			if (r)
				return copied ? (int64_t)copied : (r == 1 ? 0 : r);
			if (u->state != US_CONNECTED)
				return copied ? (int64_t)copied : -EINVAL;
			msg = u->rq;
			continue;
		}
		if (check_creds && !creds_eq(&creds, &msg->creds))
			break;          /* never join data of different writers */
		if (!check_creds && s->passcred) {
			creds = msg->creds;
			check_creds = true;
		}
		if (!copied)
			unix_recv_addr(m, msg);
		uint32_t n = (uint32_t)MIN(msg->len - msg->off, len - copied);
		if (umsg_copy_out(msg, msg->off, &m->it, n))
			return copied ? (int64_t)copied : -EFAULT;
		copied += n;
		bool fds = msg->scm != NULL;
		unix_recv_scm(m, msg, peek);
		if (peek) {
			msg = msg->next;
			if (!msg)
				break;
		} else {
			msg->off += n;
			if (msg->off < msg->len)
				break;
			unix_drop(u, msg);
			msg = u->rq;
		}
		if (fds || copied == len)
			break;          /* files end a read too, as on Linux */
	}
	if (check_creds && unix_recv_creds(m, &creds))
		return copied ? (int64_t)copied : -ENOMEM;
	return (int64_t)copied;
}

static int64_t unix_dgram_recv(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct unix_sock *u = unix_sk(s);
	if (u->type == SOCK_SEQPACKET && u->state != US_CONNECTED)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int64_t deadline = socket_deadline(s->rcvtimeo);
	while (!u->rq) {
		int64_t r = unix_recv_wait(u, nonblock, deadline);
		if (r)
			return r == 1 ? 0 : r;
	}
	struct umsg *msg = u->rq;
	uint64_t want = m->it.left;
	uint32_t n = (uint32_t)MIN(msg->len, want), full = msg->len;
	if (umsg_copy_out(msg, 0, &m->it, n))
		return -EFAULT;
	if (full > want)
		m->flags_out |= MSG_TRUNC;
	unix_recv_addr(m, msg);
	if (s->tstamp) {
		/* queued before the option was set: the first receive that asks stamps it, as
		   Linux's __sock_recv_timestamp (a peek's time stays with the message) */
		if (!msg->stamp)
			msg->stamp = time_realtime_ns();
		sock_cmsg_timestamp(s, msg->stamp, m);
	}
	unix_recv_scm(m, msg, flags & MSG_PEEK);
	if (s->passcred && unix_recv_creds(m, &msg->creds))
		return -ENOMEM;
	if (!(flags & MSG_PEEK))
		unix_drop(u, u->rq);
	return (flags & MSG_TRUNC) ? full : n;
}

int64_t unix_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	if (unix_sk(s)->type == SOCK_STREAM)
		return unix_stream_recv(s, m, flags, nonblock);
	return unix_dgram_recv(s, m, flags, nonblock);
}
