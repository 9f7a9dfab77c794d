/* AF_NETLINK sockets: addresses (port ids), the queue of datagrams each receives, multicast
   group memberships (bind's nl_groups, NETLINK_ADD_MEMBERSHIP), notifications to the members
   with Linux's receive-buffer overrun (ENOBUFS), the SOL_NETLINK options, and the message
   builder. Only NETLINK_ROUTE exists; what its requests mean is net/rtnetlink.c's. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/random.h"
#include "vfs/vfs.h"
#include "net/socket.h"
#include "net/net.h"
#include "net/netlink.h"

#define NETLINK_ROUTE 0
#define NL_REQ_MAX 4096
#define NL_SKB_OVERHEAD 576     /* what Linux charges a queued skb beyond its data */

#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_LIST_MEMBERSHIPS 9
/* The boolean options: PKTINFO, BROADCAST_ERROR, NO_ENOBUFS, LISTEN_ALL_NSID, CAP_ACK,
   EXT_ACK, GET_STRICT_CHK. */
#define NL_BOOL_OPTS ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 11) | \
		      (1u << 12))
#define NL_OPT_NO_ENOBUFS (1u << 5)
#define NL_OPT_PKTINFO (1u << 3)
#define NL_OPT_CAP_ACK (1u << 10)

struct nl_sock {
	struct nl_sock *next;   /* every netlink socket, for notifications and port ids */
	struct socket *s;
	uint32_t portid;
	bool bound;
	uint64_t groups;        /* bit g-1: member of group g */
	uint32_t opts;          /* bit n: boolean option n is on */
	struct nl_dgram *q, *q_tail;
	uint32_t rmem;          /* what the queue holds, as Linux charges it against SO_RCVBUF */
	bool congested;         /* overrun: notifications are dropped until the queue drains */
	uint64_t seq;           /* events, for edge-triggered epoll */
};

static struct nl_sock *nl_all;

static struct nl_sock *nl_sk(struct socket *s)
{
	return s->priv;
}

uint32_t nl_portid(const struct nl_sock *n)
{
	return n->portid;
}

static void nl_dgram_free(struct nl_dgram *d)
{
	kfree(d->data, NL_DGRAM_MAX);
	kfree(d, sizeof(*d));
}

static struct nl_dgram *nl_dgram_alloc(void)
{
	struct nl_dgram *d = kmalloc(sizeof(*d));
	if (d && !(d->data = kmalloc(NL_DGRAM_MAX))) {
		kfree(d, sizeof(*d));
		d = NULL;
	}
	return d;
}

static void nl_list_add(struct nl_dgram **head, struct nl_dgram **tail, struct nl_dgram *d)
{
	d->next = NULL;
	if (*tail)
		(*tail)->next = d;
	else
		*head = d;
	*tail = d;
}

/* Room for len more bytes in the datagram being built (the message started at o->msg moves to
   a fresh datagram when it does not fit): a pointer, or NULL (out of memory: o->err). */
static uint8_t *nl_room(struct nl_out *o, uint32_t len)
{
	if (o->err)
		return NULL;
	if (o->cur && o->cur->len + NL_ALIGN(len) <= NL_DGRAM_MAX)
		goto have;
	struct nl_dgram *d = nl_dgram_alloc();
	if (!d) {
		o->err = -ENOBUFS;
		return NULL;
	}
	d->len = 0;
	d->group = 0;
	if (o->cur) {
		/* carry the unfinished message over */
		uint32_t part = o->cur->len - o->msg;
		if (part + NL_ALIGN(len) > NL_DGRAM_MAX) {
			nl_dgram_free(d);
			o->err = -ENOBUFS;
			return NULL;
		}
		memcpy(d->data, o->cur->data + o->msg, part);
		o->cur->len = o->msg;
		d->len = part;
		if (o->cur->len)
			nl_list_add(&o->head, &o->tail, o->cur);
		else
			nl_dgram_free(o->cur);
	}
	o->cur = d;
	o->msg = 0;
have:;
	uint8_t *p = o->cur->data + o->cur->len;
	memset(p, 0, NL_ALIGN(len));
	o->cur->len += NL_ALIGN(len);
	return p;
}

void nl_begin(struct nl_out *o, uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid)
{
	if (o->cur)
		o->msg = o->cur->len;
	struct nlmsghdr_k *h = (struct nlmsghdr_k *)nl_room(o, sizeof(*h));
	if (h)
		*h = (struct nlmsghdr_k){ 0, type, flags, seq, portid };
}

void nl_put(struct nl_out *o, const void *data, uint32_t len)
{
	uint8_t *p = nl_room(o, len);
	if (p)
		memcpy(p, data, len);
}

void nl_attr(struct nl_out *o, uint16_t type, const void *data, uint16_t len)
{
	uint16_t h[2] = { (uint16_t)(4 + len), type };
	nl_put(o, h, 4);
	nl_put(o, data, len);
}

void nl_end(struct nl_out *o)
{
	if (!o->err)
		((struct nlmsghdr_k *)(o->cur->data + o->msg))->len = o->cur->len - o->msg;
}

/* Moves everything built into the list of finished datagrams. */
static void nl_out_finish(struct nl_out *o)
{
	if (o->cur)
		nl_list_add(&o->head, &o->tail, o->cur);
	o->cur = NULL;
}

void nl_out_free(struct nl_out *o)
{
	nl_out_finish(o);
	while (o->head) {
		struct nl_dgram *d = o->head;
		o->head = d->next;
		nl_dgram_free(d);
	}
	o->tail = NULL;
}

static void nl_enqueue(struct nl_sock *n, struct nl_dgram *d)
{
	nl_list_add(&n->q, &n->q_tail, d);
	n->rmem += d->len + NL_SKB_OVERHEAD;
	n->seq++;
}

void nl_reply(struct nl_sock *n, struct nl_out *o)
{
	nl_out_finish(o);
	bool any = o->head != NULL;
	while (o->head) {
		struct nl_dgram *d = o->head;
		o->head = d->next;
		nl_enqueue(n, d);
	}
	o->tail = NULL;
	if (any)
		file_changed();
}

/* Queues a copy of d on n unless its receive buffer is full (Linux's netlink_broadcast_deliver
   and netlink_overrun: the first drop sets the socket's error). */
static void nl_deliver(struct nl_sock *n, const struct nl_dgram *d, int group)
{
	struct nl_dgram *c = NULL;
	if (!n->congested && n->rmem <= n->s->rcvbuf)
		c = nl_dgram_alloc();
	if (!c) {
		if (!(n->opts & NL_OPT_NO_ENOBUFS) && !n->congested) {
			n->congested = true;
			n->s->err = ENOBUFS;
			n->seq++;
		}
		return;
	}
	memcpy(c->data, d->data, d->len);
	c->len = d->len;
	c->group = (uint32_t)group;
	nl_enqueue(n, c);
}

/* Linux's do_one_broadcast skips the port it excludes: the requester's with NLM_F_ECHO (it
   gets its own copy), else 0, so a socket without a port gets no multicast. */
static bool nl_member(const struct nl_sock *n, int group, const struct nl_origin *org)
{
	if (n->portid == (org && org->echo ? org->portid : 0))
		return false;
	return (n->groups >> (group - 1)) & 1;
}

bool nl_listened(int group, const struct nl_origin *org)
{
	if (org && org->echo)
		return true;
	for (struct nl_sock *n = nl_all; n; n = n->next)
		if (nl_member(n, group, org))
			return true;
	return false;
}

void nl_notify(struct nl_out *o, int group, const struct nl_origin *org)
{
	nl_out_finish(o);
	if (o->head && !o->err) {
		for (struct nl_sock *n = nl_all; n; n = n->next)
			if (nl_member(n, group, org))
				nl_deliver(n, o->head, group);
		if (org && org->echo)
			nl_deliver(org->sk, o->head, 0);
		file_changed();
	}
	nl_out_free(o);
	o->err = 0;
}

static bool nl_port_used(uint32_t portid)
{
	for (struct nl_sock *n = nl_all; n; n = n->next)
		if (n->bound && n->portid == portid)
			return true;
	return false;
}

/* The port of a socket bound without one: the process id if free, else a random one of
   Linux's range [-2^31, -4097]. */
static void nl_autobind(struct nl_sock *n)
{
	if (n->bound)
		return;
	uint32_t portid = (uint32_t)current->pid;
	while (nl_port_used(portid)) {
		random_bytes(&portid, sizeof(portid));
		portid |= 0x80000000u;
		if (portid > 0xffffefffu)
			portid -= 0x1000u;
	}
	n->portid = portid;
	n->bound = true;
}

/* Linux's netlink_ack: NLMSG_ERROR with the error and the request's header, and after it the
   rest of a failed request unless NETLINK_CAP_ACK is on (NLM_F_CAPPED says it is not there). */
static void nl_ack(struct nl_sock *n, struct nl_out *o, const struct nlmsghdr_k *req, int err)
{
	bool whole = err && !(n->opts & NL_OPT_CAP_ACK);
	nl_begin(o, NLMSG_ERROR, whole ? 0 : NLM_F_CAPPED, req->seq, n->portid);
	int32_t e = err;
	nl_put(o, &e, 4);
	nl_put(o, req, whole ? req->len : sizeof(*req));
	nl_end(o);
}

static int64_t nl_sendmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct nl_sock *n = nl_sk(s);
	uint64_t len = m->it.left;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (len > NL_REQ_MAX)
		return -EMSGSIZE;
	static uint8_t req[NL_REQ_MAX] __attribute__((aligned(8)));
	if (iter_copy_from(&m->it, req, (size_t)len))
		return -EFAULT;
	nl_autobind(n);
	for (uint32_t off = 0; len - off >= sizeof(struct nlmsghdr_k);) {
		const struct nlmsghdr_k *h = (const void *)(req + off);
		if (h->len < sizeof(*h) || h->len > len - off)
			break;
		struct nl_out o = { 0 };
		/* only requests go to the protocol; control messages and answers are acked */
		int err = 0;
		if ((h->flags & NLM_F_REQUEST) && h->type >= NLMSG_MIN_TYPE)
			err = rtnl_request(n, &o, h, h->len);
		if (err != NL_DUMPED && (err || (h->flags & NLM_F_ACK)))
			nl_ack(n, &o, h, err);
		if (o.err) {
			nl_out_free(&o);
			return o.err;
		}
		nl_reply(n, &o);
		off += NL_ALIGN(h->len);
	}
	return (int64_t)len;
}

struct nl_pktinfo_k {
	uint32_t group;
};

static int64_t nl_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct nl_sock *n = nl_sk(s);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int64_t deadline = socket_deadline(s->rcvtimeo);
	for (;;) {
		if (s->err) {           /* an overrun is reported before what is queued */
			int e = s->err;
			s->err = 0;
			return -e;
		}
		if (n->q)
			break;
		int err = nonblock ? -EAGAIN : socket_wait(deadline, "a netlink socket with no reply");
		if (err)
			return err;
	}
	struct nl_dgram *d = n->q;
	uint32_t take = (uint32_t)MIN(d->len, m->it.left);
	if (iter_copy_to(&m->it, d->data, take))
		return -EFAULT;
	if (take < d->len)
		m->flags_out |= MSG_TRUNC;
	uint32_t from[3] = { AF_NETLINK, 0, d->group && d->group <= 32 ? 1u << (d->group - 1) : 0 };
	memcpy(m->addr, from, sizeof(from));         /* the kernel: port 0 */
	m->addrlen = sizeof(from);
	if ((n->opts & NL_OPT_PKTINFO) && m->nipctl < MSG_IPCTL_MAX) {
		struct msg_ipctl *c = &m->ipctl[m->nipctl++];
		struct nl_pktinfo_k pi = { d->group };
		*c = (struct msg_ipctl){ SOL_NETLINK, NETLINK_PKTINFO, sizeof(pi), { 0 } };
		memcpy(c->data, &pi, sizeof(pi));
	}
	uint32_t full = d->len;
	if (!(flags & MSG_PEEK)) {
		n->q = d->next;
		if (!n->q) {
			n->q_tail = NULL;
			n->congested = false;
		}
		n->rmem -= d->len + NL_SKB_OVERHEAD;
		nl_dgram_free(d);
	}
	return (flags & MSG_TRUNC) ? full : take;
}

struct sockaddr_nl_k {
	uint16_t family, pad;
	uint32_t pid, groups;
};

/* Linux's netlink_bind: a bound socket keeps its port; nl_groups replaces the memberships of
   groups 1-32. */
static int nl_bind(struct socket *s, const void *addr, uint32_t len)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl_k a;
	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.family != AF_NETLINK)
		return -EINVAL;
	if (n->bound && a.pid != n->portid)
		return -EINVAL;
	if (!n->bound) {
		if (a.pid && nl_port_used(a.pid))
			return -EADDRINUSE;
		if (a.pid) {
			n->portid = a.pid;
			n->bound = true;
		}
		nl_autobind(n);
	}
	n->groups = (n->groups & ~0xffffffffull) | a.groups;
	return 0;
}

static int nl_connect(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	struct sockaddr_nl_k a;
	if (len < sizeof(uint16_t))
		return -EINVAL;
	memcpy(&a, addr, MIN(len, sizeof(a)));
	if (a.family == AF_UNSPEC)
		return 0;
	if (len < sizeof(a) || a.family != AF_NETLINK)
		return -EINVAL;
	nl_autobind(nl_sk(s));
	return 0;
}

static int nl_getname(struct socket *s, void *addr, uint32_t *len, bool peer)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl_k a = { AF_NETLINK, 0, peer ? 0 : n->portid,
				   peer ? 0 : (uint32_t)n->groups };
	memcpy(addr, &a, sizeof(a));
	*len = sizeof(a);
	return 0;
}

static uint32_t nl_poll(struct socket *s)
{
	return (nl_sk(s)->q ? POLLIN | POLLRDNORM : 0) | (s->err ? POLLERR : 0) |
	       POLLOUT | POLLWRNORM;
}

static bool nl_event_seq(struct socket *s, uint64_t *seq)
{
	*seq = nl_sk(s)->seq;
	return true;
}

/* SOL_NETLINK as Linux's netlink_setsockopt: a value shorter than an int reads as 0. The
   booleans other than NO_ENOBUFS and PKTINFO do not change what happens here (one network
   namespace; acknowledgements carry no extended TLVs, there being no messages to give). */
static int nl_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	struct nl_sock *n = nl_sk(s);
	uint32_t v = 0;
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(v));
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		if (!v || v - 1 >= NL_GROUPS)
			return -EINVAL;
		if (name == NETLINK_ADD_MEMBERSHIP)
			n->groups |= 1ull << (v - 1);
		else
			n->groups &= ~(1ull << (v - 1));
		return 0;
	}
	if (name < 0 || name > 31 || !((NL_BOOL_OPTS >> name) & 1))
		return -ENOPROTOOPT;
	if (name == 8 && !capable(CAP_NET_BROADCAST))
		return -EPERM;          /* LISTEN_ALL_NSID */
	n->opts = v ? n->opts | (1u << name) : n->opts & ~(1u << name);
	if (name == 5 && v)
		n->congested = false;
	return 0;
}

static int nl_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	struct nl_sock *n = nl_sk(s);
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if ((int32_t)*len < 0)
		return -EINVAL;
	if (name == NETLINK_LIST_MEMBERSHIPS) {
		uint32_t words[2] = { (uint32_t)n->groups, (uint32_t)(n->groups >> 32) };
		uint32_t room = MIN(*len, sizeof(words)) & ~3u;
		memcpy(val, words, room);
		*len = NL_ALIGN((NL_GROUPS + 7) / 8);
		return 0;
	}
	if (name < 0 || name > 31 || !((NL_BOOL_OPTS >> name) & 1))
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	int v = (n->opts >> name) & 1;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int nl_shutdown(struct socket *s, int how)
{
	return -EOPNOTSUPP;     /* as Linux's netlink (sock_no_shutdown) */
}

static int nl_listen(struct socket *s, int backlog)
{
	return -EOPNOTSUPP;
}

static int nl_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	return -EOPNOTSUPP;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *n = nl_sk(s);
	for (struct nl_sock **p = &nl_all; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			break;
		}
	while (n->q) {
		struct nl_dgram *d = n->q;
		n->q = d->next;
		nl_dgram_free(d);
	}
	kfree(n, sizeof(*n));
}

static const struct sock_ops netlink_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.listen = nl_listen,
	.accept = nl_accept,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.getname = nl_getname,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.poll = nl_poll,
	.event_seq = nl_event_seq,
	.release = nl_release,
};

int netlink_create(struct socket *s, int type, int protocol)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nl_sock *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	net_settle();           /* the interfaces exist before anyone can watch them change */
	n->s = s;
	n->next = nl_all;
	nl_all = n;
	s->priv = n;
	s->ops = &netlink_ops;
	return 0;
}
