/* AF_UNIX stream out-of-band data, as Linux's af_unix with CONFIG_AF_UNIX_OOB: the byte a
   send(MSG_OOB) ends with is a message of its own in the receive queue, which the receiver's
   oob points at while it is pending. Reads stop before it and skip it unless SO_OOBINLINE;
   recv(MSG_OOB) takes it and leaves the message, read, where reads still stop. */
#include "k/kernel.h"
#include "vfs/file.h"
#include "net/unix.h"

static bool umsg_read(const struct umsg *m)
{
	return m->off == m->len;
}

static bool unix_oobinline(const struct unix_sock *u)
{
	return u->sock && u->sock->oobinline;
}

void unix_oob_queued(struct unix_sock *p, struct umsg *msg)
{
	/* an older byte still pending stays in the stream as data; msg is queued next, as Linux
	   signals the owner before it wakes readers */
	p->oob = msg;
	if (p->sock && p->sock->file)
		fasync_urgent(p->sock->file);
}

struct umsg *unix_oob_skip(struct unix_sock *u, struct umsg *msg, bool peek, uint64_t copied)
{
	if (umsg_read(msg)) {
		/* an out-of-band byte taken already: a read that has bytes stops there unless a
		   newer byte is pending; otherwise it goes on past (and drops) it */
		if (copied && !u->oob)
			return NULL;
		struct umsg *next = msg->next;
		if (!peek)
			unix_drop(u, msg);
		msg = next;
		if (!msg)
			return NULL;
	}
	if (msg != u->oob)
		return msg;
	if (copied)
		return NULL;            /* the mark: what came before it is a read of its own */
	if (peek)
		return unix_oobinline(u) ? msg : msg->next;
	u->oob = NULL;
	if (unix_oobinline(u))
		return msg;             /* read as data */
	unix_drop(u, msg);              /* a read passing the byte loses it */
	return u->rq;
}

int64_t unix_oob_recv(struct socket *s, struct msg_k *m, int flags)
{
	struct unix_sock *u = unix_sk(s);
	struct umsg *oob = u->oob;
	if (s->oobinline || !oob)
		return -EINVAL;
	/* a buffer of no bytes takes the byte too, copying nothing */
	int err = umsg_copy_out(oob, oob->off, &m->it, (uint32_t)MIN(m->it.left, 1));
	if (!(flags & MSG_PEEK)) {
		u->oob = NULL;
		oob->off = oob->len;
		/* a read byte just before this one no longer marks anything */
		struct umsg *prev = NULL;
		for (struct umsg *q = u->rq; q != oob; q = q->next)
			prev = q;
		if (prev && umsg_read(prev))
			unix_drop(u, prev);
	}
	if (err)
		return err;
	m->flags_out |= MSG_OOB;
	return 1;
}

bool unix_oob_at_mark(const struct unix_sock *u)
{
	const struct umsg *h = u->rq;
	if (!h)
		return false;
	return h == u->oob || (umsg_read(h) && (!u->oob || h->next == u->oob));
}
